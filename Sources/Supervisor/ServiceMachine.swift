import Exec
import Glibc
import SystemCall
import UnitModel

extension ProcessExit: CustomStringConvertible {
    public var description: String {
        switch self {
        case .exited(let code): "status=\(code)"
        case .killed(let signal, let core): "signal=\(Grammar.signalName(signal))" + (core ? " (core dumped)" : "")
        }
    }

    /// As systemd's log lines word an exit: `code=exited, status=1/FAILURE`, `code=killed,
    /// status=15/TERM`, `code=dumped, status=11/SEGV`.
    public var codeAndStatus: String {
        switch self {
        case .exited(let code):
            "code=exited, status=\(code)" + (ExitStatusNames.name(of: code).map { "/" + $0 } ?? "")
        case .killed(let signal, let core):
            "code=\(core ? "dumped" : "killed"), status=\(signal)/\(Grammar.signalName(signal))"
        }
    }
}

/// systemd's service sub-states.
public enum ServiceSubState: String, Sendable, CaseIterable {
    case dead
    case startPre = "start-pre"
    case start
    case startPost = "start-post"
    case running, exited, reload, stop
    case stopSigterm = "stop-sigterm"
    case stopSigkill = "stop-sigkill"
    case stopPost = "stop-post"
    case finalSigterm = "final-sigterm"
    case finalSigkill = "final-sigkill"
    case failed
    case autoRestart = "auto-restart"

    /// The setting whose commands a control process runs in this sub-state.
    public var controlSetting: String? {
        switch self {
        case .startPre: "ExecStartPre"
        case .startPost: "ExecStartPost"
        case .reload: "ExecReload"
        case .stop: "ExecStop"
        case .stopPost: "ExecStopPost"
        default: nil
        }
    }

    public var activeState: ActiveState {
        switch self {
        case .dead: .inactive
        case .failed: .failed
        case .startPre, .start, .startPost, .autoRestart: .activating
        case .running, .exited: .active
        case .reload: .reloading
        case .stop, .stopSigterm, .stopSigkill, .stopPost, .finalSigterm, .finalSigkill: .deactivating
        }
    }
}

/// systemd's high-level unit states.
public enum ActiveState: String, Sendable, CaseIterable {
    case active, reloading, inactive, failed, activating, deactivating
}

/// Why a service ended (systemd's `Result=`).
public enum ServiceResult: String, Sendable {
    case success, resources, timeout, signal, `protocol`, watchdog
    case exitCode = "exit-code"
    case coreDump = "core-dump"
    case oomKill = "oom-kill"
    case startLimitHit = "start-limit-hit"
}

/// The process a spawn or exit concerns: the main process, or a control process (ExecStartPre= & co.).
public enum ProcessRole: String, Sendable {
    case main, control
}

/// Who receives a signal.
public enum KillTarget: Sendable, Equatable {
    case main, control
    /// Every process in the unit's cgroup.
    case cgroup
}

/// What the machine asks the event loop to do. Feed the outcome back as events.
public enum ServiceAction: Sendable, Equatable {
    /// Create the unit's cgroup and write its limits, before the first process starts.
    case prepareCgroup
    /// Spawn into the unit's cgroup; answer with `.spawned` or `.spawnFailed`.
    case spawn(ExecCommand, ProcessRole)
    case signal(KillTarget, Int32)
    /// `cgroup.kill`: SIGKILL everything left in the cgroup.
    case killCgroup
    /// Find the main process of a forking service; answer with `.mainProcessFound`.
    case findMainProcess(pidFile: String?)
    /// Call back with `.timerFired` after this many µs; replaces any armed timer.
    case armTimer(USec)
    case disarmTimer
    /// Remove the unit's cgroup once it is empty.
    case releaseCgroup
    case log(String)
}

