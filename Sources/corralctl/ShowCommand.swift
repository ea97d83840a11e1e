import ArgumentParser
import Cgroups
import UnitFile
import UnitModel

struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print a unit's effective properties after drop-ins, named and formatted as systemctl show.")

    @OptionGroup var options: OfflineOptions

    @Option(name: .shortAndLong, help: "Only these properties (comma-separated, may repeat).")
    var property: [String] = []

    @Argument(help: "Unit names or unit file paths.")
    var units: [String]

    func run() throws {
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
}
