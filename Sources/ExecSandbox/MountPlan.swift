import UnitModel

/// One entry of a unit's mount namespace: what is mounted on `path` and how it may be used.
/// The kinds follow systemd 252's mount modes (`namespace.c`), in its order of priority: of
/// two entries for one path the one of the earlier kind stays.
public struct MountEntry: Sendable, Equatable {
    public enum Kind: Int, Sendable, Comparable {
        /// An empty node of the path's own type, mode 0000, read-only.
        case inaccessible
        /// `source` (with its submounts when `recursive`).
        case bind
        /// The unit's private `/tmp` or `/var/tmp` (`source`).
        case privateTemporary
        /// A tmpfs `/dev` with only the pseudo devices (`PrivateDevices=`).
        case privateDevices
        /// A new procfs instance, with `options` (`ProtectProc=`, `ProcSubset=`).
        case procfs
        /// Only the attributes of what is there change.
        case readOnly, readWrite, noExec, exec
        /// A tmpfs with `options` and `flags`.
        case temporaryFileSystem
        /// A new mqueue file system, of the process's IPC namespace (`PrivateIPC=`).
        case messageQueues
        /// Left as the host has it, under a read-only parent (`ProtectSystem=strict`'s API file systems).
        case readWriteImplicit

        public static func < (lhs: Kind, rhs: Kind) -> Bool { lhs.rawValue < rhs.rawValue }

        /// systemd's name of the mode (namespace.c's mount_mode_table).
        public var name: String {
            switch self {
            case .inaccessible: "inaccessible"
            case .bind: "bind"
            case .privateTemporary: "private-tmp"
            case .privateDevices: "private-dev"
            case .procfs: "procfs"
            case .readOnly: "read-only"
            case .readWrite: "read-write"
            case .noExec: "noexec"
            case .exec: "exec"
            case .temporaryFileSystem: "tmpfs"
            case .messageQueues: "mqueuefs"
            case .readWriteImplicit: "read-write-implicit"
            }
        }
    }

    public var path: String
    public var kind: Kind
    /// Skipped when the path (or a bind's source) does not exist.
    public var ignoreMissing = false
    public var source: String?
    /// A bind takes the source's submounts with it.
    public var recursive = true
    /// Made read-only besides what the kind implies.
    public var readOnly = false
    /// Data for a new file system (tmpfs, procfs).
    public var options = ""
    /// `MS_*` flags of a new file system.
    public var flags: UInt64 = 0

    public init(_ path: String, _ kind: Kind, ignoreMissing: Bool = false) {
        self.path = path
        self.kind = kind
        self.ignoreMissing = ignoreMissing
    }

    public var isReadOnly: Bool { readOnly || kind == .readOnly || kind == .inaccessible || kind == .privateDevices }
    public var isNoExec: Bool { kind == .noExec || kind == .inaccessible || kind == .procfs }
    /// Read-only and no-exec reach the submounts too, except where nothing can be below (new
    /// file systems) and for `/dev`, whose `/dev/shm` stays writable.
    public var attributesAreRecursive: Bool {
        ![.temporaryFileSystem, .messageQueues, .privateDevices, .procfs].contains(kind)
    }
}

/// The mount namespace of a unit's processes, without I/O: the entries systemd 252 would make,
/// sorted parents first and with the redundant ones dropped.
public struct MountPlan: Sendable, Equatable {
    public var entries: [MountEntry]
    /// Where the processes' `/` is (`RootDirectory=`), nil: the host's.
    public var rootDirectory: String?
    public var propagation: MountPropagation

    /// `MS_*` values (mount(2)).
    public static let noSUID: UInt64 = 0x2, noDevices: UInt64 = 0x4, noExec: UInt64 = 0x8,
        strictAccessTime: UInt64 = 0x100_0000

