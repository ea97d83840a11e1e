import CLinux
import Glibc
import Synchronization

/// An open file descriptor that this process owns: closed exactly once, by `close()` or when the last
/// reference to it goes. Calls that use it take the descriptor rather than its number, so that it stays
/// open for as long as they run: a local's last reference can go right after `rawValue` is read, so
/// `rawValue` is read only inside such calls (or the methods here).
public final class FileDescriptor: Sendable {
    public let rawValue: Int32
    private let isOpen = Atomic(true)

    /// Takes ownership of `rawValue`, which must be open and owned by nothing else.
    public init(adopting rawValue: Int32) {
        self.rawValue = rawValue
    }

    /// Opens `path` close-on-exec, relative to `directory` when given.
    public static func open(
        _ path: String, _ flags: Int32, mode: mode_t = 0o644, relativeTo directory: FileDescriptor? = nil
    ) throws(Errno) -> FileDescriptor {
        let base = directory?.rawValue ?? AT_FDCWD
        let fd = try retryingInterrupts { openat(base, path, flags | O_CLOEXEC, mode) }
        withExtendedLifetime(directory) {}
        return FileDescriptor(adopting: fd)
    }

    /// A pipe, both ends close-on-exec.
    public static func pipe() throws(Errno) -> (read: FileDescriptor, write: FileDescriptor) {
        var ends: [Int32] = [-1, -1]
        try retryingInterrupts { corral_pipe_cloexec(&ends) }
        return (FileDescriptor(adopting: ends[0]), FileDescriptor(adopting: ends[1]))
    }

    /// Whether reads and writes return at once when they would wait (O_NONBLOCK).
    public func setNonBlocking(_ nonBlocking: Bool) throws(Errno) {
        let flags = try retryingInterrupts { fcntl(rawValue, F_GETFL) }
        try retryingInterrupts { fcntl(rawValue, F_SETFL, nonBlocking ? flags | O_NONBLOCK : flags & ~O_NONBLOCK) }
    }

    /// An anonymous file in memory (memfd_create), close-on-exec; `name` shows in /proc only.
    public static func memory(name: String) throws(Errno) -> FileDescriptor {
        FileDescriptor(adopting: try retryingInterrupts { corral_memfd(name) })
    }

    /// Moves the file offset back to the start.
    public func rewind() throws(Errno) {
        try retryingInterrupts { lseek(rawValue, 0, SEEK_SET) }
    }

    /// One write(2) of `bytes`; returns how many were written.
    public func write(_ bytes: [UInt8]) throws(Errno) -> Int {
        try retryingInterrupts { bytes.withUnsafeBytes { Glibc.write(rawValue, $0.baseAddress, $0.count) } }
    }

    /// Writes all of `bytes`, waiting as a blocking descriptor does.
    public func writeAll(_ bytes: [UInt8]) throws(Errno) {
        var offset = 0
        while offset < bytes.count {
            offset += try retryingInterrupts {
                bytes.withUnsafeBytes { Glibc.write(rawValue, $0.baseAddress! + offset, $0.count - offset) }
            }
        }
    }

    /// Reads what is available (up to `capacity` bytes); an empty result means end of file, nil
    /// means nothing available now on a non-blocking descriptor.
    public func read(capacity: Int = 65536) throws(Errno) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: capacity)
        let count = buffer.withUnsafeMutableBytes { Glibc.read(rawValue, $0.baseAddress, $0.count) }
        if count < 0 {
            if errno == EAGAIN || errno == EINTR { return nil }
            throw Errno.current
        }
        return Array(buffer[0..<count])
    }

    /// Reads a blocking descriptor to its end.
    public func readToEnd() throws(Errno) -> [UInt8] {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = try retryingInterrupts {
                chunk.withUnsafeMutableBytes { Glibc.read(rawValue, $0.baseAddress, $0.count) }
            }
            if count == 0 { return bytes }
            bytes += chunk[0..<count]
        }
    }

    /// The names of the subdirectories of a directory opened for reading (without `.` and `..`).
    public func subdirectoryNames() throws(Errno) -> [String] {
        try entries().filter(\.isDirectory).map(\.name)
    }

    /// The entries of a directory opened for reading (without `.` and `..`); `isDirectory` as
    /// readdir(3) tells it, without following symbolic links.
    public func entries() throws(Errno) -> [(name: String, isDirectory: Bool)] {
        let copy = try retryingInterrupts { fcntl(rawValue, F_DUPFD_CLOEXEC, 0) }
        guard let directory = fdopendir(copy) else {
            let error = Errno.current
            Glibc.close(copy)
            throw error
        }
        defer { closedir(directory) }
        var entries: [(name: String, isDirectory: Bool)] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { entries.append((name, entry.pointee.d_type == UInt8(DT_DIR))) }
        }
        return entries
    }

    /// Closes now rather than when the last reference goes; later calls do nothing.
    public func close() {
        guard isOpen.exchange(false, ordering: .relaxed) else { return }
        _ = Glibc.close(rawValue)
    }

    deinit {
        close()
    }
}

