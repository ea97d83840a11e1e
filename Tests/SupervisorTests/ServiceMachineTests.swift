import Exec
import Supervisor
import Testing
import UnitModel

/// Drives a `ServiceMachine` through whole scenarios, checking every action it asks for.
@Suite struct ServiceMachineTests {
    static let sleeper = ExecCommand(path: "/bin/sleep", argv: ["/bin/sleep", "100"])
    static let truth = ExecCommand(path: "/bin/true", argv: ["/bin/true"])
    static let failing = ExecCommand(path: "/bin/false", argv: ["/bin/false"])

    static func machine(_ configure: (inout ServiceSettings) -> Void = { _ in }) -> ServiceMachine {
        var settings = ServiceSettings()
        settings.execStart = [sleeper]
        configure(&settings)
        return ServiceMachine(settings: settings, startLimitInterval: 10_000_000, startLimitBurst: 5)
    }

    @Test func simpleServiceRunsAtOnceAndStopsWhenItsCgroupIsEmpty() {
        var service = Self.machine()
        #expect(service.handle(.start(now: 0)) == [.prepareCgroup, .armTimer(90_000_000), .spawn(Self.sleeper, .main)])
        #expect(service.activeState == .activating)
        #expect(service.handle(.spawned(.main, pid: 100)) == [.disarmTimer])
        #expect(service.subState == .running && service.mainPID == 100)

        #expect(service.handle(.stop) == [.signal(.cgroup, 15), .armTimer(90_000_000)])
        #expect(
            service.handle(.exited(pid: 100, .killed(signal: 15, coreDumped: false), oomKilled: false))
                == [])
        #expect(service.subState == .stopSigterm)
        #expect(service.handle(.cgroupEmpty) == [.disarmTimer, .releaseCgroup])
        #expect(service.subState == .dead && service.result == .success)
    }

    @Test func stubbornProcessesGetSIGKILLThenTheCgroupKillSweep() {
        var service = Self.machine { $0.timeoutStop = 5_000_000 }
        _ = service.handle(.start(now: 0))
        _ = service.handle(.spawned(.main, pid: 7))
        _ = service.handle(.stop)
        #expect(
            service.handle(.timerFired(now: 5_000_000)) == [
                .log("State 'stop-sigterm' timed out. Killing."), .signal(.cgroup, 9), .killCgroup,
                .armTimer(5_000_000),
            ])
        _ = service.handle(.exited(pid: 7, .killed(signal: 9, coreDumped: false), oomKilled: false))
        #expect(service.handle(.cgroupEmpty) == [.disarmTimer, .releaseCgroup])
        #expect(service.subState == .failed && service.result == .timeout)
    }

    @Test func mixedModeSignalsOnlyTheMainProcessFirst() {
        var service = Self.machine {
            $0.killMode = .mixed; $0.killSignal = 2
        }
        _ = service.handle(.start(now: 0))
        _ = service.handle(.spawned(.main, pid: 7))
        #expect(service.handle(.stop) == [.signal(.main, 2), .armTimer(90_000_000)])
    }

    @Test func oneshotRunsEachCommandInTurnAndRemainsAfterExit() {
        var service = Self.machine {
            $0.type = .oneshot; $0.execStart = [Self.truth, Self.sleeper]; $0.remainAfterExit = true
        }
        // Type=oneshot has no start timeout unless TimeoutStartSec= is set, as in systemd.
        #expect(service.handle(.start(now: 0)) == [.prepareCgroup, .disarmTimer, .spawn(Self.truth, .main)])
        #expect(service.handle(.spawned(.main, pid: 1)) == [])
        #expect(
            service.handle(.exited(pid: 1, .exited(0), oomKilled: false))
                == [.spawn(Self.sleeper, .main)])
        _ = service.handle(.spawned(.main, pid: 2))
        #expect(
            service.handle(.exited(pid: 2, .exited(0), oomKilled: false)) == [
                .disarmTimer
            ])
        #expect(service.subState == .exited && service.activeState == .active)
    }

    @Test func failureRestartsAfterRestartSecUntilTheStartLimit() {
        var service = Self.machine {
            $0.restart = .onFailure; $0.restartDelay = 1_000_000
        }
        var now: USec = 0
        for _ in 0..<5 {
            _ = service.handle(.start(now: now))
            _ = service.handle(.spawned(.main, pid: 9))
            #expect(
                service.handle(.exited(pid: 9, .exited(1), oomKilled: false)) == [
                    .log("Main process exited, code=exited, status=1/FAILURE"), .signal(.cgroup, 15),
                    .armTimer(90_000_000),
                ])
            #expect(service.handle(.cgroupEmpty) == [.disarmTimer, .releaseCgroup, .armTimer(1_000_000)])
            #expect(service.subState == .autoRestart && service.result == .exitCode)
            now += 1_000_000
        }
        #expect(
            service.handle(.timerFired(now: now)) == [
                .log("Scheduled restart job, restart counter is at 1."), .disarmTimer,
                .log("Start request repeated too quickly."),
            ])
        #expect(service.subState == .failed && service.result == .startLimitHit)
    }

    @Test func anExplicitStopCancelsAPendingRestart() {
        var service = Self.machine { $0.restart = .always }
        _ = service.handle(.start(now: 0))
        _ = service.handle(.spawned(.main, pid: 9))
        _ = service.handle(.exited(pid: 9, .exited(0), oomKilled: false))
        _ = service.handle(.cgroupEmpty)
        #expect(service.subState == .autoRestart)
        #expect(service.handle(.stop) == [.disarmTimer])
        #expect(service.subState == .dead)
    }

    @Test func oomKillIsTheResult() {
        var service = Self.machine { $0.type = .exec }
        _ = service.handle(.start(now: 0))
        _ = service.handle(.spawned(.main, pid: 9))
        _ = service.handle(.exited(pid: 9, .killed(signal: 9, coreDumped: false), oomKilled: true))
        _ = service.handle(.cgroupEmpty)
        #expect(service.subState == .failed && service.result == .oomKill)
    }

    @Test func oomPolicyStopEndsTheUnitWithOOMKill() {
        var service = Self.machine()
        _ = service.handle(.start(now: 0))
        _ = service.handle(.spawned(.main, pid: 9))
        #expect(
            service.handle(.oomKilled) == [
                .log("A process of this unit has been killed by the OOM killer."), .signal(.cgroup, 15),
                .armTimer(90_000_000),
            ])
        _ = service.handle(.exited(pid: 9, .killed(signal: 9, coreDumped: false), oomKilled: false))
        _ = service.handle(.cgroupEmpty)
        #expect(service.subState == .failed && service.result == .oomKill)

        var tolerant = Self.machine { $0.oomPolicy = .continue }
        _ = tolerant.handle(.start(now: 0))
        _ = tolerant.handle(.spawned(.main, pid: 9))
        #expect(tolerant.handle(.oomKilled) == [.log("A process of this unit has been killed by the OOM killer.")])
        #expect(tolerant.subState == .running)
    }

    @Test func notifyServiceActivatesOnlyAtReady() {
        var service = Self.machine { $0.type = .notify }
        _ = service.handle(.start(now: 0))
        #expect(service.handle(.spawned(.main, pid: 5)) == [])
        #expect(service.activeState == .activating)
        #expect(service.handle(.notifyReady) == [.disarmTimer])
        #expect(service.activeState == .active)
    }

    @Test func forkingServiceTracksTheDaemonFromItsPIDFile() {
        var service = Self.machine {
            $0.type = .forking; $0.pidFile = "/run/d.pid"
        }
        _ = service.handle(.start(now: 0))
        _ = service.handle(.spawned(.main, pid: 5))
        #expect(
            service.handle(.exited(pid: 5, .exited(0), oomKilled: false))
                == [.findMainProcess(pidFile: "/run/d.pid")])
        #expect(service.handle(.mainProcessFound(pid: 6)) == [.disarmTimer])
        #expect(service.subState == .running && service.mainPID == 6)
    }

    @Test func startPreFailureUnlessIgnoredFailsTheUnit() {
        var ignored = Self.machine {
            $0.execStartPre = [ExecCommand(path: "/bin/false", argv: ["/bin/false"], flags: .ignoreFailure)]
        }
        _ = ignored.handle(.start(now: 0))
        _ = ignored.handle(.spawned(.control, pid: 3))
        let failed = ServiceAction.log("Control process exited, code=exited, status=1/FAILURE")
        #expect(ignored.handle(.exited(pid: 3, .exited(1), oomKilled: false)) == [failed, .spawn(Self.sleeper, .main)])

        var strict = Self.machine { $0.execStartPre = [Self.failing] }
        _ = strict.handle(.start(now: 0))
        _ = strict.handle(.spawned(.control, pid: 3))
        #expect(
            strict.handle(.exited(pid: 3, .exited(1), oomKilled: false)) == [
                failed, .signal(.cgroup, 15), .armTimer(90_000_000),
            ])
        #expect(strict.handle(.cgroupEmpty) == [.disarmTimer, .releaseCgroup])
        #expect(strict.subState == .failed && strict.result == .exitCode)
    }

    /// The main process's exit status follows the step it failed at, as systemd's does.
    @Test(arguments: [(ExecStep.exec, Int32(203)), (.chdir, 200), (.user, 217), (.group, 216), (.cgroup, 219)])
    func aFailedSpawnFailsTheStartWithItsStepsStatus(step: ExecStep, status: Int32) {
        var service = Self.machine()
        _ = service.handle(.start(now: 0))
        let message = "Failed at step \(step.rawValue) spawning /bin/sleep: No such file or directory"
        #expect(
            service.handle(.spawnFailed(.main, SpawnFailure(step: step, message: message))) == [
                .log(message), .signal(.cgroup, 15), .armTimer(90_000_000),
            ])
        #expect(service.handle(.cgroupEmpty) == [.disarmTimer, .releaseCgroup])
        #expect(service.subState == .failed && service.result == .exitCode && service.mainExit == .exited(status))
    }

    @Test func aProcessThatCannotBeCreatedFailsTheStartWithResources() {
        var service = Self.machine()
        _ = service.handle(.start(now: 0))
        let failure = SpawnFailure(
            step: nil, message: "Failed at step CLONE spawning /bin/sleep: Resource temporarily unavailable")
        _ = service.handle(.spawnFailed(.main, failure))
        _ = service.handle(.cgroupEmpty)
        #expect(service.subState == .failed && service.result == .resources && service.mainExit == nil)
    }
}
