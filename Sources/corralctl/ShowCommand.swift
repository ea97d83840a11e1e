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
            With corrald running (and no --unit-path), its live view: state, processes and resources, then \
            the settings as loaded; otherwise the unit files' effective settings after drop-ins.
            """)

    @OptionGroup var options: OfflineOptions

    @Option(name: .shortAndLong, help: "Only these properties (comma-separated, may repeat).")
    var property: [String] = []

    @Argument(help: "Unit names or unit file paths.")
    var units: [String]

    @OptionGroup var daemon: DaemonOptions

    func run() throws {
        if options.unitPath == nil, (try? UnixSocket.connect(to: daemon.socketPath)) != nil {
            return try showLive()
        }
        let loader = OfflineUnits(searchPath: options.searchPath)
        let host = HostProbe.current()
        let wanted = Set(property.flatMap { $0.split(separator: ",").map(String.init) })
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
                print(ShowProperties.text(properties), terminator: "")
            }
        }
        if options.json { print((documents.count == 1 ? documents[0] : .array(documents)).rendered(indent: 2)) }
    }

    /// Asks corrald; it renders both forms so values keep their types in JSON.
    private func showLive() throws {
        let wanted = property.flatMap { $0.split(separator: ",").map(String.init) }
        let response = try daemon.run(
            Request(verb: .show, units: units, options: ["properties": wanted.joined(separator: ",")]))
        let documents = response.body.filter { $0.key == (options.json ? "json" : "text") }.map(\.value)
        if options.json {
            print(documents.count == 1 ? documents[0] : "[" + documents.joined(separator: ",") + "]")
        } else {
            print(documents.joined(separator: "\n"), terminator: "")
        }
    }
}
