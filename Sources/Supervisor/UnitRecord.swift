import ControlProtocol
import SystemCall

/// What corrald keeps on disk about a unit that is not inactive, so that the next corrald (after a
/// crash, a `kill -9` or `daemon-reexec`) resumes the unit where it was: one file per unit under
/// `RUNTIMEDIR/state`, in the control protocol's `KEY=VALUE` format, rewritten atomically on change.
struct UnitRecord: Equatable {
    var name: String
    var invocationID = ""
    /// Services and scopes.
    var machine: ServiceMachine.Snapshot?
    /// Slices and targets.
    var active = false
    /// `/proc` start times of the main and control processes, so a reused pid is never adopted.
    var mainStartTime: UInt64?
    var controlStartTime: UInt64?
    /// Monotonic µs of a pending automatic restart (the clock runs on across corrald's restarts).
    var restartDeadline: UInt64?
    var transient = false
    var collect = false
    /// A transient unit's `-p` properties and `set-property` changes, in order.
    var properties: [String] = []
    /// Wall-clock µs of the last change of active state.
    var stateChangeTimestamp: UInt64 = 0
    /// Monotonic µs when the current run began.
    var runStarted: UInt64 = 0

    init(name: String) {
        self.name = name
    }

    var message: Message {
        var message = Message([.init("Unit", name)])
        func add(_ key: String, _ value: String?) {
            if let value { message.append(key, value) }
        }
        add("InvocationID", invocationID.isEmpty ? nil : invocationID)
        if let machine {
            add("SubState", machine.subState.rawValue)
            add("Result", machine.result.rawValue)
            add("MainPID", machine.mainPID.map(String.init))
            add("MainStartTime", mainStartTime.map(String.init))
            add("ControlPID", machine.controlPID.map(String.init))
            add("ControlStartTime", controlStartTime.map(String.init))
            add("MainExit", machine.mainExit.map(Self.encode))
            for start in machine.recentStarts { add("RecentStart", String(start)) }
            add("PendingCommands", String(machine.pendingCommands))
            add("MainProcessUnknown", machine.mainProcessUnknown ? "yes" : nil)
            add("StopRequested", machine.stopRequested ? "yes" : nil)
            add("OOMKillSeen", machine.oomKillSeen ? "yes" : nil)
            add("NRestarts", String(machine.restarts))
        } else {
            add("Active", active ? "yes" : "no")
        }
        add("RestartDeadline", restartDeadline.map(String.init))
        add("Transient", transient ? "yes" : nil)
        add("Collect", collect ? "yes" : nil)
        for property in properties { add("Property", property) }
        add("StateChangeTimestamp", String(stateChangeTimestamp))
        add("RunStarted", String(runStarted))
        return message
    }

    /// nil for a record that does not say what it must (a torn or foreign file).
    init?(_ message: Message) {
        guard let name = message["Unit"] else { return nil }
        self.name = name
        invocationID = message["InvocationID"] ?? ""
        func number<Value: FixedWidthInteger>(_ key: String) -> Value? { message[key].flatMap { Value($0) } }
        if let subStateName = message["SubState"] {
            guard let subState = ServiceSubState(rawValue: subStateName),
                let result = message["Result"].flatMap(ServiceResult.init(rawValue:))
            else { return nil }
            var snapshot = ServiceMachine.Snapshot()
            snapshot.subState = subState
            snapshot.result = result
            snapshot.mainPID = number("MainPID")
            snapshot.controlPID = number("ControlPID")
            snapshot.mainExit = message["MainExit"].flatMap(Self.decodeExit)
            snapshot.recentStarts = message.values("RecentStart").compactMap { UInt64($0) }
            snapshot.pendingCommands = number("PendingCommands") ?? 0
            snapshot.mainProcessUnknown = message["MainProcessUnknown"] == "yes"
            snapshot.stopRequested = message["StopRequested"] == "yes"
            snapshot.oomKillSeen = message["OOMKillSeen"] == "yes"
            snapshot.restarts = number("NRestarts") ?? 0
            machine = snapshot
        } else {
            guard let active = message["Active"] else { return nil }
            self.active = active == "yes"
        }
        mainStartTime = number("MainStartTime")
        controlStartTime = number("ControlStartTime")
        restartDeadline = number("RestartDeadline")
        transient = message["Transient"] == "yes"
        collect = message["Collect"] == "yes"
        properties = message.values("Property")
        stateChangeTimestamp = number("StateChangeTimestamp") ?? 0
        runStarted = number("RunStarted") ?? 0
    }

    /// `exited CODE` or `killed SIGNAL[ core]`.
    private static func encode(_ exit: ProcessExit) -> String {
        switch exit {
        case .exited(let code): "exited \(code)"
        case .killed(let signal, let core): "killed \(signal)" + (core ? " core" : "")
        }
    }

    private static func decodeExit(_ text: String) -> ProcessExit? {
        let words = text.split(separator: " ")
        guard words.count >= 2, let value = Int32(words[1]) else { return nil }
        switch words[0] {
        case "exited": return .exited(value)
        case "killed": return .killed(signal: value, coreDumped: words.count > 2 && words[2] == "core")
        default: return nil
        }
    }
}
