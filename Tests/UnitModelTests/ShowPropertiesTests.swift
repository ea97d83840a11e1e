import Testing
import UnitModel

private let host = HostFacts(
    memory: 8_589_934_592, swap: 1_073_741_824, cpus: 4, pidMax: 32768, threadsMax: 63_000,
    rootPidsMax: nil, controllers: Set(Controller.allCases))

/// Lines as `systemctl show` prints them, each ending in a newline.
private func lines(_ lines: String...) -> String {
    lines.map { $0 + "\n" }.joined()
}

private let notRun = "start_time=[n/a] ; stop_time=[n/a] ; pid=0 ; code=(null) ; status=0/0 }"

private func webService() -> Unit {
    var unit = Unit(name: "web.service", type: .service)
    unit.unit.description = "Web front end"
    unit.unit.documentation = ["man:web(8)", "https://example.com/?a=1&b=2"]
    unit.unit.requires = ["db.service"]
    unit.unit.wants = ["network-online.target"]
    unit.unit.after = ["network-online.target", "db.service"]
    unit.service.type = .notify
    unit.service.restart = .onFailure
    unit.service.restartDelay = 5_000_000
    unit.service.timeoutStop = 30_000_000
    unit.service.execStartPre = [
        ExecCommand(path: "/usr/bin/mkdir", argv: ["/usr/bin/mkdir", "-p", "/run/web"], flags: .ignoreFailure)
    ]
    unit.service.execStart = [
        ExecCommand(
            path: "/usr/bin/web", argv: ["web", "--port", "8080"], flags: [.customArgv0, .noEnvironmentExpansion])
    ]
    unit.service.execReload = [
        ExecCommand(path: "/bin/kill", argv: ["/bin/kill", "-HUP", "$MAINPID"], flags: .fullPrivileges)
    ]
    unit.service.successExitStatus = ExitStatusSet(statuses: [143, 1, 143], signals: [15, 10])
    unit.service.killMode = .mixed
    unit.exec.environment = ["A=1", "B=x y", "C=$HOME"]
    unit.exec.environmentFiles = [EnvironmentFile(path: "/etc/default/web", missingOK: true)]
    unit.exec.workingDirectory = WorkingDirectory(path: "/srv/web", missingOK: true)
    unit.exec.user = "web"
    unit.exec.limits = [
        .nofile: ResourceLimit(soft: 65536, hard: 65536), .core: ResourceLimit(soft: 0, hard: .max),
    ]
    unit.exec.systemCallFilter = SystemCallFilter(allowList: false, names: ["ptrace", "mount"])
    unit.resources.cpuWeight = .weight(200)
    unit.resources.cpuQuotaPerSec = 500_000
    unit.resources.allowedCPUs = CPUSet([0, 1, 2, 3, 6])
    unit.resources.memoryHigh = .permyriad(1000)
    unit.resources.memoryMax = .bytes(157_286_400)
    unit.resources.memorySwapMax = .bytes(0)
    unit.resources.ioDeviceWeights = [
        IODeviceWeight(path: "/dev/vda", weight: 200), IODeviceWeight(path: "/dev/vdb", weight: 50),
    ]
    unit.resources.ioDeviceLimits = [
        IODeviceLimit(path: "/dev/vda", limits: [.readBandwidth: 10_000_000, .writeBandwidth: 5_000_000]),
        IODeviceLimit(path: "/dev/vdb", limits: [.readIOPS: 100, .writeIOPS: .max]),
    ]
    return unit
}

