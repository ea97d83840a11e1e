/// `ProtectSystem=`: which of the operating system's directories the processes see read-only.
public enum ProtectSystem: String, Sendable {
    case no, yes, full, strict
}

/// `ProtectHome=`: what becomes of `/home`, `/root` and `/run/user`.
public enum ProtectHome: String, Sendable {
    case no, yes
    case readOnly = "read-only"
    case tmpfs
}

/// `ProtectProc=`: procfs's `hidepid=` for the unit's own `/proc`.
public enum ProtectProc: String, Sendable {
    case `default`, noaccess, invisible, ptraceable
}

/// `ProcSubset=`: procfs's `subset=`.
public enum ProcSubset: String, Sendable {
    case all, pid
}

/// `MountFlags=`: the propagation of the unit's mount namespace towards the host's, once it is set up.
public enum MountPropagation: String, Sendable {
    case shared, slave, `private`
}

/// An entry of `ReadWritePaths=`, `ReadOnlyPaths=`, `InaccessiblePaths=`, `ExecPaths=` and `NoExecPaths=`.
public struct AccessPath: Sendable, Equatable {
    public var path: String
    /// `-` prefix: a missing path is skipped.
    public var ignoreMissing: Bool
    /// `+` prefix: the path is inside `RootDirectory=`, not on the host.
    public var insideRoot: Bool

    public init(_ path: String, ignoreMissing: Bool = false, insideRoot: Bool = false) {
        self.path = path
        self.ignoreMissing = ignoreMissing
        self.insideRoot = insideRoot
    }
}

/// `BindPaths=` and `BindReadOnlyPaths=`.
public struct BindMount: Sendable, Equatable {
    public var source: String
    public var destination: String
    public var readOnly: Bool
    /// `rbind` (the default): the source's submounts come along.
    public var recursive: Bool
    /// `-` prefix: a missing source skips the bind.
    public var ignoreMissing: Bool

    public init(
        source: String, destination: String, readOnly: Bool, recursive: Bool = true, ignoreMissing: Bool = false
    ) {
        self.source = source
        self.destination = destination
        self.readOnly = readOnly
        self.recursive = recursive
        self.ignoreMissing = ignoreMissing
    }
}

/// `TemporaryFileSystem=PATH[:OPTIONS]`.
public struct TemporaryFileSystem: Sendable, Equatable {
    public var path: String
    /// As written; mount(8)-style, the flag words are taken out when it is mounted.
    public var options: String

    public init(path: String, options: String = "") {
        self.path = path
        self.options = options
    }
}

/// The namespaces a service's processes run in (systemd.exec(5), "Sandboxing"): the file system
/// view each process gets of its own, and the network and IPC namespaces the unit's processes share.
public struct NamespaceSettings: Sendable, Equatable {
    public var protectSystem: ProtectSystem = .no
    public var protectHome: ProtectHome = .no
    public var privateTmp = false
    public var privateDevices = false
    public var protectKernelTunables = false
    public var protectKernelModules = false
    public var protectKernelLogs = false
    public var protectControlGroups = false
    public var protectClock = false
    public var protectProc: ProtectProc = .default
    public var procSubset: ProcSubset = .all
    public var privateMounts = false
    /// `MountAPIVFS=`: `/proc`, `/sys` and `/dev` inside `RootDirectory=`.
    public var mountAPIVFS = false
    /// nil: shared, systemd's default.
    public var mountPropagation: MountPropagation?
    public var readWritePaths: [AccessPath] = []
    public var readOnlyPaths: [AccessPath] = []
    public var inaccessiblePaths: [AccessPath] = []
    public var execPaths: [AccessPath] = []
    public var noExecPaths: [AccessPath] = []
    /// `BindPaths=` and `BindReadOnlyPaths=`, in the order given.
    public var bindMounts: [BindMount] = []
    public var temporaryFileSystems: [TemporaryFileSystem] = []
    public var rootDirectory: String?
    public var privateNetwork = false
    /// A network namespace to join (`ip netns`'s `/run/netns/NAME`); `PrivateNetwork=` then does nothing.
    public var networkNamespacePath: String?
    public var privateIPC = false
    public var privateUsers = false

    public init() {}
}

/// The directories systemd makes for a service (`RuntimeDirectory=`, `StateDirectory=` ...).
public enum ExecDirectoryKind: String, Sendable, CaseIterable {
    case runtime = "Runtime"
    case state = "State"
    case cache = "Cache"
    case logs = "Logs"
    case configuration = "Configuration"

    /// Where its directories are.
    public var base: String {
        switch self {
        case .runtime: "/run"
        case .state: "/var/lib"
        case .cache: "/var/cache"
        case .logs: "/var/log"
        case .configuration: "/etc"
        }
    }

    /// The variable that lists them for the program (`$RUNTIME_DIRECTORY` ...).
    public var environmentName: String { rawValue.uppercased() + "_DIRECTORY" }

    /// `BASE/private` for the kinds a dynamic user's directories are hidden in.
    public var privateDirectory: String? { [.state, .cache, .logs].contains(self) ? base + "/private" : nil }
}

/// One directory of a `*Directory=` setting, below its kind's base, and the links made to it.
public struct ExecDirectory: Sendable, Equatable {
    public var name: String
    public var symlinks: [String]

    public init(name: String, symlinks: [String] = []) {
        self.name = name
        self.symlinks = symlinks
    }
}

/// `RuntimeDirectoryPreserve=`.
public enum RuntimeDirectoryPreserve: String, Sendable {
    case no, yes, restart
}

/// The `*Directory=` and `*DirectoryMode=` settings of a service.
public struct ExecDirectories: Sendable, Equatable {
    public var directories: [ExecDirectoryKind: [ExecDirectory]] = [:]
    /// 0755 for a kind not listed.
    public var modes: [ExecDirectoryKind: UInt32] = [:]
    public var runtimePreserve: RuntimeDirectoryPreserve = .no

    public init() {}

    public func mode(of kind: ExecDirectoryKind) -> UInt32 { modes[kind] ?? 0o755 }

    /// The absolute paths of a kind's directories.
    public func paths(of kind: ExecDirectoryKind) -> [String] {
        (directories[kind] ?? []).map { kind.base + "/" + $0.name }
    }

    /// Where a kind's directories really are: with `DynamicUser=`, state, cache and logs
    /// directories live in the kind's `private/` (0700, root's), their usual path a link there, so
    /// that no other user can reach files a recycled user number would own.
    public func realPaths(of kind: ExecDirectoryKind, dynamicUser: Bool) -> [String] {
        guard dynamicUser, let hidden = kind.privateDirectory else { return paths(of: kind) }
        return (directories[kind] ?? []).map { hidden + "/" + $0.name }
    }
}
