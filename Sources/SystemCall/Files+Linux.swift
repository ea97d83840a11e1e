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