/// What happens to a service.
public enum ServiceEvent: Sendable, Equatable {
    case start(now: USec)
    /// A scope: processes that already exist are moved into the cgroup once it is made; the unit runs
    /// while its cgroup is populated and stops by signalling it.
    case startScope
    /// corrald found the unit's cgroup populated but had no record of what runs there: like a scope,
    /// it runs while its cgroup is populated.
    case adopt
    case stop
    case reload
    case spawned(ProcessRole, pid: Int32)
    case spawnFailed(ProcessRole, SpawnFailure)
    /// A process of ours ended; `oomKilled` when the kernel's OOM killer counted it.
    case exited(pid: Int32, ProcessExit, oomKilled: Bool)
    /// A process of ours ended while corrald was not running, and its exit status is gone.
    case lost(pid: Int32)
    case mainProcessFound(pid: Int32?)
    case notifyReady
    case notifyStopping
    case notifyMainPID(Int32)
    /// `WATCHDOG=1`: the running service is alive.
    case notifyWatchdog
    /// `WATCHDOG=trigger`: the service asks to be handled as if its watchdog ran out.
    case notifyWatchdogTrigger
    /// `WATCHDOG_USEC=N`: a new watchdog timeout for this run.
    case notifyWatchdogTimeout(USec)
    case cgroupEmpty
    /// `memory.events` counted a new OOM kill in the unit's cgroup.
    case oomKilled
    case timerFired(now: USec)
}

/// One service's state machine, as systemd's service.c behaves, without I/O.
/// `handle(_:)` returns the actions for the event loop to perform, in order.
public struct ServiceMachine: Sendable {
    /// Logged when the OOM killer struck the unit; the supervisor tags it with its journal event.
    public static let oomKillNote = "A process of this unit has been killed by the OOM killer."
    public static let exitLostNote = "Main process exited while corrald was not running; its exit status is lost."
    public private(set) var settings: ServiceSettings
    public let startLimitInterval: USec
    public let startLimitBurst: UInt32

    /// The monotonic time of the event being handled; the driver sets it before each event, and
    /// the running state's deadlines (`WatchdogSec=`, `RuntimeMaxSec=`) are measured on it.
    public var now: USec = 0
    public private(set) var subState: ServiceSubState = .dead
    private var watchdogDeadline: USec?
    private var runtimeDeadline: USec?
    /// `WATCHDOG_USEC=` of this run, replacing `WatchdogSec=`.
    private var watchdogOverride: USec?
    public private(set) var result: ServiceResult = .success
    public private(set) var mainPID: Int32?
    public private(set) var controlPID: Int32?
    /// How the last main process ended, for status.
    public private(set) var mainExit: ProcessExit?
    /// Start times inside the start-limit interval.
    private var recentStarts: [USec] = []
    private var pendingCommands: [ExecCommand] = []
    private var currentCommand: ExecCommand?
    private var cgroupEmpty = true
    /// A forking service whose daemon could not be identified: it runs while its cgroup is populated.
    private var mainProcessUnknown = false
    /// Set by an explicit stop: no automatic restart follows.
    private var stopRequested = false
    /// The OOM killer struck in this run: a SIGKILLed main process was its victim.
    private var oomKillSeen = false
    /// Automatic restarts so far (systemd's `NRestarts`).
    public private(set) var restarts: UInt32 = 0

    public init(settings: ServiceSettings, startLimitInterval: USec, startLimitBurst: UInt32) {
        self.settings = settings
        self.startLimitInterval = startLimitInterval
        self.startLimitBurst = startLimitBurst
    }

    public var activeState: ActiveState { subState.activeState }

    /// New settings after `daemon-reload`, taken only while the service is not running.
    public mutating func update(settings: ServiceSettings) {
        guard [.dead, .failed].contains(subState) else { return }
        self.settings = settings
    }

    /// `reset-failed`: a failed service becomes inactive, and its start-limit count starts over.
    public mutating func resetFailed() {
        recentStarts = []
        guard subState == .failed else { return }
        subState = .dead
        result = .success
    }

