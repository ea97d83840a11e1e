import Exec
import Glibc
import SystemCall
import UnitModel

/// What corrald makes on the host for units' namespaces: the inaccessible nodes, and each run's
/// private `/tmp` and `/var/tmp` and its shared network and IPC namespaces.
extension Supervisor {
    /// Empty nodes of every file type, mode 0000, that `InaccessiblePaths=` and the protections
    /// cover paths with (systemd's `/run/systemd/inaccessible`).
    var inaccessibleDirectory: String { configuration.runtimeDirectory + "/inaccessible" }

    /// Makes the inaccessible nodes at start-up; each that exists is kept.
    func makeInaccessibleNodes() {
        let directory = inaccessibleDirectory
        try? makeDirectory(directory)
        let nodes: [(String, mode_t, dev_t)] = [
            ("reg", S_IFREG, 0), ("fifo", S_IFIFO, 0), ("sock", S_IFSOCK, 0), ("chr", S_IFCHR, 0), ("blk", S_IFBLK, 0),
        ]
        var failures = mkdir(directory + "/dir", 0) == 0 || errno == EEXIST ? [] : ["dir: \(Errno.current)"]
        for (name, type, device) in nodes where mknod(directory + "/" + name, type, device) != 0 && errno != EEXIST {
            failures.append("\(name): \(Errno.current)")
        }
        if !failures.isEmpty {
            log(
                nil, "Cannot make the inaccessible nodes in \(directory): \(failures.joined(separator: ", "))",
                level: .warning)
        }
    }

    /// The run's `/tmp` and `/var/tmp` (`PrivateTmp=`): `corral-private-INVOCATION/tmp` (mode 1777)
    /// in each, made at the run's first process and removed with its cgroup. The invocation ID is
    /// random and recorded, so the paths are known again after a crash and no other user can have
    /// made them first; one that exists is used only if it is root's directory of mode 0700.
    func privateTemporaryDirectories(for unit: ManagedUnit) throws(SpawnFailure) -> (tmp: String, varTmp: String)? {
        guard unit.loaded.unit.exec.namespaces.privateTmp else { return nil }
        let (tmp, varTmp) = privateTemporaryPaths(of: unit)
        for path in [tmp, varTmp] {
            let top = String(path.dropLast("/tmp".count))
            var status = stat()
            if mkdir(top, 0o700) != 0 {
                guard errno == EEXIST, lstat(top, &status) == 0, status.st_mode & S_IFMT == S_IFDIR, status.st_uid == 0,
                    status.st_mode & 0o7777 == 0o700
                else {
                    throw SpawnFailure(
                        step: .namespace, message: "Failed to set up the private directory \(top): \(Errno.current)")
                }
            }
            if mkdir(path, 0o1777) != 0 && errno != EEXIST || chmod(path, 0o1777) != 0 {
                throw SpawnFailure(
                    step: .namespace, message: "Failed to set up the private directory \(path): \(Errno.current)")
            }
        }
        return (tmp, varTmp)
    }

    /// The network and IPC namespaces the run's processes share: `NetworkNamespacePath=` to join,
    /// or for `PrivateNetwork=` and `PrivateIPC=` a file under `RUNTIMEDIR/namespaces` that the
    /// first process binds its namespace onto and the others join (it survives a crash of corrald).
    func sharedNamespaces(for unit: ManagedUnit) throws(SpawnFailure) -> [SharedNamespace] {
        let settings = unit.loaded.unit.exec.namespaces
        var shared: [SharedNamespace] = []
        if let path = settings.networkNamespacePath {
            shared.append(SharedNamespace(.network, path: path, create: false))
        } else if settings.privateNetwork {
            shared.append(try keptNamespace(.network, of: unit))
        }
        if settings.privateIPC { shared.append(try keptNamespace(.ipc, of: unit)) }
        return shared
    }

    private func keptNamespace(_ kind: SharedNamespace.Kind, of unit: ManagedUnit) throws(SpawnFailure)
        -> SharedNamespace
    {
        let path = keptNamespacePath(kind, of: unit)
        try? makeDirectory(configuration.runtimeDirectory + "/namespaces")
        let file = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o444)
        if file >= 0 {
            close(file)
            return SharedNamespace(kind, path: path, create: true)
        }
        var status = stat(), directory = stat()
        guard errno == EEXIST, lstat(path, &status) == 0,
            stat(configuration.runtimeDirectory + "/namespaces", &directory) == 0
        else {
            throw SpawnFailure(
                step: .namespace, message: "Failed to set up the namespace file \(path): \(Errno.current)")
        }
        // A namespace bound onto the file lives on another device (nsfs).
        return SharedNamespace(kind, path: path, create: status.st_dev == directory.st_dev)
    }

    private func keptNamespacePath(_ kind: SharedNamespace.Kind, of unit: ManagedUnit) -> String {
        configuration.runtimeDirectory + "/namespaces/\(unit.invocationID)-\(kind == .network ? "net" : "ipc")"
    }

    /// Removes what the run had of its own: its private `/tmp` and `/var/tmp`, its kept namespaces,
    /// and its runtime directories unless `RuntimeDirectoryPreserve=` keeps them (`restart`: over
    /// an automatic restart).
    func releaseSandbox(of unit: ManagedUnit) {
        let directories = unit.loaded.unit.exec.directories
        let restarting = unit.machine?.subState == .autoRestart
        if directories.runtimePreserve == .no || directories.runtimePreserve == .restart && !restarting {
            for directory in directories.directories[.runtime] ?? [] {
                for link in directory.symlinks { unlink("/run/" + link) }
                do {
                    try removeTree("/run/" + directory.name)
                } catch {
                    log(
                        unit.name, "Failed to remove the runtime directory /run/\(directory.name): \(error)",
                        level: .warning)
                }
            }
        }
        guard !unit.invocationID.isEmpty else { return }
        for kind in [SharedNamespace.Kind.network, .ipc] {
            let path = keptNamespacePath(kind, of: unit)
            umount2(path, Int32(MNT_DETACH))
            unlink(path)
        }
        let (tmp, varTmp) = privateTemporaryPaths(of: unit)
        for top in [tmp, varTmp].map({ String($0.dropLast("/tmp".count)) }) {
            do {
                try removeTree(top)
            } catch {
                log(unit.name, "Failed to remove the private directory \(top): \(error)", level: .warning)
            }
        }
    }

    private func privateTemporaryPaths(of unit: ManagedUnit) -> (tmp: String, varTmp: String) {
        ("/tmp/corral-private-\(unit.invocationID)/tmp", "/var/tmp/corral-private-\(unit.invocationID)/tmp")
    }
}
