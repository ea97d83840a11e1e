import CSystemd
import Glibc
import SystemCall

/// Where corrald's entries go: the journal when journald listens, else standard error.
/// Without journald `sd_journal_sendv` succeeds and drops the message, so the socket is checked first.
public enum Journal {
    public static let socketPath = "/run/systemd/journal/socket"

    /// Whether journald is listening on this host (checked once per process).
    public static let isAvailable = access(socketPath, F_OK) == 0

    /// Sends `entry` to the journal, or writes its console line to standard error.
    public static func send(_ entry: JournalEntry, identifier: String) {
        guard isAvailable else {
            writeToStandardError(entry.consoleLine(identifier: identifier))
            return
        }
        let buffers = entry.fields(identifier: identifier).map { field in
            let bytes = Array(field.utf8)
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 1)
            buffer.copyBytes(from: bytes)
            return buffer
        }
        defer { buffers.forEach { $0.deallocate() } }
        let vectors = buffers.map { iovec(iov_base: $0.baseAddress, iov_len: $0.count) }
        let result = sd_journal_sendv(vectors, Int32(vectors.count))
        if result < 0 { writeToStandardError(entry.consoleLine(identifier: identifier)) }
    }

    /// A stream socket into journald for a process's stdout/stderr: each line becomes an entry with
    /// `SYSLOG_IDENTIFIER=identifier` and `_TRANSPORT=stdout`; `<N>` prefixes set the priority.
    /// journald attributes it to a unit by the writer's cgroup (`_SYSTEMD_UNIT=`, `_SYSTEMD_CGROUP=`):
    /// the stream cannot carry other fields. nil without journald.
    public static func stream(identifier: String, priority: Priority = .info) -> FileDescriptor? {
        guard isAvailable else { return nil }
        let fd = sd_journal_stream_fd(identifier, priority.rawValue, 1)
        guard fd >= 0 else { return nil }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)  // the child gets it through dup2
        return FileDescriptor(adopting: fd)
    }

    static func writeToStandardError(_ line: String) {
        let bytes = Array((line + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    }
}
