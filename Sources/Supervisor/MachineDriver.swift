import Exec
import UnitModel

/// What a unit's state machine asks of the world, one method per kind of action: the seam between
/// the pure machine and the kernel. `Supervisor` performs them on the host; tests use a fake.
protocol ServiceEffects {
    /// Monotonic µs, for timers.
    var now: UInt64 { get }
    /// A fresh invocation ID for a new run.
    func newInvocationID() -> String
    func prepareCgroup(for unit: ManagedUnit)
    /// `.spawned` or `.spawnFailed`.
    func spawn(_ command: ExecCommand, role: ProcessRole, for unit: ManagedUnit) -> ServiceEvent
    /// Sends `signal`; answers `.cgroupEmpty` when it was for the cgroup and the cgroup holds nothing.
    func signal(_ signal: Int32, to target: KillTarget, of unit: ManagedUnit) -> ServiceEvent?
    func killCgroup(of unit: ManagedUnit)
    /// The main process of a forking service (PIDFile=, else the only process), now watched as such.
    func findMainProcess(pidFile: String?, of unit: ManagedUnit) -> Int32?
    /// Keeps what the run used, then removes the cgroup once it is empty.
    func releaseCgroup(of unit: ManagedUnit)
    func log(_ message: String, about unit: ManagedUnit)
}

/// Runs a unit's state machine: feeds it an event, performs the actions it asks for through the
/// effects, and feeds back the events those produce (spawn results, an empty cgroup) until it is
/// quiet. Keeps the unit's own bookkeeping of a run: its invocation ID, start time and timer.
enum MachineDriver {
    static func run(_ event: ServiceEvent, on unit: ManagedUnit, effects: some ServiceEffects) {
        guard unit.machine != nil else { return }
        var pending = [event]
        while !pending.isEmpty {
            unit.machine!.now = effects.now
            for action in unit.machine!.handle(pending.removeFirst()) {
                if let followUp = perform(action, on: unit, effects: effects) { pending.append(followUp) }
            }
        }
    }

    /// Performs one action; returns the event it produced, if any.
    static func perform(_ action: ServiceAction, on unit: ManagedUnit, effects: some ServiceEffects) -> ServiceEvent? {
        switch action {
        case .prepareCgroup:
            unit.invocationID = effects.newInvocationID()
            unit.runStarted = effects.now
            unit.controlRuns = []
            effects.prepareCgroup(for: unit)
            return nil
        case .spawn(let command, let role):
            return effects.spawn(command, role: role, for: unit)
        case .signal(let target, let signal):
            return effects.signal(signal, to: target, of: unit)
        case .killCgroup:
            effects.killCgroup(of: unit)
            return nil
        case .findMainProcess(let pidFile):
            return .mainProcessFound(pid: effects.findMainProcess(pidFile: pidFile, of: unit))
        case .armTimer(let delay):
            unit.deadline = effects.now &+ delay
            return nil
        case .disarmTimer:
            unit.deadline = nil
            return nil
        case .releaseCgroup:
            effects.releaseCgroup(of: unit)
            return nil
        case .log(let message):
            effects.log(message, about: unit)
            return nil
        }
    }
}
