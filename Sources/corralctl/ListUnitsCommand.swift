import ArgumentParser
import ControlProtocol
import Glibc
import UnitFile
import UnitModel

struct ListUnitsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list-units",
        abstract: "List the units corrald has loaded: active ones, or all with --all, as systemctl list-units.",
        discussion: """
            PATTERN... are shell globs on unit names. --type takes unit types (service, slice, scope, \
            target), --state load, active or sub states (loaded, failed, running, ...), both \
            comma-separated and repeatable; --failed is --state=failed.
            """)

    @OptionGroup var common: CommonOptions

    @OptionGroup var daemon: DaemonOptions

    @Flag(name: [.customShort("a"), .long], help: "Include inactive units.")
    var all = false

    @Option(name: [.customShort("t"), .long], help: "Only units of these types.")
    var type: [String] = []

    @Option(help: "Only units in these load, active or sub states.")
    var state: [String] = []

    @Flag(help: "Only failed units (--state=failed).")
    var failed = false

    @Flag(help: "Print JSON instead of text.")
    var json = false

    @Argument(help: "Only units whose names match these shell patterns.")
    var patterns: [String] = []

    private var types: [String] { type.flatMap { $0.split(separator: ",").map(String.init) } }
    private var states: [String] {
        state.flatMap { $0.split(separator: ",").map(String.init) } + (failed ? ["failed"] : [])
    }

    func validate() throws {
        let known = UnitType.allCases.map(\.rawValue)
        if let unknown = types.first(where: { !known.contains($0) }) {
            throw ValidationError("Unknown unit type or load state '\(unknown)'.")
        }
    }

    func run() throws {
        let response = try daemon.connection.run(
            Request(verb: .listUnits, options: all || !states.isEmpty ? ["all": "yes"] : [:]))
        let units = response.body.filter { $0.key == "Unit" }.compactMap { ListedUnit($0.value) }.filter(shows)
            .sorted { ($0.typeSuffix, $0.name) < ($1.typeSuffix, $1.name) }
        if json {
            let objects = units.map { unit in
                JSONValue.object(
                    [
                        ("unit", .string(unit.name)), ("load", .string(unit.load)), ("active", .string(unit.active)),
                        ("sub", .string(unit.sub)), ("description", .string(unit.description)),
                    ] + (unit.job.isEmpty ? [] : [("job", .string(unit.job))]))
            }
            print(JSONValue.array(objects).rendered(indent: 2))
            return
        }
        let table = UnitsTable(units, legend: !common.noLegend, plain: common.plain, all: all, states: states)
        print(table.text, terminator: "")
    }

    /// systemctl's rule: the patterns and types always; inactive units without a job only with
    /// --all or a state filter (corrald applies the states' meaning: their rows come with all).
    private func shows(_ unit: ListedUnit) -> Bool {
        if !patterns.isEmpty && !patterns.contains(where: { fnmatch($0, unit.name, FNM_NOESCAPE) == 0 }) {
            return false
        }
        if !types.isEmpty && !types.contains(unit.typeSuffix) { return false }
        if !states.isEmpty { return states.contains { [unit.load, unit.active, unit.sub].contains($0) } }
        return true
    }
}

/// A row of corrald's answer: name, load, active and sub state, job, description.
struct ListedUnit: Equatable {
    var name, load, active, sub, job, description: String

    init?(_ value: String) {
        let columns = value.split(separator: "\t", maxSplits: 5, omittingEmptySubsequences: false).map(String.init)
        guard columns.count == 6 else { return nil }
        (name, load, active, sub, job, description) = (
            columns[0], columns[1], columns[2], columns[3], columns[4], columns[5]
        )
    }

    var typeSuffix: String { name.split(separator: ".").last.map(String.init) ?? "" }

    /// Marked with ● as systemctl marks it: a unit that did not load properly, or failed.
    var isMarked: Bool { !loadedProperly || active == "failed" }

    var loadedProperly: Bool { !["error", "not-found", "bad-setting", "masked"].contains(load) }
}

/// systemctl 252's list-units table and legend.
struct UnitsTable {
    let units: [ListedUnit]
    let legend: Bool
    let plain: Bool
    let all: Bool
    let states: [String]

    init(_ units: [ListedUnit], legend: Bool, plain: Bool, all: Bool, states: [String]) {
        (self.units, self.legend, self.plain, self.all, self.states) = (units, legend, plain, all, states)
    }

    var text: String {
        let hasJobs = units.contains { !$0.job.isEmpty }
        func row(_ cells: [String]) -> [String] {
            var cells = cells
            if !hasJobs { cells.remove(at: 5) }
            if plain { cells.removeFirst() }
            return cells
        }
        let header = row(["", "UNIT", "LOAD", "ACTIVE", "SUB", "JOB", "DESCRIPTION"])
        let rows = units.map {
            row([$0.isMarked ? "●" : " ", $0.name, $0.load, $0.active, $0.sub, $0.job, $0.description])
        }
        var lines = formatTable(legend ? [header] + rows : rows)
        if colorsEnabled(plain: plain) {
            // ● yellow for a unit that did not load properly, red for a failed one.
            let first = legend ? 1 : 0
            for (index, unit) in units.enumerated() where unit.isMarked {
                let color = unit.loadedProperly ? ANSI.highlightRed : ANSI.highlightYellow
                lines[first + index] = color + "●" + ANSI.normal + lines[first + index].dropFirst()
            }
        }
        guard legend else { return lines.map { $0 + "\n" }.joined() }
        if !units.isEmpty {
            lines += [
                "", "LOAD   = Reflects whether the unit definition was properly loaded.",
                "ACTIVE = The high-level unit activation state, i.e. generalization of SUB.",
                "SUB    = The low-level unit activation state, values depend on unit type.",
            ]
            if hasJobs { lines += ["JOB    = Pending job for the unit.", ""] }
        }
        let count = "\(units.count) loaded units listed."
        let files = "To show all installed unit files use 'corralctl list-unit-files'."
        if all || states.contains("inactive") {
            lines += [count, files]
        } else if states.isEmpty {
            lines += [count + " Pass --all to see loaded but inactive units, too.", files]
        } else {
            lines.append(count)
        }
        return lines.map { $0 + "\n" }.joined()
    }
}
