import Glibc
import Testing

/// Stop works for everything that runs: scopes, and units whose file vanished.
@Suite(.serialized)
struct StopTests {
    /// Starts `run --scope` in the background with its output discarded, and waits until the scope holds `pid`.
    static func startScope(_ daemon: DaemonHarness, _ name: String, _ extra: String = "") throws -> Int32 {
        _ = daemon.ctl("run --scope --unit \(name) \(extra) -- /bin/sleep 600 > /dev/null 2>&1 &")
        var pids: [Int32] = []
        try daemon.waitUntil("the scope holds its process") {
            pids = CorraldTests.pids(daemon, "system.slice/\(name).scope")
            return pids.count == 1
        }
        return pids[0]
    }

    @Test(arguments: ["control-group", "mixed"])
    func stoppingARunningScopeEndsItsProcessesAndReturns(killMode: String) throws {
        let daemon = try DaemonHarness(units: [:])
        let pid = try Self.startScope(daemon, "held", "-p KillMode=\(killMode)")
        #expect(daemon.ctl("is-active held.scope") == (0, "active\n"))
        #expect(daemon.ctl("stop held.scope").code == 0)
        try daemon.waitUntil("the scope's process is gone") { kill(pid, 0) != 0 }
        try daemon.waitUntil("the scope's cgroup is removed") { !daemon.cgroupExists("system.slice/held.scope") }
        #expect(daemon.ctl("is-active held.scope").output == "inactive\n")
    }

    /// A scope has no main process, so with KillMode=process a stop signals nothing, as in systemd.
    @Test func stoppingAScopeWithKillModeProcessLeavesItsProcesses() throws {
        let daemon = try DaemonHarness(units: [:])
        let pid = try Self.startScope(daemon, "held", "-p KillMode=process")
        defer { kill(pid, SIGKILL) }
        #expect(daemon.ctl("stop held.scope").code == 0)
        #expect(daemon.ctl("is-active held.scope").output == "inactive\n")
        #expect(kill(pid, 0) == 0)
    }

    @Test func shutdownWithARunningScopeFinishes() throws {
        let daemon = try DaemonHarness(units: [:])
        let pid = try Self.startScope(daemon, "held")
        #expect(daemon.stop() == 0)
        try daemon.waitUntil("the scope's process is gone") { kill(pid, 0) != 0 }
        #expect(!daemon.cgroupExists("system.slice/held.scope"))
    }

    @Test func aStartJobCannotStartAScope() throws {
        let daemon = try DaemonHarness(units: [:])
        _ = try Self.startScope(daemon, "held")
        #expect(daemon.ctl("stop held.scope").code == 0)
        #expect(daemon.ctl("start held.scope").code != 0)
    }

    @Test func aRunningUnitWhoseFileVanishedStaysLoadedUntilItStops() throws {
        let daemon = try DaemonHarness(units: ["gone.service": CorraldTests.sleeper])
        #expect(daemon.ctl("start gone.service").code == 0)
        let pid = CorraldTests.pids(daemon, "system.slice/gone.service").first ?? 0
        unlink(daemon.unitDirectory + "/gone.service")
        #expect(daemon.ctl("daemon-reload").code == 0)
        #expect(
            daemon.ctl("show gone.service -p LoadState,ActiveState,MainPID") == (
                0, "LoadState=loaded\nActiveState=active\nMainPID=\(pid)\n"
            ))
        #expect(daemon.ctl("stop gone.service").code == 0)
        #expect(kill(pid, 0) != 0)
        #expect(!daemon.cgroupExists("system.slice/gone.service"))
        #expect(daemon.ctl("show gone.service -p LoadState").output == "LoadState=not-found\n")
    }
}
