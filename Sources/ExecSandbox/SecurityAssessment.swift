import UnitModel

/// `systemd-analyze security`'s exposure assessment of a service (systemd 252): 81 checks, each
/// with a weight and a range of badness, from the unit's settings as loaded (with the settings
/// systemd implies: `PrivateDevices=` dropping CAP_MKNOD, `ProtectClock=` allowing `char-rtc`, and
/// so on). The overall exposure, 0–100 (shown as 0.0–10.0), is the weighted badness of the checks
/// that apply, as systemd rounds it. Pure.
public struct SecurityAssessment: Sendable {
    /// One check as systemd names it: `id` in the table, `jsonField` in JSON and policy files.
    public struct Check: Sendable {
        public var id: String
        public var jsonField: String
        public var weight: Int
        public var range: Int
    }

    /// A check's outcome: its badness (nil: does not apply) and what it means.
    public struct Finding: Sendable {
        public var check: Check
        public var badness: Int?
        public var description: String
    }

    public var unit: String
    /// In systemd's table order.
    public var findings: [Finding]

    public init(_ unit: Unit) {
        self.unit = unit.name
        let settings = AssessedSettings(unit)
        findings = Self.checks.map { check, evaluate in
            if check.defaultDependenciesOnly && !unit.unit.defaultDependencies {
                return Finding(
                    check: check, badness: nil,
                    description: "Not assessed for a unit without default dependencies")
            }
            let (badness, description) = evaluate(settings)
            return Finding(check: check, badness: badness, description: description)
        }
    }

    private var applicable: [(finding: Finding, badness: Int)] {
        findings.compactMap { finding in finding.badness.map { (finding, $0) } }
    }

    /// The weights of the checks that apply.
    var weightSum: Int { applicable.reduce(0) { $0 + $1.finding.check.weight } }

    /// 0…100, tenths of systemd's 0–10 scale: Σ⌈badness·weight/range⌉ · 100 / Σweight, rounded up.
    public var exposure: Int {
        let badness = applicable.reduce(0) { sum, entry in
            sum + ceilingDivision(entry.badness * entry.finding.check.weight, entry.finding.check.range)
        }
        return weightSum == 0 ? 0 : ceilingDivision(badness * 100, weightSum)
    }

    /// A finding's share of the exposure, in tenths; nil when it is good or does not apply.
    public func exposure(of finding: Finding) -> Int? {
        guard let badness = finding.badness, badness > 0, weightSum > 0 else { return nil }
        let scaled = ceilingDivision(badness * finding.check.weight * 100, finding.check.range)
        return ceilingDivision(scaled, weightSum)
    }

    /// systemd's word for an exposure.
    public static func verdict(_ exposure: Int) -> String {
        switch exposure {
        case 100...: "DANGEROUS"
        case 90...: "UNSAFE"
        case 75...: "EXPOSED"
        case 50...: "MEDIUM"
        case 10...: "OK"
        case 1...: "SAFE"
        default: "PERFECT"
        }
    }

    /// `x.y`.
    public static func tenths(_ value: Int) -> String { "\(value / 10).\(value % 10)" }
}

private func ceilingDivision(_ a: Int, _ b: Int) -> Int { (a + b - 1) / b }

// MARK: - The settings the checks read

/// A unit's settings as the checks see them, with systemd's implications applied.
struct AssessedSettings: Sendable {
    var user: String?
    var runsPrivileged: Bool
    var supplementaryGroups: Bool
    var exec: ExecSettings
    var namespaces: NamespaceSettings
    var boundingSet: UInt64
    var umask: UInt32
    var notifyAll: Bool
    var delegate: Bool
    var allowedNamespaces: UInt64
    var devicePolicyRestricts: Bool
    var deviceEntries: [String]
    var ipAddressAllow: [IPAddressPrefix]
    var ipAddressDeny: [IPAddressPrefix]

