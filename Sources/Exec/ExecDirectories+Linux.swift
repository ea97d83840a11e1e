import Glibc
import SystemCall
import UnitModel

extension ExecDirectoryKind {
    /// The step a failure to make one of its directories is reported at.
    var step: ExecStep {
        switch self {
        case .runtime: .runtimeDirectory
        case .state: .stateDirectory
        case .cache: .cacheDirectory
        case .logs: .logsDirectory
        case .configuration: .configurationDirectory
        }
    }
}

extension ExecDirectories {
    /// Makes the directories before a process starts, as systemd does at each start: missing
    /// parents root's with 0755, each directory with its mode and, except configuration
    /// directories, the unit's user and group as owner (everything inside too when the owner was
    /// another), and the links asked for. With `dynamicUser`, state, cache and logs directories are
    /// made in the kind's `private/` (root's, 0700), their usual path a link there (an existing
    /// directory there is moved in). Returns `$RUNTIME_DIRECTORY` and friends.
    func prepare(owner: (uid: uid_t, gid: gid_t), dynamicUser: Bool) throws(SpawnFailure) -> [String] {
        var environment: [String] = []
        for kind in ExecDirectoryKind.allCases {
            guard let list = directories[kind], !list.isEmpty else { continue }
            func fail(_ path: String, _ error: Errno) -> SpawnFailure {
                SpawnFailure(
                    step: kind.step,
                    message: "Failed to set up special execution directory in \(kind.base): \(path): \(error)")
            }
            let hidden = dynamicUser ? kind.privateDirectory : nil
            if let hidden {
                if mkdir(hidden, 0o700) != 0 && errno != EEXIST || chmod(hidden, 0o700) != 0 {
                    throw fail(hidden, .current)
                }
            }
            for directory in list {
                let usual = kind.base + "/" + directory.name
                let path = hidden.map { $0 + "/" + directory.name } ?? usual
                // A directory at the usual path (from runs without DynamicUser=) moves in.
                var found = stat(), moved = stat()
                if hidden != nil, lstat(usual, &found) == 0, found.st_mode & S_IFMT == S_IFDIR,
                    lstat(path, &moved) != 0,
                    rename(usual, path) != 0
                {
                    throw fail(usual, .current)
                }
                var prefix = hidden ?? kind.base
                for component in directory.name.split(separator: "/") {
                    prefix += "/" + component
                    if mkdir(prefix, prefix == path ? mode(of: kind) : 0o755) != 0 && errno != EEXIST {
                        throw fail(prefix, .current)
                    }
                }
                var status = stat()
                guard lstat(path, &status) == 0, status.st_mode & S_IFMT == S_IFDIR else {
                    throw fail(path, Errno(ENOTDIR))
                }
                if kind != .configuration && (status.st_uid != owner.uid || status.st_gid != owner.gid) {
                    do {
                        try changeOwnerRecursively(path, to: owner)
                    } catch {
                        throw fail(path, error)
                    }
                }
                if chmod(path, mode(of: kind)) != 0 { throw fail(path, .current) }
                if hidden != nil {
                    let relative = String(repeating: "../", count: directory.name.split(separator: "/").count - 1)
                    if symlink(relative + "private/" + directory.name, usual) != 0 && errno != EEXIST {
                        throw fail(usual, .current)
                    }
                }
                for link in directory.symlinks {
                    let linkPath = kind.base + "/" + link
                    if symlink(path, linkPath) != 0 && errno != EEXIST { throw fail(linkPath, .current) }
                }
            }
            environment.append("\(kind.environmentName)=\(paths(of: kind).joined(separator: ":"))")
        }
        return environment
    }

    /// lchown of `path` and everything below it, never following a link.
    private func changeOwnerRecursively(_ path: String, to owner: (uid: uid_t, gid: gid_t)) throws(Errno) {
        if lchown(path, owner.uid, owner.gid) != 0 { throw Errno.current }
        guard let directory = try? FileDescriptor.open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW) else { return }
        for entry in try directory.entries() {
            try changeOwnerRecursively(path + "/" + entry.name, to: owner)
        }
    }
}
