import CSpawn
import SystemCall

/// The step of spawning that failed. The child's steps run in declaration order after `clone`.
public enum SpawnStage: CaseIterable, Equatable, Sendable {
    /// Creating the process (clone3, or the status pipe before it).
    case clone
    case signalMask
    case standardInput
    case standardOutput
    case standardError
    case setsid
    case resourceLimits
    case supplementaryGroups
    case groupID
    case userID
    case noNewPrivileges
    case workingDirectory
    case closeFileDescriptors
    case seccomp
    case exec

    /// The step's name as systemd spells it in "Failed at step ... spawning ...".
    public var name: String {
        switch self {
        case .clone: "CLONE"
        case .signalMask: "SIGNAL_MASK"
        case .standardInput: "STDIN"
        case .standardOutput: "STDOUT"
        case .standardError: "STDERR"
        case .setsid: "SETSID"
        case .resourceLimits: "LIMITS"
        case .supplementaryGroups, .groupID: "GROUP"
        case .userID: "USER"
        case .noNewPrivileges: "NO_NEW_PRIVILEGES"
        case .workingDirectory: "CHDIR"
        case .closeFileDescriptors: "FDS"
        case .seccomp: "SECCOMP"
        case .exec: "EXEC"
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
        case .supplementaryGroups: CORRAL_STAGE_GROUPS
        case .groupID: CORRAL_STAGE_GID
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

/// Spawning failed at `stage` with `error`; no process is left behind.
public struct SpawnError: Error, Equatable, Sendable, CustomStringConvertible {
    public var stage: SpawnStage
    public var error: Errno
    /// The executable that was being spawned.
    public var path: String

    public init(stage: SpawnStage, error: Errno, path: String) {
        self.stage = stage
        self.error = error
        self.path = path
    }

    /// "Failed at step EXEC spawning /usr/bin/nope: No such file or directory"
    public var description: String {
        "Failed at step \(stage.name) spawning \(path): \(error)"
    }
}
