/// What the kernel counts for one cgroup; each value is nil where its controller is not enabled
/// (or the kernel is too old for the file).
public struct CgroupStatistics: Sendable, Equatable {
    /// `pids.current`.
    public var tasks: UInt64?
    public var memoryCurrent: UInt64?
    public var memoryPeak: UInt64?
    /// `usage_usec` of `cpu.stat`.
    public var cpuUsageMicroseconds: UInt64?
    /// `rbytes` and `wbytes` of `io.stat`, summed over the devices.
    public var ioReadBytes: UInt64?
    public var ioWriteBytes: UInt64?
    /// `oom_kill` of `memory.events`.
    public var oomKills: UInt64?
    /// The `some` lines of `cpu.pressure`, `memory.pressure` and `io.pressure`, without the word:
    /// `avg10=0.00 avg60=0.00 avg300=0.00 total=0`.
    public var cpuPressure: String?
    public var memoryPressure: String?
    public var ioPressure: String?

    public init() {}

    /// The statistics from the files' contents, by file name; files not given stay nil.
    public init(files: (String) -> String?) {
        func number(_ file: String) -> UInt64? { files(file).flatMap { UInt64($0) } }
        func some(_ file: String) -> String? {
            files(file)?.split(separator: "\n").first { $0.hasPrefix("some ") }.map { String($0.dropFirst(5)) }
        }
        tasks = number("pids.current")
        memoryCurrent = number("memory.current")
        memoryPeak = number("memory.peak")
        cpuUsageMicroseconds = files("cpu.stat").flatMap { KeyedValues($0)["usage_usec"] }
        oomKills = files("memory.events").flatMap { KeyedValues($0)["oom_kill"] }
        if let io = files("io.stat") {
            (ioReadBytes, ioWriteBytes) = Self.ioTotals(io)
        }
        cpuPressure = some("cpu.pressure")
        memoryPressure = some("memory.pressure")
        ioPressure = some("io.pressure")
    }

    /// The files `init(files:)` reads.
    public static let files = [
        "pids.current", "memory.current", "memory.peak", "cpu.stat", "memory.events", "io.stat", "cpu.pressure",
        "memory.pressure", "io.pressure",
    ]

    /// `rbytes` and `wbytes` summed over the lines (devices) of `io.stat`.
    static func ioTotals(_ text: String) -> (read: UInt64, written: UInt64) {
        var totals: (read: UInt64, written: UInt64) = (0, 0)
        for line in text.split(separator: "\n") {
            for pair in line.split(separator: " ").dropFirst() {
                let parts = pair.split(separator: "=")
                guard parts.count == 2, let value = UInt64(parts[1]) else { continue }
                if parts[0] == "rbytes" { totals.read += value }
                if parts[0] == "wbytes" { totals.written += value }
            }
        }
        return totals
    }
}

extension CgroupTree {
    /// What the kernel counts for `cgroup` now.
    public func statistics(of cgroup: String) -> CgroupStatistics {
        CgroupStatistics { try? read($0, in: cgroup) }
    }

    /// `oom_kill` of the cgroup's `memory.events`, read on each of its events.
    public func oomKills(in cgroup: String) -> UInt64? {
        (try? read("memory.events", in: cgroup)).flatMap { KeyedValues($0)["oom_kill"] }
    }
}
