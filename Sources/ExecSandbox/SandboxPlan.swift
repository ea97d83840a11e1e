import UnitModel

/// What a seccomp filter does with a system call.
public enum SeccompAction: Sendable, Equatable, Hashable {
    case allow
    case errno(Int32)
    /// Allowed, and logged by the kernel's audit (`SystemCallLog=`).
    case log
    /// The whole process is killed with SIGSYS (systemd's default for a refused call).
    case killProcess

    init(_ refusal: SystemCallRefusal?) {
        switch refusal {
        case .errno(let code): self = .errno(code)
        case .kill, nil: self = .killProcess
        }
    }
}

/// A test of one system call argument, as libseccomp compares them (64-bit).
public struct ArgumentCondition: Sendable, Hashable {
    public enum Comparison: Sendable, Hashable {
        case equal, notEqual, greaterOrEqual
        /// `argument & mask == value`.
        case maskedEqual(mask: UInt64)
    }

    public var index: UInt32
    public var comparison: Comparison
    public var value: UInt64

    public init(_ index: UInt32, _ comparison: Comparison, _ value: UInt64) {
        self.index = index
        self.comparison = comparison
        self.value = value
    }
}

/// One rule: `action` for `systemCall` (a name), when all of its argument conditions hold.
public struct SeccompRule: Sendable, Hashable {
    public var systemCall: String
    public var action: SeccompAction
    public var conditions: [ArgumentCondition]

    public init(_ systemCall: String, _ action: SeccompAction, when conditions: [ArgumentCondition] = []) {
        self.systemCall = systemCall
        self.action = action
        self.conditions = conditions
    }
}

/// One seccomp program, as libseccomp builds it: the default action, the rules, the architectures
/// it covers and what a call made for another one gets. The kernel
/// runs every program a process has and takes the strictest answer, so separate concerns
/// (`SystemCallFilter=`, `RestrictAddressFamilies=`) are separate programs, as systemd loads them.
public struct SeccompProgram: Sendable, Hashable {
    public var defaultAction: SeccompAction
    public var rules: [SeccompRule]
    /// libseccomp names; `native` for corrald's own.
    public var architectures: [String]
    public var otherArchitectures: SeccompAction

    public init(
        defaultAction: SeccompAction, rules: [SeccompRule], architectures: [String],
        otherArchitectures: SeccompAction = .killProcess
    ) {
        self.defaultAction = defaultAction
        self.rules = rules
        self.architectures = architectures
        self.otherArchitectures = otherArchitectures
    }
}

/// The sandbox a unit's processes start in, from its exec settings (systemd.exec(5)): computed
/// without I/O, performed by the spawn's child between clone3 and execve.
public struct SandboxPlan: Sendable, Equatable {
    /// `NoNewPrivileges=`.
    public var noNewPrivileges = false
    /// Capabilities kept in the bounding set; nil: it is left alone.
    public var capabilityBoundingSet: CapabilitySet?
    /// Raised into the ambient set once the process has its user (kept across the uid change).
    public var ambientCapabilities = CapabilitySet(mask: 0)
    /// Loaded last before execve.
    public var seccompPrograms: [SeccompProgram] = []
    /// `CLONE_NEW*` flags of the namespaces the process gets of its own (unshare(2), before the uid change).
    public var unshareFlags: UInt64 = 0
    /// `PrivateUsers=`: a user namespace mapping root and the unit's user and group to themselves,
    /// entered after the other namespaces.
    public var privateUsers = false
    /// The file mode creation mask (`UMask=`, systemd's 0022 without it).
    public var umask: UInt32 = 0o022
    public var nice: Int32?
    public var oomScoreAdjust: Int32?
    /// sched_setscheduler(2)'s policy (with `SCHED_RESET_ON_FORK` ORed in) and priority.
    public var scheduler: Scheduler?

    public struct Scheduler: Sendable, Equatable {
        public var policy: Int32
        public var priority: Int32

        public init(policy: Int32, priority: Int32) {
            self.policy = policy
            self.priority = priority
        }
    }
    /// ioprio_set(2)'s value: class << 13 | priority.
    public var ioPriority: Int32?
    /// CPU indices for sched_setaffinity(2).
    public var cpuAffinity: [Int]?
    /// The mount namespace (`CLONE_NEWNS` in `unshareFlags`); nil: the host's.
    public var mounts: MountPlan?
    /// personality(2)'s execution domain (`Personality=`).
    public var personality: UInt32?
    /// `SecureBits=`, set after the uid change.
    public var secureBits: Int32?
    /// `KeyringMode=`; systemd gives system services a private one.
    public var keyringMode: KeyringMode = .private