    init(_ unit: Unit) {
        exec = unit.exec
        namespaces = unit.exec.namespaces
        user = unit.exec.user.flatMap { $0.isEmpty ? nil : $0 }
        runsPrivileged = user == nil || user == "root" || user == "0"
        supplementaryGroups = !unit.exec.supplementaryGroups.isEmpty
        boundingSet =
            (unit.exec.capabilityBoundingSet ?? .all).mask & ~SandboxPlan.implicitlyDroppedCapabilities(namespaces)
        umask = unit.exec.umask ?? 0o022
        notifyAll = unit.type == .service && unit.service.notifyAccess == .all
        delegate = unit.resources.delegate
        allowedNamespaces = (unit.exec.restrictNamespaces ?? .all).flags
        var policy = unit.resources.devicePolicy
        if namespaces.privateDevices && policy == .auto { policy = .closed }
        devicePolicyRestricts = policy != .auto
        deviceEntries = unit.resources.deviceAllow.map { "\($0.pattern):\($0.access.letters)" }
        if namespaces.protectClock { deviceEntries.insert("char-rtc:r", at: 0) }
        ipAddressAllow = unit.resources.ipAddressAllow
        ipAddressDeny = unit.resources.ipAddressDeny
    }

    func has(_ capabilities: [String]) -> Bool {
        capabilities.contains { SandboxTables.capabilities[$0].map { boundingSet & 1 << UInt64($0) != 0 } ?? false }
    }
}

// MARK: - The checks

extension SecurityAssessment.Check {
    /// The four checks systemd skips for a unit with `DefaultDependencies=no` (a boot-phase unit).
    var defaultDependenciesOnly: Bool {
        ["PrivateTmp", "ProtectHome", "ProtectSystem", "RootDirectoryOrRootImage"].contains(jsonField)
    }
}

extension SecurityAssessment {
    typealias Evaluation = @Sendable (AssessedSettings) -> (Int?, String)

    /// A yes/no check: badness 0 when `good`, else its range (1).
    private static func flag(
        _ id: String, _ json: String, _ weight: Int, good: String, bad: String,
        _ holds: @escaping @Sendable (AssessedSettings) -> Bool
    ) -> (Check, Evaluation) {
        (Check(id: id, jsonField: json, weight: weight, range: 1), { holds($0) ? (0, good) : (1, bad) })
    }

    /// A capability check: bad while any of `capabilities` is in the bounding set.
    private static func capability(_ id: String, _ json: String, _ weight: Int, _ capabilities: [String], what: String)
        -> (Check, Evaluation)
    {
        flag(
            "CapabilityBoundingSet=~" + id, "CapabilityBoundingSet_" + json, weight, good: "No " + what,
            bad: "Keeps " + what
        ) { !$0.has(capabilities) }
    }

    /// A `RestrictNamespaces=` check: bad while the type may be created.
    private static func namespace(_ type: String, _ weight: Int) -> (Check, Evaluation) {
        let flag = NamespaceSet.names.first { $0.0 == type }!.1
        return Self.flag(
            "RestrictNamespaces=~" + type, "RestrictNamespaces_" + type, weight,
            good: "Cannot create \(type) namespaces", bad: "May create \(type) namespaces"
        ) {
            $0.allowedNamespaces & flag == 0
        }
    }

    /// A `RestrictAddressFamilies=` check for one class of families: good when every family of the
    /// class is refused (an allow list without them, a deny list with one of them).
    private static func family(
        _ id: String, _ json: String, _ weight: Int, what: String, _ inClass: @escaping @Sendable (Int32) -> Bool
    )
        -> (Check, Evaluation)
    {
        flag(
            "RestrictAddressFamilies=~" + id, "RestrictAddressFamilies_" + json, weight,
            good: "Cannot open \(what) sockets", bad: "May open \(what) sockets"
        ) { settings in
            guard let families = settings.exec.restrictAddressFamilies else { return false }
            let listed = families.items.contains(where: inClass)
            return families.allowList ? !listed : listed
        }
    }

