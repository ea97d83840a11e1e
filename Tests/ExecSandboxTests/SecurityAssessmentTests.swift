import ExecSandbox
import Foundation
import Testing
import UnitFile
import UnitModel

/// The exposure assessment against `systemd-analyze security --offline=true` on this machine: the
/// overall exposure, and each check's badness (systemd prints it with SYSTEMD_ANALYZE_DEBUG=1).
@Suite struct SecurityAssessmentTests {
    static let hardened = """
        [Service]
        ExecStart=/bin/true
        User=web
        SupplementaryGroups=adm
        PrivateDevices=yes
        PrivateMounts=yes
        PrivateNetwork=yes
        PrivateTmp=yes
        PrivateUsers=yes
        ProtectControlGroups=yes
        ProtectKernelModules=yes
        ProtectKernelTunables=yes
        ProtectKernelLogs=yes
        ProtectClock=yes
        ProtectHome=yes
        ProtectHostname=yes
        ProtectSystem=strict
        RootDirectory=/srv/root
        LockPersonality=yes
        MemoryDenyWriteExecute=yes
        NoNewPrivileges=yes
        CapabilityBoundingSet=
        UMask=0077
        ProtectProc=invisible
        ProcSubset=pid
        RemoveIPC=yes
        RestrictRealtime=yes
        RestrictSUIDSGID=yes
        RestrictNamespaces=yes
        RestrictAddressFamilies=AF_UNIX
        SystemCallArchitectures=native
        SystemCallFilter=@system-service
        SystemCallFilter=~@privileged @resources
        IPAddressDeny=any
        DevicePolicy=closed

        """

    /// Unit files (name → contents) covering each check's values.
    static let units: [(String, String)] = [
        ("empty.service", "[Service]\nExecStart=/bin/true\n"),
        ("hardened.service", hardened),
        ("nobody.service", "[Service]\nExecStart=/bin/true\nUser=nobody\nRemoveIPC=yes\n"),
        ("boot.service", "[Unit]\nDefaultDependencies=no\n[Service]\nExecStart=/bin/true\nProtectSystem=full\n"),
        (
            "partial.service",
            "[Service]\nExecStart=/bin/true\nProtectHome=read-only\nProtectSystem=yes\nUMask=0027\nProtectProc=noaccess\nKeyringMode=shared\nNotifyAccess=all\nDelegate=yes\n"
        ),
        (
            "tmpfs.service",
            "[Service]\nExecStart=/bin/true\nProtectHome=tmpfs\nUMask=0002\nSystemCallArchitectures=native x86\nAmbientCapabilities=CAP_NET_BIND_SERVICE\n"
        ),
        (
            "capabilities.service",
            "[Service]\nExecStart=/bin/true\nCapabilityBoundingSet=CAP_NET_BIND_SERVICE CAP_KILL\nCapabilityBoundingSet=~CAP_KILL\nPrivateDevices=yes\n"
        ),
        (
            "families.service",
            "[Service]\nExecStart=/bin/true\nRestrictAddressFamilies=~AF_INET AF_PACKET AF_BLUETOOTH\nRestrictNamespaces=~user net\n"
        ),
        ("allowed.service", "[Service]\nExecStart=/bin/true\nRestrictAddressFamilies=AF_UNIX AF_INET6 AF_NETLINK\n"),
        ("denylist.service", "[Service]\nExecStart=/bin/true\nSystemCallFilter=~@mount @clock @debug @swap\n"),
        ("allowlist.service", "[Service]\nExecStart=/bin/true\nSystemCallFilter=@system-service @clock\n"),
        ("localhost.service", "[Service]\nExecStart=/bin/true\nIPAddressDeny=any\nIPAddressAllow=localhost\n"),
        ("network.service", "[Service]\nExecStart=/bin/true\nIPAddressDeny=any\nIPAddressAllow=10.0.0.0/8\n"),
        ("halfdeny.service", "[Service]\nExecStart=/bin/true\nIPAddressDeny=0.0.0.0/0\n"),
        ("devices.service", "[Service]\nExecStart=/bin/true\nDeviceAllow=/dev/sda r\nProtectClock=yes\n"),
        ("strict.service", "[Service]\nExecStart=/bin/true\nDevicePolicy=strict\n"),
        ("namespaces.service", "[Service]\nExecStart=/bin/true\nRestrictNamespaces=cgroup ipc\n"),
        ("dynamic.service", "[Service]\nExecStart=/bin/true\nDynamicUser=yes\n"),
        (
            "dynamic-root.service",
            "[Service]\nExecStart=/bin/true\nDynamicUser=yes\nUser=root\nSupplementaryGroups=adm\n"
        ),
    ]

