import UnitFile

/// The unit types Corral knows. Scopes exist only as transient units.
public enum UnitType: String, Sendable, CaseIterable, Codable {
    case service, slice, scope, target
}

/// A fully loaded unit: every section's settings after the fragment and its drop-ins.
public struct Unit: Sendable, Equatable {
    public var name: String
    public var type: UnitType
    public var unit = UnitSettings()
    public var service = ServiceSettings()
    public var exec = ExecSettings()
    public var resources = ResourceSettings()
    public var install = InstallSettings()

    public init(name: String, type: UnitType) {
        self.name = name
        self.type = type
    }
}

/// `[Unit]` (systemd.unit(5)).
public struct UnitSettings: Sendable, Equatable {
    public var description: String?
    public var documentation: [String] = []
    public var requires: [String] = []
    public var requisite: [String] = []
    public var wants: [String] = []
    public var bindsTo: [String] = []
    public var partOf: [String] = []
    public var conflicts: [String] = []
    public var before: [String] = []
    public var after: [String] = []
    public var onFailure: [String] = []
    public var startLimitInterval: USec = 10_000_000
    public var startLimitBurst: UInt32 = 5
    public var startLimitAction = EmergencyAction.none
    public var successAction = EmergencyAction.none
    public var failureAction = EmergencyAction.none
    /// corrald's exit status for an `exit` action; nil: the main process's.
    public var successActionExitStatus: UInt8?
    public var failureActionExitStatus: UInt8?
    public var defaultDependencies = true
    public var conditions: [Condition] = []

    public init() {}
}

/// `SuccessAction=`, `FailureAction=`, `StartLimitAction=`: what happens to corrald (or the
/// machine) when the unit stops cleanly, fails, or hits its start limit. systemd 252's system
/// manager accepts these nine.
public enum EmergencyAction: String, Sendable, CaseIterable {
    case none
    case exit
    case exitForce = "exit-force"
    case reboot
    case rebootForce = "reboot-force"
    case rebootImmediate = "reboot-immediate"
    case poweroff
    case poweroffForce = "poweroff-force"
    case poweroffImmediate = "poweroff-immediate"
}

/// A `Condition*=` or `Assert*=` check (systemd.unit(5)).
public struct Condition: Sendable, Equatable {
    /// The check, named as in `Condition*=` without the prefix.
    public enum Kind: String, Sendable, CaseIterable {
        case pathExists = "PathExists"
        case pathExistsGlob = "PathExistsGlob"
        case pathIsDirectory = "PathIsDirectory"
        case pathIsSymbolicLink = "PathIsSymbolicLink"
        case pathIsMountPoint = "PathIsMountPoint"
        case pathIsReadWrite = "PathIsReadWrite"
        case directoryNotEmpty = "DirectoryNotEmpty"
        case fileNotEmpty = "FileNotEmpty"
        case fileIsExecutable = "FileIsExecutable"
        case kernelCommandLine = "KernelCommandLine"
        case capability = "Capability"
        case virtualization = "Virtualization"
        case security = "Security"
        case acPower = "ACPower"

        /// Whether the parameter is an absolute path.
        public var takesPath: Bool {
            ![.kernelCommandLine, .capability, .virtualization, .security, .acPower].contains(self)
        }
    }

    public var kind: Kind
    /// `|` prefix: the unit starts if any triggering condition holds.
    public var trigger: Bool
    /// `!` prefix.
    public var negate: Bool
    public var parameter: String
    /// `Assert*=`: a failure fails the start job instead of skipping the unit.
    public var assert: Bool

    public init(kind: Kind, trigger: Bool, negate: Bool, parameter: String, assert: Bool = false) {
        self.kind = kind
        self.trigger = trigger
        self.negate = negate
        self.parameter = parameter
        self.assert = assert
    }
}

/// `[Install]`.
public struct InstallSettings: Sendable, Equatable {
    public var wantedBy: [String] = []
    public var requiredBy: [String] = []
    public var alias: [String] = []
    public var also: [String] = []
    public var defaultInstance: String?