    public mutating func handle(_ event: ServiceEvent) -> [ServiceAction] {
        switch event {
        case .start(let now): return start(now: now)
        case .startScope, .adopt: return runWhileCgroupPopulated()
        case .stop: return stop()
        case .reload: return reload()
        case .spawned(let role, let pid): return spawned(role, pid: pid)
        case .spawnFailed(let role, let failure): return spawnFailed(role, failure)
        case .exited(let pid, let exit, let oomKilled): return exited(pid: pid, exit, oomKilled: oomKilled)
        case .lost(let pid): return exited(pid: pid, nil, oomKilled: false)
        case .mainProcessFound(let pid): return mainProcessFound(pid)
        case .notifyReady: return subState == .start && settings.type == .notify ? enterStartPost() : []
        case .notifyStopping:
            return subState == .running ? enterSignal(.stopSigterm, result: .success, sendSignal: false) : []
        case .notifyMainPID(let pid):
            // Not for a unit at rest: nothing of it runs that could be its main process.
            if ![.dead, .failed, .autoRestart].contains(subState) { mainPID = pid }
            return []
        case .cgroupEmpty:
            cgroupEmpty = true
            if subState == .running && mainProcessUnknown { return enterRunning() }
            // A cgroup left populated at the end (swept, or KillMode=process) is removed once empty.
            if [.dead, .failed, .autoRestart].contains(subState) { return [.releaseCgroup] }
            return processesGone ? advanceAfterKill() : []
        case .oomKilled: return oomKilled()
        case .timerFired(let now): return timerFired(now: now)
        case .notifyWatchdog:
            guard subState == .running, let timeout = watchdogTimeout else { return [] }
            watchdogDeadline = now &+ timeout
            return runningTimer()
        case .notifyWatchdogTrigger:
            guard [.start, .startPost, .running, .reload].contains(subState) else { return [] }
            return watchdogExpired()
        case .notifyWatchdogTimeout(let timeout):
            watchdogOverride = timeout == 0 ? nil : timeout
            guard subState == .running else { return [] }
            watchdogDeadline = watchdogTimeout.map { now &+ $0 }
            return runningTimer()
        }
    }

    private var watchdogTimeout: USec? { watchdogOverride ?? settings.watchdog }

    /// The running state's timer: the nearer of the watchdog's and the runtime limit's deadlines.
    private func runningTimer() -> [ServiceAction] {
        guard let deadline = [watchdogDeadline, runtimeDeadline].compactMap({ $0 }).min() else { return [.disarmTimer] }
        return [.armTimer(deadline > now ? deadline - now : 0)]
    }

    /// systemd's stop-watchdog: `WatchdogSignal=`, then SIGKILL after the stop timeout.
    private mutating func watchdogExpired() -> [ServiceAction] {
        let limit = watchdogTimeout.map { " (limit \(ShowFormatting.timespan($0)))" } ?? ""
        return [.log("Watchdog timeout\(limit)!")]
            + enterSignal(.stopSigterm, result: .watchdog, signal: settings.watchdogSignal)
    }

    // MARK: - Starting

    private mutating func start(now: USec) -> [ServiceAction] {
        guard [.dead, .failed, .autoRestart].contains(subState) else { return [] }
        if startLimitInterval > 0 && startLimitBurst > 0 {
            recentStarts.removeAll { now - $0 >= startLimitInterval }
            if recentStarts.count >= Int(startLimitBurst) {
                result = .startLimitHit
                subState = .failed
                return [.disarmTimer, .log("Start request repeated too quickly.")]
            }
            recentStarts.append(now)
        }
        result = .success
        stopRequested = false
        mainExit = nil
        mainProcessUnknown = false
        oomKillSeen = false
        (watchdogDeadline, runtimeDeadline, watchdogOverride) = (nil, nil, nil)
        var actions: [ServiceAction] = [.prepareCgroup]
        actions.append(settings.startTimeout == .infinity ? .disarmTimer : .armTimer(settings.startTimeout))
        pendingCommands = settings.execStartPre
        return actions + (pendingCommands.isEmpty ? enterStart() : runNextControl(in: .startPre))
    }

