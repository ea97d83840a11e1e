import ArgumentParser
import Glibc
import Journal

struct LogsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "Show a unit's journal entries: corrald's messages about it and its output, as journalctl -u.",
        discussion: """
            Reads the local journal directly (no daemon needed). Matches CORRAL_UNIT=UNIT (corrald's \
            messages) and _SYSTEMD_UNIT=UNIT (the unit's own output, which journald attributes by cgroup). \
            Without journal files it says so and exits 1.
            """)

    @Argument(help: "The unit.")
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
            for record in try reader.last(lines) { print(record.shortFormat) }
            guard follow else { return }
            try reader.follow { record in
                print(record.shortFormat)
                fflush(nil)
            }
        } catch {
            printError(error.description)
            throw ExitCode(1)
        }
    }
}