    /// nil: the settings ask for no mount namespace.
    /// - Parameter privateTemporary: the unit's directories for `/tmp` and `/var/tmp` (`PrivateTmp=`).
    /// - Parameter writableDirectories: the unit's state, cache, logs and runtime directories, which
    ///   stay writable in a namespace that asks for one for other reasons.
    /// - Parameter hiddenDirectories: `DynamicUser=`'s `private/` directories: an empty read-only
    ///   tmpfs each, with the unit's own directories (among `writableDirectories`) bound back in.
    public init?(
        _ settings: NamespaceSettings, privateTemporary: (tmp: String, varTmp: String)?,
        writableDirectories: [String] = [], hiddenDirectories: [String] = []
    ) {
        var entries = Self.entries(settings, privateTemporary: privateTemporary)
        guard
            !entries.isEmpty || settings.privateMounts || settings.mountPropagation != nil
                || settings.rootDirectory != nil && Self.mountsAPIFileSystems(settings)
        else { return nil }
        for hidden in hiddenDirectories {
            var entry = MountEntry(hidden, .temporaryFileSystem)
            entry.flags = Self.noDevices | Self.strictAccessTime
            entry.readOnly = true
            entry.options = "mode=0755"
            entries.append(entry)
        }
        entries += writableDirectories.map { path in
            guard hiddenDirectories.contains(where: { path.hasPrefix($0 + "/") }) else {
                return MountEntry(path, .readWrite)
            }
            var entry = MountEntry(path, .bind)
            entry.source = path
            return entry
        }
        if let root = settings.rootDirectory {
            entries = entries.map { entry in
                var entry = entry
                entry.path = Self.join(root, entry.path)
                return entry
            }
            // The root becomes a mount of its own, which is then moved to `/`.
            var rootEntry = MountEntry(root, .bind)
            rootEntry.source = root
            entries.append(rootEntry)
        }
        self.entries = Self.normalized(entries)
        rootDirectory = settings.rootDirectory
        propagation = settings.mountPropagation ?? .shared
    }

    /// The plan with each entry's path replaced by `resolve(path)` (the parent resolves symbolic
    /// links on the host, as systemd chases them), normalized again.
    public func resolvingPaths(_ resolve: (String) -> String) -> MountPlan {
        var plan = self
        plan.entries = Self.normalized(
            entries.map { entry in
                var entry = entry
                entry.path = resolve(entry.path)
                return entry
            })
        return plan
    }

    /// `/proc`, `/sys` and `/dev` are mounted inside `RootDirectory=` (systemd: `MountAPIVFS=`, and
    /// the settings that protect them imply it).
    static func mountsAPIFileSystems(_ settings: NamespaceSettings) -> Bool {
        settings.mountAPIVFS || settings.protectControlGroups || settings.protectKernelTunables
            || settings.protectProc != .default || settings.procSubset != .all
    }