private let webServiceText = text(
    [
        "Type=notify",
        "Restart=on-failure",
        "NotifyAccess=main",
        "RestartUSec=5s",
        "TimeoutStartUSec=1min 30s",
        "TimeoutStopUSec=30s",
        "RemainAfterExit=no",
        "SuccessExitStatus=1 143 USR1 TERM",
        "OOMPolicy=stop",
        "ExecStartPre={ path=/usr/bin/mkdir ; argv[]=/usr/bin/mkdir -p /run/web ; ignore_errors=yes ; " + notRun,
        "ExecStartPreEx={ path=/usr/bin/mkdir ; argv[]=/usr/bin/mkdir -p /run/web ; flags=ignore-failure ; " + notRun,
        "ExecStart={ path=/usr/bin/web ; argv[]=web --port 8080 ; ignore_errors=no ; " + notRun,
        "ExecStartEx={ path=/usr/bin/web ; argv[]=web --port 8080 ; flags=no-env-expand ; " + notRun,
        "ExecReload={ path=/bin/kill ; argv[]=/bin/kill -HUP $MAINPID ; ignore_errors=no ; " + notRun,
        "ExecReloadEx={ path=/bin/kill ; argv[]=/bin/kill -HUP $MAINPID ; flags=privileged ; " + notRun,
        "Slice=system.slice",
        "Delegate=no",
        "CPUAccounting=no",
        "CPUWeight=200",
        "StartupCPUWeight=[not set]",
        "CPUShares=[not set]",
        "StartupCPUShares=[not set]",
        "CPUQuotaPerSecUSec=500ms",
        "CPUQuotaPeriodUSec=infinity",
        "AllowedCPUs=0-3 6",
        "IOAccounting=no",
        "IOWeight=[not set]",
        "StartupIOWeight=[not set]",
        "IODeviceWeight=/dev/vdb 50",
        "IODeviceWeight=/dev/vda 200",
        "IOReadBandwidthMax=/dev/vda 10000000",
        "IOWriteBandwidthMax=/dev/vda 5000000",
        "IOReadIOPSMax=/dev/vdb 100",
        "BlockIOWeight=[not set]",
        "StartupBlockIOWeight=[not set]",
        "MemoryAccounting=yes",
        "MemoryMin=0",
        "MemoryLow=0",
        "MemoryHigh=858992640",
        "MemoryMax=157286400",
        "MemorySwapMax=0",
        "MemoryLimit=infinity",
        "TasksAccounting=yes",
        "TasksMax=4915",
        #"Environment=A=1 "B=x y" "C=\$HOME""#,
        "EnvironmentFiles=/etc/default/web (ignore_errors=yes)",
        "LimitCORE=infinity",
        "LimitCORESoft=0",
        "LimitNOFILE=65536",
        "LimitNOFILESoft=65536",
        "WorkingDirectory=!/srv/web",
        "StandardInput=null",
        "StandardOutput=journal",
        "StandardError=inherit",
        "User=web",
        "DynamicUser=no",
        "NoNewPrivileges=no",
        "IgnoreSIGPIPE=yes",
        "SystemCallFilter=~mount ptrace",
        "KillMode=mixed",
        "KillSignal=15",
        "SendSIGKILL=yes",
        "Id=web.service",
        "Names=web.service",
        "Requires=db.service",
        "Wants=network-online.target",
        "After=network-online.target db.service",
        #"Documentation="man:web(8)" "https://example.com/?a=1&b=2""#,
        "Description=Web front end",
        "DefaultDependencies=yes",
    ] + startLimitLines)

/// The cgroup properties every unit with defaults shows, from `Delegate=` to `TasksMax=`.
private func defaultCgroupLines(tasksMax: String) -> [String] {
    [
        "Delegate=no", "CPUAccounting=no", "CPUWeight=[not set]", "StartupCPUWeight=[not set]",
        "CPUShares=[not set]", "StartupCPUShares=[not set]", "CPUQuotaPerSecUSec=infinity",
        "CPUQuotaPeriodUSec=infinity", "IOAccounting=no", "IOWeight=[not set]", "StartupIOWeight=[not set]",
        "BlockIOWeight=[not set]", "StartupBlockIOWeight=[not set]", "MemoryAccounting=yes", "MemoryMin=0",
        "MemoryLow=0", "MemoryHigh=infinity", "MemoryMax=infinity", "MemorySwapMax=infinity",
        "MemoryLimit=infinity", "TasksAccounting=yes", "TasksMax=\(tasksMax)",
    ]
}

/// What every unit with the defaults shows after `DefaultDependencies=`.
private let startLimitLines = [
    "StartLimitIntervalUSec=10s", "StartLimitBurst=5", "StartLimitAction=none", "FailureAction=none",
    "FailureActionExitStatus=-1", "SuccessAction=none", "SuccessActionExitStatus=-1",
]

