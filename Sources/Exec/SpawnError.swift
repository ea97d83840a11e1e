import CSpawn
import SystemCall
import UnitModel

/// The step of spawning that failed. The child's steps run in declaration order after `clone`
/// (capabilities: the bounding set there, the ambient set right after `userID`).
public enum SpawnStage: CaseIterable, Equatable, Sendable {
    /// Creating the process (clone3, or the status pipe before it).
    case clone
    case signalMask
    case standardInput
    case standardOutput
    case standardError
    case setsid
    case resourceLimits
    case oomScoreAdjust
    case nice
    case scheduler
    case cpuAffinity
    case ioPriority
    case personality
    case namespaces
    case network
    case supplementaryGroups
    case groupID
    /// `PrivateUsers=`.
    case userNamespace
    case capabilities
    case userID
    case secureBits
    case keyring
    case noNewPrivileges
    case workingDirectory
    case closeFileDescriptors
    case seccomp
    case exec

    /// The step as systemd names it; nil for creating the process, which is not a step of the
    /// child's.
    public var step: ExecStep? {
        switch self {
        case .clone: nil
        case .signalMask: .signalMask
        case .standardInput: .standardInput
        case .standardOutput: .standardOutput
        case .standardError: .standardError
        case .setsid: .setsid
        case .resourceLimits: .limits
        case .oomScoreAdjust: .oomAdjust
        case .nice: .nice
        case .scheduler: .setScheduler
        case .cpuAffinity: .cpuAffinity
        case .ioPriority: .ioPriority
        case .personality: .personality
        case .namespaces: .namespace
        case .network: .network
        case .capabilities: .capabilities
        case .supplementaryGroups, .groupID: .group
        case .userNamespace, .userID: .user
        case .secureBits: .secureBits
        case .keyring: .keyring
        case .noNewPrivileges: .noNewPrivileges
        case .workingDirectory: .chdir
        case .closeFileDescriptors: .fds
        case .seccomp: .seccomp
        case .exec: .exec
        }
    }

    /// The value the C child reports for this step.
    var childValue: corral_spawn_stage {
        switch self {
        case .clone: CORRAL_STAGE_CLONE
        case .signalMask: CORRAL_STAGE_SIGNAL_MASK
        case .standardInput: CORRAL_STAGE_STDIN
        case .standardOutput: CORRAL_STAGE_STDOUT
        case .standardError: CORRAL_STAGE_STDERR
        case .setsid: CORRAL_STAGE_SETSID
        case .resourceLimits: CORRAL_STAGE_RLIMIT
        case .oomScoreAdjust: CORRAL_STAGE_OOM_ADJUST
        case .nice: CORRAL_STAGE_NICE
        case .scheduler: CORRAL_STAGE_SCHEDULER
        case .cpuAffinity: CORRAL_STAGE_CPU_AFFINITY
        case .ioPriority: CORRAL_STAGE_IO_PRIORITY
        case .personality: CORRAL_STAGE_PERSONALITY
        case .secureBits: CORRAL_STAGE_SECURE_BITS
        case .keyring: CORRAL_STAGE_KEYRING
        case .namespaces: CORRAL_STAGE_NAMESPACE
        case .network: CORRAL_STAGE_NETWORK
        case .capabilities: CORRAL_STAGE_CAPABILITIES
        case .supplementaryGroups: CORRAL_STAGE_GROUPS
        case .groupID: CORRAL_STAGE_GID
        case .userNamespace: CORRAL_STAGE_USER_NAMESPACE
        case .userID: CORRAL_STAGE_UID
        case .noNewPrivileges: CORRAL_STAGE_NO_NEW_PRIVS
        case .workingDirectory: CORRAL_STAGE_CHDIR
        case .closeFileDescriptors: CORRAL_STAGE_CLOSE_FDS
        case .seccomp: CORRAL_STAGE_SECCOMP
        case .exec: CORRAL_STAGE_EXEC
        }
    }

    init?(childValue: Int32) {
        guard let stage = Self.allCases.first(where: { Int32($0.childValue.rawValue) == childValue }) else {
            return nil
        }
        self = stage
    }
}

/// A step of starting a service's process, as systemd names it in "Failed at step USER spawning
/// ...", and the exit status systemd gives a process that fails there (its exit-status.h), which
/// `ExecMainStatus=` and `status` show.
public enum ExecStep: String, CaseIterable, Equatable, Sendable {
    case chdir = "CHDIR"
    case nice = "NICE"
    case fds = "FDS"
    case exec = "EXEC"
    case limits = "LIMITS"
    case oomAdjust = "OOM_ADJUST"
    case signalMask = "SIGNAL_MASK"
    case standardInput = "STDIN"
    case standardOutput = "STDOUT"
    case ioPriority = "IOPRIO"
    case setScheduler = "SETSCHEDULER"
    case cpuAffinity = "CPUAFFINITY"
    case group = "GROUP"
    case user = "USER"
    case capabilities = "CAPABILITIES"
    case cgroup = "CGROUP"
    case namespace = "NAMESPACE"
    case network = "NETWORK"
    case personality = "PERSONALITY"
    case secureBits = "SECUREBITS"
    case keyring = "KEYRING"
    case runtimeDirectory = "RUNTIME_DIRECTORY"
    case stateDirectory = "STATE_DIRECTORY"
    case cacheDirectory = "CACHE_DIRECTORY"
    case logsDirectory = "LOGS_DIRECTORY"
    case configurationDirectory = "CONFIGURATION_DIRECTORY"
    case credentials = "CREDENTIALS"
    case setsid = "SETSID"
    case standardError = "STDERR"
    case noNewPrivileges = "NO_NEW_PRIVILEGES"
    case seccomp = "SECCOMP"

    /// systemd's exit status for the step (its name is the step's).
    public var exitStatus: Int32 { ExitStatusNames.status(named: rawValue) ?? 1 }
}

/// A service's process could not be started: at `step` (nil when the process could not even be
/// created), as `message` says in systemd's words.
public struct SpawnFailure: Error, Equatable, Sendable {
    public var step: ExecStep?
    public var message: String

    public init(step: ExecStep?, message: String) {
        self.step = step
        self.message = message
    }
}

/// Spawning failed at `stage` with `error`; no process is left behind.
public struct SpawnError: Error, Equatable, Sendable, CustomStringConvertible {
    public var stage: SpawnStage
    public var error: Errno
    /// The executable that was being spawned.
    public var path: String
    /// The mount entry that failed, when setting up a mount namespace did.
    public var mountPath: String?

    public init(stage: SpawnStage, error: Errno, path: String, mountPath: String? = nil) {
        self.stage = stage
        self.error = error
        self.path = path
        self.mountPath = mountPath
    }

    /// "Failed at step EXEC spawning /usr/bin/nope: No such file or directory"; a mount entry's
    /// failure names its path, as systemd's "Failed to set up mount namespacing: /x: ..." does.
    public var description: String {
        "Failed at step \(stage.step?.rawValue ?? "CLONE") spawning \(path): \(mountPath.map { "\($0): " } ?? "")\(error)"
    }
}