    /// Every entry the settings ask for, paths as seen inside the namespace (access paths without
    /// `+` excepted: they are host paths, which `init` does not prefix with the root directory).
    static func entries(_ settings: NamespaceSettings, privateTemporary: (tmp: String, varTmp: String)?) -> [MountEntry]
    {
        var entries: [MountEntry] = []
        func add(_ table: [(String, MountEntry.Kind, Bool)]) {
            entries += table.map { MountEntry($0.0, $0.1, ignoreMissing: $0.2) }
        }
        let root = settings.rootDirectory
        for (paths, kind) in [
            (settings.readWritePaths, MountEntry.Kind.readWrite), (settings.readOnlyPaths, .readOnly),
            (settings.inaccessiblePaths, .inaccessible), (settings.execPaths, .exec), (settings.noExecPaths, .noExec),
        ] {
            for access in paths {
                // Without `+`, a path names the host's file, which is the same inside the root only
                // when it lies under it (the others are dropped).
                var path = access.path
                if let root, !access.insideRoot { path = Self.hostPathInsideRoot(path, root: root) ?? "" }
                guard !path.isEmpty else { continue }
                entries.append(MountEntry(path, kind, ignoreMissing: access.ignoreMissing))
            }
        }
        for bind in settings.bindMounts {
            var entry = MountEntry(bind.destination, .bind, ignoreMissing: bind.ignoreMissing)
            entry.source = bind.source
            entry.recursive = bind.recursive
            entry.readOnly = bind.readOnly
            entries.append(entry)
        }
        for system in settings.temporaryFileSystems {
            var entry = MountEntry(system.path, .temporaryFileSystem)
            let (flags, data) = Self.mountOptions("mode=0755," + system.options)
            entry.flags = (flags | Self.noDevices | Self.strictAccessTime) & ~Self.readOnlyFlag
            entry.readOnly = flags & Self.readOnlyFlag != 0
            entry.options = data
            entries.append(entry)
        }
        if let privateTemporary {
            for (path, source) in [("/tmp", privateTemporary.tmp), ("/var/tmp", privateTemporary.varTmp)] {
                var entry = MountEntry(path, .privateTemporary)
                entry.source = source
                entries.append(entry)
            }
        }
        if settings.privateDevices {
            var entry = MountEntry("/dev", .privateDevices)
            entry.flags = Self.noSUID | Self.noExec | Self.strictAccessTime
            entry.options = "mode=755,size=4m,nr_inodes=64k"
            entries.append(entry)
        }
        if settings.protectKernelTunables {
            add(
                [
                    "/proc/acpi", "/proc/apm", "/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq",
                    "/proc/latency_stats", "/proc/mtrr", "/proc/scsi", "/proc/sys", "/proc/sysrq-trigger",
                    "/proc/timer_stats",
                ].map { ($0, .readOnly, true) })
            add([("/proc/kallsyms", .inaccessible, true), ("/proc/kcore", .inaccessible, true)])
            add([
                ("/sys", .readOnly, false), ("/sys/fs/bpf", .readOnly, true),
                ("/sys/fs/cgroup", .readWriteImplicit, false),
                ("/sys/fs/selinux", .readWriteImplicit, true), ("/sys/kernel/debug", .readOnly, true),
                ("/sys/kernel/tracing", .readOnly, true),
            ])
        }
        if settings.protectKernelModules { add([("/usr/lib/modules", .inaccessible, true)]) }
        if settings.protectKernelLogs {
            add([("/proc/kmsg", .inaccessible, true), ("/dev/kmsg", .inaccessible, true)])
        }
        if settings.protectControlGroups { add([("/sys/fs/cgroup", .readOnly, false)]) }
        switch settings.protectHome {
        case .no: break
        case .yes: add(["/home", "/run/user", "/root"].map { ($0, .inaccessible, true) })
        case .readOnly: add(["/home", "/run/user", "/root"].map { ($0, .readOnly, true) })
        case .tmpfs:
            for (path, mode) in [("/home", "0755"), ("/run/user", "0755"), ("/root", "0700")] {
                var entry = MountEntry(path, .temporaryFileSystem, ignoreMissing: true)
                entry.readOnly = true
                entry.options = "mode=\(mode),size=4m,nr_inodes=1k"
                entry.flags = Self.noDevices | Self.strictAccessTime
                entries.append(entry)
            }
        }
        switch settings.protectSystem {
        case .no: break
        case .yes: add([("/usr", .readOnly, false), ("/boot", .readOnly, true), ("/efi", .readOnly, true)])
        case .full:
            add([
                ("/usr", .readOnly, false), ("/boot", .readOnly, true), ("/efi", .readOnly, true),
                ("/etc", .readOnly, false),
            ])
        case .strict:
            add([
                ("/", .readOnly, false), ("/proc", .readWriteImplicit, false), ("/sys", .readWriteImplicit, false),
                ("/dev", .readWriteImplicit, false), ("/home", .readWriteImplicit, true),
                ("/run/user", .readWriteImplicit, true), ("/root", .readWriteImplicit, true),
            ])
        }
        if settings.protectProc != .default || settings.procSubset != .all {
            var entry = MountEntry("/proc", .procfs)
            entry.flags = Self.noSUID | Self.noExec | Self.noDevices
            entry.options = [
                settings.protectProc == .default ? nil : "hidepid=\(settings.protectProc.rawValue)",
                settings.procSubset == .pid ? "subset=pid" : nil,
            ].compactMap { $0 }.joined(separator: ",")
            entries.append(entry)
        } else if root != nil && Self.mountsAPIFileSystems(settings) {
            var entry = MountEntry("/proc", .procfs)
            entry.flags = Self.noSUID | Self.noExec | Self.noDevices
            entries.append(entry)
        }
        if root != nil && Self.mountsAPIFileSystems(settings) {
            for path in ["/dev", "/sys"] {
                var entry = MountEntry(path, .bind)
                entry.source = path
                entries.append(entry)
            }
        }
        if settings.privateIPC {
            var entry = MountEntry("/dev/mqueue", .messageQueues)
            entry.flags = Self.noSUID | Self.noDevices | Self.noExec
            entries.append(entry)
        }
        return entries
    }

