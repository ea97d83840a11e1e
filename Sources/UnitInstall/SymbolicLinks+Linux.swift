import Glibc

/// The installer's writes: symbolic links and the directories that hold them.
enum SymbolicLinks {
    /// Creates `path` → `target`, making missing parent directories (mode 0755).
    static func create(_ path: String, pointingTo target: String) throws(InstallError) {
        try makeDirectories(upTo: path)
        guard symlink(target, path) == 0 else { throw .fileSystem(path: path, errno: errno) }
    }

    static func remove(_ path: String) throws(InstallError) {
        guard unlink(path) == 0 else { throw .fileSystem(path: path, errno: errno) }
    }

    private static func makeDirectories(upTo path: String) throws(InstallError) {
        var partial = ""
        for component in path.split(separator: "/").dropLast() {
            partial += "/" + component
            if mkdir(partial, 0o755) != 0 && errno != EEXIST { throw .fileSystem(path: partial, errno: errno) }
        }
    }
}

func systemErrorText(_ code: Int32) -> String {
    String(cString: strerror(code))
}
