import Exec
import ResourceControl
import Testing
import UnitModel

@testable import Supervisor

/// The glue between a unit's state machine and the world, with the world faked: which effects
/// each event leads to, which events they feed back, and the unit's own bookkeeping.
@Suite struct MachineDriverTests {
    /// Records every effect; spawns succeed with pids from 100 (or fail when `failSpawns`), and the
    /// cgroup is empty as soon as it has been signalled.
    final class FakeEffects: ServiceEffects {
        var calls: [String] = []
        var nextPID: Int32 = 100
        var failSpawns = false
        var now: UInt64 = 5_000_000

        func newInvocationID() -> String { "0123456789abcdef0123456789abcdef" }
        func prepareCgroup(for unit: ManagedUnit) { calls.append("prepare \(unit.plan.cgroup)") }
        func spawn(_ command: ExecCommand, role: ProcessRole, for unit: ManagedUnit) -> ServiceEvent {
            calls.append("spawn \(role) \(command.path)")
            if failSpawns { return .spawnFailed(role, SpawnFailure(step: .user, message: "no such user")) }
            nextPID += 1
            return .spawned(role, pid: nextPID)
        }
        func signal(_ signal: Int32, to target: KillTarget, of unit: ManagedUnit) -> ServiceEvent? {
            calls.append("signal \(target) \(signal)")
            return target == .cgroup ? .cgroupEmpty : nil
        }
        func killCgroup(of unit: ManagedUnit) { calls.append("kill cgroup") }
        func findMainProcess(pidFile: String?, of unit: ManagedUnit) -> Int32? { nil }
        func releaseCgroup(of unit: ManagedUnit) { calls.append("release") }
        func log(_ message: String, about unit: ManagedUnit) { calls.append("log \(message)") }
    }

    static func unit() -> ManagedUnit {
        var unit = Unit(name: "web.service", type: .service)
        unit.service.execStart = [ExecCommand(path: "/bin/sleep", argv: ["/bin/sleep", "100"])]
        let plan = CgroupPlan(unit: unit.name, cgroup: "system.slice/web.service", enable: [], writes: [], warnings: [])
        return ManagedUnit(loaded: LoadedUnit(transient: unit), plan: plan)
    }

    @Test func aStartPreparesTheCgroupAndSpawnsTheMainProcess() {
        let effects = FakeEffects()
        let unit = Self.unit()
        MachineDriver.run(.start(now: effects.now), on: unit, effects: effects)
        #expect(effects.calls == ["prepare system.slice/web.service", "spawn main /bin/sleep"])
        #expect(unit.machine?.mainPID == 101 && unit.activeState == .active)
        #expect(unit.invocationID == "0123456789abcdef0123456789abcdef" && unit.runStarted == 5_000_000)
        // Type=simple is up once its process runs: the start timeout armed with the start is gone.
        #expect(unit.deadline == nil)
    }

    @Test func aStopSignalsTheCgroupAndTheEmptyCgroupItReportsEndsTheUnit() {
        let effects = FakeEffects()
        let unit = Self.unit()
        MachineDriver.run(.start(now: effects.now), on: unit, effects: effects)
        effects.calls = []
        MachineDriver.run(.stop, on: unit, effects: effects)
        // The main process is still tracked, so the unit waits for its exit with the stop timeout.
        #expect(effects.calls == ["signal cgroup 15"])
        #expect(unit.activeState == .deactivating && unit.deadline == 5_000_000 + 90_000_000)
        MachineDriver.run(
            .exited(pid: 101, .killed(signal: 15, coreDumped: false), oomKilled: false), on: unit, effects: effects)
        #expect(effects.calls.last == "release")
        #expect(unit.activeState == .inactive && unit.deadline == nil)
    }

    @Test func aFailedSpawnIsFedBackAndFailsTheUnitAtOnce() {
        let effects = FakeEffects()
        effects.failSpawns = true
        let unit = Self.unit()
        MachineDriver.run(.start(now: effects.now), on: unit, effects: effects)
        #expect(
            effects.calls == [
                "prepare system.slice/web.service", "spawn main /bin/sleep", "log no such user", "signal cgroup 15",
                "release",
            ])
        #expect(unit.activeState == .failed && unit.machine?.mainExit == .exited(217) && unit.deadline == nil)
    }
}