    /// A `SystemCallFilter=` check for one group: badness 10 without a filter or when a deny list
    /// lets a member through, 9 when an allow list lets one through, else 0.
    private static func systemCalls(_ group: String, _ weight: Int) -> (Check, Evaluation) {
        let json = "SystemCallFilter_" + group.dropFirst().replacingDashes()
        return (
            Check(id: "SystemCallFilter=~" + group, jsonField: json, weight: weight, range: 10),
            { settings in
                guard let filter = settings.exec.systemCallFilter else { return (10, "No system call filter") }
                let chosen = Set(filter.names)
                let offender = SandboxTables.systemCalls(in: group).first {
                    !notOnX86_64.contains($0) && chosen.contains($0) == filter.allowList
                }
                guard let offender else { return (0, "\(group) is refused") }
                return (filter.allowList ? 9 : 10, "\(group) is allowed in part (\(offender))")
            }
        )
    }

    /// Every check, in systemd 252's table order.
    static let checks: [(check: Check, evaluate: Evaluation)] = [
        (
            Check(id: "User=/DynamicUser=", jsonField: "UserOrDynamicUser", weight: 2000, range: 10),
            { settings in
                switch settings.user {
                case "nobody": (9, "Runs as nobody, whose files every such service shares")
                case nil, "root", "0": (10, "Runs as root")
                default:
                    settings.exec.dynamicUser
                        ? (0, "Runs as a transient non-root user") : (0, "Runs as a static non-root user")
                }
            }
        ),
        (
            Check(id: "SupplementaryGroups=", jsonField: "SupplementaryGroups", weight: 200, range: 1),
            { settings in
                if settings.runsPrivileged { return (nil, "Runs as root: does not matter") }
                return settings.supplementaryGroups ? (1, "Has supplementary groups") : (0, "No supplementary groups")
            }
        ),
        flag(
            "PrivateDevices=", "PrivateDevices", 1000, good: "No access to hardware devices",
            bad: "May access hardware devices"
        ) { $0.namespaces.privateDevices },
        flag(
            "PrivateMounts=", "PrivateMounts", 1000, good: "Cannot add mounts to the host",
            bad: "May add mounts to the host"
        ) { $0.namespaces.privateMounts },
        flag(
            "PrivateNetwork=", "PrivateNetwork", 2500, good: "No access to the host's network",
            bad: "Has the host's network"
        ) { $0.namespaces.privateNetwork },
        flag("PrivateTmp=", "PrivateTmp", 1000, good: "Has its own /tmp", bad: "Shares the host's /tmp") {
            $0.namespaces.privateTmp
        },
        flag("PrivateUsers=", "PrivateUsers", 1000, good: "Sees only its own users", bad: "Sees every user") {
            $0.namespaces.privateUsers
        },
        flag(
            "ProtectControlGroups=", "ProtectControlGroups", 1000, good: "Cannot change the cgroup tree",
            bad: "May change the cgroup tree"
        ) { $0.namespaces.protectControlGroups },
        flag(
            "ProtectKernelModules=", "ProtectKernelModules", 1000, good: "Cannot load kernel modules",
            bad: "May load kernel modules"
        ) { $0.namespaces.protectKernelModules },
        flag(
            "ProtectKernelTunables=", "ProtectKernelTunables", 1000, good: "Cannot change kernel tunables",
            bad: "May change kernel tunables"
        ) { $0.namespaces.protectKernelTunables },
        flag(
            "ProtectKernelLogs=", "ProtectKernelLogs", 1000, good: "Cannot use the kernel log",
            bad: "May read and write the kernel log"
        ) { $0.namespaces.protectKernelLogs },
        flag("ProtectClock=", "ProtectClock", 1000, good: "Cannot set the clocks", bad: "May set the clocks") {
            $0.namespaces.protectClock
        },
        (
            Check(id: "ProtectHome=", jsonField: "ProtectHome", weight: 1000, range: 10),
            { settings in
                switch settings.namespaces.protectHome {
                case .yes: (0, "No access to home directories")
                case .tmpfs: (1, "Sees empty home directories")
                case .readOnly: (5, "May read home directories")
                case .no: (10, "May change home directories")
                }
            }
        ),
        flag(
            "ProtectHostname=", "ProtectHostname", 50, good: "Cannot change the host name",
            bad: "May change the host name"
        ) { $0.exec.protectHostname },
        (
            Check(id: "ProtectSystem=", jsonField: "ProtectSystem", weight: 1000, range: 10),
            { settings in
                switch settings.namespaces.protectSystem {
                case .strict: (0, "The whole file hierarchy is read-only")
                case .full: (3, "/usr, /boot and /etc are read-only")
                case .yes: (5, "/usr and /boot are read-only")
                case .no: (10, "May change the operating system's files")
                }
            }
        ),
        flag(
            "RootDirectory=/RootImage=", "RootDirectoryOrRootImage", 200, good: "Has its own root directory",
            bad: "Runs in the host's root directory"
        ) { ($0.namespaces.rootDirectory ?? "/") != "/" },
        flag(
            "LockPersonality=", "LockPersonality", 100, good: "Cannot change its execution domain",
            bad: "May change its execution domain"
        ) { $0.exec.lockPersonality },
        flag(
            "MemoryDenyWriteExecute=", "MemoryDenyWriteExecute", 100, good: "Cannot map memory writable and executable",
            bad: "May map memory writable and executable"
        ) { $0.exec.memoryDenyWriteExecute },
        flag(
            "NoNewPrivileges=", "NoNewPrivileges", 1000, good: "Cannot gain privileges by exec",
            bad: "May gain privileges by exec (set-uid, file capabilities)"
        ) { $0.exec.noNewPrivileges },
        capability("CAP_SYS_ADMIN", "CAP_SYS_ADMIN", 1500, ["CAP_SYS_ADMIN"], what: "system administration"),
        capability(
            "CAP_SET(UID|GID|PCAP)", "CAP_SET_UID_GID_PCAP", 1500, ["CAP_SETUID", "CAP_SETGID", "CAP_SETPCAP"],
            what: "changing of identities and capabilities"),
        capability("CAP_SYS_PTRACE", "CAP_SYS_PTRACE", 1500, ["CAP_SYS_PTRACE"], what: "tracing of other processes"),
        capability("CAP_SYS_TIME", "CAP_SYS_TIME", 1000, ["CAP_SYS_TIME"], what: "setting of the system clock"),
        capability("CAP_NET_ADMIN", "CAP_NET_ADMIN", 1000, ["CAP_NET_ADMIN"], what: "network configuration"),
        capability("CAP_SYS_RAWIO", "CAP_SYS_RAWIO", 1000, ["CAP_SYS_RAWIO"], what: "raw I/O"),
        capability("CAP_SYS_MODULE", "CAP_SYS_MODULE", 1000, ["CAP_SYS_MODULE"], what: "loading of kernel modules"),
        capability(
            "CAP_AUDIT_*", "CAP_AUDIT", 500, ["CAP_AUDIT_CONTROL", "CAP_AUDIT_READ", "CAP_AUDIT_WRITE"],
            what: "audit access"),
        capability("CAP_SYSLOG", "CAP_SYSLOG", 500, ["CAP_SYSLOG"], what: "kernel log access"),
        capability(
            "CAP_SYS_(NICE|RESOURCE)", "CAP_SYS_NICE_RESOURCE", 500, ["CAP_SYS_NICE", "CAP_SYS_RESOURCE"],
            what: "raising of priorities and limits"),
        capability("CAP_MKNOD", "CAP_MKNOD", 500, ["CAP_MKNOD"], what: "making of device nodes"),
        capability(
            "CAP_(CHOWN|FSETID|SETFCAP)", "CAP_CHOWN_FSETID_SETFCAP", 1000, ["CAP_CHOWN", "CAP_FSETID", "CAP_SETFCAP"],
            what: "changing of any file's owner, mode or capabilities"),
        capability(
            "CAP_(DAC_*|FOWNER|IPC_OWNER)", "CAP_DAC_FOWNER_IPC_OWNER", 1000,
            ["CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_IPC_OWNER"],
            what: "overriding of file and IPC permissions"),
        capability("CAP_KILL", "CAP_KILL", 500, ["CAP_KILL"], what: "signalling of any process"),
        // systemd 252's JSON field has the stray parenthesis.
        capability(
            "CAP_NET_(BIND_SERVICE|BROADCAST|RAW)", "CAP_NET_BIND_SERVICE_BROADCAST_RAW)", 500,
            ["CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_RAW"], what: "privileged networking"),
        capability("CAP_SYS_BOOT", "CAP_SYS_BOOT", 100, ["CAP_SYS_BOOT"], what: "rebooting"),
        capability("CAP_MAC_*", "CAP_MAC", 100, ["CAP_MAC_ADMIN", "CAP_MAC_OVERRIDE"], what: "MAC policy changes"),
        capability(
            "CAP_LINUX_IMMUTABLE", "CAP_LINUX_IMMUTABLE", 75, ["CAP_LINUX_IMMUTABLE"],
            what: "marking of files immutable"),
        capability("CAP_IPC_LOCK", "CAP_IPC_LOCK", 50, ["CAP_IPC_LOCK"], what: "locking of memory"),
        capability("CAP_SYS_CHROOT", "CAP_SYS_CHROOT", 50, ["CAP_SYS_CHROOT"], what: "chroot(2)"),
        capability("CAP_BLOCK_SUSPEND", "CAP_BLOCK_SUSPEND", 25, ["CAP_BLOCK_SUSPEND"], what: "blocking of suspend"),
        capability("CAP_WAKE_ALARM", "CAP_WAKE_ALARM", 25, ["CAP_WAKE_ALARM"], what: "wake-up timers"),
        capability("CAP_LEASE", "CAP_LEASE", 25, ["CAP_LEASE"], what: "file leases"),
        capability("CAP_SYS_TTY_CONFIG", "CAP_SYS_TTY_CONFIG", 25, ["CAP_SYS_TTY_CONFIG"], what: "vhangup(2)"),
        capability("CAP_SYS_PACCT", "CAP_SYS_PACCT", 25, ["CAP_SYS_PACCT"], what: "process accounting"),
        capability("CAP_BPF", "CAP_BPF", 25, ["CAP_BPF"], what: "loading of BPF programs"),
        (
            Check(id: "UMask=", jsonField: "UMask", weight: 100, range: 10),
            { settings in
                let mask = settings.umask
                if mask & 0o002 == 0 { return (10, "New files are writable by everyone") }
                if mask & 0o004 == 0 { return (5, "New files are readable by everyone") }
                if mask & 0o020 == 0 { return (2, "New files are writable by the group") }
                if mask & 0o040 == 0 { return (1, "New files are readable by the group") }
                return (0, "New files are the user's only")
            }
        ),
        flag(
            "KeyringMode=", "KeyringMode", 1000, good: "Has its own session keyring",
            bad: "Shares a keyring with other processes"
        ) { $0.exec.keyringMode == .private },
        (
            Check(id: "ProtectProc=", jsonField: "ProtectProc", weight: 1000, range: 3),
            { settings in
                switch settings.namespaces.protectProc {
                case .invisible, .ptraceable: (0, "Sees only its own processes in /proc")
                case .noaccess: (1, "Sees other processes in /proc, without their details")
                case .default: (3, "Sees every process in /proc")
                }
            }
        ),
        flag("ProcSubset=", "ProcSubset", 10, good: "Sees only the processes in /proc", bad: "Sees all of /proc") {
            $0.namespaces.procSubset == .pid
        },
        flag(
            "NotifyAccess=", "NotifyAccess", 1000, good: "Its children cannot report its state",
            bad: "Any of its processes may report its state"
        ) { !$0.notifyAll },
        (
            Check(id: "RemoveIPC=", jsonField: "RemoveIPC", weight: 100, range: 1),
            { settings in
                if settings.runsPrivileged { return (nil, "Runs as root: does not apply") }
                return settings.exec.removeIPC
                    ? (0, "Its IPC objects go when it stops") : (1, "Its IPC objects outlive it")
            }
        ),
        flag(
            "Delegate=", "Delegate", 100, good: "Does not manage its own cgroups", bad: "Manages its own cgroup subtree"
        ) {
            !$0.delegate
        },
        flag(
            "RestrictRealtime=", "RestrictRealtime", 500, good: "Cannot use realtime scheduling",
            bad: "May use realtime scheduling"
        ) { $0.exec.restrictRealtime },
        flag(
            "RestrictSUIDSGID=", "RestrictSUIDSGID", 1000, good: "Cannot make set-uid or set-gid files",
            bad: "May make set-uid or set-gid files"
        ) { $0.exec.restrictSUIDSGID },
        namespace("user", 1500), namespace("mnt", 500), namespace("ipc", 500), namespace("pid", 500),
        namespace("cgroup", 500), namespace("net", 500), namespace("uts", 100),
        family("AF_(INET|INET6)", "AF_INET_INET6", 1500, what: "Internet") { $0 == 2 || $0 == 10 },
        family("AF_UNIX", "AF_UNIX", 25, what: "local") { $0 == 1 },
        family("AF_NETLINK", "AF_NETLINK", 200, what: "netlink") { $0 == 16 },
        family("AF_PACKET", "AF_PACKET", 1000, what: "packet") { $0 == 17 },
        family("\u{2026}", "OTHER", 1250, what: "other kinds of") { ![0, 1, 2, 10, 16, 17].contains($0) },
        (
            Check(id: "SystemCallArchitectures=", jsonField: "SystemCallArchitectures", weight: 1000, range: 10),
            {
                settings in
                let architectures = Set(settings.exec.systemCallArchitectures)
                if architectures.isEmpty { return (10, "May make system calls of every ABI") }
                return architectures == ["native"]
                    ? (0, "Only native system calls") : (8, "May make system calls of several ABIs")
            }
        ),
        systemCalls("@swap", 1000), systemCalls("@obsolete", 250), systemCalls("@clock", 1000),
        systemCalls("@cpu-emulation", 250), systemCalls("@debug", 1000), systemCalls("@mount", 1000),
        systemCalls("@module", 1000), systemCalls("@raw-io", 1000), systemCalls("@reboot", 1000),
        systemCalls("@privileged", 700), systemCalls("@resources", 700),
        (
            Check(id: "IPAddressDeny=", jsonField: "IPAddressDeny", weight: 1000, range: 10),
            { settings in
                let deniesAll = [false, true].allSatisfy { v6 in
                    settings.ipAddressDeny.contains { $0.isIPv6 == v6 && $0.length == 0 }
                }
                guard deniesAll else { return (10, "No IP address allow list") }
                if settings.ipAddressAllow.isEmpty { return (0, "Every IP address is refused") }
                // systemd 252 offline: IPv4 localhost is any prefix in 127/8, IPv6 only ::1.
                let localOnly = settings.ipAddressAllow.allSatisfy { prefix in
                    prefix.isIPv6 ? prefix.address == Array(repeating: 0, count: 15) + [1] : prefix.address[0] == 127
                }
                return localOnly ? (2, "Only localhost is allowed") : (5, "Addresses beyond localhost are allowed")
            }
        ),
        (
            Check(id: "DeviceAllow=", jsonField: "DeviceAllow", weight: 1000, range: 10),
            { settings in
                guard settings.devicePolicyRestricts else { return (10, "Every device is allowed") }
                if settings.deviceEntries.isEmpty { return (0, "Only the pseudo devices are allowed") }
                return (5, "Allowed devices: " + settings.deviceEntries.joined(separator: " "))
            }
        ),
        flag(
            "AmbientCapabilities=", "AmbientCapabilities", 500, good: "Starts without ambient capabilities",
            bad: "Starts with ambient capabilities"
        ) { ($0.exec.ambientCapabilities?.mask ?? 0) == 0 },
    ]