    /// Debian's own units, as shipped.
    static let shipped = [
        "systemd-journald.service", "systemd-logind.service", "systemd-timesyncd.service",
        "systemd-networkd.service", "systemd-hostnamed.service", "systemd-localed.service", "systemd-timedated.service",
    ]

    static func run(_ command: String) -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try? process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    /// systemd's overall exposure (tenths) and each check's badness by JSON field (nil: n/a).
    static func systemd(_ path: String) throws -> (exposure: Int, badness: [String: Int?]) {
        let text = run("systemd-analyze security --offline=true '\(path)'")
        let summary = try #require(text.split(separator: "\n").last { $0.contains("Overall exposure level") })
        let value = try #require(summary.split(separator: " ").first { $0.contains(".") && Double($0) != nil })
        let exposure = Int(try #require(Double(value)) * 10 + 0.5)
        let json = run("SYSTEMD_ANALYZE_DEBUG=1 systemd-analyze security --offline=true --json=short '\(path)'")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])
        var badness: [String: Int?] = [:]
        for row in rows {
            let field = try #require(row["json_field"] as? String)
            let value = try #require(row["badness"] as? NSNumber).uint64Value
            badness[field] = value == UInt64.max ? nil : Int(value)
        }
        return (exposure, badness)
    }

    func compare(_ path: String, _ name: String, directory: String) throws {
        let unitName = try UnitName(name)
        let sources = UnitFileIndex(UnitSearchPath(directories: [directory])).sources(of: unitName)
        let loaded = UnitLoader.load(
            sources, context: SpecifierContext.current(for: unitName, fragmentPath: sources.location.fragmentPath))
        let assessment = SecurityAssessment(loaded.unit)
        let expected = try Self.systemd(path)
        #expect(assessment.findings.count == expected.badness.count, "\(name)")
        for finding in assessment.findings {
            let theirs = expected.badness[finding.check.jsonField]
            #expect(theirs != nil, "\(name): systemd has no check \(finding.check.jsonField)")
            #expect(theirs == finding.badness, "\(name): \(finding.check.id)")
        }
        #expect(assessment.exposure == expected.exposure, "\(name)")
    }

    @Test(arguments: units.indices)
    func scoresAsSystemd(index: Int) throws {
        let (name, contents) = Self.units[index]
        let directory = NSTemporaryDirectory() + "corral-security-\(getpid())-\(index)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try contents.write(toFile: directory + "/" + name, atomically: true, encoding: .utf8)
        try compare(directory + "/" + name, name, directory: directory)
    }

    @Test(arguments: shipped)
    func scoresDebiansUnitsAsSystemd(name: String) throws {
        let directory = "/lib/systemd/system"
        try #require(FileManager.default.fileExists(atPath: directory + "/" + name), "\(name) is not installed")
        try compare(directory + "/" + name, name, directory: directory)
    }

    @Test func verdictsFollowSystemdsBands() {
        #expect(
            [100, 96, 90, 89, 75, 74, 50, 49, 10, 9, 1, 0].map(SecurityAssessment.verdict) == [
                "DANGEROUS", "UNSAFE", "UNSAFE", "EXPOSED", "EXPOSED", "MEDIUM", "MEDIUM", "OK", "OK", "SAFE", "SAFE",
                "PERFECT",
            ])
    }
}
