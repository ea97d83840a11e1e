import ExecSandbox
import Glibc
import UnitModel

/// Everything the child does between clone3 and execve, in that order:
/// signals reset, stdio, setsid, resource limits, OOM score, nice, scheduler, CPU affinity,
/// IO priority, personality, namespaces (and the mounts of a mount namespace), umask, capability bounding set,
/// groups, gid, uid, ambient capabilities, secure bits, session keyring, no_new_privs, working directory, other descriptors closed, seccomp, execve.
public struct SpawnRequest: Equatable, Sendable {
    /// The executable, as execve takes it (no PATH search).
    public var path: String
    /// argv, including argv[0].
    public var arguments: [String]
    /// envp entries, "NAME=value".
    public var environment: [String]
    /// Descriptors that become 0, 1 and 2; nil keeps the parent's.
    public var standardInput: Int32?
    public var standardOutput: Int32?
    public var standardError: Int32?
    /// A cgroup2 directory opened with O_PATH | O_DIRECTORY; the child starts inside it
    /// (CLONE_INTO_CGROUP). nil: the parent's cgroup.
    public var cgroupDirectory: Int32?
    public var userID: uid_t?
    public var groupID: gid_t?
    /// Supplementary groups. nil: none once `userID` or `groupID` is set, otherwise the parent's.
    public var supplementaryGroups: [gid_t]?
    public var resourceLimits: [RLimit]
    /// The file mode creation mask (systemd's default is 0022 whatever its own is).
    public var umask: UInt32 = 0o022
    /// Written to /proc/self/oom_score_adj.
    public var oomScoreAdjust: Int32?
    public var nice: Int32?
    /// sched_setscheduler(2)'s policy (flags ORed in) and priority.
    public var scheduler: SandboxPlan.Scheduler?
    /// ioprio_set(2)'s value.
    public var ioPriority: Int32?
    public var cpuAffinity: [Int]?
    /// personality(2)'s execution domain.
    public var personality: UInt32?
    /// prctl(PR_SET_SECUREBITS) after the uid change, when it differs from what the process has.
    public var secureBits: Int32?
    /// The session keyring, joined after the uid change (so it is the user's).
    public var keyringMode: KeyringMode = .inherit
    /// Namespaces shared by the unit's processes, joined (or made) before `unshareFlags`.
    public var sharedNamespaces: [SharedNamespace] = []
    /// `CLONE_NEW*` flags for unshare(2): namespaces of the program's own.
    public var unshareFlags: UInt64
    /// With `CLONE_NEWNS`: the mount namespace's entries, parents first.
    public var mounts: [SpawnMount] = []
    /// `MS_SHARED`, `MS_SLAVE` or `MS_PRIVATE`: the namespace's propagation once it is set up.
    public var mountPropagation: UInt = 0x10_0000
    /// Moved to `/` once the mounts are made (an entry of `mounts` makes it a mount point).
    public var rootDirectory: String?
    /// A directory with the empty nodes `dir`, `reg`, `chr`, `blk`, `fifo` and `sock` (mode 0000)
    /// that inaccessible entries are bound from.
    public var inaccessibleDirectory: String?
    /// Bit N: capability N. nil: the bounding set is left as it is.
    /// `PrivateUsers=`: the user namespace's maps; nil: none.
    public var userNamespaceMaps: UserNamespaceMaps?
    public var capabilityBoundingSet: UInt64?
    /// Capabilities the program starts with in its ambient set (kept across the uid change).
    public var ambientCapabilities: UInt64
    public var noNewPrivileges: Bool
    /// SIGPIPE ignored in the program (`IgnoreSIGPIPE=`); every other signal starts at its default.
    public var ignoreSIGPIPE: Bool
    /// nil: the parent's.
    public var workingDirectory: String?
    /// Classic BPF programs for seccomp(SECCOMP_SET_MODE_FILTER), loaded in order last before
    /// execve. Without `noNewPrivileges` loading them needs CAP_SYS_ADMIN after the uid change.
    public var seccompPrograms: [[BPFInstruction]]
    /// One descriptor the program keeps open, at a number of its own (`ReadyNotificationFD=`).
    public var passedDescriptor: PassedDescriptor?

