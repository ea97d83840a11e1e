import ArgumentParser
import ControlProtocol
import Glibc
import Journal
import UnitModel

struct LogsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "Show a unit's journal entries: corrald's messages about it and its output, as journalctl -u.",
        discussion: """
            Reads the local journal directly (no daemon needed). Matches CORRAL_UNIT=UNIT (corrald's \
            messages) and _SYSTEMD_UNIT=UNIT (the unit's own output, which journald attributes by cgroup). \
            Without journal files it shows the recent lines corrald keeps for the unit instead (its last 200).
            """)

    @OptionGroup var common: CommonOptions

    @OptionGroup var daemon: DaemonOptions

    @Argument(help: "The unit.", completion: Completions.units)
    var unit: String

    @Option(name: [.customShort("n"), .customLong("lines")], help: "How many of the last entries to show.")
    var lines = 10

    @Flag(name: [.customShort("f"), .customLong("follow")], help: "Keep printing new entries as they arrive.")
    var follow = false

    func validate() throws {
        if lines < 0 { throw ValidationError("-n must not be negative") }
    }

    func run() throws {
        do {
            let reader = try JournalReader()
            try reader.match(anyOf: JournalReader.matches(forUnit: unit))
            for record in try reader.last(lines) { print(record.rendered(common.output)) }
            guard follow else { return }
            try reader.follow { record in
                print(record.rendered(common.output))
                fflush(nil)
            }
        } catch .noJournal {
            try showRing()
        } catch {
            printError(error.description)
            throw ExitCode(1)
        }
    }

    /// corrald's ring of the unit's recent lines; with --follow, asked again every 200 ms for the
    /// lines after the last one shown.
    private func showRing() throws {
        var last: UInt64 = 0
        var options = ["lines": String(lines)]
        while true {
            let response = try daemon.connection.run(Request(verb: .logs, units: [unit], options: options))
            for entry in response.body.compactMap({ LogEntry(fieldValue: $0.value) }) {
                print(entry.record.rendered(common.output))
                last = entry.sequence
            }
            guard follow else { return }
            fflush(nil)
            options = ["after": String(last)]
            usleep(200_000)
        }
    }
}

extension LogEntry {
    /// As the journal would hold the line, with this host's name.
    var record: JournalRecord {
        JournalRecord(
            realtime: realtime, hostname: Self.hostname, identifier: identifier, pid: pid.map(String.init),
            message: message)
    }

    private static let hostname: String = {
        var name = [CChar](repeating: 0, count: 256)
        gethostname(&name, name.count - 1)
        return String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }()
}

extension JournalRecord {
    /// The entry as journalctl's `-o MODE` prints it (JSON with the fields Corral reads).
    func rendered(_ mode: LogOutputMode) -> String {
        let prefix = " \(hostname) \(identifier)\(pid.map { "[\($0)]" } ?? ""): \(message)"
        switch mode {
        case .short: return shortFormat
        case .shortISO: return localTime("%Y-%m-%dT%H:%M:%S%z") + prefix
        case .shortPrecise:
            let micro = String(realtime % 1_000_000)
            return localTime("%b %d %H:%M:%S") + "." + String(repeating: "0", count: 6 - micro.count) + micro + prefix
        case .cat: return message
        case .json, .jsonPretty:
            var fields: [(String, JSONValue)] = [
                ("__REALTIME_TIMESTAMP", .string(String(realtime))), ("_HOSTNAME", .string(hostname)),
                ("SYSLOG_IDENTIFIER", .string(identifier)),
            ]
            if let pid { fields.append(("_PID", .string(pid))) }
            fields.append(("MESSAGE", .string(message)))
            return JSONValue.object(fields).rendered(indent: mode == .json ? nil : 8)
        }
    }

    private func localTime(_ format: String) -> String {
        var seconds = time_t(realtime / 1_000_000)
        var parts = tm()
        localtime_r(&seconds, &parts)
        var buffer = [CChar](repeating: 0, count: 64)
        let count = strftime(&buffer, buffer.count, format, &parts)
        return String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
