/// The directories unit files are looked up in, highest priority first.
public struct UnitSearchPath: Sendable, Equatable {
    public var directories: [String]

    public static let `default` = [
        "/etc/corral/system", "/run/corral/system", "/usr/local/lib/corral/system", "/usr/lib/corral/system",
    ]

    public init(directories: [String] = UnitSearchPath.default) {
        self.directories = directories
    }

    /// A `:`-separated list as in `$SYSTEMD_UNIT_PATH`: empty entries are skipped, repeated ones kept
    /// once, and a trailing `:` appends the default directories.
    public init(colonSeparated list: String) {
        var directories: [String] = []
        var entries = list.split(separator: ":").map { UnitPathSyntax.simplify(String($0)) }
        if list.hasSuffix(":") { entries += UnitSearchPath.default }
        for entry in entries where !directories.contains(entry) {
            directories.append(entry)
        }
        self.directories = directories
    }
}

/// Where a unit's configuration lives on disk.
public struct UnitLocation: Sendable, Equatable {
    /// The name asked for.
    public var name: UnitName
    /// The file the unit loads from; nil when none was found. `/dev/null` for a unit masked by a symlink.
    public var fragmentPath: String?
    /// The fragment is `/dev/null` (any device) or an empty file: the unit must not load.
    public var isMasked: Bool
    /// The unit's own name first (the fragment's name, with the instance filled in), then its aliases,
    /// sorted: every name on the search path that leads to the same fragment.
    public var names: [UnitName]
    /// The `*.conf` drop-ins to apply after the fragment, in order. Empty for a masked unit.
    public var dropInPaths: [String]
    /// The entries of `NAME.wants/` directories (searched as drop-in directories are): `Wants=` to add.
    public var wantedUnits: [UnitName]
    /// The entries of `NAME.requires/` directories: `Requires=` to add.
    public var requiredUnits: [UnitName]

    public init(
        name: UnitName, fragmentPath: String?, isMasked: Bool, names: [UnitName], dropInPaths: [String],
        wantedUnits: [UnitName] = [], requiredUnits: [UnitName] = []
    ) {
        self.name = name
        self.fragmentPath = fragmentPath
        self.isMasked = isMasked
        self.names = names
        self.dropInPaths = dropInPaths
        self.wantedUnits = wantedUnits
        self.requiredUnits = requiredUnits
    }
}

/// A snapshot of the unit files on a search path: read the directories once, then locate many units.
/// Build a new one to see later changes (`daemon-reload`).
public struct UnitFileIndex: Sendable {
    public let searchPath: UnitSearchPath
    private let map: UnitNameMap

    /// The directories' modification times when the index was made, and that time (ns since the epoch).
    private let directoryTimes: [Int64?]
    private let madeAt: Int64

    public init(_ searchPath: UnitSearchPath) {
        self.searchPath = searchPath
        madeAt = UnitDiskAccess.currentTime()
        directoryTimes = searchPath.directories.map(UnitDiskAccess.modificationTime(of:))
        map = UnitNameMap(directories: searchPath.directories)
    }

    /// Whether no entry can have been added to or removed from a search directory since the index was
    /// made (systemd's check before it looks again for a unit it did not find). A directory changed
    /// within a second of that counts as changed: file times have the kernel's coarse clock.
    public var isCurrent: Bool {
        Set(directories).isSubset(of: settledDirectories())
    }

    /// The search directories in which no entry can have been added or removed since the index was made.
    private func settledDirectories() -> Set<String> {
        var settled: Set<String> = []
        for (time, directory) in zip(directoryTimes, directories)
        where time == UnitDiskAccess.modificationTime(of: directory) && (time ?? 0) < madeAt - 1_000_000_000 {
            settled.insert(directory)
        }
        return settled
    }

    private var directories: [String] { searchPath.directories }

