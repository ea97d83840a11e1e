import Glibc
import Testing

/// `SuccessAction=`, `FailureAction=`, `StartLimitAction=` end corrald with the status systemd's
/// manager would return. (The reboot and power-off actions are tested in the VM.)
@Suite(.serialized)
struct EmergencyActionTests {
    static func oneshot(_ command: String, _ unitSettings: String) -> String {
        """
        [Unit]
        \(unitSettings)

        [Service]
        Type=oneshot
        ExecStart=\(command)
        """
    }

    static func sleeperPID(_ daemon: DaemonHarness) throws -> Int32 {
        var pids: [Int32] = []
        try daemon.waitUntil("the sleeper runs") {
            pids = CorraldTests.pids(daemon, "system.slice/sleeper.service")
            return !pids.isEmpty
        }
        return pids[0]
    }

    @Test func successActionExitStopsEveryUnitAndExitsWithTheGivenStatus() throws {
        let daemon = try DaemonHarness(
            units: [
                "sleeper.service": CorraldTests.sleeper,
                "done.service": Self.oneshot("/bin/true", "SuccessAction=exit\nSuccessActionExitStatus=7"),
            ], start: ["sleeper.service"])
        let sleeper = try Self.sleeperPID(daemon)
        #expect(daemon.ctl("start done.service").code == 0)
        #expect(try daemon.exitStatus() == 7)
        #expect(kill(sleeper, 0) != 0)
        #expect(!daemon.cgroupExists("system.slice/sleeper.service"))
    }

    @Test(arguments: [("exit 3", Int32(3)), ("kill -KILL $$$$", 255)])
    func failureActionExitReturnsTheMainProcessStatus(command: String, expected: Int32) throws {
        let daemon = try DaemonHarness(units: [
            "fails.service": Self.oneshot("/bin/sh -c '\(command)'", "FailureAction=exit")
        ])
        _ = daemon.ctl("start fails.service")
        #expect(try daemon.exitStatus() == expected)
    }

    /// `exit-force` leaves the units running; the next corrald finds them as after a crash.
    @Test func failureActionExitForceLeavesTheUnitsRunning() throws {
        let daemon = try DaemonHarness(
            units: [
                "sleeper.service": CorraldTests.sleeper,
                "fails.service": Self.oneshot("/bin/false", "FailureAction=exit-force\nFailureActionExitStatus=9"),
            ], start: ["sleeper.service"])
        let sleeper = try Self.sleeperPID(daemon)
        _ = daemon.ctl("start fails.service")
        #expect(try daemon.exitStatus() == 9)
        #expect(kill(sleeper, 0) == 0)
        try daemon.relaunch()
        #expect(daemon.ctl("is-active sleeper.service").output == "active\n")
        #expect(CorraldTests.pids(daemon, "system.slice/sleeper.service") == [sleeper])
    }

    @Test func startLimitActionTakesEffectWhenTheLimitIsHit() throws {
        let daemon = try DaemonHarness(units: [
            "quick.service": Self.oneshot("/bin/true", "StartLimitBurst=1\nStartLimitAction=exit")
        ])
        #expect(daemon.ctl("start quick.service").code == 0)
        #expect(daemon.ctl("start quick.service").code != 0)
        #expect(try daemon.exitStatus() == 0)
    }

    /// Stopping corrald stops its units, and their actions are not taken: stopping the daemon must
    /// not end it with another status (or reboot the machine).
    @Test func actionsAreNotTakenWhileCorraldStops() throws {
        let daemon = try DaemonHarness(
            units: [
                "sleeper.service": CorraldTests.sleeper + "\n[Unit]\nSuccessAction=exit\nSuccessActionExitStatus=5\n"
            ],
            start: ["sleeper.service"])
        _ = try Self.sleeperPID(daemon)
        #expect(daemon.stop() == 0)
    }
}
