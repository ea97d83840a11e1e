/// How bad a diagnostic is, in systemd's terms.
public enum Severity: String, Sendable, Codable, Equatable {
    /// The unit cannot load (its load state becomes `bad-setting` or `error`).
    case error
    /// The line is ignored; the unit still loads.
    case warning
}

/// One message about a unit file, naming where it came from.
///
/// Rendered as `FILE:LINE: SEVERITY: [Section] Directive: message`; parts that are unknown
/// (no file for `corralctl run -p`, no section for a file-level problem) are left out.
public struct Diagnostic: Sendable, Equatable, Codable, CustomStringConvertible {
    public var file: String?
    public var line: Int?
    public var severity: Severity
    public var section: String?
    public var directive: String?
    public var message: String

    public init(
        file: String? = nil, line: Int? = nil, severity: Severity,
        section: String? = nil, directive: String? = nil, message: String
    ) {
        self.file = file
        self.line = line
        self.severity = severity
        self.section = section
        self.directive = directive
        self.message = message
    }

    public var description: String {
        var text = ""
        if let file {
            text += file
            if let line { text += ":\(line)" }
            text += ": "
        }
        text += "\(severity.rawValue): "
        if let section { text += "[\(section)] " }
        if let directive { text += "\(directive): " }
        return text + message
    }
}
