import Glibc
import Testing

/// The systemctl options and verbs scripts rely on, with their output pinned: list-units' filters
/// and legend, show -P/--value, kill --kill-whom, mask/unmask, edit, --version, help, log output
/// modes, and the file verbs reading corrald's own unit directories.
@Suite(.serialized)
struct SystemctlParityTests {
    static let units = [
        "a.service": "[Unit]\nDescription=Sleeps\n[Service]\nExecStart=/bin/sh -c 'sleep 600 & wait'\n",
        "b.service": "[Unit]\nDescription=Fails\n[Service]\nExecStart=/bin/false\n",
    ]

    static func started() throws -> DaemonHarness {
        let daemon = try DaemonHarness(units: units, start: ["a.service"])
        try daemon.waitUntil("a.service runs") { daemon.ctl("is-active a.service").code == 0 }
        _ = daemon.ctl("start b.service")
        try daemon.waitUntil("b.service has failed") { daemon.ctl("is-failed b.service").code == 0 }
        return daemon
    }

    @Test func listUnitsPrintsSystemctlsTableFiltersAndLegend() throws {
        let daemon = try Self.started()
        #expect(
            daemon.ctl("list-units").output == """
                  UNIT         LOAD   ACTIVE SUB     DESCRIPTION
                  a.service    loaded active running Sleeps
                ● b.service    loaded failed failed  Fails
                  system.slice loaded active active  system.slice

                LOAD   = Reflects whether the unit definition was properly loaded.
                ACTIVE = The high-level unit activation state, i.e. generalization of SUB.
                SUB    = The low-level unit activation state, values depend on unit type.
                3 loaded units listed. Pass --all to see loaded but inactive units, too.
                To show all installed unit files use 'corralctl list-unit-files'.

                """)
        #expect(
            daemon.ctl("list-units --type=service --no-legend").output == """
                  a.service loaded active running Sleeps
                ● b.service loaded failed failed  Fails

                """)
        #expect(
            daemon.ctl("list-units --failed --plain --no-legend").output == "b.service loaded failed failed Fails\n")
        #expect(
            daemon.ctl("list-units --state=running 'a*'").output == """
                  UNIT      LOAD   ACTIVE SUB     DESCRIPTION
                  a.service loaded active running Sleeps

                LOAD   = Reflects whether the unit definition was properly loaded.
                ACTIVE = The high-level unit activation state, i.e. generalization of SUB.
                SUB    = The low-level unit activation state, values depend on unit type.
                1 loaded units listed.

                """)
        // systemctl's options are taken before the verb too.
        #expect(daemon.ctl("--no-pager --plain list-units --no-legend --type slice").output.hasPrefix("system.slice "))
        let unknown = daemon.ctl("list-units --type=socket")
        #expect(unknown.code == 64)
        #expect(unknown.output.hasPrefix("Error: Unknown unit type or load state 'socket'.\n"))
    }

    @Test func statusIsLaidOutAsSystemctls() throws {
        let daemon = try DaemonHarness(
            units: [
                "web.service": """
                [Unit]
                Description=Web
                Documentation=man:web(8) https://example.com/web
                [Service]
                ExecStart=/bin/sleep 600
                [Install]
                WantedBy=multi-user.target
                """,
                "web.service.d/a.conf": "[Service]\nTasksMax=50\n",
                "web.service.d/b.conf": "[Service]\nCPUWeight=20\n",
                "b.service": Self.units["b.service"]!,
            ], start: ["web.service"])
        try daemon.waitUntil("web.service runs") { daemon.ctl("is-active web.service").code == 0 }
        let pid = daemon.ctl("show web.service -P MainPID").output.dropLast()
        let lines = daemon.ctl("status web.service -n 1").output.split(
            separator: "\n", omittingEmptySubsequences: false
        )
        .map(String.init)
        let directory = daemon.unitDirectory
        #expect(lines.count == 15 && lines.last == "")
        #expect(lines[0] == "● web.service - Web")
        #expect(lines[1] == "     Loaded: loaded (\(directory)/web.service; disabled; preset: enabled)")
        #expect(lines[2] == "    Drop-In: \(directory)/web.service.d")
        #expect(lines[3] == "             └─a.conf, b.conf")
        #expect(lines[4].hasPrefix("     Active: active (running) since ") && lines[4].hasSuffix(" ago"))
        #expect(lines[5] == "       Docs: man:web(8)")
        #expect(lines[6] == "             https://example.com/web")
        #expect(lines[7] == "   Main PID: \(pid) (sleep)")
        // Tracking-only here: no pids controller, so no "(limit: 50)" as if it were enforced.
        #expect(lines[8] == "      Tasks: 1")
        #expect(lines[9].hasPrefix("        CPU: "))
        #expect(lines[10] == "     CGroup: /system.slice/web.service")
        #expect(lines[11] == "             └─\(pid) /bin/sleep 600")
        #expect(lines[12] == "")
        #expect(
            lines[13].hasSuffix(" corrald[\(daemon.daemonPID)]: Started Web.") || lines[13].contains("not available"))

        // An ended control process is shown as systemctl shows it, before Main PID.
        try daemon.write(
            "[Service]\nExecStartPre=/bin/true first\nExecStart=/bin/sleep 600\n", to: directory + "/pre.service")
        #expect(daemon.ctl("start pre.service").code == 0)
        let pre = daemon.ctl("status pre.service -n 0").output.split(separator: "\n").map(String.init)
        let prePID = daemon.ctl("show pre.service -P MainPID").output.dropLast()
        #expect(pre.count > 4)
        #expect(pre.dropFirst(3).first?.hasPrefix("    Process: ") == true)
        #expect(
            pre.dropFirst(3).first?.hasSuffix(" ExecStartPre=/bin/true first (code=exited, status=0/SUCCESS)") == true)
        #expect(pre.dropFirst(4).first == "   Main PID: \(prePID) (sleep)")

        _ = daemon.ctl("start b.service")
        try daemon.waitUntil("b.service has failed") { daemon.ctl("is-failed b.service").code == 0 }
        let failed = daemon.ctl("status b.service -n 0")
        #expect(failed.code == 3)
        let failedLines = failed.output.split(separator: "\n").map(String.init)
        #expect(failedLines.count == 4)
        #expect(failedLines.first == "× b.service - Fails")
        #expect(failedLines.dropFirst().first == "     Loaded: loaded (\(directory)/b.service; static)")
        #expect(failedLines.dropFirst(2).first?.hasPrefix("     Active: failed (Result: exit-code) since ") == true)
        #expect(failedLines.last == "   Main PID: (code=exited, status=1/FAILURE)")
        // The journal's words for what happened, in corrald's ring: a simple service started, then
        // failed; a oneshot's start job fails.
        #expect(
            daemon.ctl("logs b.service -o cat").output.hasSuffix(
                "Started Fails.\nMain process exited, code=exited, status=1/FAILURE\nFailed with result 'exit-code'.\n")
        )
        try daemon.write(
            "[Unit]\nDescription=Once\n[Service]\nType=oneshot\nExecStart=/bin/false\n", to: directory + "/c.service")
        #expect(daemon.ctl("start c.service").code == 1)
        #expect(
            daemon.ctl("logs c.service -o cat").output.hasSuffix(
                "Main process exited, code=exited, status=1/FAILURE\nFailed with result 'exit-code'.\nFailed to start Once.\n"
            ))
    }

    @Test func showPrintsValuesAndNeedsCorrald() throws {
        let daemon = try Self.started()
        #expect(daemon.ctl("show a.service -P ActiveState") == (0, "active\n"))
        #expect(daemon.ctl("show a.service -p SubState,Description --value") == (0, "running\nSleeps\n"))
        #expect(daemon.ctl("show a.service -p Description") == (0, "Description=Sleeps\n"))
        daemon.stop()
        let down = daemon.ctl("show a.service")
        #expect(down.code == 1)
        #expect(down.output.hasPrefix("Failed to connect to corrald at \(daemon.runtimeDirectory)/control: "))
        // With --unit-path (or a path) the files are read instead.
        #expect(
            daemon.ctl("show --unit-path \(daemon.unitDirectory) a.service -P Description") == (0, "Sleeps\n"))
    }

    @Test func killSignalsTheProcessesItIsToldTo() throws {
        let daemon = try Self.started()
        let main = try #require(Int32(daemon.ctl("show a.service -P MainPID").output.dropLast()))
        func state(_ pid: Int32) -> String? {
            DaemonHarness.read("/proc/\(pid)/stat")?.split(separator: ")").last?.split(separator: " ").first.map(
                String.init)
        }
        let children = CorraldTests.pids(daemon, "system.slice/a.service").filter { $0 != main }
        #expect(children.count == 1)
        #expect(daemon.ctl("kill --kill-whom=main -s SIGSTOP a.service") == (0, ""))
        try daemon.waitUntil("the main process is stopped") { state(main) == "T" }
        #expect(children.allSatisfy { state($0) == "S" })
        #expect(daemon.ctl("kill --kill-who=all --signal=CONT a.service") == (0, ""))
        try daemon.waitUntil("the main process runs again") { state(main) == "S" }
        #expect(
            daemon.ctl("kill --kill-whom=control a.service")
                == (1, "Failed to kill unit a.service: No control process to kill\n"))
        #expect(
            daemon.ctl("kill --kill-whom=some a.service").output.hasPrefix("Error: Invalid kill-whom value 'some'."))
    }

    @Test func maskLinksToDevNullAndUnmaskRemovesTheLink() throws {
        let daemon = try Self.started()
        let link = daemon.unitDirectory + "/ghost.service"
        #expect(daemon.ctl("mask ghost.service") == (0, "Created symlink \(link) → /dev/null.\n"))
        #expect(daemon.ctl("mask ghost.service") == (0, ""))
        #expect(daemon.ctl("is-enabled ghost.service") == (1, "masked\n"))
        #expect(
            daemon.ctl("start ghost.service") == (1, "Failed to start ghost.service: Unit ghost.service is masked.\n"))
        // A unit file in the configuration directory is not hidden behind a mask.
        #expect(
            daemon.ctl("mask a.service")
                == (1, "Failed to mask unit, file \"\(daemon.unitDirectory)/a.service\" already exists.\n"))
        #expect(daemon.ctl("unmask ghost.service") == (0, "Removed \"\(link)\".\n"))
        #expect(daemon.ctl("unmask ghost.service") == (0, ""))
        #expect(access(link, F_OK) != 0)
    }

    @Test func linkBringsAFileFromOutsideTheSearchPathIn() throws {
        let daemon = try Self.started()
        let outside = try DaemonHarness.unitDirectory([
            "ext.service": "[Service]\nExecStart=/bin/sleep 600\n[Install]\nWantedBy=multi-user.target\n",
            "a.service": "[Service]\nExecStart=/bin/true\n",
        ])
        defer { _ = DaemonHarness.shell("rm -rf '\(outside)'") }
        let link = daemon.unitDirectory + "/ext.service"
        #expect(
            daemon.ctl("link \(outside)/ext.service") == (0, "Created symlink \(link) → \(outside)/ext.service.\n"))
        #expect(daemon.ctl("link \(outside)/ext.service") == (0, ""))
        // corrald was told to reload: the linked unit starts.
        #expect(daemon.ctl("start ext.service").code == 0)
        #expect(
            daemon.ctl("link \(outside)/a.service")
                == (1, "Failed to link unit, file \"\(daemon.unitDirectory)/a.service\" already exists.\n"))
        #expect(
            daemon.ctl("link \(outside)/nosuch.service")
                == (1, "Failed to link unit, unit \(outside)/nosuch.service does not exist.\n"))
        #expect(daemon.ctl("disable ext.service") == (0, "Removed \"\(link)\".\n"))
    }

    /// The same steps as with `systemctl --root` and systemd's preset directories, with the same results.
    @Test func presetEnablesAndDisablesAsThePresetFilesSay() throws {
        let root = try DaemonHarness.unitDirectory([:])
        defer { _ = DaemonHarness.shell("rm -rf '\(root)'") }
        let installed = "[Service]\nExecStart=/bin/true\n[Install]\nWantedBy=multi-user.target\n"
        let (etc, vendor) = (root + "/etc", root + "/vendor")
        _ = DaemonHarness.shell("mkdir -p \(etc) \(etc)-preset \(vendor) \(vendor)-preset")
        let daemon = try DaemonHarness(units: [:])
        for unit in ["a", "b", "c"] { try daemon.write(installed, to: "\(vendor)/\(unit).service") }
        try daemon.write("[Service]\nExecStart=/bin/true\n", to: vendor + "/s.service")
        try daemon.write("[Unit]\n", to: vendor + "/multi-user.target")
        try daemon.write("disable b.service\nenable *\n", to: vendor + "-preset/90-default.preset")
        try daemon.write("disable c.service\n", to: etc + "-preset/10-local.preset")
        func ctl(_ arguments: String) -> (code: Int32, output: String) {
            DaemonHarness.shell("'\(DaemonHarness.binaries)/corralctl' \(arguments) --unit-path \(etc):\(vendor) 2>&1")
        }
        let wants = etc + "/multi-user.target.wants"
        _ = ctl("enable b.service")
        #expect(
            ctl("preset a.service b.service c.service")
                == (
                    0,
                    "Removed \"\(wants)/b.service\".\nCreated symlink \(wants)/a.service → \(vendor)/a.service.\n"
                ))
        #expect(
            ctl("list-unit-files --no-legend").output
                == """
                a.service         enabled  enabled
                b.service         disabled disabled
                c.service         disabled disabled
                s.service         static   -
                multi-user.target static   -

                """
        )
        _ = ctl("enable c.service")
        #expect(ctl("preset-all --preset-mode=enable-only") == (0, ""))
        #expect(ctl("preset-all") == (0, "Removed \"\(wants)/c.service\".\n"))
    }

    @Test func editWritesTheDropInTheEditorLeaves() throws {
        let daemon = try Self.started()
        let editor = daemon.directory + "/editor.sh"
        // An editor that puts two lines between the markers.
        try daemon.write(
            "#!/bin/sh\nsed -i 's/^### Lines below this comment will be discarded/[Service]\\nEnvironment=EDITED=1\\n\\n&/' \"$1\"\n",
            to: editor)
        chmod(editor, 0o755)
        #expect(daemon.ctl("edit a.service", environment: "EDITOR=\(editor)") == (0, ""))
        let dropIn = daemon.unitDirectory + "/a.service.d/override.conf"
        #expect(DaemonHarness.read(dropIn) == "[Service]\nEnvironment=EDITED=1\n")
        // corrald was told to reload: the drop-in is part of the unit now.
        #expect(daemon.ctl("show a.service -P DropInPaths") == (0, dropIn + "\n"))
        // Editing again offers what is there; an editor that empties it cancels.
        let seen = daemon.directory + "/seen"
        try daemon.write("#!/bin/sh\ncp \"$1\" \(seen)\n: > \"$1\"\n", to: editor)
        #expect(
            daemon.ctl("edit a.service", environment: "SYSTEMD_EDITOR=\(editor)")
                == (0, "Editing \"\(dropIn)\" canceled: temporary file is empty.\n"))
        #expect(
            DaemonHarness.read(seen) == """
                ### Editing \(dropIn)
                ### Anything between here and the comment below will become the new contents of the file

                [Service]
                Environment=EDITED=1


                ### Lines below this comment will be discarded

                ### \(daemon.unitDirectory)/a.service
                # [Unit]
                # Description=Sleeps
                # [Service]
                # ExecStart=/bin/sh -c 'sleep 600 & wait'

                """)
        #expect(DaemonHarness.read(dropIn) == "[Service]\nEnvironment=EDITED=1\n")
        #expect(
            daemon.ctl("edit ghost.service", environment: "EDITOR=\(editor)") == (
                1, "No files found for ghost.service.\n"
            ))
    }

    @Test func versionHelpAndLogOutputModes() throws {
        let daemon = try Self.started()
        #expect(daemon.ctl("--version") == (0, "corral 0.10.0\n"))
        #expect(DaemonHarness.shell("'\(DaemonHarness.binaries)/corrald' --version") == (0, "corral 0.10.0\n"))
        #expect(daemon.ctl("help status").output.contains("USAGE: corralctl status "))
        #expect(daemon.ctl("status b.service -n 1 -o cat").output.hasSuffix("\n\nFailed with result 'exit-code'.\n"))
        let json = daemon.ctl("logs b.service -n 1 -o json").output
        #expect(json.hasPrefix("{\"__REALTIME_TIMESTAMP\":\""))
        #expect(
            json.hasSuffix(
                ",\"SYSLOG_IDENTIFIER\":\"corrald\",\"_PID\":\"\(daemon.daemonPID)\",\"MESSAGE\":\"Failed with result 'exit-code'.\"}\n"
            ))
        #expect(daemon.ctl("logs b.service -n 1 -o short-iso").output.contains("T"))
    }

    @Test func fileVerbsReadTheUnitDirectoriesOfTheRunningCorrald() throws {
        let daemon = try Self.started()
        #expect(
            daemon.ctl("cat b.service")
                == (
                    0,
                    "# \(daemon.unitDirectory)/b.service\n[Unit]\nDescription=Fails\n[Service]\nExecStart=/bin/false\n"
                ))
        #expect(daemon.ctl("is-enabled b.service") == (0, "static\n"))
        #expect(daemon.ctl("list-unit-files --no-legend").output == "a.service static -\nb.service static -\n")
    }
}
