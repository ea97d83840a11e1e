import ArgumentParser
import ControlProtocol
import Glibc
import Journal
import UnitModel

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show a unit's state, resources, processes and last log lines, as systemctl status.")

    @OptionGroup var common: CommonOptions

    @OptionGroup var daemon: DaemonOptions

    @Option(name: [.customShort("n"), .customLong("lines")], help: "How many of the last log lines to show.")
    var lines = 10

    @Argument(help: "Units.", completion: Completions.units)
    var units: [String]

    func validate() throws {
        if lines < 0 { throw ValidationError("-n must not be negative") }
    }

    func run() throws {
        var worst: Int32 = 0
        for (index, unit) in units.enumerated() {
            let response = try daemon.send(Request(verb: .status, units: [unit], options: ["lines": String(lines)]))
            if let error = response.error {
                printError(error)
            } else {
                if index > 0 { print() }
                let fields = Message(response.body)
                let records =
                    fields["Id"].flatMap { journalRecords(about: $0) }
                    ?? fields.values("Log").compactMap(LogEntry.init(fieldValue:)).map(\.record)
                print(StatusView(fields, logLines: records.map { $0.rendered(common.output) }).rendered, terminator: "")
            }
            worst = max(worst, response.exitCode)
        }
        if worst != 0 { throw ExitCode(worst) }
    }

    /// The unit's last journal entries; nil when journald is not running (corrald then logs to its
    /// ring, whose lines corrald sent instead) or has nothing about the unit.
    private func journalRecords(about unit: String) -> [JournalRecord]? {
        guard lines > 0, Journal.isAvailable, let reader = try? JournalReader(),
            (try? reader.match(anyOf: JournalReader.matches(forUnit: unit))) != nil,
            let records = try? reader.last(lines), !records.isEmpty
        else { return nil }
        return records
    }
}

/// The `systemctl status` layout, from the fields corrald sends.
struct StatusView {
    let fields: Message
    /// The unit's last log lines, from the journal or corrald's ring, as `-o` prints them.
    let logLines: [String]

    init(_ fields: Message, logLines: [String]) {
        self.fields = fields
        self.logLines = logLines
    }

    var rendered: String {
        var lines: [String] = []
        let name = fields["Id"] ?? "?"
        let active = fields["ActiveState"] ?? "unknown"
        let bullet = active == "active" ? "●" : (active == "failed" ? "×" : "○")
        lines.append("\(bullet) \(name) - \(fields["Description"] ?? name)")
        let load = fields["LoadState"] ?? "unknown"
        lines.append(row("Loaded", fields["FragmentPath"].map { "\(load) (\($0))" } ?? load))
        let dropIns = fields.values("DropInPaths")
        for (index, path) in dropIns.enumerated() {
            lines.append(row(index == 0 ? "Drop-In" : "", path))
        }
        var state =
            active == "failed"
            ? "failed (Result: \(fields["Result"] ?? "?"))" : "\(active) (\(fields["SubState"] ?? "?"))"
        if let since = fields["StateChangeTimestamp"].flatMap(UInt64.init), since > 0 {
            state += " since \(formatTimestamp(since)); \(formatAgo(since)) ago"
        }
        lines.append(row("Active", state))
        if let status = fields["StatusText"] { lines.append(row("Status", "\"\(status)\"")) }
        if let pid = fields["MainPID"] {
            let command = fields.values("Process").first { $0.hasPrefix(pid + " ") }?.split(separator: " ").dropFirst()
                .first
            lines.append(row("Main PID", pid + (command.map { " (\(baseName(String($0))))" } ?? "")))
        } else if let exit = fields["ExecMainStatus"] {
            lines.append(row("Main PID", "(code=\(exit.hasPrefix("signal") ? "killed" : "exited"), \(exit))"))
        }
        if let tasks = fields["TasksCurrent"] {
            lines.append(
                row("Tasks", tasks + (fields["TasksMax"].map { $0 == "infinity" ? "" : " (limit: \($0))" } ?? "")))
        }
        if let memory = fields["MemoryCurrent"].flatMap(UInt64.init) {
            var limits: [String] = []
            if let high = fields["MemoryHigh"].flatMap(UInt64.init) { limits.append("high: \(formatBytes(high))") }
            if let max = fields["MemoryMax"].flatMap(UInt64.init) { limits.append("max: \(formatBytes(max))") }
            if let peak = fields["MemoryPeak"].flatMap(UInt64.init) { limits.append("peak: \(formatBytes(peak))") }
            lines.append(
                row("Memory", formatBytes(memory) + (limits.isEmpty ? "" : " (\(limits.joined(separator: " ")))")))
        }
        if let cpu = fields["CPUUsageNSec"].flatMap(UInt64.init) {
            let quota = fields["CPUQuotaPerSecUSec"].flatMap { $0 == "infinity" ? nil : $0 }
            lines.append(row("CPU", ShowFormatting.timespan(cpu / 1000) + (quota.map { " (quota: \($0)/s)" } ?? "")))
        }
        if let read = fields["IOReadBytes"].flatMap(UInt64.init),
            let written = fields["IOWriteBytes"].flatMap(UInt64.init)
        {
            lines.append(row("IO", "\(formatBytes(read)) read, \(formatBytes(written)) written"))
        }
        if let cgroup = fields["ControlGroup"] {
            lines.append(row("CGroup", cgroup))
            let processes = fields.values("Process").map { $0.split(separator: "\t", maxSplits: 1).map(String.init) }
            for (index, process) in processes.enumerated() {
                // A process in a sub-cgroup (a delegated payload's) is shown with that cgroup's path.
                let text = process.count == 2 ? "\(process[0]): \(process[1])" : process[0]
                lines.append(row("", (index == processes.count - 1 ? "└─" : "├─") + text))
            }
        }
        if !logLines.isEmpty {
            lines.append("")
            lines += logLines
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private func row(_ label: String, _ value: String) -> String {
        String(repeating: " ", count: max(0, 11 - label.count)) + label + (label.isEmpty ? "  " : ": ") + value
    }

    private func baseName(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }
}

/// `1.5M`, as systemctl prints sizes (base 1024).
func formatBytes(_ bytes: UInt64) -> String {
    let units = ["B", "K", "M", "G", "T", "P"]
    var value = Double(bytes)
    var index = 0
    while value >= 1024 && index < units.count - 1 {
        value /= 1024
        index += 1
    }
    if index == 0 { return "\(bytes)B" }
    let tenths = Int((value * 10).rounded())
    return "\(tenths / 10).\(tenths % 10)\(units[index])"
}

/// `Sun 2026-11-22 14:50:01 UTC` from µs since the epoch.
func formatTimestamp(_ microseconds: UInt64) -> String {
    var seconds = time_t(microseconds / 1_000_000)
    var parts = tm()
    localtime_r(&seconds, &parts)
    var buffer = [CChar](repeating: 0, count: 64)
    let count = strftime(&buffer, buffer.count, "%a %Y-%m-%d %H:%M:%S %Z", &parts)
    return String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// `5s`, `3min 2s`, `2h 5min`: how long ago `microseconds` since the epoch was.
func formatAgo(_ microseconds: UInt64) -> String {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    let nowMicroseconds = UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1000
    return ShowFormatting.relative(nowMicroseconds > microseconds ? nowMicroseconds - microseconds : 0)
}
