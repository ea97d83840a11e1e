import Logging

/// A swift-log handler that turns each record into a `JournalEntry` for `Journal.send`.
/// Metadata it understands: `unit` (the unit the message is about), `event` (a `UnitEvent`
/// raw value, which sets `MESSAGE_ID=`) and `program` (see `JournalEntry.program`); other
/// metadata is ignored.
public struct JournalLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    private let identifier: String
    private let sink: @Sendable (JournalEntry, String) -> Void

    /// `sink` receives each entry and the identifier; by default `Journal.send`.
    public init(identifier: String, sink: @escaping @Sendable (JournalEntry, String) -> Void = Journal.send) {
        self.identifier = identifier
        self.sink = sink
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        let entry = JournalEntry(
            message: "\(event.message)", priority: Self.priority(of: event.level),
            unit: merged["unit"].map { "\($0)" }, event: merged["event"].flatMap { UnitEvent(rawValue: "\($0)") },
            program: merged["program"].map { "\($0)" })
        sink(entry, identifier)
    }

    static func priority(of level: Logger.Level) -> Priority {
        switch level {
        case .trace, .debug: .debug
        case .info: .info
        case .notice: .notice
        case .warning: .warning
        case .error: .error
        case .critical: .critical
        }
    }
}
