import Glibc
import Testing

/// corrald and corralctl as an operator uses them, on this host's cgroup2 mount (placement, tracking
/// and `cgroup.kill` are real; limits are enforced in the VM suite).
@Suite(.serialized)
struct CorraldTests {
    static let sleeper = """
        [Unit]
        Description=Sleeps

        [Service]
        ExecStart=/bin/sleep 600
        MemoryMax=64M
        """

    /// The pids of a unit's cgroup as the kernel lists them.
    static func pids(_ daemon: DaemonHarness, _ cgroup: String) -> [Int32] {
        (daemon.cgroupFile(cgroup + "/cgroup.procs") ?? "").split(separator: "\n").compactMap { Int32($0) }
    }

    /// A main process that cannot be started exits with its step's status, as systemd's.
    @Test func aFailedSpawnReportsTheStatusOfItsStep() throws {
        let daemon = try DaemonHarness(units: [
            "nodir.service": "[Service]\nExecStart=/bin/true\nWorkingDirectory=/nonexistent-corral\n",
            "nouser.service": "[Service]\nExecStart=/bin/true\nUser=no-such-user-corral\n",
            "noexec.service": "[Service]\nExecStart=/nonexistent-corral\n",
        ])
        for (unit, status) in [("nodir", "200/CHDIR"), ("nouser", "217/USER"), ("noexec", "203/EXEC")] {
            #expect(daemon.ctl("start \(unit).service").code == 1)
            #expect(daemon.ctl("status \(unit).service").output.contains("Main PID: (code=exited, status=\(status))"))
        }
    }

    /// `--no-block` returns once the job is queued: the unit is still starting when corralctl is back.
    @Test func noBlockReturnsWhileTheJobRuns() throws {
        let slow = "[Service]\nType=oneshot\nExecStart=/bin/sleep 600\n"
        let daemon = try DaemonHarness(units: ["slow.service": slow])
        #expect(daemon.ctl("start --no-block slow.service") == (0, ""))
        #expect(daemon.ctl("is-active slow.service") == (3, "activating\n"))
        #expect(daemon.ctl("list-jobs").output.contains("slow.service"))
        #expect(daemon.ctl("stop --no-block slow.service") == (0, ""))
        try daemon.waitUntil("the unit has stopped") { daemon.ctl("is-active slow.service").output == "inactive\n" }
        let run = daemon.ctl("run --no-block --unit quick -- /bin/true")
        #expect(run == (0, "Running as unit: quick.service\n"))
    }

    @Test func startsAServiceInsideItsCgroupAndStopLeavesNothing() throws {
        let daemon = try DaemonHarness(units: ["sleeper.service": Self.sleeper])
        #expect(daemon.ctl("start sleeper.service").code == 0)
        let processes = Self.pids(daemon, "system.slice/sleeper.service")
        #expect(processes.count == 1)
        let cgroupLine = DaemonHarness.read("/proc/\(processes.first ?? 0)/cgroup")?.split(separator: "\n").first {
            $0.hasPrefix("0::")
        }
        #expect(
            cgroupLine.map(String.init) == "0::" + daemon.cgroupRoot.dropFirst(DaemonHarness.cgroupMount!.count)
                + "/system.slice/sleeper.service")

