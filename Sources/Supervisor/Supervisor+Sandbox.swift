import Exec
import Glibc
import SystemCall
import UnitModel

/// What corrald keeps on the host for units' sandboxes: the inaccessible nodes, and each run's
/// private `/tmp` and `/var/tmp`, shared network and IPC namespaces and credentials, removed with
/// its cgroup (and `RemoveIPC=`'s cleanup then).
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

    /// `RemoveIPC=`: once no other unit runs as the unit's (non-root) user, its IPC objects go.
    /// The run's user and groups, looked up once: `DynamicUser=` claims a dynamic user (shared by
    /// every unit of the same `User=`) unless the host has one of that name.
    func credentials(for unit: ManagedUnit) -> Result<Credentials?, Credentials.LookupError> {
        let exec = unit.loaded.unit.exec
        guard exec.dynamicUser, let name = exec.user else {
            return Result { () throws(Credentials.LookupError) in try Credentials.resolve(for: exec) }
        }
        return Result { () throws(Credentials.LookupError) in
            try dynamicUsers.credentials(for: name).adding(supplementaryGroups: exec.supplementaryGroups)
        }
    }

    /// Gives a dynamic user back once no running unit has it.
    private func releaseDynamicUser(of unit: ManagedUnit) {
        let exec = unit.loaded.unit.exec
        guard exec.dynamicUser, let name = exec.user else { return }
        let shared = units.values.contains { other in
            other !== unit && other.activeState != .inactive && other.activeState != .failed
                && other.loaded.unit.exec.dynamicUser && other.loaded.unit.exec.user == name
        }
        if !shared { dynamicUsers.release(name) }
    }

    private func removeIPCIfLast(_ unit: ManagedUnit) {
        guard unit.loaded.unit.exec.removeIPC, unit.loaded.unit.exec.user != nil,
            case .success(let user?) = unit.credentials, user.uid != 0
        else { return }
        let others = units.values.contains { other in
            guard other !== unit, other.activeState != .inactive, other.activeState != .failed,
                case .success(let found?) = other.credentials
            else { return false }
            return found.uid == user.uid
        }
        if !others { IPCCleanup.remove(uid: user.uid, gid: user.gid) }
    }

    /// The run's credentials (`LoadCredential=`, `SetCredential=`), made at its first process:
    /// `RUNTIMEDIR/credentials/UNIT`, a ramfs (never swapped out) of files mode 0400 owned by the
    /// unit's user, read-only once written; nil when the unit has none. A load that fails leaves
    /// nothing behind.
    func credentialsDirectory(for unit: ManagedUnit) throws(SpawnFailure) -> String? {
        let exec = unit.loaded.unit.exec
        guard !exec.loadCredentials.isEmpty || !exec.setCredentials.isEmpty else { return nil }
        let path = credentialsPath(of: unit)
        var status = stat(), parent = stat()
        if stat(path, &status) == 0, stat(configuration.runtimeDirectory + "/credentials", &parent) == 0,
            status.st_dev != parent.st_dev
        {
            return path  // made by an earlier process of this run
        }
        let owner: (uid: uid_t, gid: gid_t) =
            if exec.user != nil, case .success(let found?) = unit.credentials { (found.uid, found.gid) } else { (0, 0) }
        do {
            try makeDirectory(configuration.runtimeDirectory + "/credentials")
            try makeDirectory(path, mode: 0o700)
            let flags = UInt(MS_NODEV | MS_NOSUID | MS_NOEXEC)
            if mount("ramfs", path, "ramfs", flags, "mode=0700") != 0
                && mount("tmpfs", path, "tmpfs", flags, "mode=0700") != 0
            {
                throw Errno.current
            }
            var written: Set<String> = []
            for file in exec.loadCredentials {
                for (name, bytes) in try credentialContents(file) where written.insert(name).inserted {
                    try writeCredential(bytes, to: path + "/" + name, owner: owner)
                }
            }
            for value in exec.setCredentials where written.insert(value.id).inserted {
                try writeCredential(Array(value.value.utf8), to: path + "/" + value.id, owner: owner)
            }
            if chown(path, owner.uid, owner.gid) != 0 || chmod(path, 0o500) != 0
                || mount(nil, path, nil, flags | UInt(MS_REMOUNT | MS_BIND | MS_RDONLY), nil) != 0
            {
                throw Errno.current
            }
        } catch {
            releaseCredentials(of: unit)
            throw SpawnFailure(step: .credentials, message: "Failed to set up credentials: \(error)")
        }
        return path
    }

    /// What one `LoadCredential=` gives: the file (or each file of the directory, as `ID_NAME`),
    /// or the name in corrald's own credentials, which may be absent.
    private func credentialContents(_ file: CredentialFile) throws(CredentialError) -> [(String, [UInt8])] {
        func read(_ path: String) throws(CredentialError) -> [UInt8] {
            do {
                return try FileDescriptor.open(path, O_RDONLY).readToEnd()
            } catch {
                throw CredentialError(path: path, errno: error)
            }
        }
        guard file.path.hasPrefix("/") else {
            guard let store = getenv("CREDENTIALS_DIRECTORY").map({ String(cString: $0) }),
                access(store + "/" + file.path, F_OK) == 0
            else { return [] }
            return [(file.id, try read(store + "/" + file.path))]
        }
        var status = stat()
        guard stat(file.path, &status) == 0 else { throw CredentialError(path: file.path, errno: .current) }
        guard status.st_mode & S_IFMT == S_IFDIR else { return [(file.id, try read(file.path))] }
        let entries: [(name: String, isDirectory: Bool)]
        do {
            entries = try FileDescriptor.open(file.path, O_RDONLY | O_DIRECTORY).entries()
        } catch {
            throw CredentialError(path: file.path, errno: error)
        }
        var contents: [(String, [UInt8])] = []
        for entry in entries.sorted(by: { $0.name < $1.name }) where !entry.isDirectory {
            contents.append((file.id + "_" + entry.name, try read(file.path + "/" + entry.name)))
        }
        return contents
    }

    private func writeCredential(_ bytes: [UInt8], to path: String, owner: (uid: uid_t, gid: gid_t)) throws(Errno) {
        let file = try FileDescriptor.open(path, O_WRONLY | O_CREAT | O_EXCL, mode: 0o400)
        try file.writeAll(bytes)
        if fchown(file.rawValue, owner.uid, owner.gid) != 0 { throw Errno.current }
    }

    func releaseCredentials(of unit: ManagedUnit) {
        let path = credentialsPath(of: unit)
        umount2(path, Int32(MNT_DETACH))
        rmdir(path)
    }

    private func credentialsPath(of unit: ManagedUnit) -> String {
        configuration.runtimeDirectory + "/credentials/" + unit.name
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
    /// its credentials, and its runtime directories unless `RuntimeDirectoryPreserve=` keeps them (`restart`: over
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
        releaseCredentials(of: unit)
        removeIPCIfLast(unit)
        releaseDynamicUser(of: unit)
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

/// A credential file that could not be read.
struct CredentialError: Error, CustomStringConvertible {
    var path: String
    var errno: Errno

    var description: String { "\(path): \(errno)" }
}
