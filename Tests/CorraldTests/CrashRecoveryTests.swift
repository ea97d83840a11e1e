import Glibc
import Testing

/// corrald is crash-only: after `kill -9` (or `daemon-reexec`) the next corrald resumes every unit
/// from its runtime records and cgroups, and never starts one twice.
@Suite(.serialized)
struct CrashRecoveryTests {
    static let units = [
        "simple.service": "[Service]\nExecStart=/bin/sleep 600\n",
        "forking.service": """
        [Service]
        Type=forking
        ExecStart=/bin/sh -c '/bin/sleep 600 & echo $! > /tmp/corral-crash-forking.pid'
        PIDFile=/tmp/corral-crash-forking.pid
        """,
        "oneshot.service": "[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/true\n",
        "sliced.service": "[Service]\nSlice=work.slice\nExecStart=/bin/sleep 600\n",
    ]
    static let names = ["simple.service", "forking.service", "oneshot.service", "sliced.service", "kept.service"]

    /// ActiveState, SubState, MainPID and InvocationID of each unit, one line each.
    static func states(_ daemon: DaemonHarness) -> [String] {
        names.map { daemon.ctl("show \($0) -p ActiveState,SubState,MainPID,InvocationID").output }
    }

    /// Gone, or a zombie: a process whose parent corrald crashed is reaped by whatever inherits it.
    static func ended(_ pid: Int32) -> Bool {
        kill(pid, 0) != 0 || DaemonHarness.read("/proc/\(pid)/stat")?.contains(") Z ") == true
    }