private func unitLines(_ name: String) -> [String] {
    ["Id=\(name)", "Names=\(name)", "Description=\(name)", "DefaultDependencies=yes"] + startLimitLines
}

private func text(_ lines: [String]) -> String {
    lines.map { $0 + "\n" }.joined()
}

@Suite struct ShowPropertiesTests {
    @Test func serviceWithResourcesAndCommands() {
        let properties = ShowProperties.properties(of: webService(), host: host)
        #expect(ShowProperties.text(properties) == webServiceText)
    }

    @Test func serviceWithDefaultsOnly() {
        let unit = Unit(name: "plain.service", type: .service)
        let expected = text(
            [
                "Type=simple", "Restart=no", "NotifyAccess=none", "RestartUSec=100ms", "TimeoutStartUSec=1min 30s",
                "TimeoutStopUSec=1min 30s", "RemainAfterExit=no", "OOMPolicy=stop", "Slice=system.slice",
            ] + defaultCgroupLines(tasksMax: "4915") + [
                "LimitNOFILE=524288", "LimitNOFILESoft=1024", "StandardInput=null", "StandardOutput=journal",
                "StandardError=inherit", "DynamicUser=no", "NoNewPrivileges=no", "IgnoreSIGPIPE=yes",
                "KillMode=control-group",
                "KillSignal=15",
                "SendSIGKILL=yes",
            ] + unitLines("plain.service"))
        #expect(ShowProperties.text(ShowProperties.properties(of: unit, host: host)) == expected)
    }

    @Test func slice() {
        var unit = Unit(name: "web-backend.slice", type: .slice)
        unit.resources.cpuWeight = .idle
        unit.resources.memoryMax = .permyriad(5000)
        unit.resources.allowedMemoryNodes = CPUSet([0])
        unit.resources.disableControllers = [.io, .cpu]
        unit.resources.blockIODeviceBandwidths = [
            IODeviceLimit(path: "/dev/sda", limits: [.readBandwidth: 1_000_000]),
            IODeviceLimit(path: "/dev/sdb", limits: [.readBandwidth: 2_000_000, .writeBandwidth: 3_000_000]),
        ]
        let expected = text(
            [
                "Slice=web.slice",
                "Delegate=no",
                "CPUAccounting=no",
                "CPUWeight=idle",
                "StartupCPUWeight=[not set]",
                "CPUShares=[not set]",
                "StartupCPUShares=[not set]",
                "CPUQuotaPerSecUSec=infinity",
                "CPUQuotaPeriodUSec=infinity",
                "AllowedMemoryNodes=0",
                "IOAccounting=no",
                "IOWeight=[not set]",
                "StartupIOWeight=[not set]",
                "BlockIOWeight=[not set]",
                "StartupBlockIOWeight=[not set]",
                "BlockIOReadBandwidth=/dev/sdb 2000000",
                "BlockIOReadBandwidth=/dev/sda 1000000",
                "BlockIOWriteBandwidth=/dev/sdb 3000000",
                "MemoryAccounting=yes",
                "MemoryMin=0",
                "MemoryLow=0",
                "MemoryHigh=infinity",
                "MemoryMax=4294967296",
                "MemorySwapMax=infinity",
                "MemoryLimit=infinity",
                "TasksAccounting=yes",
                "TasksMax=infinity",
                "DisableControllers=cpu io",
                "Id=web-backend.slice",
                "Names=web-backend.slice",
                "Description=web-backend.slice",
                "DefaultDependencies=yes",
            ] + startLimitLines)
        #expect(ShowProperties.text(ShowProperties.properties(of: unit, host: host)) == expected)
    }

    @Test func delegatingScope() {
        var unit = Unit(name: "run-u7.scope", type: .scope)
        unit.resources.delegate = true
        unit.resources.tasksMax = .permyriad(2500)
        let expected = text(
            ["TimeoutStopUSec=1min 30s", "OOMPolicy=stop", "Slice=system.slice", "Delegate=yes"]
                + [
                    "DelegateControllers=cpu cpuacct cpuset io blkio memory devices pids bpf-firewall bpf-devices"
                        + " bpf-foreign bpf-socket-bind bpf-restrict-network-interfaces"
                ]
                + defaultCgroupLines(tasksMax: "8191").dropFirst()
                + ["KillMode=control-group", "KillSignal=15", "SendSIGKILL=yes"] + unitLines("run-u7.scope"))
        #expect(ShowProperties.text(ShowProperties.properties(of: unit, host: host)) == expected)
    }