    public init() {}
}

public enum ServiceType: String, Sendable, CaseIterable {
    case simple, exec, forking, oneshot, notify, idle
}

public enum RestartPolicy: String, Sendable, CaseIterable {
    case no
    case onSuccess = "on-success"
    case onFailure = "on-failure"
    case onAbnormal = "on-abnormal"
    case onWatchdog = "on-watchdog"
    case onAbort = "on-abort"
    case always
}

public enum KillMode: String, Sendable, CaseIterable {
    case controlGroup = "control-group", mixed, process, none
}

public enum NotifyAccess: String, Sendable, CaseIterable {
    case none, main, exec, all
}

public enum OOMPolicy: String, Sendable, CaseIterable {
    case `continue`, stop, kill
}

/// `SuccessExitStatus=`: extra exit codes and signals that count as success.
public struct ExitStatusSet: Sendable, Equatable {
    public var statuses: [Int32] = []
    public var signals: [Int32] = []

    public init(statuses: [Int32] = [], signals: [Int32] = []) {
        self.statuses = statuses
        self.signals = signals
    }
}

/// `[Service]` settings other than execution environment and resources.
public struct ServiceSettings: Sendable, Equatable {
    public var type: ServiceType = .simple
    public var execStartPre: [ExecCommand] = []
    public var execStart: [ExecCommand] = []
    public var execStartPost: [ExecCommand] = []
    public var execReload: [ExecCommand] = []
    public var execStop: [ExecCommand] = []
    public var execStopPost: [ExecCommand] = []
    public var remainAfterExit = false
    public var pidFile: String?
    /// Corral's extension: the descriptor number on which a Type=notify service writes a newline when
    /// it is ready (the s6/dinit readiness convention), besides `NOTIFY_SOCKET`.
    public var readyNotificationFD: Int32?
    public var restart: RestartPolicy = .no
    public var restartDelay: USec = 100_000
    /// nil: the default, `startTimeout`/`stopTimeout` say what is in force.
    public var timeoutStart: USec?
    public var timeoutStop: USec?
    public var killMode: KillMode = .controlGroup
    public var killSignal: Int32 = 15
    public var sendSIGKILL = true
    public var successExitStatus = ExitStatusSet()
    /// nil: `main` for Type=notify, `none` otherwise (systemd's default).
    public var notifyAccess: NotifyAccess?
    public var oomPolicy: OOMPolicy = .stop
    /// `WatchdogSec=`: the longest a running service may go without `WATCHDOG=1`; nil: no watchdog.
    public var watchdog: USec?
    /// `WatchdogSignal=`: what a service whose watchdog ran out is sent first.
    public var watchdogSignal: Int32 = 6
    /// `RuntimeMaxSec=`: how long the service may be active before it is stopped; nil: forever.
    public var runtimeMax: USec?

    public init() {}

    /// systemd's DefaultTimeoutStartSec= of 90 s; disabled for Type=oneshot unless set.
    public var startTimeout: USec {
        timeoutStart ?? (type == .oneshot ? .infinity : 90_000_000)
    }

    public var stopTimeout: USec {
        timeoutStop ?? 90_000_000
    }
}

/// Prefix flags of an `Exec*=` command line (systemd.service(5), "Command lines").
public struct ExecFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// `-`: a failing exit status is recorded but ignored.
    public static let ignoreFailure = ExecFlags(rawValue: 1 << 0)
    /// `@`: the second word is passed as argv[0].
    public static let customArgv0 = ExecFlags(rawValue: 1 << 1)
    /// `:`: no environment variable substitution.
    public static let noEnvironmentExpansion = ExecFlags(rawValue: 1 << 2)
    /// `+`: run with full privileges.
    public static let fullPrivileges = ExecFlags(rawValue: 1 << 3)
    /// `!`: credentials are changed but other sandboxing is not applied.
    public static let noSetuid = ExecFlags(rawValue: 1 << 4)
    /// `!!`: like `!`, only on systems without ambient capabilities.
    public static let ambientFallback = ExecFlags(rawValue: 1 << 5)
}

