import ArgumentParser
import Cgroups
import ControlProtocol
import Glibc
import SystemCall
import UnitFile
import UnitModel

struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print a unit's properties, named and formatted as systemctl show.",
        discussion: """
            Without --unit-path (and with unit names, not paths), corrald's live view: state, processes and \
            resources, then the settings as loaded; it is an error when corrald is not running. With \
            --unit-path or a path to a unit file, the files' effective settings after drop-ins.
            """)

    @OptionGroup var common: CommonOptions

    @OptionGroup var options: OfflineOptions

    @Option(name: .shortAndLong, help: "Only these properties (comma-separated, may repeat).")
    var property: [String] = []

    @Option(name: .customShort("P"), help: "Only this property's value: -p NAME --value.")
    var valueOf: [String] = []

    @Flag(help: "Print only the values, not NAME=.")
    var value = false

    @Flag(
        name: [.customShort("a"), .long],
        help: "Accepted for systemctl's sake (Corral leaves out properties without a value).")
    var all = false

    @Argument(help: "Unit names or unit file paths.", completion: Completions.units)
    var units: [String]

    @OptionGroup var daemon: DaemonOptions

    /// The properties asked for, by -p and -P.
    private var wantedNames: [String] { (property + valueOf).flatMap { $0.split(separator: ",").map(String.init) } }

    /// `NAME=value` lines, or with --value (-P) the values alone.
    private func printed(_ text: String) -> String {
        guard value || !valueOf.isEmpty else { return text }
        return text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.firstIndex(of: "=").map { String(line[line.index(after: $0)...]) } ?? String(line)
        }.joined(separator: "\n")
    }

    func run() throws {
        if options.unitPath == nil && !units.contains(where: { $0.contains("/") }) { return try showLive() }
        let loader = OfflineUnits(searchPath: options.searchPath)
        let host = HostProbe.current()
        let wanted = Set(wantedNames)
        var documents: [JSONValue] = []
        for (index, argument) in units.enumerated() {
            let unit = try loader.load(argument)
            var properties = [
                ShowProperty(name: "LoadState", value: .string(unit.loadState.rawValue)),
                ShowProperty(name: "FragmentPath", value: .string(unit.fragmentPath ?? "")),
                ShowProperty(name: "DropInPaths", value: .list(unit.dropInPaths)),
            ]
            properties += ShowProperties.properties(of: unit.unit, host: host)
            if !wanted.isEmpty { properties = properties.filter { wanted.contains($0.name) } }
            if options.json {
                var object = ShowProperties.jsonMembers(properties)
                if wanted.isEmpty || wanted.contains("Diagnostics") {
                    object.append(("Diagnostics", .array(unit.diagnostics.map(\.json))))
                }
                documents.append(.object(object))
            } else {
                if index > 0 { print() }
                print(printed(ShowProperties.text(properties)), terminator: "")
            }
        }
        if options.json { print((documents.count == 1 ? documents[0] : .array(documents)).rendered(indent: 2)) }
    }

    /// Asks corrald; it renders both forms so values keep their types in JSON.
    private func showLive() throws {
        let response = try daemon.connection.run(
            Request(verb: .show, units: units, options: ["properties": wantedNames.joined(separator: ",")]))
        let documents = response.body.filter { $0.key == (options.json ? "json" : "text") }.map(\.value)
        if options.json {
            print(documents.count == 1 ? documents[0] : "[" + documents.joined(separator: ",") + "]")
        } else {
            print(printed(documents.joined(separator: "\n")), terminator: "")
        }
    }
}
