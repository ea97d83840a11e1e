import ArgumentParser
import UnitFile
import UnitModel

struct EscapeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "escape",
        abstract: "Escape strings for use in unit names, exactly as systemd-escape.")

    @OptionGroup var common: CommonOptions

    @Flag(name: [.customShort("p"), .long], help: "Treat the strings as file system paths.")
    var path = false

    @Flag(name: [.customShort("u"), .long], help: "Unescape instead of escaping.")
    var unescape = false

    @Option(help: "Insert the escaped string into this template unit name (e.g. foo@.service).")
    var template: String?

    @Option(help: "Append this unit type suffix (e.g. service).")
    var suffix: String?

    @Flag(help: "With --unescape: unescape only the instance part of a unit name.")
    var instance = false

    @Flag(help: "Print JSON instead of text.")
    var json = false

    @Argument(help: "Strings to escape or unescape.")
    var strings: [String]

    func run() throws {
        let mode = EscapeMode(path: path, unescape: unescape, template: template, suffix: suffix, instance: instance)
        let results: [String]
        do {
            try mode.validate()
            results = try strings.map { try mode.apply(to: $0) }
        } catch {
            printError("\(error)")
            throw ExitCode(1)
        }
        if json {
            print(JSONValue.array(results.map(JSONValue.string)).rendered())
        } else {
            print(results.joined(separator: " "))
        }
    }
}