/// The cgroup BPF programs corral loads, with their kernel numbers (enum bpf_prog_type).
public enum BPFProgramType: UInt32, Sendable {
    case cgroupSocketBuffer = 8  // BPF_PROG_TYPE_CGROUP_SKB
    case cgroupDevice = 15  // BPF_PROG_TYPE_CGROUP_DEVICE
}

/// Where on a cgroup a program is attached (enum bpf_attach_type).
public enum BPFAttachType: UInt32, Sendable {
    case ingress = 0  // BPF_CGROUP_INET_INGRESS
    case egress = 1  // BPF_CGROUP_INET_EGRESS
    case device = 6  // BPF_CGROUP_DEVICE
}

extension FileDescriptor {
    /// Loads a program of 8-byte instructions; the error carries the end of the verifier's log
    /// (asked for only after a refusal: a log too small for the whole trace would itself fail the
    /// load).
    public static func bpfProgram(_ type: BPFProgramType, _ instructions: [UInt8]) throws(BPFProgramError)
        -> FileDescriptor
    {
        func load(log: inout [CChar]) -> Int32 {
            instructions.withUnsafeBytes { bytes in
                corral_bpf_load_program(
                    type.rawValue, bytes.baseAddress, UInt32(instructions.count / 8), &log, UInt32(log.count))
            }
        }
        var noLog: [CChar] = []
        let fd = load(log: &noLog)
        guard fd >= 0 else {
            let error = Errno.current
            var log = [CChar](repeating: 0, count: 1 << 20)
            _ = load(log: &log)
            let text = String(decoding: log.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw BPFProgramError(
                errno: error, log: String(text.split(separator: "\n").suffix(3).joined(separator: "; ")))
        }
        return FileDescriptor(adopting: fd)
    }

    /// Makes `program` (nil: none) the `attachType` program of the cgroup directory this descriptor
    /// is open on, replacing the ones attached there before.
    public func replaceCgroupPrograms(_ attachType: BPFAttachType, with program: FileDescriptor?) throws(Errno) {
        try withExtendedLifetime(program) { () throws(Errno) in
            if corral_bpf_replace_programs(rawValue, attachType.rawValue, program?.rawValue ?? -1) != 0 {
                throw Errno.current
            }
        }
    }

    /// A longest-prefix-match map holding `keys` (each a 4-byte prefix length, then the address),
    /// with value 1.
    public static func prefixMap(keySize: Int, keys: [[UInt8]]) throws(Errno) -> FileDescriptor {
        let fd = corral_bpf_lpm_trie(UInt32(keySize), UInt32(max(keys.count, 1)))
        guard fd >= 0 else { throw Errno.current }
        let map = FileDescriptor(adopting: fd)
        var value: UInt64 = 1
        for key in keys where corral_bpf_map_update(fd, key, &value) != 0 { throw Errno.current }
        return map
    }
}

/// A BPF program the kernel refused, with what its verifier said.
public struct BPFProgramError: Error, CustomStringConvertible {
    public var errno: Errno
    public var log: String

    public var description: String { log.isEmpty ? "\(errno)" : "\(errno): \(log)" }
}