    /// Finds a unit's fragment, aliases and drop-ins as systemd 252 does (unit-file.c, dropin.c).
    ///
    /// The fragment is the first directory's entry of that name, or for an instance without one, its
    /// template's. An entry is a file, or a symbolic link: to /dev/null (masked), to a file of another
    /// name in a search directory (an alias, followed by name), or to anywhere else (a linked unit file,
    /// loaded from the link's own path). Alias links between different types, between plain names and
    /// templates, or between instances with different instance names are ignored, as are entries that
    /// are neither files nor links.
    ///
    /// Drop-ins come from `NAME.d/` directories for each of the unit's names (own name first, then the
    /// aliases), each in every search directory in turn; for each name also its template's
    /// (`foo@.service.d/`) and its dash prefixes' (`foo-bar-.service.d/`, `foo-.service.d/` for
    /// `foo-bar-baz.service`); last the type's (`service.d/`). Of `*.conf` files with the same file name
    /// only the one in the earliest directory of that order counts; the rest are sorted by file name.
    /// A drop-in that is empty or links to /dev/null therefore hides same-named ones, and is listed
    /// as systemd 252 lists it (checked as PID 1 in the VM). (systemd orders aliases by hash; here
    /// they come sorted.)
    ///
    /// `NAME.wants/` and `NAME.requires/` directories are found the same way; each entry that is a valid
    /// unit name (a template's taking the unit's instance) and is not masked by /dev/null or an empty
    /// file is a dependency, sorted by name (load-dropin.c).
    public func locate(_ name: UnitName) -> UnitLocation {
        guard let (fragmentName, fragmentPath) = map.resolve(name) ?? name.templateName.flatMap(map.resolve),
            let kind = UnitDiskAccess.kind(of: fragmentPath, followingLinks: true),
            kind != .directory
        else {
            let search = dropInSearch(for: [name])
            return UnitLocation(
                name: name, fragmentPath: nil, isMasked: false, names: [name], dropInPaths: dropIns(search),
                wantedUnits: dependencies(search, suffix: ".wants"),
                requiredUnits: dependencies(search, suffix: ".requires"))
        }
        let primary = (try? name.instance.map { try fragmentName.withInstance(String($0)) }) ?? fragmentName
        if kind == .device || kind == .regularFile(size: 0) {
            let names = [primary] + (name == primary ? [] : [name])
            return UnitLocation(name: name, fragmentPath: fragmentPath, isMasked: true, names: names, dropInPaths: [])
        }
        let aliases = map.names(leadingTo: fragmentPath, for: primary).filter { $0 != primary }
        let names = [primary] + aliases.sorted(by: bytewise)
        let search = dropInSearch(for: names)
        return UnitLocation(
            name: name, fragmentPath: fragmentPath, isMasked: false, names: names, dropInPaths: dropIns(search),
            wantedUnits: dependencies(search, suffix: ".wants"),
            requiredUnits: dependencies(search, suffix: ".requires"))
    }

    /// Every valid unit name with a file or an accepted link on the search path, sorted.
    public func allUnitNames() -> [UnitName] {
        map.entries.keys.sorted(by: bytewise)
    }

    /// How one unit's drop-in-style directories are looked for: for each of its names, that name
    /// and then (recursively) its template's and its dash prefix's, tried in every search
    /// directory; last the type's. A search directory unchanged since the index was made (`settled`)
    /// is not asked for entries its listing lacks.
    private struct DropInSearch {
        var names: [UnitName]
        var stemsByName: [[String]]
        var type: String?
        var settled: Set<String>
    }

    private func dropInSearch(for names: [UnitName]) -> DropInSearch {
        func stems(of name: UnitName) -> [String] {
            var found = [name.description]
            if name.isInstance, let template = name.templateName { found += stems(of: template) }
            if let dashPrefix = name.dashPrefixName { found += stems(of: dashPrefix) }
            return found
        }
        return DropInSearch(
            names: names, stemsByName: names.map(stems(of:)), type: names.first.map { String($0.suffix) },
            settled: settledDirectories())
    }

    /// The directories `STEM<suffix>` of the search, in precedence order.
    private func dropInDirectories(_ search: DropInSearch, suffix: String) -> [String] {
        var dropInDirectories: [String] = []
        func add(_ directory: String, _ entry: String) {
            if search.settled.contains(directory), map.listings[directory]?.contains(entry) != true { return }
            guard let real = UnitDiskAccess.realPath(UnitPathSyntax.join(directory, entry)),
                UnitDiskAccess.kind(of: real) == .directory, !dropInDirectories.contains(real)
            else { return }
            dropInDirectories.append(real)
        }
        for stems in search.stemsByName {
            for directory in directories {
                for stem in stems { add(directory, stem + suffix) }
            }
        }
        if let type = search.type {
            for directory in directories { add(directory, type + suffix) }
        }
        return dropInDirectories
    }

    private func dependencies(_ search: DropInSearch, suffix: String) -> [UnitName] {
        var found: Set<UnitName> = []
        for directory in dropInDirectories(search, suffix: suffix) {
            for file in UnitDiskAccess.entries(of: directory) ?? [] where !file.hasPrefix(".") {
                guard var dependency = try? UnitName(file) else { continue }
                let path = UnitPathSyntax.join(directory, file)
                let kind = UnitDiskAccess.kind(of: path, followingLinks: true)
                if kind == .device || kind == .regularFile(size: 0) { continue }
                if dependency.isTemplate, let instance = search.names.first?.instance {
                    guard let filled = try? dependency.withInstance(String(instance)) else { continue }
                    dependency = filled
                }
                if dependency.isTemplate { continue }
                found.insert(dependency)
            }
        }
        return found.sorted(by: bytewise)
    }

    private func dropIns(_ search: DropInSearch) -> [String] {
        var chosen: [String: String] = [:]
        for directory in dropInDirectories(search, suffix: ".d") {
            for file in UnitDiskAccess.entries(of: directory) ?? []
            where file.hasSuffix(".conf") && !file.hasPrefix(".") && chosen[file] == nil {
                chosen[file] = UnitPathSyntax.join(directory, file)
            }
        }
        return chosen.sorted { bytewise($0.key, $1.key) }.map(\.value).filter {
            switch UnitDiskAccess.kind(of: $0, followingLinks: true) {
            case .regularFile?, .device?: true
            default: false
            }
        }
    }
}

