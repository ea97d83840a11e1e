import CLinux
import Glibc

/// Replaces the file at `path` with `bytes` in one step: written to `path.tmp`, then renamed over it,
/// so that a reader (or the next corrald after a crash) sees the old file or the new one, never a part.
public func writeFileAtomically(_ bytes: [UInt8], to path: String, mode: mode_t = 0o644) throws(Errno) {
    let temporary = path + ".tmp"
    do throws(Errno) {
        let file = try FileDescriptor.open(temporary, O_WRONLY | O_CREAT | O_TRUNC, mode: mode)
        try file.writeAll(bytes)
        file.close()
        if rename(temporary, path) != 0 { throw Errno.current }
    } catch {
        unlink(temporary)
        throw error
    }
}

/// Creates directory `path` unless it exists.
public func makeDirectory(_ path: String, mode: mode_t = 0o755) throws(Errno) {
    if mkdir(path, mode) != 0 && errno != EEXIST { throw Errno.current }
}

/// The one-byte extended attribute `name` of `path` is "1" (as systemd marks delegated cgroups with
/// `trusted.delegate`).
public func extendedAttributeIsSet(_ name: String, of path: String) -> Bool {
    var value: UInt8 = 0
    return corral_getxattr(path, name, &value, 1) > 0 && value == UInt8(ascii: "1")
}

/// Removes `path` and everything below it, never following a symbolic link (a link is removed,
/// not what it names). A missing path is not an error.
public func removeTree(_ path: String) throws(Errno) {
    let directory: FileDescriptor
    do {
        directory = try FileDescriptor.open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW)
    } catch {
        if error.code == ENOENT { return }
        if error.code == ENOTDIR || error.code == ELOOP {
            if unlink(path) != 0 && errno != ENOENT { throw Errno.current }
            return
        }
        throw error
    }
    try removeContents(of: directory)
    if rmdir(path) != 0 && errno != ENOENT { throw Errno.current }
}

private func removeContents(of directory: FileDescriptor) throws(Errno) {
    for entry in try directory.entries() {
        if entry.isDirectory {
            let fd = openat(directory.rawValue, entry.name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard fd >= 0 else { throw Errno.current }
            try removeContents(of: FileDescriptor(adopting: fd))
        }
        if unlinkat(directory.rawValue, entry.name, entry.isDirectory ? AT_REMOVEDIR : 0) != 0 && errno != ENOENT {
            throw Errno.current
        }
    }
}
