import Exec
import Supervisor
import Testing
import UnitModel

/// Every sub-state × every event, for each service type: nothing traps, a unit at rest tracks no
/// process, and a stop asked for anywhere ends at rest once the processes do what they are told.
struct ServiceMachineWalkTests {
    static let command = ExecCommand(path: "/bin/sleep", argv: ["/bin/sleep", "100"])
    static let mainPID: Int32 = 100
    static let controlPID: Int32 = 200

    /// Every event the supervisor sends of its own accord (`.spawned` answers a `.spawn` only).
    static let events: [ServiceEvent] = [
        .start(now: 1), .startScope, .adopt, .stop, .reload,
        .spawnFailed(.main, SpawnFailure(step: .exec, message: "exec")),
        .spawnFailed(.control, SpawnFailure(step: nil, message: "clone")),
        .exited(pid: mainPID, .exited(0), oomKilled: false), .exited(pid: mainPID, .exited(1), oomKilled: false),
        .exited(pid: controlPID, .exited(0), oomKilled: false),
        .exited(pid: controlPID, .killed(signal: 9, coreDumped: false), oomKilled: true), .lost(pid: mainPID),
        .mainProcessFound(pid: 400), .mainProcessFound(pid: nil), .notifyReady, .notifyStopping,
        .notifyMainPID(500), .cgroupEmpty, .oomKilled, .timerFired(now: 1_000_000_000),
    ]

    /// A machine of `type` with every kind of command, resumed in `state` with the processes that
    /// state can have.
    static func machine(_ type: ServiceType, in state: ServiceSubState) -> ServiceMachine {
        var settings = ServiceSettings()
        settings.type = type
        settings.execStartPre = [command]
        settings.execStart = [command]
        settings.execStartPost = [command]
        settings.execReload = [command]
        settings.execStop = [command]
        settings.execStopPost = [command]
        var snapshot = ServiceMachine.Snapshot()
        snapshot.subState = state
        let atRest: Set<ServiceSubState> = [.dead, .failed, .autoRestart]
        if !atRest.contains(state) && state != .startPre { snapshot.mainPID = mainPID }
        let controlStates: Set<ServiceSubState> = [.startPre, .startPost, .reload, .stop, .stopPost]
        if controlStates.contains(state) { snapshot.controlPID = controlPID }
        return ServiceMachine(
            settings: settings, startLimitInterval: 10_000_000, startLimitBurst: 1000, restoring: snapshot)
    }

    static let types: [ServiceType] = [.simple, .exec, .forking, .oneshot, .notify, .idle]

    @Test(arguments: types)
    func everySubStateHandlesEveryEvent(type: ServiceType) {
        for state in ServiceSubState.allCases {
            for event in Self.events {
                var machine = Self.machine(type, in: state)
                _ = machine.handle(event)
                if [.dead, .failed].contains(machine.subState) {
                    #expect(
                        machine.mainPID == nil && machine.controlPID == nil,
                        "\(type) in \(state), after \(event): at rest in \(machine.subState) with processes")
                }
            }
        }
    }

    /// Plays the processes' part: each spawned process starts, and each signal or `cgroup.kill`
    /// ends what it reaches; timers fire when nothing else is pending.
    @Test(arguments: types)
    func aStopEndsAtRestFromEverySubState(type: ServiceType) {
        for state in ServiceSubState.allCases {
            var machine = Self.machine(type, in: state)
            var pending: [ServiceEvent] = [.stop]
            var timerArmed = false
            var nextPID: Int32 = 1000
            var steps = 0
            while steps < 200 {
                steps += 1
                if pending.isEmpty {
                    // A resumed machine's state timeout is armed by the supervisor (`timerOnResume`).
                    guard timerArmed || ![.dead, .failed].contains(machine.subState) else { break }
                    timerArmed = false
                    pending.append(.timerFired(now: 1_000_000_000 * UInt64(steps)))
                }
                for action in machine.handle(pending.removeFirst()) {
                    switch action {
                    case .spawn(_, let role):
                        nextPID += 1
                        pending.append(.spawned(role, pid: nextPID))
                        pending.append(.exited(pid: nextPID, .exited(0), oomKilled: false))
                    case .signal(let target, let signal):
                        let pids = [
                            target == .control ? nil : machine.mainPID, target == .main ? nil : machine.controlPID,
                        ]
                        for pid in pids.compactMap({ $0 }) {
                            pending.append(
                                .exited(pid: pid, .killed(signal: signal, coreDumped: false), oomKilled: false))
                        }
                        if target == .cgroup { pending.append(.cgroupEmpty) }
                    case .killCgroup:
                        for pid in [machine.mainPID, machine.controlPID].compactMap({ $0 }) {
                            pending.append(.exited(pid: pid, .killed(signal: 9, coreDumped: false), oomKilled: false))
                        }
                        pending.append(.cgroupEmpty)
                    case .findMainProcess:
                        pending.append(.mainProcessFound(pid: nil))
                    case .armTimer:
                        timerArmed = true
                    case .disarmTimer:
                        timerArmed = false
                    case .prepareCgroup, .releaseCgroup, .log:
                        break
                    }
                }
            }
            #expect(
                [.dead, .failed].contains(machine.subState) && machine.mainPID == nil && machine.controlPID == nil,
                "\(type) stopped from \(state): \(machine.subState) after \(steps) steps")
        }
    }
}