    @Test func namedDelegation() {
        var unit = Unit(name: "box.service", type: .service)
        unit.resources.delegate = true
        unit.resources.delegateControllers = [.pids, .memory]
        let delegated = ShowProperties.properties(of: unit, host: host).filter { $0.name == "DelegateControllers" }
        #expect(delegated == [ShowProperty(name: "DelegateControllers", value: .list(["memory", "pids"]))])
    }

    @Test func target() {
        var unit = Unit(name: "multi-user.target", type: .target)
        unit.unit.description = "Multi-User System"
        unit.unit.conflicts = ["rescue.service", "rescue.target"]
        let expected = text(
            [
                "Id=multi-user.target",
                "Names=multi-user.target",
                "Conflicts=rescue.service rescue.target",
                "Description=Multi-User System",
                "DefaultDependencies=yes",
            ] + startLimitLines)
        #expect(ShowProperties.text(ShowProperties.properties(of: unit, host: host)) == expected)
    }

    @Test func serviceJSON() {
        let expected =
            #"{"Type":"notify","Restart":"on-failure","NotifyAccess":"main","RestartUSec":5000000,"#
            + #""TimeoutStartUSec":90000000,"TimeoutStopUSec":30000000,"RemainAfterExit":false,"#
            + #""SuccessExitStatus":{"statuses":[1,143],"signals":["USR1","TERM"]},"OOMPolicy":"stop","#
            + #""ExecStartPre":[{"path":"/usr/bin/mkdir","argv":["/usr/bin/mkdir","-p","/run/web"],"ignore_errors":true}],"#
            + #""ExecStartPreEx":[{"path":"/usr/bin/mkdir","argv":["/usr/bin/mkdir","-p","/run/web"],"flags":["ignore-failure"]}],"#
            + #""ExecStart":[{"path":"/usr/bin/web","argv":["web","--port","8080"],"ignore_errors":false}],"#
            + #""ExecStartEx":[{"path":"/usr/bin/web","argv":["web","--port","8080"],"flags":["no-env-expand"]}],"#
            + #""ExecReload":[{"path":"/bin/kill","argv":["/bin/kill","-HUP","$MAINPID"],"ignore_errors":false}],"#
            + #""ExecReloadEx":[{"path":"/bin/kill","argv":["/bin/kill","-HUP","$MAINPID"],"flags":["privileged"]}],"#
            + #""Slice":"system.slice","Delegate":false,"CPUAccounting":false,"CPUWeight":200,"#
            + #""StartupCPUWeight":null,"CPUShares":null,"StartupCPUShares":null,"CPUQuotaPerSecUSec":500000,"#
            + #""CPUQuotaPeriodUSec":null,"AllowedCPUs":[0,1,2,3,6],"IOAccounting":false,"IOWeight":null,"#
            + #""StartupIOWeight":null,"IODeviceWeight":[{"path":"/dev/vdb","value":50},{"path":"/dev/vda","value":200}],"#
            + #""IOReadBandwidthMax":[{"path":"/dev/vda","value":10000000}],"#
            + #""IOWriteBandwidthMax":[{"path":"/dev/vda","value":5000000}],"#
            + #""IOReadIOPSMax":[{"path":"/dev/vdb","value":100}],"BlockIOWeight":null,"StartupBlockIOWeight":null,"#
            + #""MemoryAccounting":true,"MemoryMin":0,"MemoryLow":0,"MemoryHigh":858992640,"MemoryMax":157286400,"#
            + #""MemorySwapMax":0,"MemoryLimit":null,"TasksAccounting":true,"TasksMax":4915,"#
            + #""Environment":["A=1","B=x y","C=$HOME"],"#
            + #""EnvironmentFiles":[{"path":"/etc/default/web","ignore_errors":true}],"#
            + #""LimitCORE":null,"LimitCORESoft":0,"LimitNOFILE":65536,"LimitNOFILESoft":65536,"#
            + #""WorkingDirectory":"!/srv/web","StandardInput":"null","StandardOutput":"journal","#
            + #""StandardError":"inherit","User":"web","DynamicUser":false,"NoNewPrivileges":false,"IgnoreSIGPIPE":true,"#
            + #""SystemCallFilter":{"allow_list":false,"names":["mount","ptrace"]},"#
            + #""KillMode":"mixed","KillSignal":15,"SendSIGKILL":true,"Id":"web.service","Names":["web.service"],"#
            + #""Requires":["db.service"],"Wants":["network-online.target"],"#
            + #""After":["network-online.target","db.service"],"#
            + #""Documentation":["man:web(8)","https://example.com/?a=1&b=2"],"Description":"Web front end","#
            + #""DefaultDependencies":true,"StartLimitIntervalUSec":10000000,"StartLimitBurst":5,"StartLimitAction":"none","FailureAction":"none","FailureActionExitStatus":-1,"SuccessAction":"none","SuccessActionExitStatus":-1}"#
        #expect(ShowProperties.json(ShowProperties.properties(of: webService(), host: host)) == expected)
    }