    private mutating func runWhileCgroupPopulated() -> [ServiceAction] {
        guard [.dead, .failed].contains(subState) else { return [] }
        result = .success
        stopRequested = false
        mainProcessUnknown = true
        cgroupEmpty = false
        subState = .running
        return [.prepareCgroup]
    }

    private mutating func enterStart() -> [ServiceAction] {
        subState = .start
        pendingCommands = settings.execStart
        guard !pendingCommands.isEmpty else { return enterStartPost() }
        return runNextMain()
    }

    private mutating func runNextMain() -> [ServiceAction] {
        let command = pendingCommands.removeFirst()
        currentCommand = command
        cgroupEmpty = false
        return [.spawn(command, .main)]
    }

    private mutating func runNextControl(in state: ServiceSubState) -> [ServiceAction] {
        subState = state
        let command = pendingCommands.removeFirst()
        currentCommand = command
        cgroupEmpty = false
        return [.spawn(command, .control)]
    }

    private mutating func enterStartPost() -> [ServiceAction] {
        pendingCommands = settings.execStartPost
        return pendingCommands.isEmpty ? enterRunning() : runNextControl(in: .startPost)
    }

    /// After start-up (or a reload): running while the main process lives, otherwise exited or stopping.
    private mutating func enterRunning() -> [ServiceAction] {
        if result != .success { return enterSignal(.stopSigterm, result: result) }
        if mainPID != nil || (mainProcessUnknown && !cgroupEmpty) {
            subState = .running
            // The runtime limit counts from the first time the service became active (a reload
            // does not restart it); the watchdog from each entry.
            if runtimeDeadline == nil { runtimeDeadline = settings.runtimeMax.map { now &+ $0 } }
            watchdogDeadline = watchdogTimeout.map { now &+ $0 }
            return runningTimer()
        }
        if settings.remainAfterExit {
            subState = .exited
            return [.disarmTimer]
        }
        return enterStop(result: .success)
    }

    private mutating func spawned(_ role: ProcessRole, pid: Int32) -> [ServiceAction] {
        switch role {
        case .control:
            controlPID = pid
            return []
        case .main:
            mainPID = pid
            switch settings.type {
            case .simple, .exec, .idle: return enterStartPost()
            case .forking, .oneshot, .notify: return []
            }
        }
    }

    /// A process that could not be started counts as one that exited with its step's status (203
    /// for EXEC, 217 for USER, ...), as in systemd; one that could not even be created fails the
    /// unit with `resources`.
    private mutating func spawnFailed(_ role: ProcessRole, _ failure: SpawnFailure) -> [ServiceAction] {
        let ignored = currentCommand?.flags.contains(.ignoreFailure) == true
        let result: ServiceResult = failure.step == nil ? .resources : .exitCode
        var actions: [ServiceAction] = [.log(failure.message)]
        if ignored && role == .control {
            actions += controlProcessFinished(success: true)
        } else if role == .control {
            actions += controlProcessFinished(success: false, failure: result)
        } else {
            mainExit = failure.step.map { .exited($0.exitStatus) }
            actions += failStart(result)
        }
        return actions
    }

    /// A failure while starting: kill what runs, then run ExecStopPost=.
    private mutating func failStart(_ failure: ServiceResult) -> [ServiceAction] {
        enterSignal(.stopSigterm, result: failure)
    }

    // MARK: - Processes ending

    /// `exit` is nil when the process ended while corrald was not running: that counts as a failure
    /// with result `resources`, since nothing says it succeeded.
    private mutating func exited(pid: Int32, _ exit: ProcessExit?, oomKilled: Bool) -> [ServiceAction] {
        if pid == mainPID {
            mainPID = nil
            mainExit = exit
            return mainProcessExited(exit, oomKilled: oomKilled)
        }
        if pid == controlPID {
            controlPID = nil
            let ignored = currentCommand?.flags.contains(.ignoreFailure) == true
            let success = ignored || exit == .exited(0)
            let failure = oomKilled ? .oomKill : exit.map(failureResult(of:)) ?? .resources
            let note: [ServiceAction] =
                exit == .exited(0)
                ? []
                : [
                    .log(
                        exit.map { "Control process exited, \($0.codeAndStatus)" }
                            ?? "Control process exited while corrald was not running; its exit status is lost.")
                ]
            return note + controlProcessFinished(success: success, failure: failure)
        }
        return []
    }

