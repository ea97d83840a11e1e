/// A syslog priority, as journald stores it in `PRIORITY=`.
public enum Priority: Int32, Sendable, Comparable {
    case emergency = 0, alert, critical, error, warning, notice, info, debug

    public static func < (lhs: Priority, rhs: Priority) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Unit life-cycle events that carry a `MESSAGE_ID=`, so they can be found with
/// `journalctl MESSAGE_ID=...` whatever their wording. The IDs are Corral's own (generated once
/// with `systemd-id128 new`); systemd's catalog IDs are not reused because PID 1 owns their meaning.
public enum UnitEvent: String, Sendable, CaseIterable {
    case started, stopped, failed, oomKilled

    public var messageID: String {
        switch self {
        case .started: "418b81d007cf4087a1e6fb8564d74d3b"
        case .stopped: "f68f5e3ae1c349a6a2fc3d72dc51c412"
        case .failed: "447da225ffb94b96ac66582fb9217383"
        case .oomKilled: "efe12e4fd3ad48298aa0167275d80263"
        }
    }
}

/// One structured log entry of corrald's, independent of where it goes.
public struct JournalEntry: Sendable, Equatable {
    public var message: String
    public var priority: Priority
    /// The unit the message is about, if any.
    public var unit: String?
    public var event: UnitEvent?
    /// The program whose output this is, for a service's line corrald forwards: its
    /// `SYSLOG_IDENTIFIER=` in the journal. The console line keeps corrald's prefix.
    public var program: String?

    public init(
        message: String, priority: Priority = .info, unit: String? = nil, event: UnitEvent? = nil,
        program: String? = nil
    ) {
        self.message = message
        self.priority = priority
        self.unit = unit
        self.event = event
        self.program = program
    }

    /// The journal fields, in the order they are sent. The unit goes in `CORRAL_UNIT=` (Corral's own
    /// field) and in `OBJECT_SYSTEMD_UNIT=`: `journalctl -u NAME` matches `OBJECT_SYSTEMD_UNIT=NAME`
    /// from uid 0, while `UNIT=NAME` only counts from `_PID=1`.
    public func fields(identifier: String) -> [String] {
        var fields = [
            "MESSAGE=" + message, "PRIORITY=\(priority.rawValue)", "SYSLOG_IDENTIFIER=" + (program ?? identifier),
        ]
        if let unit { fields += ["CORRAL_UNIT=" + unit, "OBJECT_SYSTEMD_UNIT=" + unit] }
        if let event { fields.append("MESSAGE_ID=" + event.messageID) }
        return fields
    }

    /// The console form, without journald: `corrald: UNIT: message`.
    public func consoleLine(identifier: String) -> String {
        identifier + ": " + (unit.map { $0 + ": " } ?? "") + message
    }
}
