import Cgroups
import ControlProtocol
import Exec
import ResourceControl
import SystemCall
import UnitModel

/// The last lines a unit (or corrald about it) wrote, bounded in count and in the length of each.
public struct LogRing: Sendable {
    public static let capacity = 200
    public static let maximumMessageBytes = 2048
    public private(set) var entries: [LogEntry] = []
    private var lastSequence: UInt64 = 0

    public init() {}

    public mutating func append(_ message: String, identifier: String, pid: Int32?, at realtime: UInt64) {
        if entries.count == Self.capacity { entries.removeFirst(Self.capacity / 4) }
        lastSequence += 1
        let kept =
            message.utf8.count > Self.maximumMessageBytes
            ? String(decoding: message.utf8.prefix(Self.maximumMessageBytes), as: UTF8.self) + "…" : message
        entries.append(
            LogEntry(sequence: lastSequence, realtime: realtime, identifier: identifier, pid: pid, message: kept))
    }
}

/// A control process of the current run (`ExecStartPre=`, `ExecReload=`, ...), for `status`'s
/// `Process:` lines: which setting, its command line, its pid, and how it ended once it has.
struct ControlRun {
    var setting: String
    var argv: [String]
    var pid: Int32
    var exit: ProcessExit?
}

/// Resources a finished run used, from the kernel's counters.
struct RunStatistics {
    /// µs from the start of the run to its end.
    var runtime: UInt64 = 0
    /// What the kernel counted in the unit's cgroup, read just before corrald removed it.
    var counted = CgroupStatistics()
}

/// Everything corrald tracks for one loaded unit. Owned by the supervisor's loop thread.
final class ManagedUnit {
    var loaded: LoadedUnit
    var plan: CgroupPlan
    /// Services only.
    var machine: ServiceMachine?
    /// Slices and targets: active once started, until stopped.
    var passiveState: ActiveState = .inactive
    /// Monotonic µs at which the machine's timer fires.
    var deadline: UInt64?
    /// inotify watches on the unit's `cgroup.events` and `memory.events`, while its cgroup exists.
    var cgroupWatches: [Int32] = []
    /// Whether corrald made the unit's cgroup and has not removed it yet.
    var holdsCgroup: Bool { !cgroupWatches.isEmpty }
    /// The pipe carrying the unit's stdout and stderr to corrald: (read end, write end).
    var outputPipe: (read: FileDescriptor, write: FileDescriptor)?
    var pendingOutput: [UInt8] = []
    /// Read end of the ReadyNotificationFD= pipe while the service has not said it is ready.
    var readinessPipe: FileDescriptor?
    /// pidfds of the unit's processes that corrald spawned (or took back after a restart), by pid.
    var pidfds: [Int32: FileDescriptor] = [:]
    /// /proc start times of the unit's main and control processes, once read for its record.
    var startTimes: [Int32: UInt64] = [:]
    /// A digest of the runtime record as last written (SipHash, kept rather than the record to
    /// save memory); nil: none on disk.
    var persistedDigest: Int?
    var log = LogRing()
    var warnedAboutLimits = false
    /// Its file vanished at a daemon-reload while it ran: it is read again once it has stopped.
    var reloadWhenStopped = false
    /// Wall-clock µs of the last change of active state.
    var stateChangeTimestamp: UInt64 = 0
    var lastActiveState: ActiveState = .inactive
    /// `oom_kill` of `memory.events` when last read.
    var oomKills: UInt64 = 0
    /// STATUS= from the service's sd_notify.
    var statusText: String?
    var invocationID = ""
    /// `User=` and `Group=` as looked up for the current run (nil: not yet).
    var credentials: Result<Credentials?, Credentials.LookupError>?
    /// `run --pipe`: the caller's stdin, stdout and stderr, used instead of StandardInput=/Output=/Error=.
    var pipedStandardIO: [FileDescriptor] = []
    /// Made by `corralctl run`: forgotten once inactive (and once failed, with `collect`).
    var transient = false
    var collect = false
    /// A transient unit's `-p` properties and `set-property` changes, in order: its definition.
    var transientProperties: [String] = []
    /// Monotonic µs when the current (or last) run began, for the runtime `run --wait` reports.
    var runStarted: UInt64 = 0
    /// What the last run used, read just before its cgroup was removed (for `run --wait`).
    var lastRun = RunStatistics()
    var counters = UnitCounters()
    /// The control processes of the current run, in order (not kept across a crash of corrald).
    var controlRuns: [ControlRun] = []

    init(loaded: LoadedUnit, plan: CgroupPlan) {
        self.loaded = loaded
        self.plan = plan
        // Services and scopes run on the service state machine; slices and targets are only active or not.
        switch loaded.unit.type {
        case .service, .scope:
            machine = ServiceMachine(
                settings: loaded.unit.service, startLimitInterval: loaded.unit.unit.startLimitInterval,
                startLimitBurst: loaded.unit.unit.startLimitBurst)
        case .slice, .target:
            machine = nil
        }
    }

    var name: String { loaded.name }

    var activeState: ActiveState { machine?.activeState ?? passiveState }

    var subState: String {
        if let machine { return machine.subState.rawValue }
        return passiveState == .active ? "active" : "dead"
    }
}
