import Glibc

/// The fields of `/proc/PID/stat` that identify a process and tell how it ended (proc(5)).
public struct ProcessStat: Sendable, Equatable {
    /// `R`, `S`, `D`, `Z` (a zombie: ended, not yet reaped), ...
    public var state: Character
    public var parent: Int32
    /// Clock ticks after boot at which the process started: with the pid, it names one process for good.
    public var startTime: UInt64
    /// A zombie's wait status (as waitpid(2) reports it); 0 while the process runs.
    public var exitCode: Int32

    /// nil when no process has that pid (or its stat cannot be parsed).
    public static func read(pid: Int32) -> ProcessStat? {
        let fd = open("/proc/\(pid)/stat", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 1024)
        let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        guard count > 0 else { return nil }
        return parse(buffer[0..<count])
    }

    /// The line after the command name, which is in parentheses and may hold anything, `)` included.
    static func parse(_ line: ArraySlice<UInt8>) -> ProcessStat? {
        guard let close = line.lastIndex(of: UInt8(ascii: ")")) else { return nil }
        // Field 3 (state) comes first after the name; start time is field 22, exit code field 52.
        let fields = line[(close + 1)...].split(separator: UInt8(ascii: " ")).map {
            String(decoding: $0, as: UTF8.self)
        }
        guard fields.count >= 20, let state = fields[0].first, let parent = Int32(fields[1]),
            let startTime = UInt64(fields[19])
        else { return nil }
        let exitCode = fields.count >= 50 ? Int32(fields[49].filter { $0 != "\n" }) ?? 0 : 0
        return ProcessStat(state: state, parent: parent, startTime: startTime, exitCode: exitCode)
    }
}