    public init() {}

    /// The architectures a program covers without `SystemCallArchitectures=`: every one this machine
    /// runs (x86-64 runs i386 and x32 code too), so no call escapes the filter by its architecture.
    public static let machineArchitectures = ["native", "x86", "x32"]

    /// - Parameter privateTemporary: the unit's own `/tmp` and `/var/tmp` (`PrivateTmp=`), made by corrald.
    public init(_ exec: ExecSettings, privateTemporary: (tmp: String, varTmp: String)? = nil) {
        umask = exec.umask ?? 0o022
        nice = exec.nice
        oomScoreAdjust = exec.oomScoreAdjust
        if exec.schedulingPolicy != nil || exec.schedulingPriority != nil || exec.schedulingResetOnFork {
            let policy = exec.schedulingPolicy ?? .other
            let priority = min(
                max(exec.schedulingPriority ?? 0, policy.priorities.lowerBound), policy.priorities.upperBound)
            scheduler = Scheduler(
                policy: policy.number | (exec.schedulingResetOnFork ? 0x4000_0000 : 0), priority: priority)
        }
        if exec.ioSchedulingClass != nil || exec.ioSchedulingPriority != nil {
            let ioClass = exec.ioSchedulingClass ?? .bestEffort
            ioPriority = ioClass.number << 13 | (ioClass == .idle ? 0 : exec.ioSchedulingPriority ?? 4)
        }
        cpuAffinity = exec.cpuAffinity
        personality = exec.personality
        secureBits = exec.secureBits
        keyringMode = exec.keyringMode
        noNewPrivileges = exec.noNewPrivileges
        let namespaces = exec.namespaces
        capabilityBoundingSet = exec.capabilityBoundingSet
        let implicitlyDropped = Self.implicitlyDroppedCapabilities(namespaces)
        if implicitlyDropped != 0 {
            capabilityBoundingSet = CapabilitySet(mask: (capabilityBoundingSet ?? .all).mask & ~implicitlyDropped)
        }
        ambientCapabilities = exec.ambientCapabilities ?? CapabilitySet(mask: 0)
        let architectures =
            exec.systemCallArchitectures.isEmpty ? Self.machineArchitectures : exec.systemCallArchitectures
        if let families = exec.restrictAddressFamilies {
            seccompPrograms.append(Self.addressFamilyProgram(families, architectures: architectures))
        }
        let restrictions = Self.restrictionRules(exec)
        if !restrictions.isEmpty {
            // i386 passes mmap's and socketcall's arguments through memory a filter cannot read: its
            // calls are left alone rather than refused by mistake.
            seccompPrograms.append(
                SeccompProgram(
                    defaultAction: .allow, rules: restrictions, architectures: architectures.filter { $0 != "x86" },
                    otherArchitectures: .allow))
        }
        let protections = Self.protectionRules(namespaces)
        if !protections.isEmpty {
            seccompPrograms.append(
                SeccompProgram(defaultAction: .allow, rules: protections, architectures: architectures))
        }
        if let log = exec.systemCallLog {
            seccompPrograms.append(
                SeccompProgram(
                    defaultAction: log.allowList ? .allow : .log,
                    rules: log.entries.map { SeccompRule($0.name, log.allowList ? .log : .allow) },
                    architectures: architectures))
        }
        // Last, as in systemd: an allow list may refuse seccomp(2) itself, which loads the others.
        if let filter = exec.systemCallFilter {
            seccompPrograms.append(
                Self.systemCallProgram(filter, refusal: exec.systemCallErrorNumber, architectures: architectures))
        } else if !exec.systemCallArchitectures.isEmpty {
            seccompPrograms.append(SeccompProgram(defaultAction: .allow, rules: [], architectures: architectures))
        }
        if exec.protectHostname { unshareFlags |= 0x0400_0000 }  // CLONE_NEWUTS
        if namespaces.privateNetwork { unshareFlags |= 0x4000_0000 }  // CLONE_NEWNET
        if namespaces.privateIPC { unshareFlags |= 0x0800_0000 }  // CLONE_NEWIPC
        privateUsers = namespaces.privateUsers
        mounts = MountPlan(
            namespaces, privateTemporary: privateTemporary,
            writableDirectories: [.runtime, .state, .cache, .logs].flatMap {
                exec.directories.realPaths(of: $0, dynamicUser: exec.dynamicUser)
            },
            hiddenDirectories: exec.dynamicUser
                ? [.state, .cache, .logs].filter { !exec.directories.paths(of: $0).isEmpty }.compactMap(
                    \.privateDirectory)
                : [])
        if mounts != nil { unshareFlags |= 0x0002_0000 }  // CLONE_NEWNS
    }

