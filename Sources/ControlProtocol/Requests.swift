/// The protocol version spoken; a peer sending another version gets an error naming both.
public let controlProtocolVersion = "1"

/// What a client asks `corrald` to do.
public enum Verb: String, Sendable, CaseIterable {
    case start, stop, restart, reload, kill, status, show
    case listUnits = "list-units"
    case isActive = "is-active"
    case isFailed = "is-failed"
    case resetFailed = "reset-failed"
    case daemonReload = "daemon-reload"
    /// corrald executes itself again (a new binary, for an upgrade) and resumes every unit.
    case daemonReexec = "daemon-reexec"
    /// A transient service or scope from `property` and `argv` fields.
    case run
    case setProperty = "set-property"
    case revert
    case listJobs = "list-jobs"
    /// The counters of every unit whose cgroup exists (`corralctl top`).
    case statistics
    /// A unit's recent log lines from corrald's ring (`corralctl logs` without a journal).
    case logs
    /// The unit directories corrald was configured with, which corralctl's file verbs then read.
    case searchPath = "search-path"

    /// Verbs that change state; only root may send them.
    public var changesState: Bool {
        switch self {
        case .start, .stop, .restart, .reload, .kill, .resetFailed, .daemonReload, .daemonReexec, .run, .setProperty,
            .revert:
            true
        case .status, .show, .listUnits, .isActive, .isFailed, .listJobs, .statistics, .logs, .searchPath: false
        }
    }
}

/// A request: a verb, the units it names, verb-specific options (`signal`, `all`, ...), unit
/// properties as `NAME=VALUE` (`run`, `set-property`) and a command line (`run`).
public struct Request: Sendable, Equatable {
    public var verb: Verb
    public var units: [String]
    public var options: [String: String]
    public var properties: [String]
    public var command: [String]

    public init(
        verb: Verb, units: [String] = [], options: [String: String] = [:], properties: [String] = [],
        command: [String] = []
    ) {
        self.verb = verb
        self.units = units
        self.options = options
        self.properties = properties
        self.command = command
    }

    public var message: Message {
        var message = Message([.init("corral", controlProtocolVersion), .init("verb", verb.rawValue)])
        for unit in units { message.append("unit", unit) }
        for (key, value) in options.sorted(by: { $0.key < $1.key }) { message.append("option." + key, value) }
        for property in properties { message.append("property", property) }
        for word in command { message.append("argv", word) }
        return message
    }

    public init(_ message: Message) throws(ProtocolError) {
        try checkVersion(message)
        guard let verbName = message["verb"] else { throw ProtocolError("request without a verb") }
        guard let verb = Verb(rawValue: verbName) else { throw ProtocolError("unknown verb '\(verbName)'") }
        self.verb = verb
        units = message.values("unit")
        properties = message.values("property")
        command = message.values("argv")
        options = [:]
        for field in message.fields where field.key.hasPrefix("option.") {
            options[String(field.key.dropFirst("option.".count))] = field.value
        }
    }
}

/// An answer: success or an error with its exit code, and the fields the verb returns.
public struct Response: Sendable, Equatable {
    /// 0 for success; otherwise the exit code `corralctl` exits with (as systemctl's).
    public var exitCode: Int32
    public var error: String?
    /// Verb-specific fields (`unit.`-prefixed properties, log lines, ...), in order.
    public var body: [Message.Field]

    public init(exitCode: Int32 = 0, error: String? = nil, body: [Message.Field] = []) {
        self.exitCode = exitCode
        self.error = error
        self.body = body
    }

    /// The first answer to a request that queues jobs (start, stop, restart, run, daemon-reload): the
    /// jobs are in; the final answer follows once they have ended.
    public static let queued = Response(body: [.init("job", "queued")])

    public var isQueuedAcknowledgement: Bool { self == Self.queued }

    public var message: Message {
        var message = Message([.init("corral", controlProtocolVersion), .init("exit", String(exitCode))])
        if let error { message.append("error", error) }
        message.fields += body
        return message
    }

    public init(_ message: Message) throws(ProtocolError) {
        try checkVersion(message)
        guard let exit = message["exit"].flatMap({ Int32($0) }) else {
            throw ProtocolError("response without an exit code")
        }
        exitCode = exit
        error = message["error"]
        body = message.fields.filter { !["corral", "exit", "error"].contains($0.key) }
    }
}

private func checkVersion(_ message: Message) throws(ProtocolError) {
    guard let version = message["corral"] else { throw ProtocolError("not a corral message (no 'corral' field)") }
    guard version == controlProtocolVersion else {
        throw ProtocolError("protocol version \(version) is not supported (this side speaks \(controlProtocolVersion))")
    }
}