    private mutating func mainProcessExited(_ exit: ProcessExit?, oomKilled: Bool) -> [ServiceAction] {
        let ignored = settings.type == .oneshot && currentCommand?.flags.contains(.ignoreFailure) == true
        let success = ignored || exit.map(isCleanMainExit) == true
        let oomVictim = oomKilled || (oomKillSeen && exit == .killed(signal: SIGKILL, coreDumped: false))
        let failure: ServiceResult = oomVictim ? .oomKill : exit.map(failureResult(of:)) ?? .resources
        // As systemd, a clean exit is not worth a line (it logs one at debug level).
        let actions: [ServiceAction] =
            success && exit != nil
            ? [] : [.log(exit.map { "Main process exited, \($0.codeAndStatus)" } ?? Self.exitLostNote)]
        switch subState {
        case .start:
            switch settings.type {
            case .oneshot:
                if !success { return actions + failStart(failure) }
                return actions + (pendingCommands.isEmpty ? enterStartPost() : runNextMain())
            case .forking:
                if !success { return actions + failStart(failure) }
                return actions + [.findMainProcess(pidFile: settings.pidFile)]
            case .notify:
                return actions + failStart(success ? .protocol : failure)
            case .simple, .exec, .idle:
                return actions + failStart(success ? .success : failure)
            }
        case .startPost, .reload:
            if !success { result = failure }
            return actions
        case .running:
            if !success { return actions + enterSignal(.stopSigterm, result: failure) }
            return actions + enterRunning()
        case .stop, .stopSigterm, .stopSigkill, .finalSigterm, .finalSigkill:
            if !success && result == .success && subState != .stop && !stopRequested { result = failure }
            return actions + (processesGone ? advanceAfterKill() : [])
        case .dead, .startPre, .exited, .stopPost, .failed, .autoRestart:
            // No main process runs in these: its exit was already seen, or is news of a leftover.
            return actions
        }
    }

    private mutating func controlProcessFinished(success: Bool, failure: ServiceResult = .success) -> [ServiceAction] {
        switch subState {
        case .startPre:
            if !success { return failStart(failure) }
            return pendingCommands.isEmpty ? enterStart() : runNextControl(in: .startPre)
        case .startPost:
            if !success { return enterStop(result: failure) }
            return pendingCommands.isEmpty ? enterRunning() : runNextControl(in: .startPost)
        case .reload:
            return pendingCommands.isEmpty ? enterRunning() : runNextControl(in: .reload)
        case .stop:
            return pendingCommands.isEmpty ? enterSignal(.stopSigterm, result: .success) : runNextControl(in: .stop)
        case .stopPost:
            if !success && result == .success { result = failure }
            return pendingCommands.isEmpty
                ? enterSignal(.finalSigterm, result: .success) : runNextControl(in: .stopPost)
        case .stopSigterm, .stopSigkill, .finalSigterm, .finalSigkill:
            return processesGone ? advanceAfterKill() : []
        case .dead, .start, .running, .exited, .failed, .autoRestart:
            // No control process runs in these.
            return []
        }
    }

    private mutating func mainProcessFound(_ pid: Int32?) -> [ServiceAction] {
        guard subState == .start else { return [] }
        mainPID = pid
        mainProcessUnknown = pid == nil
        return enterStartPost()
    }

    // MARK: - Stopping

    private mutating func stop() -> [ServiceAction] {
        stopRequested = true
        switch subState {
        case .dead, .failed:
            return []
        case .autoRestart:
            subState = .dead
            return [.disarmTimer]
        case .startPre, .start, .startPost, .reload:
            return enterSignal(.stopSigterm, result: .success)
        case .running, .exited:
            return enterStop(result: .success)
        case .stop, .stopSigterm, .stopSigkill, .stopPost, .finalSigterm, .finalSigkill:
            return []
        }
    }