    public init(
        path: String,
        arguments: [String]? = nil,
        environment: [String] = [],
        standardInput: Int32? = nil,
        standardOutput: Int32? = nil,
        standardError: Int32? = nil,
        cgroupDirectory: Int32? = nil,
        userID: uid_t? = nil,
        groupID: gid_t? = nil,
        supplementaryGroups: [gid_t]? = nil,
        resourceLimits: [RLimit] = [],
        unshareFlags: UInt64 = 0,
        capabilityBoundingSet: UInt64? = nil,
        ambientCapabilities: UInt64 = 0,
        noNewPrivileges: Bool = false,
        ignoreSIGPIPE: Bool = false,
        workingDirectory: String? = nil,
        seccompPrograms: [[BPFInstruction]] = [],
        passedDescriptor: PassedDescriptor? = nil
    ) {
        self.path = path
        self.arguments = arguments ?? [path]
        self.environment = environment
        self.standardInput = standardInput
        self.standardOutput = standardOutput
        self.standardError = standardError
        self.cgroupDirectory = cgroupDirectory
        self.userID = userID
        self.groupID = groupID
        self.supplementaryGroups = supplementaryGroups
        self.resourceLimits = resourceLimits
        self.unshareFlags = unshareFlags
        self.capabilityBoundingSet = capabilityBoundingSet
        self.ambientCapabilities = ambientCapabilities
        self.noNewPrivileges = noNewPrivileges
        self.ignoreSIGPIPE = ignoreSIGPIPE
        self.workingDirectory = workingDirectory
        self.seccompPrograms = seccompPrograms
        self.passedDescriptor = passedDescriptor
    }
}

/// A descriptor of the parent's that the program finds as `target` (3 or more).
public struct PassedDescriptor: Equatable, Sendable {
    public var source: Int32
    public var target: Int32

    public init(source: Int32, target: Int32) {
        self.source = source
        self.target = target
    }
}

/// A soft and hard limit for one resource (RLIMIT_*), applied with prlimit64.
public struct RLimit: Equatable, Sendable {
    public var resource: Int32
    public var soft: UInt64
    public var hard: UInt64

    /// RLIM_INFINITY.
    public static let infinity = UInt64.max

    public init(resource: Int32, soft: UInt64, hard: UInt64) {
        self.resource = resource
        self.soft = soft
        self.hard = hard
    }
}

/// One classic BPF instruction (struct sock_filter).
public struct BPFInstruction: Equatable, Sendable {
    public var code: UInt16
    public var jumpIfTrue: UInt8
    public var jumpIfFalse: UInt8
    public var operand: UInt32

    public init(code: UInt16, jumpIfTrue: UInt8 = 0, jumpIfFalse: UInt8 = 0, operand: UInt32) {
        self.code = code
        self.jumpIfTrue = jumpIfTrue
        self.jumpIfFalse = jumpIfFalse
        self.operand = operand
    }
}

/// One entry of a mount namespace, as the child performs it (corral_mount).
public struct SpawnMount: Equatable, Sendable {
    public enum Kind: Int32, Sendable {
        /// What is at `path`; only its attributes change.
        case existing = 1
        /// A clone of `source`.
        case bind = 2
        /// The inaccessible node of the path's type.
        case inaccessible = 3
        /// A new file system of `fileSystemType`.
        case newFileSystem = 4
        /// A new tmpfs `/dev` with the pseudo devices.
        case devices = 5
    }

    /// An fsconfig(2) parameter; a nil value is a flag.
    public struct Option: Equatable, Sendable {
        public var key: String
        public var value: String?

        public init(_ key: String, _ value: String?) {
            self.key = key
            self.value = value
        }
    }

    public var kind: Kind
    public var path: String
    public var source: String?
    public var fileSystemType: String?
    public var options: [Option] = []
    /// `MOUNT_ATTR_*` of a new file system's mount.
    public var newAttributes: UInt64 = 0
    /// `MOUNT_ATTR_*` set and cleared once it is in place.
    public var setAttributes: UInt64 = 0
    public var clearAttributes: UInt64 = 0
    public var recursive = true
    public var ignoreMissing = false
    /// The index of the nearest entry above it, nil: none.
    public var anchor: Int?

    public init(_ kind: Kind, path: String) {
        self.kind = kind
        self.path = path
    }
}

/// A namespace the unit's processes share (`PrivateNetwork=`, `PrivateIPC=`, `NetworkNamespacePath=`):
/// the first process makes it and binds its `/proc/self/ns` file onto `path`, the others join it there.
public struct SharedNamespace: Equatable, Sendable {
    public enum Kind: UInt64, Sendable {
        case network = 0x4000_0000  // CLONE_NEWNET
        case ipc = 0x0800_0000  // CLONE_NEWIPC
    }

    public var kind: Kind
    public var path: String
    /// Make it (`path` is an empty file to bind onto) rather than join it.
    public var create: Bool

    public init(_ kind: Kind, path: String, create: Bool) {
        self.kind = kind
        self.path = path
        self.create = create
    }
}

/// The contents of a user namespace's `uid_map` and `gid_map` (user_namespaces(7)).
public struct UserNamespaceMaps: Equatable, Sendable {
    public var uid: String
    public var gid: String

    public init(uid: String, gid: String) {
        self.uid = uid
        self.gid = gid
    }
}
