import ArgumentParser
import ControlProtocol
import UnitModel

struct ListUnitsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list-units", abstract: "List the units corrald has loaded: active ones, or all with --all.")

    @OptionGroup var daemon: DaemonOptions

    @Flag(name: [.customShort("a"), .long], help: "Include inactive units.")
    var all = false

    @Flag(help: "Print JSON instead of text.")
    var json = false

    func run() throws {
        let response = try daemon.run(Request(verb: .listUnits, options: all ? ["all": "yes"] : [:]))
        let rows = response.body.filter { $0.key == "Unit" }.map {
            $0.value.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        }
        let headers = ["UNIT", "LOAD", "ACTIVE", "SUB", "DESCRIPTION"]
        if json {
            let objects = rows.map { row in
                JSONValue.object(zip(["unit", "load", "active", "sub", "description"], row).map { ($0, .string($1)) })
            }
            print(JSONValue.array(objects).rendered(indent: 2))
            return
        }
        let table = [headers] + rows
        let widths = (0..<4).map { column in table.map { $0.count > column ? $0[column].count : 0 }.max() ?? 0 }
        for row in table {
            let padded = row.enumerated().map { column, cell in
                column < 4 ? cell + String(repeating: " ", count: widths[column] - cell.count) : cell
            }
            print(padded.joined(separator: " "))
        }
        print("\n\(rows.count) units listed.")
    }
}
