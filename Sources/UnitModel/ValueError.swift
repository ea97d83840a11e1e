import UnitFile

/// Why a directive's value was refused. The loader adds file, line, section and directive.
public struct ValueError: Error, Sendable, Equatable {
    public var message: String
    /// `.warning`: the assignment is ignored (systemd's "…, ignoring.");
    /// `.error`: the unit cannot load (load state `bad-setting`).
    public var severity: Severity

    public init(_ message: String, severity: Severity = .warning) {
        self.message = message
        self.severity = severity
    }
}
