import Glibc
import Testing

/// `corralctl run` (services and scopes), `set-property` and `revert` against the real daemon.
@Suite(.serialized)
struct TransientUnitTests {
    @Test func aBadPropertyIsRefusedAsInAUnitFile() throws {
        let daemon = try DaemonHarness(units: [:])
        #expect(daemon.ctl("run -p MemoryMax=foo -- /bin/true") == (1, "-p MemoryMax=foo: invalid size 'foo'\n"))
        #expect(
            daemon.ctl("run --scope -p ExecStart=/bin/true -- /bin/true") == (
                1, "-p ExecStart=/bin/true: not a property of scope units\n"
            ))
    }

    /// systemd-run's rule: the command starts at `--` or the first word that is no option. An option
    /// is never run as the command; one Corral lacks is refused by name.
    @Test func runRefusesOptionsItDoesNotHave() throws {
        let daemon = try DaemonHarness(units: [:])
        #expect(daemon.ctl("run --help").output.contains("USAGE: corralctl run"))
        #expect(
            daemon.ctl("run -S") == (
                64,
                "Error: -S is a systemd-run option that Corral does not support.\nUsage: corralctl run [<options>] [<command> ...]\n  See 'corralctl run --help' for more information.\n"
            ))
        #expect(
            daemon.ctl("run --on-calendar=hourly /bin/true").output.hasPrefix(
                "Error: --on-calendar is a systemd-run option"))
        #expect(daemon.ctl("run --frobnicate /bin/true").output.hasPrefix("Error: Unknown option '--frobnicate'."))
        #expect(daemon.ctl("run --unit x.scope /bin/true").code == 64)
        #expect(!daemon.ctl("list-units --all").output.contains("run-"))
        // The command's own options stay its own, and systemd-run's short options work.
        #expect(daemon.ctl("run -q -P -G -- /bin/echo -n hi") == (0, "hi"))
        let here = try #require(getcwd(nil, 0))
        defer { free(here) }
        #expect(daemon.ctl("run -q -P -d /bin/pwd").output == String(cString: here) + "\n")
    }

    @Test func runWaitReportsTheResultAndForgetsTheUnit() throws {
        let daemon = try DaemonHarness(units: [:])
        let success = daemon.ctl(
            "run --unit hello --wait -p MemoryMax=64M -E GREETING=hi -- /bin/sh -c 'test \"$GREETING\" = hi'")
        #expect(success.code == 0)
        #expect(
            success.output.hasPrefix(
                "Running as unit: hello.service\nFinished with result: success\nMain processes terminated with: code=exited/status=0\nService runtime: "
            ))
        #expect(success.output.contains("CPU time consumed: "))
        #expect(daemon.ctl("is-active hello.service").code == 3)
        #expect(!daemon.ctl("list-units --all").output.contains("hello.service"))

        let failure = daemon.ctl("run --unit sad --wait -- /bin/sh -c 'exit 3'")
        #expect(failure.code == 3)
        #expect(
            failure.output.contains(
                "Finished with result: exit-code\nMain processes terminated with: code=exited/status=3\n"))
        // A failed transient unit stays for inspection unless --collect.
        #expect(daemon.ctl("is-failed sad.service").code == 0)
        #expect(daemon.ctl("run --unit gone --collect --wait -- /bin/false").code == 1)
        #expect(!daemon.ctl("list-units --all").output.contains("gone.service"))
    }

    @Test func runPipeConnectsTheCallersStandardStreams() throws {
        let daemon = try DaemonHarness(units: [:])
        let result = daemon.ctl("run --pipe --unit upper -- tr a-z A-Z", input: "hello piped\n")
        #expect(result.code == 0)
        #expect(result.output.hasPrefix("Running as unit: upper.service\nHELLO PIPED\nFinished with result: success\n"))
        let failing = daemon.ctl("run --pipe --unit loud -- /bin/sh -c 'echo out; echo err >&2; exit 4'")
        #expect(failing.code == 4)
        #expect(failing.output.hasPrefix("Running as unit: loud.service\nout\nerr\nFinished with result: exit-code\n"))
    }

    @Test func runStartsAServiceInItsOwnCgroup() throws {
        let daemon = try DaemonHarness(units: [:])
        let started = daemon.ctl("run --unit napper --slice batch.slice -p CPUQuota=30% -- /bin/sleep 600")
        #expect(started == (0, "Running as unit: napper.service\n"))
        #expect(daemon.cgroupFile("batch.slice/napper.service/cgroup.procs")?.split(separator: "\n").count == 1)
        #expect(daemon.ctl("show napper.service -p CPUQuotaPerSecUSec") == (0, "CPUQuotaPerSecUSec=300ms\n"))
        #expect(daemon.ctl("stop napper.service").code == 0)
        #expect(!daemon.cgroupExists("batch.slice/napper.service"))
    }

    @Test func aTransientServiceIsAFileUnderTheRuntimeDirectoryWhileItLives() throws {
        let daemon = try DaemonHarness(units: [:])
        #expect(
            daemon.ctl(
                "run --unit kept -p MemoryMax=64M -p 'Description=50% busy' -- /bin/sh -c 'sleep 600 # \"$HOME\" %n'"
            ).code == 0)
        let path = daemon.runtimeDirectory + "/transient/kept.service"
        #expect(
            DaemonHarness.read(path)?.contains(
                "[Service]\nExecStart=\"/bin/sh\" \"-c\" \"sleep 600 # \\\"$HOME\\\" %%n\"\nMemoryMax=64M\n") == true)
        // Read back as a unit file, it is the same unit: its variables are expanded when it runs, as
        // systemd 252 expands systemd-run's (`b$$` → `b$`, `c${HOME}` → `c`, checked in the VM).
        let reread = daemon.ctl(
            "show --unit-path \(daemon.runtimeDirectory)/transient kept.service -p ExecStart,Description,MemoryMax")
        #expect(reread.output.contains("argv[]=/bin/sh -c sleep 600 # \"$HOME\" %n ;"))
        #expect(reread.output.contains("Description=50% busy\n") && reread.output.contains("MemoryMax=67108864\n"))
        #expect(daemon.ctl("run --unit kept -- /bin/true").code == 1)
        #expect(daemon.ctl("stop kept.service").code == 0)
        #expect(access(path, F_OK) != 0)
    }

    @Test func runScopeRunsTheCommandHereInsideTheScope() throws {
        let daemon = try DaemonHarness(units: [:])
        let result = daemon.ctl("run --scope --unit here -p TasksMax=10 -- /bin/sh -c 'grep ^0:: /proc/self/cgroup'")
        let relative = String(daemon.cgroupRoot.dropFirst(DaemonHarness.cgroupMount!.count))
        #expect(result == (0, "Running scope as unit: here.scope\n0::\(relative)/system.slice/here.scope\n"))
        try daemon.waitUntil("the empty scope is gone") { !daemon.cgroupExists("system.slice/here.scope") }
    }

    /// `run --pty`: the service's standard streams are a pseudo-terminal, relayed to corralctl's.
    @Test func ptyGivesTheServiceATerminal() throws {
        let daemon = try DaemonHarness(units: [:])
        let result = daemon.ctl(
            "run -t -q -- /bin/sh -c 'tty; test -t 0 && test -t 1 && test -t 2 && echo terminal; exit 3'")
        #expect(result.code == 3)
        #expect(result.output.hasPrefix("/dev/pts/"))
        #expect(result.output.hasSuffix("\r\nterminal\r\n"))
        let refused = daemon.ctl("run --pty --scope -- /bin/true")
        #expect(refused.code == 64 && refused.output.hasPrefix("Error: --pty is not compatible with --scope."))
    }

    @Test func setPropertyPersistsAsADropInAndRevertRemovesIt() throws {
        let daemon = try DaemonHarness(units: ["web.service": "[Service]\nExecStart=/bin/sleep 600\n"])
        #expect(daemon.ctl("start web.service").code == 0)
        #expect(daemon.ctl("set-property web.service MemoryMax=100M CPUWeight=50").code == 0)
        let dropIn = daemon.unitDirectory + ".control/web.service.d/50-MemoryMax.conf"
        #expect(DaemonHarness.read(dropIn)?.hasSuffix("[Service]\nMemoryMax=100M\n") == true)
        #expect(daemon.ctl("show web.service -p MemoryMax,CPUWeight") == (0, "CPUWeight=50\nMemoryMax=104857600\n"))
        #expect(daemon.ctl("daemon-reload").code == 0)
        #expect(daemon.ctl("show web.service -p MemoryMax") == (0, "MemoryMax=104857600\n"))
        // As systemctl: only resource-control settings (and Description=) on a unit that is not transient.
        for name in ["Bogus", "ExecStart"] {
            #expect(
                daemon.ctl("set-property web.service \(name)=/bin/true")
                    == (
                        1,
                        "Failed to set unit properties on web.service: Cannot set property \(name), or unknown property.\n"
                    ))
        }
        #expect(daemon.ctl("set-property web.service Description=Renamed").code == 0)
        #expect(daemon.ctl("show web.service -P Description") == (0, "Renamed\n"))
        #expect(daemon.ctl("revert web.service").code == 0)
        #expect(access(dropIn, F_OK) != 0)
        #expect(daemon.ctl("show web.service -p MemoryMax") == (0, "MemoryMax=infinity\n"))
    }
}
