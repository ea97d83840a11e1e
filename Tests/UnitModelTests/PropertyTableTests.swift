import Testing
import UnitFile
import UnitModel

@Suite struct PropertyTableTests {
    @Test func namesAreUnique() {
        let names = PropertyTable.all.map(\.name)
        #expect(Set(names).count == names.count)
    }

    static let homes: [(String, Set<String>)] = [
        ("Description", ["Unit"]), ("After", ["Unit"]), ("ConditionPathExists", ["Unit"]),
        ("StartLimitBurst", ["Unit", "Service"]), ("ExecStart", ["Service"]), ("TimeoutSec", ["Service"]),
        ("TimeoutStopSec", ["Service", "Scope"]), ("KillMode", ["Service", "Scope"]), ("LimitNOFILE", ["Service"]),
        ("MemoryMax", ["Service", "Slice", "Scope"]), ("CPUShares", ["Service", "Slice", "Scope"]),
        ("Delegate", ["Service", "Scope"]), ("Slice", ["Service", "Scope"]), ("WantedBy", ["Install"]),
        ("DefaultInstance", ["Install"]),
    ]

    @Test(arguments: homes)
    func sections(name: String, expected: Set<String>) throws {
        #expect(try #require(PropertyTable.descriptor(named: name)).sections == expected)
    }

    @Test(arguments: [
        ("MemoryMax", UnitType.slice, true), ("MemoryMax", .target, false), ("ExecStart", .slice, false),
        ("ExecStart", .service, true), ("Delegate", .slice, false), ("Delegate", .scope, true),
        ("KillSignal", .scope, true), ("WantedBy", .scope, false), ("Description", .target, true),
        ("NoSuchThing", .service, false),
    ])
    func propertyOfType(name: String, type: UnitType, valid: Bool) {
        #expect((PropertyTable.descriptor(named: name, for: type) != nil) == valid)
    }

    @Test(arguments: [
        ("Description", true), ("Requires", true), ("ExecStart", true), ("WorkingDirectory", true),
        ("Environment", true), ("WantedBy", true), ("MemoryMax", false), ("Type", false), ("KillSignal", false),
    ])
    func expandsSpecifiers(name: String, expected: Bool) throws {
        #expect(try #require(PropertyTable.descriptor(named: name)).expandsSpecifiers == expected)
    }

    /// Applies `lines` in order to a fresh unit of `type`; the result and the refusals.
    static func apply(_ lines: [(String, String)], type: UnitType = .service) -> (Unit, [String]) {
        var unit = Unit(name: "a.\(type)", type: type)
        var refusals: [String] = []
        for (name, value) in lines {
            do throws(ValueError) {
                try PropertyTable.descriptor(named: name)!.assign(&unit, value)
            } catch {
                refusals.append("\(error.severity): \(error.message)")
            }
        }
        return (unit, refusals)
    }