    /// Capabilities systemd takes out of the bounding set for the protections that imply it:
    /// `PrivateDevices=` (CAP_MKNOD, CAP_SYS_RAWIO), `ProtectKernelModules=` (CAP_SYS_MODULE),
    /// `ProtectKernelLogs=` (CAP_SYSLOG), `ProtectClock=` (CAP_SYS_TIME, CAP_WAKE_ALARM).
    public static func implicitlyDroppedCapabilities(_ namespaces: NamespaceSettings) -> UInt64 {
        var names: [String] = []
        if namespaces.privateDevices { names += ["CAP_MKNOD", "CAP_SYS_RAWIO"] }
        if namespaces.protectKernelModules { names.append("CAP_SYS_MODULE") }
        if namespaces.protectKernelLogs { names.append("CAP_SYSLOG") }
        if namespaces.protectClock { names += ["CAP_SYS_TIME", "CAP_WAKE_ALARM"] }
        return names.compactMap { SandboxTables.capabilities[$0] }.reduce(0) { $0 | 1 << UInt64($1) }
    }

    /// The system calls the protections refuse with EPERM, as systemd's filters for them:
    /// `PrivateDevices=` @raw-io, `ProtectKernelModules=` @module, `ProtectKernelLogs=` syslog(2),
    /// `ProtectClock=` @clock.
    static func protectionRules(_ namespaces: NamespaceSettings) -> [SeccompRule] {
        var groups: [String] = []
        if namespaces.privateDevices { groups.append("@raw-io") }
        if namespaces.protectKernelModules { groups.append("@module") }
        if namespaces.protectKernelLogs { groups.append("syslog") }
        if namespaces.protectClock { groups.append("@clock") }
        var seen = Set<String>()
        return groups.flatMap { SandboxTables.systemCalls(in: $0) }.filter { seen.insert($0).inserted }
            .map { SeccompRule($0, .errno(1)) }
    }

    /// The plan for a `+` command: the process settings stay, the privilege restrictions go
    /// (capabilities, secure bits, namespaces and their mounts, no_new_privs, system call filters).
    public func withFullPrivileges() -> SandboxPlan {
        var plan = self
        plan.noNewPrivileges = false
        plan.capabilityBoundingSet = nil
        plan.ambientCapabilities = CapabilitySet(mask: 0)
        plan.seccompPrograms = []
        plan.unshareFlags = 0
        plan.privateUsers = false
        plan.mounts = nil
        plan.secureBits = nil
        return plan
    }

