import Exec
import Supervisor
import Testing
import UnitModel

/// `WatchdogSec=` and `RuntimeMaxSec=`: the running state's one timer serves the nearer deadline.
@Suite struct WatchdogTests {
    static func running(_ configure: (inout ServiceSettings) -> Void) -> (ServiceMachine, [ServiceAction]) {
        var service = ServiceMachineTests.machine(configure)
        _ = service.handle(.start(now: 0))
        service.now = 1_000_000
        let entered = service.handle(.spawned(.main, pid: 100))
        return (service, entered)
    }

    @Test func aWatchdogThatIsNotFedSendsSIGABRTAndRestartsOnWatchdog() {
        var (service, entered) = Self.running {
            $0.watchdog = 2_000_000
            $0.restart = .onWatchdog
        }
        #expect(entered == [.armTimer(2_000_000)])
        service.now = 2_500_000
        #expect(service.handle(.notifyWatchdog) == [.armTimer(2_000_000)])
        service.now = 4_500_000
        #expect(
            service.handle(.timerFired(now: 4_500_000)) == [
                .log("Watchdog timeout (limit 2s)!"), .signal(.cgroup, 6), .armTimer(90_000_000),
            ])
        _ = service.handle(.exited(pid: 100, .killed(signal: 6, coreDumped: true), oomKilled: false))
        _ = service.handle(.cgroupEmpty)
        #expect(service.result == .watchdog && service.subState == .autoRestart)
    }

    @Test func watchdogTriggerAndANewTimeout() {
        var (service, _) = Self.running { $0.watchdog = 2_000_000 }
        service.now = 1_500_000
        #expect(service.handle(.notifyWatchdogTimeout(10_000_000)) == [.armTimer(10_000_000)])
        #expect(service.handle(.notifyWatchdogTrigger).first == .log("Watchdog timeout (limit 10s)!"))
        #expect(service.result == .watchdog)
    }

    /// The limit counts from the first entry into running; stopping goes through ExecStop=.
    @Test func runtimeMaxStopsTheServiceWithTimeout() {
        var (service, entered) = Self.running {
            $0.runtimeMax = 5_000_000
            $0.watchdog = 3_000_000
            $0.execStop = [ServiceMachineTests.truth]
        }
        #expect(entered == [.armTimer(3_000_000)])
        service.now = 3_500_000
        #expect(service.handle(.notifyWatchdog) == [.armTimer(2_500_000)])
        service.now = 6_000_000
        let stopping = service.handle(.timerFired(now: 6_000_000))
        #expect(stopping.first == .log("Service reached runtime time limit. Stopping."))
        #expect(stopping.contains(.spawn(ServiceMachineTests.truth, .control)))
        #expect(service.result == .timeout)
    }

    @Test func withNeitherTheRunningStateHasNoTimer() {
        #expect(Self.running { _ in }.1 == [.disarmTimer])
    }
}