    /// Sorted parents first (component by component), with systemd's normalization: of one path's
    /// entries the first kind stays (a read-only one still makes it read-only); entries under an
    /// inaccessible one, and access entries that repeat their nearest parent's kind, are dropped.
    static func normalized(_ entries: [MountEntry]) -> [MountEntry] {
        let sorted = entries.enumerated().sorted { a, b in
            let order = Self.compare(a.element.path, b.element.path)
            if order != 0 { return order < 0 }
            if a.element.kind != b.element.kind { return a.element.kind < b.element.kind }
            return a.offset < b.offset
        }.map(\.element)
        var unique: [MountEntry] = []
        for entry in sorted {
            if let last = unique.last, last.path == entry.path {
                unique[unique.count - 1].readOnly = last.readOnly || entry.isReadOnly
                continue
            }
            unique.append(entry)
        }
        var visible: [MountEntry] = []
        var hiding: String?
        for entry in unique {
            if let hiding, Self.isInside(entry.path, hiding), entry.path != hiding { continue }
            hiding = entry.kind == .inaccessible ? entry.path : nil
            visible.append(entry)
        }
        var kept: [MountEntry] = []
        for entry in visible {
            if [.readOnly, .readWrite, .readWriteImplicit, .noExec, .exec].contains(entry.kind),
                let parent = kept.last(where: { Self.isInside(entry.path, $0.path) }),
                parent.kind == entry.kind, parent.readOnly == entry.readOnly
            {
                continue
            }
            kept.append(entry)
        }
        return kept
    }

    /// Whether `path` is `ancestor` or below it, by whole components.
    public static func isInside(_ path: String, _ ancestor: String) -> Bool {
        ancestor == "/" || path == ancestor || path.hasPrefix(ancestor + "/")
    }

    /// For each entry, the index of the nearest entry above it (nil: none). An entry is taken from
    /// the tree its anchor mounted, before the anchor's own attributes change.
    public var anchors: [Int?] {
        entries.indices.map { index in
            entries[..<index].lastIndex { Self.isInside(entries[index].path, $0.path) }
        }
    }

    /// strcmp of the paths' components in turn, a shorter path first: `/a` < `/a/b` < `/a-b`.
    static func compare(_ a: String, _ b: String) -> Int {
        let left = a.split(separator: "/"), right = b.split(separator: "/")
        for (x, y) in zip(left, right) where x != y {
            return Array(x.utf8).lexicographicallyPrecedes(Array(y.utf8)) ? -1 : 1
        }
        return left.count == right.count ? 0 : (left.count < right.count ? -1 : 1)
    }

    static func join(_ root: String, _ path: String) -> String {
        path == "/" ? root : (root == "/" ? path : root + path)
    }

    /// The host path `path` inside `root`, nil when it lies outside.
    private static func hostPathInsideRoot(_ path: String, root: String) -> String? {
        isInside(path, root) ? String(path.dropFirst(root == "/" ? 0 : root.count)).nonEmpty ?? "/" : nil
    }

    static let readOnlyFlag: UInt64 = 0x1

    /// mount(8)'s flag words taken out of a comma-separated option list (`ro`, `nosuid`, ...), as
    /// `MS_*` flags; the rest is the file system's data.
    static func mountOptions(_ text: String) -> (flags: UInt64, data: String) {
        let set: [String: UInt64] = [
            "ro": 0x1, "nosuid": 0x2, "nodev": 0x4, "noexec": 0x8, "sync": 0x10, "mand": 0x40, "dirsync": 0x80,
            "noatime": 0x400, "nodiratime": 0x800, "silent": 0x8000, "relatime": 0x20_0000,
            "strictatime": 0x100_0000, "lazytime": 0x200_0000,
        ]
        let cleared: [String: UInt64] = [
            "rw": 0x1, "suid": 0x2, "dev": 0x4, "exec": 0x8, "async": 0x10, "nomand": 0x40, "atime": 0x400,
            "diratime": 0x800, "loud": 0x8000, "norelatime": 0x20_0000, "nostrictatime": 0x100_0000,
            "nolazytime": 0x200_0000,
        ]
        var flags: UInt64 = 0
        var data: [Substring] = []
        for word in text.split(separator: ",") {
            if let flag = set[String(word)] {
                flags |= flag
            } else if let flag = cleared[String(word)] {
                flags &= ~flag
            } else {
                data.append(word)
            }
        }
        return (flags, data.joined(separator: ","))
    }
}

extension String {
    fileprivate var nonEmpty: String? { isEmpty ? nil : self }
}