    /// Runs ExecStop=, then the kill sequence.
    private mutating func enterStop(result failure: ServiceResult) -> [ServiceAction] {
        if result == .success { result = failure }
        pendingCommands = settings.execStop
        if pendingCommands.isEmpty { return enterSignal(.stopSigterm, result: .success) }
        return armStopTimer() + runNextControl(in: .stop)
    }

    private mutating func enterStopPost() -> [ServiceAction] {
        pendingCommands = settings.execStopPost
        if pendingCommands.isEmpty { return enterSignal(.finalSigterm, result: .success) }
        return armStopTimer() + runNextControl(in: .stopPost)
    }

    /// Signals what is left per KillMode= and waits, with TimeoutStopSec=, for it to be gone.
    /// - Parameter signal: sent instead of `KillSignal=` (the watchdog's).
    private mutating func enterSignal(
        _ state: ServiceSubState, result failure: ServiceResult, sendSignal: Bool = true, signal: Int32? = nil
    ) -> [ServiceAction] {
        if result == .success { result = failure }
        subState = state
        pendingCommands = []
        var actions: [ServiceAction] = []
        if processesGone { return advanceAfterKill() }
        if sendSignal {
            let isKill = state == .stopSigkill || state == .finalSigkill
            actions += killActions(signal: isKill ? SIGKILL : signal ?? settings.killSignal, sweep: isKill)
        }
        return actions + armStopTimer()
    }

    private func killActions(signal: Int32, sweep: Bool) -> [ServiceAction] {
        var actions: [ServiceAction] = []
        switch settings.killMode {
        case .controlGroup:
            actions.append(.signal(.cgroup, signal))
            if sweep { actions.append(.killCgroup) }
        case .mixed:
            if sweep {
                actions += [.signal(.cgroup, signal), .killCgroup]
            } else {
                if mainPID != nil { actions.append(.signal(.main, signal)) }
                if controlPID != nil { actions.append(.signal(.control, signal)) }
            }
        case .process:
            if mainPID != nil { actions.append(.signal(.main, signal)) }
            if controlPID != nil { actions.append(.signal(.control, signal)) }
        case .none:
            break
        }
        return actions
    }

    /// Whether a kill stage has nothing left to wait for. Only KillMode=control-group waits for the
    /// whole cgroup; with `mixed` what is left when the main and control processes are gone is swept
    /// with `cgroup.kill` on the way to dead.
    private var processesGone: Bool {
        guard mainPID == nil && controlPID == nil else { return false }
        return settings.killMode == .controlGroup ? cgroupEmpty : true
    }

    /// The next step once a kill stage has nothing left to wait for.
    private mutating func advanceAfterKill() -> [ServiceAction] {
        switch subState {
        case .stopSigterm, .stopSigkill: return enterStopPost()
        case .finalSigterm, .finalSigkill: return enterDead()
        case .dead, .startPre, .start, .startPost, .running, .exited, .reload, .stop, .stopPost, .failed, .autoRestart:
            return []
        }
    }

    private func armStopTimer() -> [ServiceAction] {
        settings.stopTimeout == .infinity ? [.disarmTimer] : [.armTimer(settings.stopTimeout)]
    }

    private mutating func enterDead() -> [ServiceAction] {
        subState = result == .success ? .dead : .failed
        // Processes that outlived the final SIGKILL (stuck in the kernel) are no longer watched, as
        // in systemd; the cgroup stays until they are gone.
        mainPID = nil
        controlPID = nil
        var actions: [ServiceAction] = [.disarmTimer]
        if !cgroupEmpty && [.controlGroup, .mixed].contains(settings.killMode) { actions.append(.killCgroup) }
        actions.append(.releaseCgroup)
        if !stopRequested && shouldRestart {
            subState = .autoRestart
            actions.append(.armTimer(settings.restartDelay))
        }
        return actions
    }

