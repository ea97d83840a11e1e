import UnitFile

/// Applies directives to a `Unit` through the `PropertyTable`, turning every refusal into a diagnostic.
public enum UnitBuilder {
    /// Builds a unit from its assignments, fragment first and drop-ins after, in order.
    ///
    /// A header of a section the type does not have is a warning at its line (as systemd's
    /// "Unknown section"), even with nothing in it; its assignments are skipped. `X-` sections and
    /// `X-` directives are skipped silently. `expandSpecifiers` is applied to the values of
    /// directives that take specifiers; a failure ignores the line with a warning.
    public static func build(
        name: String, type: UnitType, sections: [SectionHeader], assignments: [Assignment],
        expandSpecifiers: (String) throws -> String
    ) -> (unit: Unit, diagnostics: [Diagnostic]) {
        var unit = Unit(name: name, type: type)
        var diagnostics = sections.filter { !$0.name.hasPrefix("X-") && !type.sections.contains($0.name) }.map {
            Diagnostic(file: $0.file, line: $0.line, severity: .warning, section: $0.name, message: "unknown section")
        }
        for assignment in assignments {
            func report(_ message: String, _ severity: Severity = .warning, directive: String? = nil) {
                diagnostics.append(
                    Diagnostic(
                        file: assignment.file, line: assignment.line, severity: severity,
                        section: assignment.section, directive: directive, message: message))
            }
            if assignment.section.hasPrefix("X-") || assignment.key.hasPrefix("X-") { continue }
            guard type.sections.contains(assignment.section) else { continue }
            if Deprecations.removed[assignment.section]?.contains(assignment.key) == true {
                report(
                    "Support for option \(assignment.key)= has been removed and it is ignored",
                    directive: assignment.key)
                continue
            }
            guard let descriptor = PropertyTable.descriptor(named: assignment.key) else {
                let knownToSystemd = SystemdDirectives.known[assignment.section]?.contains(assignment.key) == true
                if let refusal = refusalOfUnsupported(assignment.key, assignment.value) {
                    report(refusal, .error, directive: assignment.key)
                } else {
                    report(knownToSystemd ? "not supported by Corral" : "unknown directive", directive: assignment.key)
                }
                continue
            }
            guard descriptor.sections.contains(assignment.section) else {
                report(misplacement(of: descriptor, in: type), directive: assignment.key)
                continue
            }
            if let note = Deprecations.note(for: assignment.key, value: assignment.value) {
                report(note, directive: assignment.key)
            }
            if let assignWords = descriptor.assignExpandingWords {
                let expand: ExecGrammar.SpecifierExpansion = { word throws(ValueError) in
                    do {
                        return try expandSpecifiers(word)
                    } catch {
                        throw ValueError("Failed to resolve specifiers")
                    }
                }
                do {
                    try assignWords(&unit, assignment.value, expand)
                } catch {
                    report(error.message, error.severity, directive: assignment.key)
                }
                continue
            }
            var value = assignment.value
            if descriptor.expandsSpecifiers {
                do {
                    value = try expandSpecifiers(value)
                } catch {
                    report("failed to resolve specifiers in '\(value)'", directive: assignment.key)
                    continue
                }
            }
            do {
                try descriptor.assign(&unit, value)
            } catch {
                report(error.message, error.severity, directive: assignment.key)
            }
        }
        return (unit, diagnostics)
    }

    /// What systemd refuses in a setting Corral does not implement: the unit would not load there,
    /// so it does not load here either.
    private static func refusalOfUnsupported(_ directive: String, _ value: String) -> String? {
        if directive == "RootImage" && !value.isEmpty && !value.hasPrefix("/") {
            return "RootImage= path is not absolute: \(value)"
        }
        return nil
    }

    /// Applies one `NAME=VALUE` property without a file (`corralctl run -p`, `set-property`).
    /// Specifiers are not expanded. Returns the reason when the property is refused; any refusal
    /// is an error, as the command cannot go on with part of what was asked.
    public static func applyProperty(_ text: String, to unit: inout Unit) -> Diagnostic? {
        guard let equals = text.firstIndex(of: "="), equals != text.startIndex else {
            return Diagnostic(severity: .error, message: "invalid property '\(text)', expected NAME=VALUE")
        }
        let name = String(text[..<equals])
        let value = String(text[text.index(after: equals)...])
        guard let descriptor = PropertyTable.descriptor(named: name) else {
            return Diagnostic(severity: .error, directive: name, message: "unknown property")
        }
        guard !descriptor.sections.isDisjoint(with: unit.type.sections) else {
            return Diagnostic(severity: .error, directive: name, message: "not a property of \(unit.type) units")
        }
        do {
            try descriptor.assign(&unit, value)
            return nil
        } catch {
            return Diagnostic(severity: .error, directive: name, message: error.message)
        }
    }

    private static func misplacement(of descriptor: PropertyDescriptor, in type: UnitType) -> String {
        let homes = descriptor.sections.intersection(type.sections).sorted()
        guard !homes.isEmpty else { return "not valid in \(type) units" }
        return "belongs in " + homes.map { "[\($0)]" }.joined(separator: " or ")
    }
}