    @Test func sliceJSON() {
        var unit = Unit(name: "a.slice", type: .slice)
        unit.unit.description = "Quote \" backslash \\ tab \t bell \u{07} é"
        unit.resources.cpuWeight = .idle
        let properties = ShowProperties.properties(of: unit, host: host)
        let expected =
            #"{"Slice":"-.slice","Delegate":false,"CPUAccounting":false,"CPUWeight":"idle","#
            + #""StartupCPUWeight":null,"CPUShares":null,"StartupCPUShares":null,"CPUQuotaPerSecUSec":null,"#
            + #""CPUQuotaPeriodUSec":null,"IOAccounting":false,"IOWeight":null,"StartupIOWeight":null,"#
            + #""BlockIOWeight":null,"StartupBlockIOWeight":null,"MemoryAccounting":true,"MemoryMin":0,"#
            + #""MemoryLow":0,"MemoryHigh":null,"MemoryMax":null,"MemorySwapMax":null,"MemoryLimit":null,"#
            + #""TasksAccounting":true,"TasksMax":null,"Id":"a.slice","Names":["a.slice"],"#
            + #""Description":"Quote \" backslash \\ tab \t bell \u0007 é","DefaultDependencies":true,"#
            + #""StartLimitIntervalUSec":10000000,"StartLimitBurst":5,"StartLimitAction":"none","FailureAction":"none","FailureActionExitStatus":-1,"SuccessAction":"none","SuccessActionExitStatus":-1}"#
        #expect(ShowProperties.json(properties) == expected)
    }

    @Test func multiLineStringIsUnprintable() {
        let properties = [ShowProperty(name: "Description", value: .string("two\nlines"))]
        #expect(ShowProperties.text(properties) == "Description=[unprintable]\n")
    }
}

@Suite struct ShowFormattingTests {
    // Each case checked with `systemd-analyze timespan` (systemd 252).
    @Test(
        arguments: [
            (0, "0"),
            (1, "1us"),
            (10_005, "10.005ms"),
            (100_000, "100ms"),
            (100_500, "100.500ms"),
            (1_500_000, "1.500000s"),
            (5_000_000, "5s"),
            (59_999_999, "59.999999s"),
            (60_000_001, "1min 1us"),
            (61_500_000, "1min 1.500000s"),
            (90_000_000, "1min 30s"),
            (1_830_000_000, "30min 30s"),
            (3_600_500_000, "1h 500ms"),
            (5_400_000_000, "1h 30min"),
            (172_800_000_000, "2d"),
            (1_814_400_000_000, "3w"),
            (2_629_800_000_000, "1month"),
            (31_557_600_000_000, "1y"),
            (UInt64.max, "infinity"),
        ] as [(UInt64, String)])
    func timespan(usec: UInt64, expected: String) {
        #expect(ShowFormatting.timespan(usec) == expected)
    }

