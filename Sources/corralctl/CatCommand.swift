import ArgumentParser
import UnitFile
import UnitModel

struct CatCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cat",
        abstract: "Print a unit's fragment and drop-ins in the order they apply, as systemctl cat.")

    @OptionGroup var common: CommonOptions

    @OptionGroup var options: OfflineOptions

    @Argument(help: "Unit names or unit file paths.", completion: Completions.units)
    var units: [String]

    func run() throws {
        let loader = OfflineUnits(searchPath: options.searchPath)
        var documents: [JSONValue] = []
        var first = true
        for argument in units {
            let unit = try loader.load(argument)
            let paths = [unit.fragmentPath].compactMap { $0 } + unit.dropInPaths
            guard !paths.isEmpty else {
                printError("No files found for \(unit.name).")
                throw ExitCode(1)
            }
            var files: [JSONValue] = []
            for path in paths {
                let text = String(decoding: (try? readFile(atPath: path)) ?? [], as: UTF8.self)
                files.append(.object([("path", .string(path)), ("text", .string(text))]))
                if !options.json {
                    if !first { print() }
                    first = false
                    print("# \(path)")
                    print(text, terminator: text.hasSuffix("\n") || text.isEmpty ? "" : "\n")
                }
            }
            documents.append(.object([("unit", .string(unit.name)), ("files", .array(files))]))
        }
        if options.json { print(JSONValue.array(documents).rendered(indent: 2)) }
    }
}
