import Glibc

/// The few read-only file operations unit lookup (and the installer) needs, without Foundation.
public enum UnitDiskAccess {
    public enum Kind: Equatable {
        case regularFile(size: Int)
        case directory
        case symbolicLink
        /// A character or block device, such as /dev/null.
        case device
        case other
    }

    /// The kind of `path` itself (`lstat`), or of what it points to (`stat`); nil when it does not exist.
    public static func kind(of path: String, followingLinks: Bool = false) -> Kind? {
        var info = stat()
        guard (followingLinks ? stat(path, &info) : lstat(path, &info)) == 0 else { return nil }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return .regularFile(size: Int(info.st_size))
        case S_IFDIR: return .directory
        case S_IFLNK: return .symbolicLink
        case S_IFCHR, S_IFBLK: return .device
        default: return .other
        }
    }

    /// When `path` (a directory: when an entry was added or removed) last changed, in ns since the
    /// epoch; nil when it does not exist.
    public static func modificationTime(of path: String) -> Int64? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
    }

    /// Which version of a file (followed through links) this is: a file written to, or replaced by
    /// another, has a new identity.
    public struct Identity: Equatable, Sendable {
        var device: UInt64
        var inode: UInt64
        var size: Int64
        var modified: Int64
        /// Status change time (ns since the epoch), which no program can set back.
        var changed: Int64
    }

    /// The identity of the file at `path`; nil when it does not exist.
    public static func identity(of path: String) -> Identity? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Identity(
            device: UInt64(info.st_dev), inode: UInt64(info.st_ino), size: Int64(info.st_size),
            modified: Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec),
            changed: Int64(info.st_ctim.tv_sec) * 1_000_000_000 + Int64(info.st_ctim.tv_nsec))
    }

    /// The wall clock in ns since the epoch, to compare with `modificationTime(of:)`.
    public static func currentTime() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
    }

    /// The target of the symbolic link at `path`, as stored.
    public static func linkTarget(of path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink(path, &buffer, buffer.count - 1)
        guard length > 0 else { return nil }
        return String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Names in the directory, without `.` and `..`; nil when it cannot be opened.
    public static func entries(of directory: String) -> [String]? {
        guard let stream = opendir(directory) else { return nil }
        defer { closedir(stream) }
        var names: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// The canonical path with every symbolic link resolved; nil when it does not exist.
    public static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// The whole file as text; nil when it cannot be read.
    public static func contents(of path: String) -> String? {
        readTextFile(atPath: path)
    }
}