/// One command line of `ExecStart=` and friends.
public struct ExecCommand: Sendable, Equatable {
    public var path: String
    /// argv as the process sees it, argv[0] included.
    public var argv: [String]
    public var flags: ExecFlags

    public init(path: String, argv: [String], flags: ExecFlags = []) {
        self.path = path
        self.argv = argv
        self.flags = flags
    }
}

/// `StandardInput=`, `StandardOutput=`, `StandardError=`.
public enum StandardStream: Sendable, Equatable {
    case null, inherit, tty, journal, kmsg, socket
    case file(String)
    case append(String)
    case truncate(String)
    /// Only for stdout/stderr: the same as the given input.
    case data
}

/// A soft/hard pair for a `Limit*=` directive; `UInt64.max` is `infinity`.
public struct ResourceLimit: Sendable, Equatable {
    public var soft: UInt64
    public var hard: UInt64

    public init(soft: UInt64, hard: UInt64) {
        self.soft = soft
        self.hard = hard
    }
}

/// The resources `Limit*=` directives set, with their `RLIMIT_*` numbers on Linux.
public enum RLimitResource: Int32, Sendable, CaseIterable {
    case cpu = 0, fsize = 1, data = 2, stack = 3, core = 4, rss = 5, nproc = 6, nofile = 7
    case memlock = 8, `as` = 9, locks = 10, sigpending = 11, msgqueue = 12, nice = 13
    case rtprio = 14, rttime = 15
}

/// `WorkingDirectory=`.
public struct WorkingDirectory: Sendable, Equatable {
    public var path: String
    /// `-` prefix: a missing directory is not an error.
    public var missingOK: Bool
    /// `~`: the user's home directory.
    public var home: Bool

    public init(path: String, missingOK: Bool = false, home: Bool = false) {
        self.path = path
        self.missingOK = missingOK
        self.home = home
    }
}

/// `EnvironmentFile=`; `-` prefix makes a missing file fine.
public struct EnvironmentFile: Sendable, Equatable {
    public var path: String
    public var missingOK: Bool

    public init(path: String, missingOK: Bool) {
        self.path = path
        self.missingOK = missingOK
    }
}

/// `SystemCallFilter=` (or `SystemCallLog=`), as its assignments leave it (`Grammar.systemCallFilter`).
public struct SystemCallFilter: Sendable, Equatable {
    /// A system call or `@group`, with what a deny list does when it is called (nil:
    /// `SystemCallErrorNumber=`, or the kill).
    public struct Entry: Sendable, Equatable {
        public var name: String
        public var refusal: SystemCallRefusal?

        public init(name: String, refusal: SystemCallRefusal? = nil) {
            self.name = name
            self.refusal = refusal
        }
    }

    /// true: only the listed calls are allowed; false: the listed calls are denied.
    public var allowList: Bool
    /// In the order given.
    public var entries: [Entry]

    public init(allowList: Bool, entries: [Entry]) {
        self.allowList = allowList
        self.entries = entries
    }

    public init(allowList: Bool, names: [String]) {
        self.init(allowList: allowList, entries: names.map { Entry(name: $0) })
    }

    public var names: [String] { entries.map(\.name) }
}

