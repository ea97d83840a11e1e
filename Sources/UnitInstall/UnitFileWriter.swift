import Glibc
import SystemCall
import UnitFile
import UnitModel

/// Writes the unit files corrald makes: transient services (`corralctl run`) and `set-property`
/// drop-ins, in the syntax the parser reads back to the same unit.
public enum UnitFileWriter {
    /// A file that could not be written, with the errno.
    public struct WriteError: Error, CustomStringConvertible {
        public var path: String
        public var errno: Errno

        public var description: String { "Failed to write \(path): \(errno)" }
    }

    /// The unit file of a transient service: each property in its section, and the command line
    /// quoted so that it reads back exactly (`%` escaped). `$` stays as given: a transient command's
    /// variables are expanded when it runs, as systemd 252 expands systemd-run's, so the command read
    /// back from the file after a restart means what it meant before.
    public static func transientService(_ unit: Unit, properties: [String]) -> String {
        var sections: [String: [String]] = [:]
        for property in properties {
            let key = String(property.prefix { $0 != "=" })
            guard let descriptor = PropertyTable.descriptor(named: key, for: unit.type) else { continue }
            let section = descriptor.sections.intersection(unit.type.sections).sorted().first { $0 != "Unit" } ?? "Unit"
            let value = descriptor.expandsSpecifiers ? property.replacing("%", with: "%%") : property
            sections[section, default: []].append(value)
        }
        let words = unit.service.execStart.first?.argv ?? []
        let quoted = words.map { word in
            "\""
                + word.replacing("\\", with: "\\\\").replacing("\"", with: "\\\"").replacing("%", with: "%%") + "\""
        }
        sections["Service", default: []].insert("ExecStart=" + quoted.joined(separator: " "), at: 0)
        var text = "# Transient unit made by \"corralctl run\"; corrald removes it when the unit is gone.\n"
        for section in ["Unit", "Service"] where sections[section] != nil {
            text += "[\(section)]\n" + sections[section]!.joined(separator: "\n") + "\n"
        }
        return text
    }

    /// The drop-in that keeps one `set-property` change: its file name below `UNIT.d/`, and its text.
    public static func dropIn(_ property: String, for unit: Unit) -> (fileName: String, text: String) {
        let key = String(property.prefix { $0 != "=" })
        let sections = PropertyTable.descriptor(named: key, for: unit.type)?.sections.intersection(unit.type.sections)
        let section = sections?.sorted().first { $0 != "Unit" } ?? sections?.first ?? "Service"
        let text = """
            # This is a drop-in unit file extension, created via "corralctl set-property"
            # or an equivalent operation. Do not edit.
            [\(section)]
            \(property)

            """
        return ("50-\(key).conf", text)
    }

    /// Writes `text` to `path`, replacing the file atomically; missing directories above it are made.
    public static func write(_ text: String, to path: String) throws(WriteError) {
        var made = ""
        for component in path.split(separator: "/").dropLast() {
            made += "/" + component
            if mkdir(made, 0o755) < 0 && errno != EEXIST { throw WriteError(path: made, errno: .current) }
        }
        do {
            try writeFileAtomically(Array(text.utf8), to: path)
        } catch {
            throw WriteError(path: path, errno: error)
        }
    }
}
