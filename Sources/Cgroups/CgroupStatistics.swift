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
    /// `cpu.pressure`, `memory.pressure` and `io.pressure`.
    public var cpuPressure: Pressure?
    public var memoryPressure: Pressure?
    public var ioPressure: Pressure?

    public init() {}

    /// The statistics from the files' contents, by file name; files not given stay nil.
    public init(files: (String) -> String?) {
        func number(_ file: String) -> UInt64? { files(file).flatMap { UInt64($0) } }
        tasks = number("pids.current")
        memoryCurrent = number("memory.current")
        memoryPeak = number("memory.peak")
        cpuUsageMicroseconds = files("cpu.stat").flatMap { KeyedValues($0)["usage_usec"] }
        oomKills = files("memory.events").flatMap { KeyedValues($0)["oom_kill"] }
        if let io = files("io.stat") {
            (ioReadBytes, ioWriteBytes) = Self.ioTotals(io)
        }
        cpuPressure = files("cpu.pressure").flatMap(Pressure.init)
        memoryPressure = files("memory.pressure").flatMap(Pressure.init)
        ioPressure = files("io.pressure").flatMap(Pressure.init)
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

/// A pressure stall information file: the share of time some of the cgroup's tasks (and all of
/// them, `full`) were stalled on the resource.
public struct Pressure: Sendable, Equatable {
    public var some: PressureLine
    /// Absent for the CPU on kernels before 5.13.
    public var full: PressureLine?

    public init(some: PressureLine, full: PressureLine? = nil) {
        self.some = some
        self.full = full
    }

    /// From the file's text; nil without a readable `some` line.
    public init?(_ text: String) {
        var some: PressureLine?
        for line in text.split(separator: "\n") {
            let words = line.split(separator: " ", maxSplits: 1)
            guard words.count == 2 else { continue }
            if words[0] == "some" { some = PressureLine(words[1]) }
            if words[0] == "full" { full = PressureLine(words[1]) }
        }
        guard let some else { return nil }
        self.some = some
    }
}

/// One line of a pressure file: the stalled share over the last 10, 60 and 300 s, in hundredths of
/// a percent as the kernel prints them (`avg10=1.50` is 150), and the total stall time in µs.
public struct PressureLine: Sendable, Equatable {
    public var avg10: UInt64
    public var avg60: UInt64
    public var avg300: UInt64
    public var totalMicroseconds: UInt64

    public init(avg10: UInt64, avg60: UInt64, avg300: UInt64, totalMicroseconds: UInt64) {
        self.avg10 = avg10
        self.avg60 = avg60
        self.avg300 = avg300
        self.totalMicroseconds = totalMicroseconds
    }

    /// From `avg10=0.00 avg60=0.00 avg300=0.00 total=0`; nil when a field is missing or malformed.
    public init?<Text: StringProtocol>(_ text: Text) {
        var fields: [Substring: Substring] = [:]
        for pair in text.split(separator: " ") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { fields[Substring(parts[0])] = Substring(parts[1]) }
        }
        func hundredths(_ key: Substring) -> UInt64? {
            let parts = fields[key]?.split(separator: ".", omittingEmptySubsequences: false) ?? []
            guard parts.count == 2, parts[1].count == 2, let whole = UInt64(parts[0]), let cents = UInt64(parts[1])
            else { return nil }
            return whole * 100 + cents
        }
        guard let avg10 = hundredths("avg10"), let avg60 = hundredths("avg60"), let avg300 = hundredths("avg300"),
            let total = fields["total"].flatMap({ UInt64($0) })
        else { return nil }
        self.init(avg10: avg10, avg60: avg60, avg300: avg300, totalMicroseconds: total)
    }

    /// The line as the kernel writes it, without its first word.
    public var text: String {
        func percent(_ value: UInt64) -> String { "\(value / 100).\(value % 100 < 10 ? "0" : "")\(value % 100)" }
        return "avg10=\(percent(avg10)) avg60=\(percent(avg60)) avg300=\(percent(avg300)) total=\(totalMicroseconds)"
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