    /// `LockPersonality=`, `MemoryDenyWriteExecute=`, `RestrictRealtime=`, `RestrictSUIDSGID=`,
    /// `RestrictNamespaces=` and `ProtectHostname=`: calls refused with EPERM when their arguments ask
    /// for what the setting forbids, as systemd 252's filters refuse them.
    static func restrictionRules(_ exec: ExecSettings) -> [SeccompRule] {
        let refused = SeccompAction.errno(1)  // EPERM
        func masked(_ index: UInt32, _ bits: UInt64) -> ArgumentCondition {
            ArgumentCondition(index, .maskedEqual(mask: bits), bits)
        }
        var rules: [SeccompRule] = []
        if exec.lockPersonality {
            rules.append(SeccompRule("personality", refused, when: [ArgumentCondition(0, .notEqual, 0)]))  // PER_LINUX
        }
        if exec.memoryDenyWriteExecute {
            let (write, execute): (UInt64, UInt64) = (0x2, 0x4)  // PROT_WRITE, PROT_EXEC
            rules += ["mmap", "mmap2"].map { SeccompRule($0, refused, when: [masked(2, write | execute)]) }
            rules += ["mprotect", "pkey_mprotect"].map { SeccompRule($0, refused, when: [masked(2, execute)]) }
            rules.append(SeccompRule("shmat", refused, when: [masked(2, 0o100000)]))  // SHM_EXEC
        }
        if exec.restrictRealtime {
            // Only SCHED_OTHER, SCHED_BATCH and SCHED_IDLE (0, 3, 5); flags such as SCHED_RESET_ON_FORK
            // make the value larger, and are refused with it.
            rules += [1, 2, 4].map {
                SeccompRule("sched_setscheduler", refused, when: [ArgumentCondition(1, .equal, $0)])
            }
            rules.append(SeccompRule("sched_setscheduler", refused, when: [ArgumentCondition(1, .greaterOrEqual, 6)]))
        }
        if exec.restrictSUIDSGID {
            for bit: UInt64 in [0o4000, 0o2000] {  // S_ISUID, S_ISGID
                rules += [
                    ("chmod", 1), ("fchmod", 1), ("fchmodat", 2), ("mkdir", 1), ("mkdirat", 2), ("mknod", 1),
                    ("mknodat", 2), ("creat", 1),
                ]
                .map { SeccompRule($0.0, refused, when: [masked($0.1, bit)]) }
                let create: UInt64 = 0o100  // O_CREAT
                rules.append(SeccompRule("open", refused, when: [masked(1, create), masked(2, bit)]))
                rules.append(SeccompRule("openat", refused, when: [masked(2, create), masked(3, bit)]))
            }
        }
        if let allowed = exec.restrictNamespaces, allowed != .all {
            let denied = NamespaceSet.names.map(\.1).filter { allowed.flags & $0 == 0 }
            for flag in denied {
                rules.append(SeccompRule("unshare", refused, when: [masked(0, flag)]))
                rules.append(SeccompRule("clone", refused, when: [masked(0, flag)]))
                rules.append(SeccompRule("setns", refused, when: [masked(1, flag)]))
            }
            // setns(fd, 0) joins whatever namespace fd is; clone3 keeps its flags in memory, so it is
            // refused with ENOSYS and the C library falls back to clone.
            rules.append(SeccompRule("setns", refused, when: [ArgumentCondition(1, .equal, 0)]))
            rules.append(SeccompRule("clone3", .errno(38)))
        }
        if exec.protectHostname {
            rules += ["sethostname", "setdomainname"].map { SeccompRule($0, refused) }
        }
        return rules
    }

    /// `SystemCallFilter=` (its groups already expanded): an allow list refuses every call it does
    /// not name; a deny list refuses those it names.
    static func systemCallProgram(
        _ filter: SystemCallFilter, refusal: SystemCallRefusal?, architectures: [String]
    ) -> SeccompProgram {
        let refused = SeccompAction(refusal)
        let rules = filter.entries.map { entry in
            SeccompRule(entry.name, filter.allowList ? .allow : entry.refusal.map { SeccompAction($0) } ?? refused)
        }
        return SeccompProgram(
            defaultAction: filter.allowList ? refused : .allow, rules: rules, architectures: architectures)
    }

    /// `RestrictAddressFamilies=`: `socket(2)` fails with EAFNOSUPPORT for a family not allowed
    /// (`socketpair(2)` is not filtered, as in systemd).
    static func addressFamilyProgram(_ families: FilterList<Int32>, architectures: [String]) -> SeccompProgram {
        let refused = SeccompAction.errno(97)  // EAFNOSUPPORT
        let limit = (SandboxTables.addressFamilies.values.max() ?? 45) + 1
        let denied =
            families.allowList ? (0..<limit).filter { !families.items.contains($0) } : families.items.sorted()
        var rules = denied.map { SeccompRule("socket", refused, when: [ArgumentCondition(0, .equal, UInt64($0))]) }
        if families.allowList {
            rules.append(SeccompRule("socket", refused, when: [ArgumentCondition(0, .greaterOrEqual, UInt64(limit))]))
        }
        // i386 code reaches sockets through socketcall(2), whose family a filter cannot see: it is
        // left alone here, as systemd leaves it.
        return SeccompProgram(
            defaultAction: .allow, rules: rules, architectures: architectures.filter { $0 != "x86" },
            otherArchitectures: .allow)
    }
}