/// systemd sorts names with `strcmp`: by bytes, not by Unicode collation.
private func bytewise(_ first: some CustomStringConvertible, _ second: some CustomStringConvertible) -> Bool {
    first.description.utf8.lexicographicallyPrecedes(second.description.utf8)
}

extension UnitName {
    /// The next more general name whose drop-ins apply: `foo-bar-.service` for `foo-bar-baz.service`,
    /// `foo-.service` for `foo-bar-.service` and for the template `foo-bar@.service`,
    /// `foo-@baz.service` for the instance `foo-bar@baz.service`; nil when the prefix has no inner `-`.
    fileprivate var dashPrefixName: UnitName? {
        var stem = prefix
        if stem.hasSuffix("-") { stem = stem.dropLast() }
        guard let dash = stem.lastIndex(of: "-"), dash != stem.startIndex else { return nil }
        let instancePart = instance.map { "@\($0)" } ?? ""
        return UnitName(validated: "\(stem[...dash])\(instancePart).\(suffix)")
    }
}

/// Every unit name on the search path and what its entry says, the first directory winning
/// (systemd's `unit_file_build_name_map`).
private struct UnitNameMap: Sendable {
    enum Entry: Sendable {
        /// Load from this path (a file, a linked unit file's link, or /dev/null).
        case fragment(String)
        /// Look this name up instead.
        case alias(UnitName)
    }

    /// systemd's limit on alias chains.
    static let maximumHops = 32

    var entries: [UnitName: Entry] = [:]
    /// Every name (`entries`' keys) by the fragment it resolves to.
    private var namesByFragment: [String: [UnitName]] = [:]
    /// Each directory's entries, units or not (drop-in directories, `.wants/`).
    let listings: [String: Set<String>]

    init(directories: [String]) {
        var listings: [String: Set<String>] = [:]
        for directory in directories {
            let files = UnitDiskAccess.entries(of: directory) ?? []
            listings[directory] = Set(files)
            for file in files where !file.hasPrefix(".") {
                guard let name = try? UnitName(file), entries[name] == nil,
                    let entry = Self.entry(directory: directory, file: file, name: name, directories: directories)
                else { continue }
                entries[name] = entry
            }
        }
        self.listings = listings
        for name in entries.keys {
            if let path = resolve(name)?.path { namesByFragment[path, default: []].append(name) }
        }
    }

    private static func entry(directory: String, file: String, name: UnitName, directories: [String]) -> Entry? {
        let path = UnitPathSyntax.join(directory, file)
        switch UnitDiskAccess.kind(of: path) {
        case .regularFile: return .fragment(path)
        case .symbolicLink: break
        default: return nil
        }
        guard let link = UnitDiskAccess.linkTarget(of: path) else { return nil }
        let target = UnitPathSyntax.resolve(link, relativeTo: directory)
        if target == "/dev/null" { return .fragment(target) }
        let targetDirectory = UnitPathSyntax.directory(of: target)
        let targetFile = UnitPathSyntax.lastComponent(of: target)
        let inSearchDirectory = directories.contains(targetDirectory)
        if inSearchDirectory && targetFile == file { return .fragment(target) }
        guard inSearchDirectory || directories.contains(where: { target.hasPrefix(UnitPathSyntax.join($0, "")) })
        else { return .fragment(path) }
        guard let targetName = try? UnitName(targetFile), name.accepts(aliasTarget: targetName) else { return nil }
        return .alias(targetName)
    }

    /// Follows aliases from `name` to the entry that names a fragment: that entry's name and path.
    func resolve(_ name: UnitName) -> (name: UnitName, path: String)? {
        var current = name
        for _ in 0..<Self.maximumHops {
            switch entries[current] {
            case .fragment(let path): return (current, path)
            case .alias(let target): current = target
            case nil: return nil
            }
        }
        return nil
    }

    /// The names that resolve to `fragmentPath`, as names of the unit `primary`: templates take its
    /// instance, instances must have it.
    func names(leadingTo fragmentPath: String, for primary: UnitName) -> [UnitName] {
        (namesByFragment[fragmentPath] ?? []).compactMap { name in
            switch (name.isTemplate, primary.instance) {
            case (true, let instance?): return try? name.withInstance(String(instance))
            case (true, nil): return primary.isTemplate ? name : nil
            case (false, let instance): return name.instance == instance ? name : nil
            }
        }
    }
}

extension UnitName {
    /// Whether a link named `self` may alias `target`: same type, and plain to plain, template to
    /// template, instance to its template or to an instance with the same instance name.
    fileprivate func accepts(aliasTarget target: UnitName) -> Bool {
        guard suffix == target.suffix else { return false }
        if isInstance { return target.isTemplate || target.instance == instance }
        return isTemplate == target.isTemplate && !target.isInstance
    }
}