    /// System call names libseccomp 2.5 does not know on x86-64; the filter checks skip them.
    static let notOnX86_64: Set<String> = Set(
        """
        _llseek _newselect arc_gettls arc_settls arc_usr_cmpxchg arm_fadvise64_64 atomic_barrier
        atomic_cmpxchg_32 bdflush break cachectl cacheflush chown32 clock_adjtime64 clock_getres_time64
        clock_gettime64 clock_nanosleep_time64 clock_settime64 dipc exec_with_loader execv fadvise64_64
        fchown32 fcntl64 fstat64 fstatat64 fstatfs64 ftime ftruncate64 futex_time64 getdomainname
        getdtablesize getegid32 geteuid32 getgid32 getgroups32 gethostname getpagesize getresgid32
        getresuid32 getuid32 getxgid getxpid getxuid gtty idle io_pgetevents_time64 ipc kern_features
        lchown32 lock lstat64 memory_ordering mmap2 mpx mq_timedreceive_time64 mq_timedsend_time64
        multiplexer nice old_adjtimex oldfstat oldlstat oldolduname oldstat oldumount olduname or1k_atomic
        osf_fstat osf_fstatfs osf_fstatfs64 osf_getdirentries osf_getdomainname osf_getitimer osf_getrusage
        osf_getsysinfo osf_gettimeofday osf_lstat osf_mount osf_proplist_syscall osf_select
        osf_set_program_attributes osf_setitimer osf_setsysinfo osf_settimeofday osf_shmat osf_sigprocmask
        osf_sigstack osf_stat osf_statfs osf_statfs64 osf_swapon osf_syscall osf_sysinfo osf_usleep_thread
        osf_utimes osf_utsname osf_wait4 pciconfig_iobase pciconfig_read pciconfig_write perfctr
        ppoll_time64 prof profil pselect6_time64 readdir recv recvmmsg_time64 riscv_flush_icache
        riscv_hwprobe rt_sigtimedwait_time64 rtas s390_guarded_storage s390_pci_mmio_read
        s390_pci_mmio_write s390_runtime_instr s390_sthyi sched_get_affinity sched_rr_get_interval_time64
        sched_set_affinity semtimedop_time64 send sendfile64 set_tls setfsgid32 setfsuid32 setgid32
        setgroups32 sethae setpgrp setregid32 setresgid32 setresuid32 setreuid32 setuid32 sgetmask sigaction
        signal sigpending sigprocmask sigreturn sigsuspend socketcall spu_create spu_run ssetmask stat64
        statfs64 stime stty subpage_prot swapcontext switch_endian sync_file_range2 sys_debug_setcontext
        syscall sysmips timer_gettime64 timer_settime64 timerfd timerfd_gettime64 timerfd_settime64
        truncate64 ugetrlimit ulimit umount uretprobe utimensat_time64 utrap_install vm86 vm86old waitpid
        """.split(whereSeparator: \.isWhitespace).map(String.init))
}

extension Substring {
    fileprivate func replacingDashes() -> String { String(map { $0 == "-" ? "_" : $0 }) }
}