    private var shouldRestart: Bool {
        switch settings.restart {
        case .no: false
        case .always: true
        case .onSuccess: result == .success
        case .onFailure: result != .success
        case .onAbnormal: [.signal, .coreDump, .timeout, .watchdog].contains(result)
        case .onWatchdog: result == .watchdog
        case .onAbort: [.signal, .coreDump].contains(result)
        }
    }

    /// OOMPolicy=: `continue` only notes it; `stop` and `kill` (where the kernel already killed the
    /// whole cgroup, memory.oom.group being set) stop the unit with result oom-kill.
    private mutating func oomKilled() -> [ServiceAction] {
        oomKillSeen = true
        let note = ServiceAction.log(Self.oomKillNote)
        guard settings.oomPolicy != .continue, [.activating, .active, .reloading].contains(activeState) else {
            return [note]
        }
        return [note] + enterSignal(.stopSigterm, result: .oomKill)
    }

    // MARK: - Reload and timers

    private mutating func reload() -> [ServiceAction] {
        guard [.running, .exited].contains(subState), !settings.execReload.isEmpty else { return [] }
        pendingCommands = settings.execReload
        let timer: ServiceAction = settings.startTimeout == .infinity ? .disarmTimer : .armTimer(settings.startTimeout)
        return [timer] + runNextControl(in: .reload)
    }

    private mutating func timerFired(now: USec) -> [ServiceAction] {
        switch subState {
        case .startPre, .start, .startPost:
            return [.log("Start operation timed out. Terminating.")] + enterSignal(.stopSigterm, result: .timeout)
        case .reload:
            return [.log("Reload operation timed out. Killing reload process.")] + [.signal(.control, SIGKILL)]
        case .stop:
            return [.log("Stopping timed out. Terminating.")] + enterSignal(.stopSigterm, result: .timeout)
        case .stopSigterm:
            if settings.sendSIGKILL {
                return [.log("State 'stop-sigterm' timed out. Killing.")] + enterSignal(.stopSigkill, result: .timeout)
            }
            return [.log("State 'stop-sigterm' timed out. Skipping SIGKILL.")] + enterStopPost()
        case .stopSigkill:
            return [.log("Processes still around after SIGKILL. Ignoring.")] + enterStopPost()
        case .stopPost:
            return [.log("State 'stop-post' timed out. Terminating.")] + enterSignal(.finalSigterm, result: .timeout)
        case .finalSigterm:
            if settings.sendSIGKILL {
                return [.log("State 'final-sigterm' timed out. Killing.")]
                    + enterSignal(.finalSigkill, result: .timeout)
            }
            return enterDead()
        case .finalSigkill:
            return [.log("Processes still around after final SIGKILL. Entering failed mode.")] + enterDead()
        case .autoRestart:
            subState = result == .success ? .dead : .failed
            restarts += 1
            return [.log("Scheduled restart job, restart counter is at \(restarts).")] + start(now: now)
        case .running:
            if let deadline = watchdogDeadline, deadline <= now { return watchdogExpired() }
            if let deadline = runtimeDeadline, deadline <= now {
                return [.log("Service reached runtime time limit. Stopping.")] + enterStop(result: .timeout)
            }
            return runningTimer()
        case .dead, .failed, .exited:
            return []
        }
    }

    // MARK: - Surviving a restart of corrald

    /// Everything the machine knows that its settings do not say: written to the unit's runtime
    /// record on every change, and given back to `init(settings:…:restoring:)` by the next corrald.
    public struct Snapshot: Sendable, Equatable {
        public var subState: ServiceSubState = .dead
        public var result: ServiceResult = .success
        public var mainPID: Int32?
        public var controlPID: Int32?
        public var mainExit: ProcessExit?
        public var recentStarts: [USec] = []
        /// How many commands of the current phase (`ExecStartPre=`, `ExecStop=`, ...) are still to run.
        public var pendingCommands = 0
        public var mainProcessUnknown = false
        public var stopRequested = false
        public var oomKillSeen = false
        public var restarts: UInt32 = 0

