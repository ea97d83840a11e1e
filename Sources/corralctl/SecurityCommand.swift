import ArgumentParser
import ExecSandbox
import UnitModel

/// `systemd-analyze security --offline=true` for Corral's units: systemd 252's checks, weights and
/// scale, in Corral's words, worst finding first.
struct SecurityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "security",
        abstract: "Score the exposure of services as systemd-analyze security does (0.0 best, 10.0 worst).")

    @OptionGroup var common: CommonOptions

    @OptionGroup var options: OfflineOptions

    @Option(help: "Exit 1 when a unit's exposure is above this, in tenths (0-100; default 100).")
    var threshold: Int = 100

    @Flag(
        help: "Print a drop-in of the hardening settings the unit's declared needs allow, checked as verify checks it.")
    var suggest = false

    @Argument(help: "Unit names or unit file paths.", completion: Completions.units)
    var units: [String]

    func validate() throws {
        guard (0...100).contains(threshold) else { throw ValidationError("--threshold must be 0 to 100") }
    }

    func run() throws {
        let loader = OfflineUnits(searchPath: options.searchPath)
        var aboveThreshold = false
        var documents: [JSONValue] = []
        for name in units {
            let loaded = try loader.load(name)
            guard loaded.loadState == .loaded else {
                for diagnostic in loaded.diagnostics { printError(diagnostic.description) }
                printError("\(loaded.name): cannot assess a unit whose load state is \(loaded.loadState.rawValue)")
                throw ExitCode(1)
            }
            let assessment = SecurityAssessment(loaded.unit)
            if assessment.exposure > threshold { aboveThreshold = true }
            if suggest {
                print(try Self.dropIn(for: loaded.unit, before: assessment), terminator: "")
            } else if options.json {
                documents.append(assessment.json)
            } else {
                print(assessment.text, terminator: "")
            }
        }
        if options.json { print((documents.count == 1 ? documents[0] : .array(documents)).rendered(indent: 2)) }
        if aboveThreshold { throw ExitCode(1) }
    }
}

extension SecurityCommand {
    /// The suggested drop-in, with the score it gives; throws if the drop-in would not load cleanly.
    static func dropIn(for unit: Unit, before: SecurityAssessment) throws -> String {
        let assignments = SecuritySuggestion.assignments(for: unit)
        var hardened = unit
        for (directive, value) in assignments {
            do {
                try PropertyTable.descriptor(named: directive)?.assign(&hardened, value)
            } catch {
                throw ValidationError("\(unit.name): the suggested \(directive)=\(value) is refused: \(error.message)")
            }
        }
        let problems = UnitLoader.verify(hardened, fragmentPath: nil)
        if let problem = problems.first {
            throw ValidationError("\(unit.name): the suggestion does not load: \(problem)")
        }
        let after = SecurityAssessment(hardened)
        let score = { (assessment: SecurityAssessment) in
            "\(SecurityAssessment.tenths(assessment.exposure)) \(SecurityAssessment.verdict(assessment.exposure))"
        }
        var lines = [
            "# \(unit.name): \(score(before)) -> \(score(after)) with this drop-in",
            "# (e.g. /etc/corral/system/\(unit.name).d/hardening.conf; review it, then corralctl verify \(unit.name))",
        ]
        lines +=
            assignments.isEmpty
            ? ["# nothing to add"] : ["[Service]"] + assignments.map { "\($0.directive)=\($0.value)" }
        return lines.joined(separator: "\n") + "\n"
    }
}

extension SecurityAssessment {
    /// Worst first: by share of the exposure, then in systemd's table order.
    var sortedFindings: [Finding] {
        findings.enumerated().sorted { a, b in
            let (left, right) = (exposure(of: a.element) ?? -1, exposure(of: b.element) ?? -1)
            return left != right ? left > right : a.offset < b.offset
        }.map(\.element)
    }

    /// systemd's table: ✓ or ✗ (blank where the check does not apply), name, description and share.
    var text: String {
        let nameWidth = findings.map(\.check.id.count).max() ?? 4
        let descriptionWidth = findings.map(\.description.count).max() ?? 11
        func pad(_ text: String, _ width: Int) -> String {
            text + String(repeating: " ", count: max(0, width - text.count))
        }
        var lines = ["  " + pad("NAME", nameWidth) + " " + pad("DESCRIPTION", descriptionWidth) + " EXPOSURE"]
        for finding in sortedFindings {
            let mark = finding.badness.map { $0 == 0 ? "✓" : "✗" } ?? " "
            let share = exposure(of: finding).map { Self.tenths($0) } ?? ""
            let line =
                mark + " " + pad(finding.check.id, nameWidth) + " " + pad(finding.description, descriptionWidth) + " "
                + String(repeating: " ", count: max(0, 8 - share.count)) + share
            lines.append(String(line.reversed().drop { $0 == " " }.reversed()))
        }
        lines += ["", "→ Overall exposure level for \(unit): \(Self.tenths(exposure)) \(Self.verdict(exposure))"]
        return lines.joined(separator: "\n") + "\n"
    }

    /// `{unit, exposure, verdict, checks: [{set, name, json_field, description, exposure}]}`; a
    /// check's fields as systemd-analyze's `--json` has them.
    var json: JSONValue {
        .object([
            ("unit", .string(unit)), ("exposure", .string(Self.tenths(exposure))),
            ("verdict", .string(Self.verdict(exposure))),
            (
                "checks",
                .array(
                    sortedFindings.map { finding in
                        .object([
                            ("set", finding.badness.map { .bool($0 == 0) } ?? .null),
                            ("name", .string(finding.check.id)), ("json_field", .string(finding.check.jsonField)),
                            ("description", .string(finding.description)),
                            ("exposure", exposure(of: finding).map { .string(Self.tenths($0)) } ?? .null),
                        ])
                    })
            ),
        ])
    }
}
