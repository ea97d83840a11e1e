import ArgumentParser
import UnitFile
import UnitModel

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Load units and print every diagnostic; exit 1 if any unit cannot load.")

    @OptionGroup var common: CommonOptions

    @OptionGroup var options: OfflineOptions

    @Argument(help: "Unit names or unit file paths.", completion: Completions.units)
    var units: [String]

    func run() throws {
        let loader = OfflineUnits(searchPath: options.searchPath)
        let loaded = try units.map { try loader.load($0) }
        if options.json {
            print(JSONValue.array(loaded.map(\.verifyJSON)).rendered(indent: 2))
        } else {
            for unit in loaded {
                for diagnostic in unit.diagnostics { printError(diagnostic.description) }
                print("\(unit.name): \(unit.loadState.rawValue)")
            }
        }
        if loaded.contains(where: { $0.loadState != .loaded }) { throw ExitCode(1) }
    }
}

extension LoadedUnit {
    var verifyJSON: JSONValue {
        .object([
            ("unit", .string(name)),
            ("LoadState", .string(loadState.rawValue)),
            ("Diagnostics", .array(diagnostics.map(\.json))),
        ])
    }
}

extension Diagnostic {
    var json: JSONValue {
        .object([
            ("file", file.map(JSONValue.string) ?? .null),
            ("line", line.map { .number(UInt64($0)) } ?? .null),
            ("severity", .string(severity.rawValue)),
            ("section", section.map(JSONValue.string) ?? .null),
            ("directive", directive.map(JSONValue.string) ?? .null),
            ("message", .string(message)),
        ])
    }
}