    // As systemd-run prints runtimes (format_timespan with millisecond accuracy).
    @Test(
        arguments: [
            (1_012_345, "1.012s"), (1_000_500, "1.000s"), (90_500_000, "1min 30.500s"), (1_500, "1ms"), (300, "0"),
            (2_000_000, "2s"),
        ] as [(UInt64, String)])
    func timespanToTheMillisecond(usec: UInt64, expected: String) {
        #expect(ShowFormatting.timespan(usec, accuracy: 1000) == expected)
    }

    // systemd's format_timestamp_relative, as `status` shows "since ...; X ago" (each checked with
    // `systemd-analyze timestamp -- -SPAN`, whose "From now:" line it prints).
    @Test(
        arguments: [
            (0, "now"), (999, "999us"), (950_000, "950ms"), (42_000_000, "42s"), (182_000_000, "3min 2s"),
            (725_000_000, "12min"), (7_500_000_000, "2h 5min"), (25_200_000_000, "7h"), (97_200_000_000, "1 day 3h"),
            (345_600_000_000, "4 days"), (1_468_800_000_000, "2 weeks 3 days"),
        ] as [(UInt64, String)])
    func relativeTimes(usec: UInt64, expected: String) {
        #expect(ShowFormatting.relative(usec) == expected)
    }

    @Test(arguments: [
        ("A=1", "A=1"),
        ("", ""),
        ("B=x y", #""B=x y""#),
        ("C=$HOME", #""C=\$HOME""#),
        (#"say "hi""#, #""say \"hi\"""#),
        (#"back\slash"#, #""back\\slash""#),
        ("it's", #""it's""#),
        ("tab\there", #""tab\there""#),
        ("bell\u{07}", #""bell\a""#),
        ("esc\u{1B}", #""esc\033""#),
        ("glob*", #""glob*""#),
        ("café=1", "café=1"),
    ])
    func shellQuoted(word: String, expected: String) {
        #expect(ShowFormatting.shellQuoted(word) == expected)
    }

    @Test(arguments: [
        ("plain", #""plain""#),
        ("a\"b\\c", #""a\"b\\c""#),
        ("\n\r\t\u{08}\u{0C}", #""\n\r\t\b\f""#),
        ("\u{01}\u{1F}", #""\u0001\u001f""#),
        ("€ ☃", #""€ ☃""#),
    ])
    func jsonString(text: String, expected: String) {
        #expect(JSONValue.string(text).rendered() == expected)
    }
}

@Suite struct ResolvedSettingsTests {
    @Test(
        arguments: [
            ("system.slice", UnitType.slice, "-.slice"),
            ("a-b-c.slice", .slice, "a-b.slice"),
            ("-.slice", .slice, nil),
            ("sshd.service", .service, "system.slice"),
            ("getty@tty1.service", .service, "system-getty.slice"),
            ("foo-bar@x.service", .service, #"system-foo\x2dbar.slice"#),
            ("run-u1.scope", .scope, "system.slice"),
            ("basic.target", .target, nil),
        ] as [(String, UnitType, String?)])
    func sliceName(name: String, type: UnitType, expected: String?) {
        #expect(Unit(name: name, type: type).sliceName == expected)
    }

    @Test func explicitSlice() {
        var unit = Unit(name: "getty@tty1.service", type: .service)
        unit.resources.slice = "custom.slice"
        #expect(unit.sliceName == "custom.slice")
    }

    @Test(
        arguments: [
            (MemoryLimit.bytes(1234), 1234 as UInt64?),
            (.permyriad(0), 0),
            (.permyriad(10_000), 1_000_000),
            // 244 pages of 1 000 000 bytes: 10% is 24.4 pages, rounded down to 24.
            (.permyriad(1000), 98_304),
            (.infinity, nil),
        ] as [(MemoryLimit, UInt64?)])
    func memoryBytes(limit: MemoryLimit, expected: UInt64?) {
        #expect(limit.bytes(of: 1_000_000) == expected)
    }

    @Test(
        arguments: [
            (TasksLimit.count(7), 7 as UInt64?),
            (.permyriad(1500), 4915),
            (.infinity, nil),
        ] as [(TasksLimit, UInt64?)])
    func tasksCount(limit: TasksLimit, expected: UInt64?) {
        #expect(limit.count(of: 32768) == expected)
    }
}