    /// Deny-list entries keep their own errno; capability lines OR, `~` lines AND; `none` allows no
    /// address family; an empty capability assignment is the empty set.
    @Test func sandboxSettingsMergeAsSystemdMergesThem() {
        let (unit, refusals) = Self.apply([
            ("SystemCallFilter", "~@mount:EPERM ptrace"), ("SystemCallFilter", "~ptrace:kill"),
            ("SystemCallErrorNumber", "EACCES"), ("SystemCallArchitectures", "native"),
            ("SystemCallArchitectures", "x86 native"), ("RestrictAddressFamilies", "AF_UNIX AF_INET"),
            ("RestrictAddressFamilies", "~AF_INET"), ("CapabilityBoundingSet", "~CAP_SYS_ADMIN"),
            ("CapabilityBoundingSet", "~CAP_NET_RAW"), ("AmbientCapabilities", "CAP_CHOWN"),
            ("AmbientCapabilities", "cap_kill"),
        ])
        #expect(refusals == [])
        #expect(
            unit.exec.systemCallFilter
                == SystemCallFilter(
                    allowList: false,
                    entries: SandboxTables.systemCalls(in: "@mount").map { .init(name: $0, refusal: .errno(1)) }
                        + [.init(name: "ptrace", refusal: .kill)]))
        #expect(unit.exec.systemCallErrorNumber == .errno(13))
        #expect(unit.exec.systemCallArchitectures == ["native", "x86"])
        #expect(unit.exec.restrictAddressFamilies == FilterList(allowList: true, items: [1]))
        #expect(unit.exec.capabilityBoundingSet == CapabilitySet(mask: CapabilitySet.all.mask & ~(1 << 21 | 1 << 13)))
        #expect(unit.exec.ambientCapabilities == CapabilitySet(mask: 1 << 0 | 1 << 5))
        let reset = Self.apply([
            ("CapabilityBoundingSet", "CAP_CHOWN"), ("CapabilityBoundingSet", ""), ("RestrictAddressFamilies", "none"),
        ]).0
        #expect(reset.exec.capabilityBoundingSet == CapabilitySet(mask: 0))
        #expect(reset.exec.restrictAddressFamilies == FilterList(allowList: true, items: []))
    }

    /// Prefixes, canonical paths, bind forms and the lists' resets, as systemd 252 reads them
    /// (each line loads without a warning in systemd-analyze verify).
    @Test func namespaceSettingsParseAsSystemdParsesThem() {
        let (unit, refusals) = Self.apply([
            ("ProtectSystem", "strict"), ("ProtectHome", "true"), ("ReadWritePaths", "/a/./b/ -/c //d/"),
            ("ReadOnlyPaths", "/x:y"), ("ReadOnlyDirectories", "+/in/root"), ("InaccessiblePaths", "/gone"),
            ("InaccessiblePaths", ""), ("InaccessiblePaths", "-+/both"),
            ("BindPaths", "/a:/b:norbind -/e"), ("BindReadOnlyPaths", "/s:/t:rbind"),
            ("TemporaryFileSystem", "/t:ro,size=10M /u"), ("ProtectProc", "invisible"), ("ProcSubset", "pid"),
            ("MountFlags", "private"), ("RootDirectory", "/srv//root/"),
        ])
        #expect(refusals == [])
        var expected = NamespaceSettings()
        expected.protectSystem = .strict
        expected.protectHome = .yes
        expected.readWritePaths = [AccessPath("/a/b"), AccessPath("/c", ignoreMissing: true), AccessPath("/d")]
        expected.readOnlyPaths = [AccessPath("/x:y"), AccessPath("/in/root", insideRoot: true)]
        expected.inaccessiblePaths = [AccessPath("/both", ignoreMissing: true, insideRoot: true)]
        expected.bindMounts = [
            BindMount(source: "/a", destination: "/b", readOnly: false, recursive: false),
            BindMount(source: "/e", destination: "/e", readOnly: false, ignoreMissing: true),
            BindMount(source: "/s", destination: "/t", readOnly: true),
        ]
        expected.temporaryFileSystems = [
            TemporaryFileSystem(path: "/t", options: "ro,size=10M"), TemporaryFileSystem(path: "/u"),
        ]
        expected.protectProc = .invisible
        expected.procSubset = .pid
        expected.mountPropagation = .private
        expected.rootDirectory = "/srv/root"
        #expect(unit.exec.namespaces == expected)
        #expect(
            Self.apply([("ProtectSystem", "no"), ("ProtectHome", "read-only")]).0.exec.namespaces.protectHome
                == .readOnly)
        #expect(Self.apply([("BindPaths", "/a"), ("BindReadOnlyPaths", "")]).0.exec.namespaces.bindMounts == [])
    }

    // systemd 252 loads all of these (checked with systemd-analyze verify).
    @Test func acceptedOddities() {
        let (unit, refusals) = Self.apply([
            ("User", "-x"), ("Group", "a b"), ("EnvironmentFile", "/etc//a/./b/"), ("StandardOutput", "syslog"),
            ("Slice", "-.slice"), ("CPUQuota", "5\u{2031}"), ("ConditionPathExists", "/x/"),
        ])
        var expected = Unit(name: "a.service", type: .service)
        expected.exec.user = "-x"
        expected.exec.group = "a b"
        expected.exec.environmentFiles = [EnvironmentFile(path: "/etc/a/b", missingOK: false)]
        expected.exec.standardOutput = .journal
        expected.resources.slice = "-.slice"
        expected.resources.cpuQuotaPerSec = 500
        expected.unit.conditions = [Condition(kind: .pathExists, trigger: false, negate: false, parameter: "/x/")]
        #expect(unit == expected)
        #expect(refusals == [])
    }

    @Test func commandsAndEnvironmentAccumulateAndResetWhenEmpty() {
        let (unit, refusals) = Self.apply([
            ("ExecStartPre", "/bin/a"), ("ExecStartPre", ""),
            ("ExecStart", "-/bin/echo \"a b\" ; /bin/true"), ("ExecStop", "/bin/kill x"),
            ("Environment", "A=1 \"B=2 3\""), ("Environment", "C=4 bad"),
            ("ExecStart", "relative/path"),
        ])
        var expected = Unit(name: "a.service", type: .service)
        expected.service.execStart = [
            ExecCommand(path: "/bin/echo", argv: ["/bin/echo", "a b"], flags: [.ignoreFailure]),
            ExecCommand(path: "/bin/true", argv: ["/bin/true"]),
        ]
        expected.service.execStop = [ExecCommand(path: "/bin/kill", argv: ["/bin/kill", "x"])]
        expected.exec.environment = ["A=1", "B=2 3", "C=4"]
        #expect(unit == expected)
        #expect(
            refusals == [
                "warning: Invalid environment assignment, ignoring: bad",
                "error: Executable is neither an absolute path nor a file name: relative/path",
            ])
    }

    @Test func timeoutSecSetsStartAndStopAndZeroMeansInfinity() {
        let (unit, refusals) = Self.apply([("TimeoutSec", "1min"), ("TimeoutStopSec", "0")])
        var expected = Unit(name: "a.service", type: .service)
        expected.service.timeoutStart = 60_000_000
        expected.service.timeoutStop = .infinity
        #expect(unit == expected)
        #expect(refusals == [])
    }

    @Test func emptyValuesResetWhereSystemdResets() {
        let (unit, refusals) = Self.apply([
            ("Description", "x"), ("Description", ""),
            ("Documentation", "man:a(1)"), ("Documentation", ""),
            ("MemoryMax", "1G"), ("MemoryMax", ""),
            ("CPUWeight", "5"), ("CPUWeight", ""),
            ("AllowedCPUs", "1"), ("AllowedCPUs", ""),
            ("SuccessExitStatus", "3"), ("SuccessExitStatus", ""),
            ("KillMode", "mixed"), ("KillMode", ""),
            ("WantedBy", "a.target"), ("WantedBy", ""),
            ("Delegate", "yes"), ("Delegate", ""),
            ("IODeviceWeight", "/dev/sda 5"), ("IODeviceWeight", ""),
            ("User", "nobody"), ("User", ""),
            ("After", "b.service"), ("After", ""),
        ])
        var expected = Unit(name: "a.service", type: .service)
        expected.unit.after = ["b.service"]
        #expect(unit == expected)
        #expect(refusals == [])
    }

    // systemd 252 refuses empty booleans, time spans, enumerations, signals and limits.
    @Test func emptyValuesRefusedWhereSystemdRefuses() {
        let (unit, refusals) = Self.apply([
            ("RemainAfterExit", ""), ("RestartSec", ""), ("TimeoutStartSec", ""), ("Type", ""), ("Restart", ""),
            ("KillSignal", ""), ("NotifyAccess", ""), ("OOMPolicy", ""), ("LimitNOFILE", ""), ("StartLimitBurst", ""),
            ("Slice", ""), ("StandardInput", ""), ("StandardOutput", ""),
        ])
        #expect(unit == Unit(name: "a.service", type: .service))
        #expect(
            refusals == [
                "warning: invalid boolean ''", "warning: invalid time span ''", "warning: invalid time span ''",
                "warning: invalid service type ''", "warning: invalid restart policy ''", "warning: invalid signal ''",
                "warning: invalid notify access ''", "warning: invalid OOM policy ''",
                "warning: invalid resource limit ''", "warning: invalid number ''", "warning: invalid slice name ''",
                "warning: invalid standard input ''", "warning: invalid standard output ''",
            ])
    }

    @Test func listsAccumulateAndRefuseBadWordsOneByOne() {
        let (unit, refusals) = Self.apply([
            ("Requires", "a.service foo b@c.service"), ("Requires", "d.target"),
            ("Documentation", "foo man:bar(1)"), ("Documentation", "\"man:a(1) man:b(1)\" \"man:c(1)"),
            ("Requires", "\"e.service\""), ("SuccessExitStatus", "\"1 2\""),
            ("AllowedCPUs", "0-1"), ("AllowedCPUs", "4"),
            ("Delegate", "cpu foo"), ("Delegate", "memory devices"),
            ("DisableControllers", "io"),
            ("IOReadBandwidthMax", "/dev/sda 10M"), ("IOWriteIOPSMax", "/dev/sda 1K"),
            ("IOReadBandwidthMax", "/dev/sdb infinity"), ("IOReadBandwidthMax", "/dev/sda 0"),
            ("IOReadBandwidthMax", ""),
            ("BlockIOReadBandwidth", "/dev/sda 1M"),
            ("IODeviceWeight", "/dev/sda 5"), ("IODeviceWeight", "/dev/sda 7"), ("IODeviceWeight", "/dev/sda"),
        ])
        var expected = Unit(name: "a.service", type: .service)
        expected.unit.requires = ["a.service", "b@c.service", "d.target"]
        expected.unit.documentation = ["man:bar(1)"]
        expected.resources.allowedCPUs = CPUSet([0, 1, 4])
        expected.resources.delegate = true
        expected.resources.delegateControllers = [.cpu, .memory]
        expected.resources.disableControllers = [.io]
        expected.resources.ioDeviceLimits = [
            IODeviceLimit(path: "/dev/sda", limits: [.writeIOPS: 1000]), IODeviceLimit(path: "/dev/sdb"),
        ]
        expected.resources.blockIODeviceBandwidths = [
            IODeviceLimit(path: "/dev/sda", limits: [.readBandwidth: 1_000_000])
        ]
        expected.resources.ioDeviceWeights = [IODeviceWeight(path: "/dev/sda", weight: 7)]
        #expect(unit == expected)
        #expect(
            refusals == [
                "warning: invalid unit name 'foo'", "warning: invalid documentation URL 'foo'",
                "warning: invalid syntax in '\"man:a(1) man:b(1)\" \"man:c(1)': Unbalanced quotes",
                "warning: invalid unit name '\"e.service\"'", "warning: invalid exit status '\"1', '2\"'",
                "warning: invalid controller name 'foo'", "warning: invalid IO limit '0'",
                "warning: expected a device path and a value in '/dev/sda'",
            ])
    }

    /// As systemd-analyze verify reads them: host bits cleared, named sets, bad words ignored one by
    /// one; an empty value resets.
    @Test func ipAddressLists() {
        let (unit, refusals) = Self.apply([
            ("IPAddressAllow", "10.1.2.3/8 localhost ::1 fe80::1/10 bogus 300.1.1.1 1.2.3.4/33"),
            ("IPAddressDeny", "any"), ("IPAddressDeny", ""),
            ("IPAddressDeny", "link-local multicast 192.168.1.7/24 2001:db8::ff:0:1 ::ffff:1.2.3.4 1::2::3 12345::"),
        ])
        #expect(
            unit.resources.ipAddressAllow.map(\.description) == ["10.0.0.0/8", "127.0.0.0/8", "::1/128", "fe80::/10"])
        #expect(
            unit.resources.ipAddressDeny.map(\.description) == [
                "169.254.0.0/16", "192.168.1.0/24", "224.0.0.0/4", "::ffff:1.2.3.4/128", "2001:db8::ff:0:1/128",
                "fe80::/64", "ff00::/8",
            ])
        #expect(
            refusals == [
                "warning: Address prefix is invalid, ignoring assignment: bogus; Address prefix is invalid, ignoring assignment: 300.1.1.1; Address prefix is invalid, ignoring assignment: 1.2.3.4/33",
                "warning: Address prefix is invalid, ignoring assignment: 1::2::3; Address prefix is invalid, ignoring assignment: 12345::",
            ])
    }

    /// As systemd-analyze verify reads them: no error numbers, no `@default`; an empty value resets.
    @Test func systemCallLog() {
        let (unit, refusals) = Self.apply([
            ("SystemCallLog", "@mount"), ("SystemCallLog", "~mount:EPERM bogus @nogroup"),
            ("SystemCallLog", "read:EPERM"), ("SystemCallLog", "~umount2"),
        ])
        let mount = SandboxTables.systemCalls(in: "@mount")
        #expect(unit.exec.systemCallLog == SystemCallFilter(allowList: true, names: mount.filter { $0 != "umount2" }))
        #expect(
            refusals == [
                "warning: Failed to parse system call, ignoring: mount:EPERM; Failed to parse system call, ignoring: bogus; Unknown system call group, ignoring: @nogroup",
                "warning: Failed to parse system call, ignoring: read:EPERM",
            ])
        #expect(Self.apply([("SystemCallLog", "~@clock"), ("SystemCallLog", "")]).0.exec.systemCallLog == nil)
    }

    /// As `systemd-analyze verify` reads them: systemd 252's nine actions (no halt or kexec), exit
    /// statuses 0…255, an empty value resets.
    @Test func emergencyActions() {
        let (unit, refusals) = Self.apply([
            ("SuccessAction", "exit"), ("FailureAction", "reboot-force"), ("FailureAction", "halt"),
            ("StartLimitAction", "poweroff-immediate"), ("StartLimitAction", ""), ("StartLimitAction", "soft-reboot"),
            ("SuccessActionExitStatus", "7"), ("FailureActionExitStatus", "300"), ("FailureActionExitStatus", "-1"),
            ("FailureActionExitStatus", "255"), ("FailureActionExitStatus", ""),
        ])
        var expected = Unit(name: "a.service", type: .service)
        expected.unit.successAction = .exit
        expected.unit.failureAction = .rebootForce
        expected.unit.successActionExitStatus = 7
        #expect(unit == expected)
        #expect(
            refusals == [
                "warning: invalid action 'halt'", "warning: invalid action 'soft-reboot'",
                "warning: invalid exit status '300'", "warning: invalid exit status '-1'",
            ])
        #expect(EmergencyAction.allCases.count == 9)
    }

    @Test func serviceSettings() {
        let (unit, refusals) = Self.apply([
            ("Type", "notify"), ("Restart", "on-failure"), ("RestartSec", "500ms"), ("KillMode", "mixed"),
            ("KillSignal", "SIGINT"), ("SendSIGKILL", "no"), ("NotifyAccess", "all"), ("OOMPolicy", "kill"),
            ("PIDFile", "a.pid"), ("RemainAfterExit", "yes"), ("NoNewPrivileges", "true"),
            ("EnvironmentFile", "-/etc/default/a"), ("WorkingDirectory", "-~"), ("User", "1000"), ("Group", "adm"),
            ("StandardInput", "file:/dev/null"), ("StandardOutput", "append:/var/log/a"), ("StandardError", "null"),
            ("SystemCallFilter", "@system-service"), ("SystemCallFilter", "~@mount"), ("SystemCallFilter", "ptrace"),
            ("StartLimitIntervalSec", "1min"), ("StartLimitBurst", "3"), ("DefaultDependencies", "no"),
            ("ConditionPathExists", "|!/x"), ("ConditionPathExists", "/y"),
            ("CPUQuota", "150%"), ("CPUQuotaPeriodSec", "infinity"), ("TasksMax", "50%"), ("MemoryLimit", "1G"),
            ("CPUShares", "1024"), ("BlockIOWeight", "500"), ("Slice", "batch.slice"),
        ])
        var expected = Unit(name: "a.service", type: .service)
        expected.service.type = .notify
        expected.service.restart = .onFailure
        expected.service.restartDelay = 500_000
        expected.service.killMode = .mixed
        expected.service.killSignal = 2
        expected.service.sendSIGKILL = false
        expected.service.notifyAccess = .all
        expected.service.oomPolicy = .kill
        expected.service.pidFile = "/run/a.pid"
        expected.service.remainAfterExit = true
        expected.exec.noNewPrivileges = true
        expected.exec.environmentFiles = [EnvironmentFile(path: "/etc/default/a", missingOK: true)]
        expected.exec.workingDirectory = WorkingDirectory(path: "", missingOK: true, home: true)
        expected.exec.user = "1000"
        expected.exec.group = "adm"
        expected.exec.standardInput = .file("/dev/null")
        expected.exec.standardOutput = .append("/var/log/a")
        expected.exec.standardError = .null
        // Groups are expanded (the order of the calls is the filter's business, not this test's).
        let mount = Set(SandboxTables.systemCalls(in: "@mount"))
        #expect(unit.exec.systemCallFilter?.allowList == true)
        #expect(
            Set(unit.exec.systemCallFilter?.names ?? [])
                == Set(SandboxTables.systemCalls(in: "@system-service")).subtracting(mount).union(["ptrace"]))
        expected.exec.systemCallFilter = unit.exec.systemCallFilter
        expected.unit.startLimitInterval = 60_000_000
        expected.unit.startLimitBurst = 3
        expected.unit.defaultDependencies = false
        expected.unit.conditions = [
            Condition(kind: .pathExists, trigger: true, negate: true, parameter: "/x"),
            Condition(kind: .pathExists, trigger: false, negate: false, parameter: "/y"),
        ]
        expected.resources.cpuQuotaPerSec = 1_500_000
        expected.resources.tasksMax = .permyriad(5000)
        expected.resources.memoryLimit = .bytes(1 << 30)
        expected.resources.cpuShares = 1024
        expected.resources.blockIOWeight = 500
        expected.resources.slice = "batch.slice"
        #expect(unit == expected)
        #expect(refusals == [])
    }

    @Test(arguments: [
        ("WorkingDirectory", "rel", "error: path 'rel' is not absolute"),
        ("WorkingDirectory", "-rel", "warning: path 'rel' is not absolute"),
        ("User", "bad:name", "error: invalid user or group name 'bad:name'"),
        ("EnvironmentFile", "rel", "warning: path 'rel' is not absolute"),
        ("ConditionPathExists", "!|/x", "warning: path '|/x' is not absolute"),
        ("ConditionPathExists", "| /x", "warning: path ' /x' is not absolute"),
        ("ConditionPathExists", "/x/../y", "warning: path '/x/../y' is not normalized"),
        ("ConditionPathExists", "/x//y", "warning: path '/x//y' is not normalized"),
        ("WorkingDirectory", "/a/../b", "error: path '/a/../b' is not normalized"),
        ("BlockIOReadBandwidth", "/dev/sda infinity", "warning: invalid IO limit 'infinity'"),
        ("User", ".", "error: invalid user or group name '.'"),
        ("User", "a/b", "error: invalid user or group name 'a/b'"),
        ("User", "65535", "error: invalid user or group name '65535'"),
        ("User", "4294967295", "error: invalid user or group name '4294967295'"),
        ("User", "-1", "error: invalid user or group name '-1'"),
        ("StandardOutput", "file:rel", "warning: path 'rel' is not absolute"),
        ("StandardError", "data", "warning: invalid standard output 'data'"),
        ("StandardOutput", "journal+console", "warning: standard output 'journal+console' is not supported by Corral"),
        ("Slice", "foo", "warning: invalid slice name 'foo'"),
        ("Slice", "foo.service", "warning: invalid slice name 'foo.service'"),
        ("KillMode", "bad", "warning: invalid kill mode 'bad'"),
        ("CPUShares", "1", "warning: CPU shares '1' out of range 2-262144"),
        ("IOWeight", "0", "warning: IO weight '0' out of range 1-10000"),
        ("IOWeight", "idle", "warning: invalid IO weight 'idle'"),
        ("BlockIOWeight", "5", "warning: block IO weight '5' out of range 10-1000"),
        ("MemoryHigh", "0", "warning: memory limit '0' out of range"),
        ("MemoryMax", "foo", "warning: invalid size 'foo'"),
        ("StartLimitBurst", "4294967296", "warning: invalid number '4294967296'"),
        // The messages are systemd 252's (systemd-analyze verify).
        ("SystemCallFilter", "~@mount fo;o", "warning: Failed to parse system call, ignoring: fo;o"),
        ("SystemCallFilter", "@system-service foo_bar", "warning: Failed to parse system call, ignoring: foo_bar"),
        ("SystemCallFilter", "@nonexistent", "warning: Unknown system call group, ignoring: @nonexistent"),
        (
            "SystemCallFilter", "read:EPERM",
            "warning: Allow-listed system calls cannot take error number, ignoring: read:EPERM"
        ),
        ("SystemCallFilter", "~read:EBOGUS", "warning: Failed to parse error number, ignoring: read:EBOGUS"),
        ("SystemCallErrorNumber", "EBOGUS", "warning: Failed to parse error number, ignoring: EBOGUS"),
        (
            "SystemCallArchitectures", "native bogus",
            "warning: Failed to parse system call architecture \"bogus\", ignoring: Invalid argument"
        ),
        ("RestrictAddressFamilies", "AF_UNIX AF_BOGUS", "warning: Failed to parse address family, ignoring: AF_BOGUS"),
        (
            "CapabilityBoundingSet", "CAP_NET_ADMIN CAP_BOGUS",
            "warning: Failed to parse capability, ignoring: CAP_BOGUS"
        ),
        ("RestrictNamespaces", "net bogus", "warning: Failed to parse namespace type string, ignoring: net bogus"),
        ("LockPersonality", "maybe", "warning: invalid boolean 'maybe'"),
        // systemd-analyze verify's words for each of these.
        ("ProtectSystem", "bogus", "warning: Failed to parse protect system value, ignoring: bogus"),
        ("ProtectHome", "bogus", "warning: Failed to parse protect home value, ignoring: bogus"),
        ("RootDirectory", "relative/dir", "error: RootDirectory= path is not absolute: relative/dir"),
        (
            "ReadWritePaths", "relative /x/../y",
            "warning: ReadWritePaths= path is not absolute, ignoring: relative; ReadWritePaths= path is not normalized, ignoring: /x/../y"
        ),
        ("BindPaths", "/c:/d:bogus", "warning: Invalid option string, ignoring setting: bogus"),
        ("BindPaths", "rel:/f", "warning: BindPaths= path is not absolute, ignoring: rel"),
        ("TemporaryFileSystem", "rel", "warning: TemporaryFileSystem= path is not absolute, ignoring: rel"),
        ("ProtectProc", "bogus", "warning: Failed to parse /proc/ protection mode, ignoring: bogus"),
        ("ProcSubset", "bogus", "warning: Failed to parse /proc/ subset mode, ignoring: bogus"),
        ("MountFlags", "bogus", "warning: Failed to parse mount flag, ignoring: bogus"),
        (
            "UnsetEnvironment", "A B=1 1bad",
            "warning: Invalid environment name or assignment UnsetEnvironment, ignoring: 1bad"
        ),
        ("Personality", "arm64", "warning: Failed to parse personality, ignoring: arm64"),
        ("KeyringMode", "bogus", "warning: Failed to parse keyring mode, ignoring: bogus"),
        ("LoadCredential", "c/d:/x", "warning: Credential name \"c/d\" not valid, ignoring."),
        ("SetCredential", "bad", "warning: Invalid syntax, ignoring: bad"),
        (
            "RuntimeDirectory", "a /abs ../x d:e",
            "warning: RuntimeDirectory= path is absolute, ignoring: /abs; RuntimeDirectory= path is not normalized, ignoring: ../x"
        ),
        ("StateDirectoryMode", "0800", "warning: Failed to parse mode value, ignoring: 0800"),
        (
            "RuntimeDirectoryPreserve", "bogus",
            "warning: Failed to parse runtime directory preserve mode, ignoring: bogus"
        ),
    ])
    func refusal(name: String, value: String, expected: String) {
        #expect(Self.apply([(name, value)]).1 == [expected])
    }
}
