import Glibc
import Testing

/// Boot-time enablement end to end: `corralctl enable` and `set-default` on the unit directory, then
/// corrald started without `--start` brings up default.target and what it wants.
@Suite(.serialized)
struct EnablementTests {
    static let target = "[Unit]\nDescription=Multi-User\n"

    @Test func enabledUnitsComeUpThroughDefaultTargetInOrder() throws {
        var order = ""
        let daemon = try DaemonHarness(units: ["multi-user.target": Self.target]) { daemon in
            order = daemon.directory + "/order"
            try daemon.write(
                """
                [Service]
                Type=oneshot
                RemainAfterExit=yes
                ExecStart=/bin/sh -c 'sleep 0.3; echo first >> \(order)'
                [Install]
                WantedBy=multi-user.target
                """, to: daemon.unitDirectory + "/first.service")
            try daemon.write(
                """
                [Unit]
                After=first.service
                [Service]
                ExecStart=/bin/sh -c 'echo second >> \(order); exec sleep 600'
                [Install]
                WantedBy=multi-user.target
                """, to: daemon.unitDirectory + "/second.service")
            try daemon.write(
                "[Service]\nExecStart=/bin/sleep 600\n[Install]\nWantedBy=multi-user.target\n",
                to: daemon.unitDirectory + "/disabled.service")
            let path = "--unit-path '\(daemon.unitDirectory)'"
            let unitDirectory = daemon.unitDirectory
            #expect(
                daemon.ctl("enable \(path) second.service first.service") == (
                    0,
                    """
                    Created symlink \(unitDirectory)/multi-user.target.wants/second.service → \(unitDirectory)/second.service.
                    Created symlink \(unitDirectory)/multi-user.target.wants/first.service → \(unitDirectory)/first.service.

                    """
                ))
            #expect(
                daemon.ctl("set-default \(path) multi-user.target") == (
                    0,
                    "Created symlink \(unitDirectory)/default.target → \(unitDirectory)/multi-user.target.\n"
                ))
            #expect(daemon.ctl("get-default \(path)") == (0, "multi-user.target\n"))
            #expect(daemon.ctl("is-enabled \(path) first.service disabled.service") == (0, "enabled\ndisabled\n"))
        }
        try daemon.waitUntil("second.service is active") { daemon.ctl("is-active second.service").code == 0 }
        #expect(DaemonHarness.read(order) == "first\nsecond\n")
        #expect(daemon.ctl("is-active first.service multi-user.target") == (0, "active\nactive\n"))
        #expect(daemon.ctl("is-active disabled.service") == (3, "inactive\n"))
        #expect(daemon.ctl("list-jobs") == (0, "No jobs running.\n"))

        // disable --now stops the unit through corrald and reloads it.
        let path = "--unit-path '\(daemon.unitDirectory)'"
        #expect(
            daemon.ctl("disable --now \(path) second.service") == (
                0, "Removed \"\(daemon.unitDirectory)/multi-user.target.wants/second.service\".\n"
            ))
        #expect(daemon.ctl("is-active second.service") == (3, "inactive\n"))
        #expect(daemon.ctl("show multi-user.target -p Wants") == (0, "Wants=first.service\n"))
    }
}