        public init() {}
    }

    public var snapshot: Snapshot {
        var snapshot = Snapshot()
        snapshot.subState = subState
        snapshot.result = result
        snapshot.mainPID = mainPID
        snapshot.controlPID = controlPID
        snapshot.mainExit = mainExit
        snapshot.recentStarts = recentStarts
        snapshot.pendingCommands = pendingCommands.count
        snapshot.mainProcessUnknown = mainProcessUnknown
        snapshot.stopRequested = stopRequested
        snapshot.oomKillSeen = oomKillSeen
        snapshot.restarts = restarts
        return snapshot
    }

    /// A machine that resumes where `snapshot` left it. Whether its cgroup is empty is not known
    /// yet: the supervisor looks and says so with `.cgroupEmpty`.
    public init(
        settings: ServiceSettings, startLimitInterval: USec, startLimitBurst: UInt32, restoring snapshot: Snapshot
    ) {
        self.init(settings: settings, startLimitInterval: startLimitInterval, startLimitBurst: startLimitBurst)
        subState = snapshot.subState
        result = snapshot.result
        mainPID = snapshot.mainPID
        controlPID = snapshot.controlPID
        mainExit = snapshot.mainExit
        recentStarts = snapshot.recentStarts
        let phase = commands(of: subState)
        let pending = min(snapshot.pendingCommands, phase.count)
        pendingCommands = Array(phase.suffix(pending))
        currentCommand = pending < phase.count ? phase[phase.count - pending - 1] : nil
        mainProcessUnknown = snapshot.mainProcessUnknown
        stopRequested = snapshot.stopRequested
        oomKillSeen = snapshot.oomKillSeen
        restarts = snapshot.restarts
        cgroupEmpty = false
    }

    /// The commands a sub-state runs one after another.
    private func commands(of state: ServiceSubState) -> [ExecCommand] {
        switch state {
        case .startPre: settings.execStartPre
        case .start: settings.execStart
        case .startPost: settings.execStartPost
        case .reload: settings.execReload
        case .stop: settings.execStop
        case .stopPost: settings.execStopPost
        case .dead, .running, .exited, .stopSigterm, .stopSigkill, .finalSigterm, .finalSigkill, .failed, .autoRestart:
            []
        }
    }

    /// The timer a restored machine needs: a state that waits with a timeout waits its whole timeout
    /// again (a pending restart keeps its own deadline, which the supervisor restores), and a
    /// running one its whole watchdog and runtime limit.
    public mutating func timerOnResume() -> ServiceAction {
        switch subState {
        case .running:
            runtimeDeadline = settings.runtimeMax.map { now &+ $0 }
            watchdogDeadline = watchdogTimeout.map { now &+ $0 }
            return runningTimer()[0]
        case .startPre, .start, .startPost, .reload:
            return settings.startTimeout == .infinity ? .disarmTimer : .armTimer(settings.startTimeout)
        case .stop, .stopSigterm, .stopSigkill, .stopPost, .finalSigterm, .finalSigkill:
            return armStopTimer()[0]
        case .autoRestart:
            return .armTimer(settings.restartDelay)
        case .dead, .exited, .failed:
            return .disarmTimer
        }
    }

    // MARK: - Exit status rules

    /// A main process ends cleanly with status 0, a SuccessExitStatus= entry, or one of the
    /// signals a daemon is expected to die from (SIGHUP, SIGINT, SIGTERM, SIGPIPE).
    private func isCleanMainExit(_ exit: ProcessExit) -> Bool {
        switch exit {
        case .exited(let code):
            return code == 0 || settings.successExitStatus.statuses.contains(code)
        case .killed(let signal, _):
            return [1, 2, 15, 13].contains(signal) || settings.successExitStatus.signals.contains(signal)
        }
    }

    private func failureResult(of exit: ProcessExit) -> ServiceResult {
        switch exit {
        case .exited: .exitCode
        case .killed(_, let core): core ? .coreDump : .signal
        }
    }
}
