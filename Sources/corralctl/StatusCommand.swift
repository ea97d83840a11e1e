import ArgumentParser
import ControlProtocol
import Glibc
import Journal
import UnitFile
import UnitInstall
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
        let installer = (try? UnitPathOptions.parse([])).map { UnitInstaller(searchPath: $0.searchPath) }
        let colors = colorsEnabled(plain: common.plain)
        for (index, unit) in units.enumerated() {
            let response = try daemon.connection.send(
                Request(verb: .status, units: [unit], options: ["lines": String(lines)]))
            if let error = response.error {
                printError(error)
            } else {
                if index > 0 { print() }
                let fields = Message(response.body)
                let records =
                    fields["Id"].flatMap { journalRecords(about: $0) }
                    ?? fields.values("Log").compactMap(LogEntry.init(fieldValue:)).map(\.record)
                var unitFileState: (state: String, preset: String?)?
                if let installer, let name = fields["Id"].flatMap({ try? UnitName($0) }),
                    let state = try? installer.state(of: name)
                {
                    unitFileState = (state.rawValue, installer.preset(of: name, in: state))
                }
                let view = StatusView(
                    fields, logLines: records.map { $0.rendered(common.output) }, unitFileState: unitFileState,
                    colors: colors)
                print(view.rendered, terminator: "")
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

/// systemctl 252's `status` layout, from the fields corrald sends.
struct StatusView {
    let fields: Message
    /// The unit's last log lines, from the journal or corrald's ring, as `-o` prints them.
    let logLines: [String]
    /// How the unit file is enabled and its preset, as `is-enabled` sees them (nil: no file).
    let unitFileState: (state: String, preset: String?)?
    /// ANSI colours for the bullet, the active state and a load error.
    let colors: Bool

    init(_ fields: Message, logLines: [String], unitFileState: (state: String, preset: String?)?, colors: Bool) {
        self.fields = fields
        self.logLines = logLines
        self.unitFileState = unitFileState
        self.colors = colors
    }

    var rendered: String {
        var lines: [String] = []
        let name = fields["Id"] ?? "?"
        let active = fields["ActiveState"] ?? "unknown"
        let (bullet, activeColor): (String, String?) =
            switch active {
            case "active": ("●", ANSI.highlightGreen)
            case "reloading": ("↻", ANSI.highlightGreen)
            case "failed": ("×", ANSI.highlightRed)
            case "activating", "deactivating": ("●", nil)
            default: ("○", nil)
            }
        let description = fields["Description"].flatMap { $0 == name ? nil : " - " + $0 } ?? ""
        lines.append(paint(bullet, activeColor) + " " + name + description)
        lines.append(row("Loaded", loaded))
        if fields["Transient"] == "yes" { lines.append(row("Transient", "yes")) }
        lines += dropInLines
        var state = fields["SubState"].map { $0 == active ? active : "\(active) (\($0))" } ?? active
        state = paint(state, activeColor)
        if let result = fields["Result"], result != "success" { state += " (Result: \(result))" }
        if let since = fields["StateChangeTimestamp"].flatMap(UInt64.init), since > 0 {
            state += " since \(formatTimestamp(since)); \(formatAgo(since)) ago"
        }
        lines.append(row("Active", state))
        for (index, page) in fields.values("Documentation").enumerated() {
            lines.append(row(index == 0 ? "Docs" : "", page))
        }
        lines += fields.values("ExecStatus").compactMap(processRow)
        if let processes = processLine { lines.append(processes) }
        if let status = fields["StatusText"] { lines.append(row("Status", "\"\(status)\"")) }
        if let read = fields["IOReadBytes"].flatMap(UInt64.init),
            let written = fields["IOWriteBytes"].flatMap(UInt64.init)
        {
            lines.append(row("IO", "\(formatBytes(read)) read, \(formatBytes(written)) written"))
        }
        if let tasks = fields["TasksCurrent"] {
            let limit = fields["TasksMax"].flatMap { $0 == "infinity" ? nil : " (limit: \($0))" } ?? ""
            lines.append(row("Tasks", tasks + limit))
        }
        if let memory = fields["MemoryCurrent"].flatMap(UInt64.init) {
            let limits = [("high", fields["MemoryHigh"]), ("max", fields["MemoryMax"])].compactMap { label, value in
                value.flatMap(UInt64.init).map { "\(label): \(formatBytes($0))" }
            }
            lines.append(
                row("Memory", formatBytes(memory) + (limits.isEmpty ? "" : " (\(limits.joined(separator: " ")))")))
        }
        if let cpu = fields["CPUUsageNSec"].flatMap(UInt64.init) {
            lines.append(row("CPU", ShowFormatting.timespan(cpu / 1000)))
        }
        if let cgroup = fields["ControlGroup"] {
            lines.append(row("CGroup", cgroup))
            lines += CgroupTree(fields.values("Process")).lines.map { String(repeating: " ", count: 13) + $0 }
        }
        if !logLines.isEmpty {
            lines.append("")
            lines += logLines
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `loaded (PATH; enabled; preset: enabled)`, or the reason a unit did not load.
    private var loaded: String {
        let load = fields["LoadState"] ?? "unknown"
        let name = fields["Id"] ?? "?"
        let reason: String? =
            switch load {
            case "not-found": "Unit \(name) not found."
            case "bad-setting": "Unit \(name) has a bad unit file setting."
            case "masked": "Unit \(name) is masked."
            case "error": "Unit \(name) failed to load properly."
            default: nil
            }
        let shown = ["error", "not-found", "bad-setting"].contains(load) ? paint(load, ANSI.highlightRed) : load
        if let reason { return "\(shown) (Reason: \(reason))" }
        guard let path = fields["FragmentPath"] else { return shown }
        guard let file = unitFileState else { return "\(shown) (\(path))" }
        // systemctl leaves the preset out where it would only confuse.
        let preset = ["alias", "static", "generated", "transient"].contains(file.state) ? nil : file.preset
        return "\(shown) (\(path); \(file.state)\(preset.map { "; preset: \($0)" } ?? ""))"
    }

    /// `Drop-In: DIR` and `└─a.conf, b.conf` per directory, as systemctl groups them.
    private var dropInLines: [String] {
        var lines: [String] = []
        var directory: String?
        var names: [String] = []
        func flush() {
            guard let directory else { return }
            lines.append(row(lines.isEmpty ? "Drop-In" : "", directory))
            lines.append(row("", "└─" + names.joined(separator: ", ")))
        }
        for path in fields.values("DropInPaths") {
            let slash = path.lastIndex(of: "/") ?? path.startIndex
            let parent = String(path[..<slash])
            if parent != directory {
                flush()
                directory = parent
                names = []
            }
            names.append(String(path[path.index(after: slash)...]))
        }
        flush()
        return lines
    }

    /// `Process: 123 ExecStartPre=/bin/true (code=exited, status=0/SUCCESS)` for an ended control process.
    private func processRow(_ value: String) -> String? {
        let parts = value.split(separator: "\t", maxSplits: 3, omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 4 else { return nil }
        return row("Process", "\(parts[0]) \(parts[1])=\(parts[2]) \(Self.ended(parts[3]))")
    }

    /// `(code=exited, status=203/EXEC)`, `(code=killed, signal=TERM)` from corrald's `status=N`, `signal=NAME`.
    private static func ended(_ exit: String) -> String {
        guard exit.hasPrefix("status="), let status = Int32(exit.dropFirst(7)) else { return "(code=killed, \(exit))" }
        return "(code=exited, \(exit)\(ExitStatusNames.name(of: status).map { "/" + $0 } ?? ""))"
    }

    /// `Main PID: 1234 (sh)`, how the last main process ended, and `Control PID:`.
    private var processLine: String? {
        var parts: [String] = []
        if let pid = fields["MainPID"] {
            parts.append(pid + (Self.command(of: pid).map { " (\($0))" } ?? ""))
        } else if let exit = fields["ExecMainStatus"] {
            parts.append(Self.ended(exit))
        }
        if let control = fields["ControlPID"] {
            let text = control + (Self.command(of: control).map { " (\($0))" } ?? "")
            return parts.isEmpty ? row("Cntrl PID", text) : row("Main PID", parts[0] + "; Control PID: " + text)
        }
        return parts.first.map { row("Main PID", $0) }
    }

    /// The process's name as the kernel keeps it (`/proc/PID/comm`).
    private static func command(of pid: String) -> String? {
        guard let bytes = try? readFile(atPath: "/proc/\(pid)/comm") else { return nil }
        let text = String(decoding: bytes, as: UTF8.self)
        return text.hasSuffix("\n") ? String(text.dropLast()) : text
    }

    private func row(_ label: String, _ value: String) -> String {
        String(repeating: " ", count: max(0, 11 - label.count)) + label + (label.isEmpty ? "  " : ": ") + value
    }

    private func paint(_ text: String, _ color: String?) -> String {
        guard colors, let color else { return text }
        return color + text + ANSI.normal
    }
}

/// The processes of a cgroup and of the cgroups below it, as systemctl status draws them.
struct CgroupTree {
    private final class Node {
        var processes: [String] = []
        var children: [(name: String, node: Node)] = []

        func child(_ name: String) -> Node {
            if let existing = children.first(where: { $0.name == name }) { return existing.node }
            let node = Node()
            children.append((name, node))
            return node
        }
    }

    private let root = Node()

    /// From corrald's `Process` fields: `PID COMMAND`, or `SUB/PATH<TAB>PID COMMAND` below the unit.
    init(_ processes: [String]) {
        for entry in processes {
            let parts = entry.split(separator: "\t", maxSplits: 1).map(String.init)
            var node = root
            if parts.count == 2 {
                for component in parts[0].split(separator: "/") { node = node.child(String(component)) }
            }
            node.processes.append(parts.last ?? entry)
        }
    }

    var lines: [String] { Self.lines(of: root) }

    private static func lines(of node: Node) -> [String] {
        let items: [(text: String, child: Node?)] =
            node.processes.map { ($0, nil) } + node.children.map { ($0.name, $0.node) }
        var lines: [String] = []
        for (index, item) in items.enumerated() {
            let last = index == items.count - 1
            lines.append((last ? "└─" : "├─") + item.text)
            if let child = item.child { lines += Self.lines(of: child).map { (last ? "  " : "│ ") + $0 } }
        }
        return lines
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