    static func startEverything(_ daemon: DaemonHarness) throws {
        for name in names.dropLast() { #expect(daemon.ctl("start \(name)").code == 0) }
        #expect(daemon.ctl("run --unit kept -p MemoryMax=64M -- /bin/sleep 600").code == 0)
        #expect(daemon.ctl("set-property kept.service TasksMax=77").code == 0)
    }

    @Test func afterKill9EveryUnitIsResumedWithItsMainPIDAndNoneStartsTwice() throws {
        let daemon = try DaemonHarness(units: Self.units)
        try Self.startEverything(daemon)
        let before = Self.states(daemon)
        let processes = CorraldTests.pids(daemon, "system.slice/simple.service")
        #expect(before.allSatisfy { $0.contains("ActiveState=active") })
        daemon.crash()
        try daemon.relaunch(start: ["simple.service"])
        #expect(Self.states(daemon) == before)
        // The start job of a unit that runs finds it running; nothing is spawned beside it.
        #expect(CorraldTests.pids(daemon, "system.slice/simple.service") == processes)
        #expect(daemon.ctl("start simple.service").code == 0)
        #expect(CorraldTests.pids(daemon, "system.slice/simple.service") == processes)
        #expect(daemon.ctl("show kept.service -p TasksMax").output == "TasksMax=77\n")
        for name in Self.names where name != "oneshot.service" {
            #expect(daemon.ctl("stop \(name)").code == 0)
        }
        #expect(daemon.ctl("stop oneshot.service").code == 0)
        #expect(Self.ended(processes.first ?? 0))
        for cgroup in ["system.slice/simple.service", "system.slice/forking.service", "work.slice/sliced.service"] {
            #expect(!daemon.cgroupExists(cgroup))
        }
        // The transient unit is gone for good, so its name can be used again.
        #expect(daemon.ctl("run --unit kept -- /bin/true").code == 0)
    }

    @Test func aMainProcessThatEndedWhileCorraldWasDownIsSeenEnded() throws {
        let daemon = try DaemonHarness(units: Self.units)
        #expect(daemon.ctl("start simple.service").code == 0)
        let pid = CorraldTests.pids(daemon, "system.slice/simple.service").first ?? 0
        daemon.crash()
        kill(pid, SIGKILL)
        try daemon.waitUntil("the main process is gone") { Self.ended(pid) }
        try daemon.relaunch()
        try daemon.waitUntil("the unit has failed") { daemon.ctl("is-failed simple.service").code == 0 }
        #expect(daemon.ctl("show simple.service -p MainPID").output == "MainPID=0\n")
        let result = daemon.ctl("show simple.service -p Result").output
        // Signal 9 when the kernel still had the zombie's status, else lost with its status.
        #expect(result == "Result=signal\n" || result == "Result=resources\n")
        #expect(!daemon.cgroupExists("system.slice/simple.service"))
    }

    @Test func aCgroupWithProcessesButNoRecordIsAdoptedAndStopEmptiesIt() throws {
        let daemon = try DaemonHarness(units: Self.units)
        #expect(daemon.ctl("start simple.service").code == 0)
        let pid = CorraldTests.pids(daemon, "system.slice/simple.service").first ?? 0
        daemon.crash()
        unlink(daemon.runtimeDirectory + "/state/simple.service")
        try daemon.relaunch(start: ["simple.service"])
        #expect(daemon.ctl("is-active simple.service") == (0, "active\n"))
        #expect(CorraldTests.pids(daemon, "system.slice/simple.service") == [pid])
        #expect(daemon.log.contains("simple.service: Found processes in system.slice/simple.service but no record"))
        #expect(daemon.ctl("stop simple.service").code == 0)
        try daemon.waitUntil("the adopted process is gone") { Self.ended(pid) }
    }

    /// A job still waiting for another (`After=`) when corrald died is carried on by the next one.
    @Test func aJobQueuedAtTheCrashRunsAfterTheRestart() throws {
        let gate = "/tmp/corral-crash-gate-\(getpid())"
        unlink(gate)
        defer { unlink(gate) }
        let daemon = try DaemonHarness(units: [
            "gate.service": """
            [Service]
            Type=oneshot
            RemainAfterExit=yes
            ExecStart=/bin/sh -c 'while [ ! -e \(gate) ]; do sleep 0.05; done'
            """,
            "waiter.service": "[Unit]\nWants=gate.service\nAfter=gate.service\n[Service]\nExecStart=/bin/sleep 600\n",
        ])
        #expect(daemon.ctl("start --no-block waiter.service").code == 0)
        try daemon.waitUntil("gate.service is starting") {
            daemon.ctl("is-active gate.service").output == "activating\n"
        }
        #expect(daemon.ctl("list-jobs").output.contains("waiter.service"))
        daemon.crash()
        try daemon.relaunch()
        #expect(daemon.ctl("is-active waiter.service").output == "inactive\n")
        #expect(daemon.ctl("list-jobs").output.contains("waiter.service"))
        creat(gate, 0o644)
        try daemon.waitUntil("waiter.service has started") {
            daemon.ctl("is-active waiter.service").output == "active\n"
        }
        #expect(CorraldTests.pids(daemon, "system.slice/waiter.service").count == 1)
        #expect(daemon.ctl("is-active gate.service").output == "active\n")
        #expect(daemon.log.contains("Resuming 2 queued job(s)."))
        try daemon.waitUntil("the queue is empty") { access(daemon.runtimeDirectory + "/state/jobs", F_OK) != 0 }
    }

    @Test func daemonReexecKeepsEveryUnitAndTheSameProcess() throws {
        let daemon = try DaemonHarness(units: Self.units)
        try Self.startEverything(daemon)
        let before = Self.states(daemon)
        let corrald = daemon.daemonPID
        #expect(daemon.ctl("daemon-reexec").code == 0)
        #expect(Self.states(daemon) == before)
        #expect(daemon.log.contains("Reexecuting."))
        #expect(kill(corrald, 0) == 0)
        // Exits are still seen: corrald is still the parent of what it spawned.
        let pid = CorraldTests.pids(daemon, "system.slice/simple.service").first ?? 0
        kill(pid, SIGKILL)
        try daemon.waitUntil("the killed service has failed") { daemon.ctl("is-failed simple.service").code == 0 }
        #expect(daemon.ctl("show simple.service -p Result").output == "Result=signal\n")
    }

    @Test func aCleanShutdownLeavesNoRecordsAndTheNextStartBeginsAfresh() throws {
        let daemon = try DaemonHarness(units: Self.units)
        #expect(daemon.ctl("start simple.service").code == 0)
        #expect(access(daemon.runtimeDirectory + "/state/simple.service", F_OK) == 0)
        #expect(daemon.stop() == 0)
        #expect((DaemonHarness.read(daemon.runtimeDirectory + "/state/manager") ?? "").isEmpty)
        #expect(access(daemon.runtimeDirectory + "/state/simple.service", F_OK) != 0)
    }
}
