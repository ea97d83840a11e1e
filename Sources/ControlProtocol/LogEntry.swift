/// A line of a unit's log as corrald keeps it (its ring of recent lines, for `status` and `logs`
/// without a journal), sent as one `Log=` field: `SEQUENCE<tab>REALTIME<tab>IDENTIFIER<tab>PID<tab>MESSAGE`.
public struct LogEntry: Sendable, Equatable {
    /// Increases by one per line of the unit, from 1; `logs --follow` asks for the lines after one.
    public var sequence: UInt64
    /// µs since the epoch.
    public var realtime: UInt64
    /// `corrald` for corrald's own messages, else the program's syslog identifier.
    public var identifier: String
    /// The writer's pid when known (corrald's own); unit output through its pipe has none.
    public var pid: Int32?
    public var message: String

    public init(sequence: UInt64, realtime: UInt64, identifier: String, pid: Int32?, message: String) {
        self.sequence = sequence
        self.realtime = realtime
        self.identifier = identifier
        self.pid = pid
        self.message = message
    }

    public var fieldValue: String {
        "\(sequence)\t\(realtime)\t\(identifier)\t\(pid.map(String.init) ?? "")\t\(message)"
    }

    /// nil unless `value` has the five parts (the message may hold tabs of its own).
    public init?(fieldValue value: String) {
        let parts = value.split(separator: "\t", maxSplits: 4, omittingEmptySubsequences: false)
        guard parts.count == 5, let sequence = UInt64(parts[0]), let realtime = UInt64(parts[1]) else { return nil }
        self.init(
            sequence: sequence, realtime: realtime, identifier: String(parts[2]), pid: Int32(parts[3]),
            message: String(parts[4]))
    }
}
