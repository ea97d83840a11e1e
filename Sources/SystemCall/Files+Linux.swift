import Glibc

/// Replaces the file at `path` with `bytes` in one step: written to `path.tmp`, then renamed over it,
/// so that a reader (or the next corrald after a crash) sees the old file or the new one, never a part.
public func writeFileAtomically(_ bytes: [UInt8], to path: String, mode: mode_t = 0o644) throws(Errno) {
    let temporary = path + ".tmp"
    let fd = try retryingInterrupts { open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode) }
    var offset = 0
    while offset < bytes.count {
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
        if written < 0 {
            if errno == EINTR { continue }
            let error = Errno.current
            close(fd)
            unlink(temporary)
            throw error
        }
        offset += written
    }
    close(fd)
    if rename(temporary, path) != 0 {
        let error = Errno.current
        unlink(temporary)
        throw error
    }
}

/// Creates directory `path` unless it exists.
public func makeDirectory(_ path: String, mode: mode_t = 0o755) throws(Errno) {
    if mkdir(path, mode) != 0 && errno != EEXIST { throw Errno.current }
}