/// The execution environment (systemd.exec(5)) of a service.
public struct ExecSettings: Sendable, Equatable {
    /// `NAME=VALUE` entries in assignment order; later entries override earlier ones of the same name.
    public var environment: [String] = []
    public var environmentFiles: [EnvironmentFile] = []
    public var workingDirectory: WorkingDirectory?
    public var user: String?
    public var group: String?
    public var standardInput: StandardStream = .null
    public var standardOutput: StandardStream = .journal
    /// `inherit` (the default) means the same as `StandardOutput=`.
    public var standardError: StandardStream = .inherit
    public var limits: [RLimitResource: ResourceLimit] = [:]
    public var noNewPrivileges = false
    /// SIGPIPE is ignored in the executed process (systemd's default), so a write to a closed pipe fails with EPIPE.
    public var ignoreSIGPIPE = true
    public var systemCallFilter: SystemCallFilter?
    /// `DynamicUser=`: the user (`User=`, or one named after the unit) is allocated from systemd's
    /// dynamic range while the unit runs, unless it exists on the host.
    public var dynamicUser = false
    /// `SystemCallLog=`: an allow list logs only its calls, a deny list every call but its own.
    public var systemCallLog: SystemCallFilter?
    /// What a call the filter refuses gets; nil: the process is killed (SIGSYS).
    public var systemCallErrorNumber: SystemCallRefusal?
    /// libseccomp names; empty: every architecture the machine runs.
    public var systemCallArchitectures: [String] = []
    /// `socket(2)` families, as numbers.
    public var restrictAddressFamilies: FilterList<Int32>?
    /// nil: the bounding set is left as it is.
    public var capabilityBoundingSet: CapabilitySet?
    /// nil: none.
    public var ambientCapabilities: CapabilitySet?
    /// The namespace types the processes may create; nil: any.
    public var restrictNamespaces: NamespaceSet?
    public var lockPersonality = false
    public var memoryDenyWriteExecute = false
    public var restrictRealtime = false
    public var restrictSUIDSGID = false
    /// A UTS namespace of its own, whose host name the processes cannot change.
    public var protectHostname = false
    /// nil: systemd's 0022.
    public var umask: UInt32?
    public var nice: Int32?
    public var oomScoreAdjust: Int32?
    public var schedulingPolicy: SchedulingPolicy?
    public var schedulingPriority: Int32?
    public var schedulingResetOnFork = false
    public var ioSchedulingClass: IOSchedulingClass?
    public var ioSchedulingPriority: Int32?
    /// CPU indices; nil: corrald's own affinity.
    public var cpuAffinity: [Int]?
    /// Group names or ids, in addition to the user's own groups.
    public var supplementaryGroups: [String] = []
    public var namespaces = NamespaceSettings()
    /// Variable names and `NAME=VALUE` assignments taken out of the environment last.
    public var unsetEnvironment: [String] = []
    /// The journal's and syslog's name for the output; nil: the program's file name.
    public var syslogIdentifier: String?
    /// personality(2)'s execution domain (`PER_LINUX` 0 for `x86-64`, `PER_LINUX32` 8 for `x86`).
    public var personality: UInt32?
    /// `SECBIT_*` flags for prctl(PR_SET_SECUREBITS); nil: left alone.
    public var secureBits: Int32?
    public var keyringMode: KeyringMode = .private
    public var directories = ExecDirectories()
    public var loadCredentials: [CredentialFile] = []
    public var setCredentials: [CredentialValue] = []
    /// `RemoveIPC=`: the user's System V and POSIX IPC objects go when its last unit stops.
    public var removeIPC = false

    public init() {}
}

/// `KeyringMode=`: the session keyring the processes get.
public enum KeyringMode: String, Sendable {
    /// corrald's own.
    case inherit
    /// A new anonymous one (systemd's default for system services).
    case `private`
    /// A new one with the user's keyring linked in.
    case shared
}

/// `LoadCredential=ID[:PATH]`: an absolute path (a file, or a directory whose files become
/// `ID_NAME`), or a name in corrald's own `$CREDENTIALS_DIRECTORY` (the ID when none is given).
public struct CredentialFile: Sendable, Equatable {
    public var id: String
    public var path: String

    public init(id: String, path: String) {
        self.id = id
        self.path = path
    }
}

/// `SetCredential=ID:VALUE` (C escapes undone), used when no `LoadCredential=` gives the ID.
public struct CredentialValue: Sendable, Equatable {
    public var id: String
    public var value: String

    public init(id: String, value: String) {
        self.id = id
        self.value = value
    }
}