        let status = daemon.ctl("status sleeper.service")
        #expect(status.code == 0)
        #expect(status.output.contains("● sleeper.service - Sleeps"))
        #expect(status.output.contains("Active: active (running) since "))
        #expect(status.output.contains("Main PID: \(processes.first ?? 0) (sleep)"))
        #expect(status.output.contains("CGroup: /system.slice/sleeper.service"))
        #expect(status.output.contains("└─\(processes.first ?? 0) /bin/sleep 600"))
        #expect(daemon.ctl("is-active sleeper.service") == (0, "active\n"))
        let pid = processes.first ?? 0
        #expect(
            daemon.ctl("show sleeper.service -p ActiveState,MainPID,MemoryMax") == (
                0, "ActiveState=active\nMainPID=\(pid)\nMemoryMax=67108864\n"
            ))
        #expect(
            daemon.ctl("show --json sleeper.service -p SubState,MainPID") == (
                0, "{\"SubState\":\"running\",\"MainPID\":\(pid)}\n"
            ))
        let pressure = daemon.ctl("show sleeper.service -p CPUPressure").output
        #expect(pressure.hasPrefix("CPUPressure=avg10=") && pressure.contains(" total="))

        #expect(daemon.ctl("stop sleeper.service").code == 0)
        #expect(!daemon.cgroupExists("system.slice/sleeper.service"))
        #expect(kill(processes.first ?? 0, 0) != 0)
        #expect(daemon.ctl("is-active sleeper.service") == (3, "inactive\n"))
    }

    @Test func trackingOnlyModeWarnsOncePerUnitAndStillRuns() throws {
        let daemon = try DaemonHarness(units: ["sleeper.service": Self.sleeper])
        #expect(daemon.ctl("start sleeper.service").code == 0)
        #expect(daemon.ctl("restart sleeper.service").code == 0)
        #expect(daemon.ctl("is-active sleeper.service").code == 0)
        let warnings = daemon.log.split(separator: "\n").filter { $0.contains("MemoryMax=64M not enforced") }
        #expect(warnings == ["corrald: sleeper.service: memory controller not available: MemoryMax=64M not enforced"])
    }

    @Test func anExecFailureFailsTheUnitWithStageAndErrno() throws {
        let daemon = try DaemonHarness(units: ["nope.service": "[Service]\nExecStart=/usr/bin/nope\n"])
        let start = daemon.ctl("start nope.service")
        #expect(start.code == 1)
        #expect(start.output.contains("Job for nope.service failed"))
        let status = daemon.ctl("status nope.service")
        #expect(status.code == 3)
        #expect(status.output.contains("Active: failed (Result: exit-code)"))
        #expect(status.output.contains("Failed at step EXEC spawning /usr/bin/nope: No such file or directory"))
        #expect(daemon.ctl("is-failed nope.service").code == 0)
        #expect(daemon.ctl("reset-failed nope.service").code == 0)
        #expect(daemon.ctl("is-failed nope.service").code == 1)
    }

    @Test func unknownUnitsAreRefusedWithSystemctlsExitCodes() throws {
        let daemon = try DaemonHarness(units: [:])
        #expect(
            daemon.ctl("start ghost.service") == (5, "Failed to start ghost.service: Unit ghost.service not found.\n"))
        #expect(
            daemon.ctl("stop ghost.service") == (5, "Failed to stop ghost.service: Unit ghost.service not loaded.\n"))
        #expect(daemon.ctl("status ghost.service").code == 4)
        // Asking about a unit that does not exist leaves nothing behind.
        #expect(
            daemon.ctl("list-units --all").output
                == " UNIT LOAD ACTIVE SUB DESCRIPTION\n0 loaded units listed.\nTo show all installed unit files use 'corralctl list-unit-files'.\n"
        )
    }

    @Test func restartAlsoRestartsWhatRequiresTheUnit() throws {
        let daemon = try DaemonHarness(units: [
            "db.service": "[Service]\nExecStart=/bin/sleep 600\n",
            "app.service": "[Unit]\nRequires=db.service\nAfter=db.service\n[Service]\nExecStart=/bin/sleep 600\n",
        ])
        #expect(daemon.ctl("start app.service").code == 0)
        let before = Self.pids(daemon, "system.slice/app.service")
        #expect(daemon.ctl("restart db.service").code == 0)
        try daemon.waitUntil("app.service is back") { daemon.ctl("is-active app.service").code == 0 }
        #expect(Self.pids(daemon, "system.slice/app.service") != before)
    }

    @Test func oneshotRunsEachCommandThenRemainsActive() throws {
        let daemon = try DaemonHarness(units: [
            "steps.service": """
            [Service]
            Type=oneshot
            RemainAfterExit=yes
            ExecStart=/bin/sh -c 'echo one >> %t/steps'
            ExecStart=/bin/sh -c 'echo two >> %t/steps'
            Environment=X=1
            """.replacingPercentT(with: "/tmp/corrald-steps-\(getpid())")
        ])
        defer { unlink("/tmp/corrald-steps-\(getpid())/steps"); rmdir("/tmp/corrald-steps-\(getpid())") }
        mkdir("/tmp/corrald-steps-\(getpid())", 0o755)
        #expect(daemon.ctl("start steps.service").code == 0)
        #expect(DaemonHarness.read("/tmp/corrald-steps-\(getpid())/steps") == "one\ntwo\n")
        #expect(daemon.ctl("is-active steps.service") == (0, "active\n"))
    }

    @Test func restartOnFailureBringsTheServiceBack() throws {
        let marker = "/tmp/corrald-restarts-\(getpid())"
        defer { unlink(marker) }
        let daemon = try DaemonHarness(units: [
            "flaky.service": """
            [Service]
            ExecStart=/bin/sh -c 'echo run >> \(marker); [ $(wc -l < \(marker)) -ge 3 ] && exec sleep 600; exit 1'
            Restart=on-failure
            RestartSec=50ms
            """
        ])
        _ = daemon.ctl("start flaky.service")
        try daemon.waitUntil("the third run stays up") {
            DaemonHarness.read(marker) == "run\nrun\nrun\n" && daemon.ctl("is-active flaky.service").code == 0
        }
    }

    @Test func notifyServiceIsActivatingUntilReady() throws {
        let flag = "/tmp/corrald-ready-\(getpid())"
        defer { unlink(flag) }
        let daemon = try DaemonHarness(units: [
            "ready.service": """
            [Service]
            Type=notify
            NotifyAccess=all
            ExecStart=/bin/sh -c 'while [ ! -e \(flag) ]; do sleep 0.05; done; systemd-notify --ready --status=serving; exec sleep 600'
            """
        ])
        let client = try #require(
            popen(
                "CORRAL_RUNTIME_DIR='\(daemon.runtimeDirectory)' '\(DaemonHarness.binaries)/corralctl' start ready.service",
                "r"))
        try daemon.waitUntil("the service is activating") {
            daemon.ctl("status ready.service").output.contains("activating (start)")
        }
        usleep(300_000)
        #expect(daemon.ctl("is-active ready.service") == (3, "activating\n"))
        _ = creat(flag, 0o644)
        #expect(pclose(client) == 0)
        #expect(daemon.ctl("is-active ready.service") == (0, "active\n"))
        #expect(daemon.ctl("status ready.service").output.contains("Status: \"serving\""))
    }

    @Test func readinessCanComeAsANewlineOnReadyNotificationFD() throws {
        let flag = "/tmp/corrald-fdready-\(getpid())"
        defer { unlink(flag) }
        let daemon = try DaemonHarness(units: [
            "s6style.service": """
            [Service]
            Type=notify
            ReadyNotificationFD=5
            ExecStart=/bin/sh -c 'while [ ! -e \(flag) ]; do sleep 0.05; done; echo >&5; exec sleep 600'
            """,
            "wrong.service": "[Service]\nReadyNotificationFD=5\nExecStart=/bin/sleep 600\n",
        ])
        let client = try #require(
            popen(
                "CORRAL_RUNTIME_DIR='\(daemon.runtimeDirectory)' '\(DaemonHarness.binaries)/corralctl' start s6style.service",
                "r"))
        try daemon.waitUntil("the service is activating") {
            daemon.ctl("is-active s6style.service").output == "activating\n"
        }
        _ = creat(flag, 0o644)
        #expect(pclose(client) == 0)
        #expect(daemon.ctl("is-active s6style.service") == (0, "active\n"))
        // systemctl exits 1 for a unit with a bad setting (5 is for one not found).
        #expect(
            daemon.ctl("start wrong.service") == (
                1, "Failed to start wrong.service: Unit wrong.service has a bad unit file setting.\n"
            ))
    }

    @Test func forkingServiceIsTrackedByItsPIDFileAndStopEmptiesTheCgroup() throws {
        let pidFile = "/tmp/corrald-forking-\(getpid()).pid"
        defer { unlink(pidFile) }
        let daemon = try DaemonHarness(units: [
            "daemon.service": """
            [Service]
            Type=forking
            PIDFile=\(pidFile)
            ExecStart=/bin/sh -c '(sleep 600 & echo $! > \(pidFile); sleep 600 &) ; exit 0'
            """
        ])
        #expect(daemon.ctl("start daemon.service").code == 0)
        let mainPID = (DaemonHarness.read(pidFile) ?? "").split(separator: "\n").first.map(String.init) ?? "?"
        #expect(daemon.ctl("status daemon.service").output.contains("Main PID: \(mainPID) (sleep)"))
        #expect(Self.pids(daemon, "system.slice/daemon.service").count == 2)
        #expect(daemon.ctl("stop daemon.service").code == 0)
        #expect(!daemon.cgroupExists("system.slice/daemon.service"))
    }

    @Test func daemonReloadPicksUpAnEditedUnit() throws {
        let daemon = try DaemonHarness(units: [
            "edit.service": "[Unit]\nDescription=Before\n[Service]\nExecStart=/bin/sleep 600\n"
        ])
        #expect(daemon.ctl("status edit.service").output.contains("edit.service - Before"))
        try daemon.write(
            "[Unit]\nDescription=After\n[Service]\nExecStart=/bin/sleep 600\n",
            to: daemon.unitDirectory + "/edit.service")
        #expect(daemon.ctl("daemon-reload").code == 0)
        #expect(daemon.ctl("status edit.service").output.contains("edit.service - After"))
    }

    /// A daemon-reload reads again only the units whose files changed: an unchanged unit's warning
    /// is not printed again, an edited unit's new one is.
    @Test func daemonReloadReadsOnlyChangedUnits() throws {
        let daemon = try DaemonHarness(units: [
            "same.service": "[Service]\nExecStart=/bin/sleep 600\nNoSuchSetting=1\n",
            "edited.service": "[Service]\nExecStart=/bin/sleep 600\nFirstUnknown=1\n",
        ])
        // Past the second within which a file just written may still change unseen.
        usleep(1_100_000)
        #expect(daemon.ctl("start same.service edited.service").code == 0)
        try daemon.write(
            "[Service]\nExecStart=/bin/sleep 600\nSecondUnknown=1\n", to: daemon.unitDirectory + "/edited.service")
        #expect(daemon.ctl("daemon-reload").code == 0)
        func warnings(_ directive: String) -> Int {
            daemon.log.split(separator: "\n").filter { $0.contains(directive) }.count
        }
        #expect(warnings("NoSuchSetting") == 1)
        #expect(warnings("FirstUnknown") == 1)
        #expect(warnings("SecondUnknown") == 1)
    }

    /// A unit holds its output pipe only while it has processes: an exited oneshot that stays
    /// active gives it up once its output is logged, a unit that never runs a process never has
    /// one, and the next process gets a new one.
    @Test func outputPipesLastAsLongAsTheUnitsProcesses() throws {
        let daemon = try DaemonHarness(units: [
            "once.service": """
            [Service]
            Type=oneshot
            RemainAfterExit=yes
            ExecStart=/bin/echo first
            ExecReload=/bin/echo again
            """,
            "idle.service": "[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStop=/bin/true\n",
        ])
        let fifo = daemon.runtimeDirectory + "/output/once.service"
        #expect(daemon.ctl("start once.service idle.service").code == 0)
        try daemon.waitUntil("the exited oneshot gives up its pipe") { access(fifo, F_OK) != 0 }
        #expect(access(daemon.runtimeDirectory + "/output/idle.service", F_OK) != 0)
        #expect(daemon.ctl("reload once.service").code == 0)
        try daemon.waitUntil("the reload's output is logged") { daemon.log.contains("once.service: again") }
        #expect(daemon.log.contains("once.service: first"))
        try daemon.waitUntil("the pipe is given up again") { access(fifo, F_OK) != 0 }
        #expect(daemon.ctl("is-active once.service idle.service").output == "active\nactive\n")
    }

    @Test func dependenciesStartInOrderAndStopPropagates() throws {
        let order = "/tmp/corrald-order-\(getpid())"
        defer { unlink(order) }
        func unit(_ name: String, _ extra: String) -> String {
            "[Unit]\n\(extra)\n[Service]\nExecStartPre=/bin/sh -c 'echo \(name) >> \(order)'\nExecStart=/bin/sleep 600\n"
        }
        let daemon = try DaemonHarness(units: [
            "app.service": unit("app", "Requires=db.service\nAfter=db.service\nWants=cache.service"),
            "db.service": unit("db", ""),
            "cache.service": unit("cache", "Before=app.service"),
        ])
        #expect(daemon.ctl("start app.service").code == 0)
        let started = (DaemonHarness.read(order) ?? "").split(separator: "\n")
        #expect(started.last == "app" && started.count == 3)
        #expect(daemon.ctl("list-units").output.contains("db.service    loaded active running"))
        #expect(daemon.ctl("stop db.service").code == 0)
        #expect(daemon.ctl("is-active app.service").code == 3)
        #expect(daemon.ctl("is-active cache.service").code == 0)
    }

    @Test func delegatedCgroupBelongsToTheServiceUserAndStatusShowsItsSubgroups() throws {
        let mount = try #require(DaemonHarness.cgroupMount)
        // The payload, running as nobody, makes its own sub-cgroup and moves itself there. `$$$$` is the
        // shell's `$$` after unit-file `$$` unescaping.
        let daemon = try DaemonHarness(units: [
            "payload.service": """
            [Service]
            User=nobody
            Delegate=yes
            ExecStart=/bin/sh -c 'cg=\(mount)$(sed -n "s/^0:://p" /proc/self/cgroup); mkdir $cg/inner && echo $$$$ > $cg/inner/cgroup.procs && exec sleep 600'
            """
        ])
        #expect(daemon.ctl("start payload.service").code == 0)
        var owner = stat()
        #expect(stat(daemon.cgroupRoot + "/system.slice/payload.service/cgroup.procs", &owner) == 0)
        #expect(owner.st_uid == 65534)
        try daemon.waitUntil("the payload moved into its sub-cgroup") {
            daemon.cgroupExists("system.slice/payload.service/inner")
        }
        // As systemctl draws the tree: the sub-cgroup, then its process below it.
        try daemon.waitUntil("status shows it") {
            daemon.ctl("status payload.service").output.contains("\n             └─inner\n               └─")
        }
        #expect(daemon.ctl("stop payload.service").code == 0)
        #expect(!daemon.cgroupExists("system.slice/payload.service"))
    }

    @Test func conditionsSkipTheStartAndOnFailureUnitsStart() throws {
        let daemon = try DaemonHarness(units: [
            "skipped.service": "[Unit]\nConditionPathExists=/nonexistent/corral\n[Service]\nExecStart=/bin/sleep 600\n",
            "runs.service":
                "[Unit]\nConditionPathExists=|/nonexistent\nConditionPathExists=|/tmp\n[Service]\nExecStart=/bin/sleep 600\n",
            "breaks.service": "[Unit]\nOnFailure=rescue.service\n[Service]\nExecStart=/bin/false\n",
            "rescue.service": "[Service]\nExecStart=/bin/sleep 600\n",
        ])
        #expect(daemon.ctl("start skipped.service").code == 0)
        #expect(daemon.ctl("is-active skipped.service") == (3, "inactive\n"))
        #expect(daemon.log.contains("skipped.service: Condition check resulted in skipped.service being skipped."))
        #expect(daemon.ctl("start runs.service").code == 0)
        #expect(daemon.ctl("is-active runs.service") == (0, "active\n"))
        _ = daemon.ctl("start breaks.service")
        try daemon.waitUntil("the OnFailure= unit runs") { daemon.ctl("is-active rescue.service").code == 0 }
    }

    /// The condition family Debian's units use, checked on this host; an assert that fails fails
    /// the start job and leaves the unit inactive.
    @Test func conditionsAndAssertsAreCheckedOnTheHost() throws {
        let directory = "/tmp/corral-conditions-\(getpid())"
        mkdir(directory, 0o755)
        defer { _ = DaemonHarness.shell("rm -rf \(directory)") }
        creat(directory + "/.hidden", 0o644)
        func unit(_ checks: String) -> String { "[Unit]\n\(checks)\n[Service]\nExecStart=/bin/sleep 600\n" }
        let daemon = try DaemonHarness(units: [
            "hidden-only.service": unit("ConditionDirectoryNotEmpty=\(directory)"),
            "mounts.service": unit(
                "ConditionPathIsMountPoint=/proc\nConditionPathIsMountPoint=!/proc/self\nConditionPathIsReadWrite=/tmp"),
            "files.service": unit(
                "ConditionFileNotEmpty=/etc/passwd\nConditionFileIsExecutable=/bin/sh\nConditionPathIsSymbolicLink=!/etc/passwd\nConditionPathIsDirectory=/etc\nConditionPathExistsGlob=/etc/pass*"
            ),
            "host.service": unit(
                "ConditionKernelCommandLine=!corral-no-such-word\nConditionCapability=CAP_SYS_ADMIN"),
            "asserted.service": unit("AssertPathExists=/nonexistent/corral"),
        ])
        #expect(daemon.ctl("start hidden-only.service").code == 0)
        #expect(daemon.ctl("is-active hidden-only.service") == (3, "inactive\n"))
        creat(directory + "/visible", 0o644)
        #expect(daemon.ctl("start hidden-only.service").code == 0)
        #expect(daemon.ctl("is-active hidden-only.service") == (0, "active\n"))
        for name in ["mounts.service", "files.service", "host.service"] {
            #expect(daemon.ctl("start \(name)").code == 0)
            #expect(daemon.ctl("is-active \(name)") == (0, "active\n"), "\(name)")
        }
        #expect(daemon.ctl("start asserted.service").code == 1)
        #expect(daemon.ctl("is-active asserted.service") == (3, "inactive\n"))
        #expect(daemon.log.contains("asserted.service: Assertion failed for asserted.service."))
    }

    @Test func sigtermStopsEveryUnitAndLeavesNoProcess() throws {
        let daemon = try DaemonHarness(units: ["sleeper.service": Self.sleeper], start: ["sleeper.service"])
        try daemon.waitUntil("the service runs") { Self.pids(daemon, "system.slice/sleeper.service").count == 1 }
        let pid = Self.pids(daemon, "system.slice/sleeper.service")[0]
        #expect(daemon.stop() == 0)
        #expect(kill(pid, 0) != 0)
        #expect(!daemon.cgroupExists("system.slice"))
    }
}

extension String {
    fileprivate func replacingPercentT(with directory: String) -> String {
        split(separator: "%t", omittingEmptySubsequences: false).joined(separator: directory)
    }
}
