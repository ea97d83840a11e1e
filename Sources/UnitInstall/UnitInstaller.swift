import Glibc
import UnitFile
import UnitModel

/// What `enable`, `disable` or `set-default` did: the changes made, in order, and the error that
/// stopped it, if any (changes made before the error stay made, as with systemctl).
public struct InstallOutcome: Sendable, Equatable {
    public var changes: [InstallChange] = []
    public var error: InstallError?
    /// Units `enable` found nothing to do for: no `WantedBy=`, `RequiredBy=`, `Alias=` or `Also=`.
    public var unitsWithoutInstallSettings: [UnitName] = []

    public init(changes: [InstallChange] = [], error: InstallError? = nil, unitsWithoutInstallSettings: [UnitName] = [])
    {
        self.changes = changes
        self.error = error
        self.unitsWithoutInstallSettings = unitsWithoutInstallSettings
    }
}

/// Enables and disables units with symbolic links in the configuration directory, the first
/// directory of the search path, as systemctl 252 does (install.c): `TARGET.wants/NAME` for
/// `WantedBy=`, `TARGET.requires/NAME` for `RequiredBy=`, `ALIAS` for `Alias=`, each pointing at the
/// unit's fragment, and the same for every unit named by `Also=`.
public struct UnitInstaller {
    public let searchPath: UnitSearchPath
    private var index: UnitFileIndex
    /// The preset files beside the search path's directories.
    public let presets: PresetPolicy

    /// `searchPath` must name at least one directory: the first is where links are made.
    public init(searchPath: UnitSearchPath) {
        precondition(!searchPath.directories.isEmpty, "the search path has no directory")
        self.searchPath = searchPath
        index = UnitFileIndex(searchPath)
        presets = PresetPolicy(searchPath: searchPath)
    }

    public var configurationDirectory: String { searchPath.directories[0] }

    // MARK: - enable

    /// Creates the links of each unit's `[Install]` section. A template is enabled as its
    /// `DefaultInstance=`, an instance under its own name, both pointing at the template's file.
    public mutating func enable(_ names: [UnitName]) -> InstallOutcome {
        var outcome = InstallOutcome()
        var visited: Set<UnitName> = []
        do {
            for name in names { try enable(name, into: &outcome, visited: &visited) }
        } catch {
            outcome.error = error
        }
        index = UnitFileIndex(searchPath)
        return outcome
    }

    private func enable(_ name: UnitName, into outcome: inout InstallOutcome, visited: inout Set<UnitName>)
        throws(InstallError)
    {
        guard visited.insert(name).inserted else { return }
        let (location, fragment) = try existing(name)
        let install = installSettings(location)
        var installName = location.names[0]
        if installName.isTemplate, let instance = install.defaultInstance {
            installName = (try? installName.withInstance(instance)) ?? installName
        }
        for alias in install.alias {
            guard let aliasName = Self.name(alias, instanceOf: installName) else { continue }
            try link(UnitPathSyntax.join(configurationDirectory, aliasName.description), to: fragment, into: &outcome)
        }
        for (targets, suffix) in [(install.wantedBy, ".wants"), (install.requiredBy, ".requires")] {
            for target in targets {
                // A template without an instance can only be wanted by another template.
                if installName.isTemplate && (try? UnitName(target))?.isTemplate != true {
                    throw .templateWithoutInstance(name, target: target)
                }
                let path = UnitPathSyntax.join(configurationDirectory, "\(target)\(suffix)/\(installName)")
                try link(path, to: fragment, into: &outcome)
            }
        }
        if install.alias.isEmpty && install.wantedBy.isEmpty && install.requiredBy.isEmpty && install.also.isEmpty {
            outcome.unitsWithoutInstallSettings.append(name)
        }
        for also in install.also {
            guard let alsoName = try? UnitName(also) else { continue }
            try enable(alsoName, into: &outcome, visited: &visited)
        }
    }

    private func link(_ path: String, to target: String, into outcome: inout InstallOutcome) throws(InstallError) {
        switch UnitDiskAccess.kind(of: path) {
        case nil:
            try SymbolicLinks.create(path, pointingTo: target)
            outcome.changes.append(.createdLink(path: path, target: target))
        case .symbolicLink:
            let existing = UnitDiskAccess.linkTarget(of: path) ?? ""
            let resolved = UnitPathSyntax.resolve(existing, relativeTo: UnitPathSyntax.directory(of: path))
            if resolved != target { throw .linkConflict(path: path, target: existing) }
        default:
            throw .fileExists(path: path)
        }
    }

    // MARK: - link

    /// Links unit files from outside the search path into the configuration directory under their
    /// own names, as systemctl link; then they load, and can be enabled, like any other.
    public mutating func link(_ paths: [String]) -> InstallOutcome {
        let outcome = attempt { outcome throws(InstallError) in
            for path in paths {
                guard case .regularFile = UnitDiskAccess.kind(of: path, followingLinks: true) else {
                    throw .missingFile(path: path)
                }
                let fileName = UnitPathSyntax.lastComponent(of: path)
                guard (try? UnitName(fileName)) != nil else { throw .missingFile(path: path) }
                try link(UnitPathSyntax.join(configurationDirectory, fileName), to: path, into: &outcome)
            }
        }
        index = UnitFileIndex(searchPath)
        return outcome
    }

    /// Runs `change`, keeping the changes it made before an error.
    private func attempt(_ change: (inout InstallOutcome) throws(InstallError) -> Void) -> InstallOutcome {
        var outcome = InstallOutcome()
        do {
            try change(&outcome)
        } catch {
            outcome.error = error
        }
        return outcome
    }

    // MARK: - mask, unmask

    /// Links each name in the configuration directory to /dev/null, which hides every file of that
    /// name, as systemctl mask; a unit file there of that name is an error. A unit need not exist.
    public mutating func mask(_ names: [UnitName]) -> InstallOutcome {
        let outcome = attempt { outcome throws(InstallError) in
            for name in names {
                let path = UnitPathSyntax.join(configurationDirectory, name.description)
                switch UnitDiskAccess.kind(of: path) {
                case nil:
                    try SymbolicLinks.create(path, pointingTo: "/dev/null")
                    outcome.changes.append(.createdLink(path: path, target: "/dev/null"))
                case .symbolicLink where UnitDiskAccess.linkTarget(of: path) == "/dev/null": continue
                case .symbolicLink:
                    throw .linkConflict(path: path, target: UnitDiskAccess.linkTarget(of: path) ?? "")
                default: throw .fileExists(path: path)
                }
            }
        }
        index = UnitFileIndex(searchPath)
        return outcome
    }

    /// Removes the links to /dev/null `mask` made; a name that is not masked there is left alone.
    public mutating func unmask(_ names: [UnitName]) -> InstallOutcome {
        let outcome = attempt { outcome throws(InstallError) in
            for name in names {
                let path = UnitPathSyntax.join(configurationDirectory, name.description)
                guard UnitDiskAccess.kind(of: path) == .symbolicLink, UnitDiskAccess.linkTarget(of: path) == "/dev/null"
                else { continue }
                try SymbolicLinks.remove(path)
                outcome.changes.append(.removedLink(path: path))
            }
        }
        index = UnitFileIndex(searchPath)
        return outcome
    }

    // MARK: - disable

    /// Removes every link in the configuration directory (top level, `*.wants/`, `*.requires/`) that
    /// points at the units' fragments or at their file names, and for an instance the links with its
    /// name; also for every unit named by `Also=`.
    public mutating func disable(_ names: [UnitName]) -> InstallOutcome {
        var outcome = InstallOutcome()
        var marks = Marks()
        do {
            var visited: Set<UnitName> = []
            for name in names { try mark(name, into: &marks, visited: &visited) }
            for path in Self.links(in: configurationDirectory) where marks.match(link: path) {
                try SymbolicLinks.remove(path)
                outcome.changes.append(.removedLink(path: path))
            }
        } catch {
            outcome.error = error
        }
        index = UnitFileIndex(searchPath)
        return outcome
    }

    /// What `disable` removes links to.
    private struct Marks {
        var fileNames: Set<String> = []
        var paths: Set<String> = []
        var instanceNames: Set<String> = []

        func match(link path: String) -> Bool {
            if instanceNames.contains(UnitPathSyntax.lastComponent(of: path)) { return true }
            guard let target = UnitInstaller.target(of: path) else { return false }
            return paths.contains(target) || fileNames.contains(UnitPathSyntax.lastComponent(of: target))
        }
    }

    private func mark(_ name: UnitName, into marks: inout Marks, visited: inout Set<UnitName>) throws(InstallError) {
        guard visited.insert(name).inserted else { return }
        let location = index.locate(name)
        guard let fragment = location.fragmentPath else { throw .notFound(name) }
        if name.isInstance {
            marks.instanceNames.insert(name.description)
        } else {
            marks.fileNames.insert(name.description)
            if !location.isMasked {
                marks.paths.insert(fragment)
                marks.fileNames.insert(UnitPathSyntax.lastComponent(of: fragment))
            }
        }
        guard !location.isMasked else { return }
        for also in installSettings(location).also {
            guard let alsoName = try? UnitName(also) else { continue }
            try mark(alsoName, into: &marks, visited: &visited)
        }
    }

    // MARK: - is-enabled, list-unit-files

    /// `is-enabled`: how the unit is installed. Only links matter, looked for at the top level and in
    /// `*.wants/` and `*.requires/` of each search directory: a link pointing at the unit's fragment
    /// under the unit's own name, an `Alias=` name or (for a template) an instance name is "enabled"
    /// in the configuration directory and "static" elsewhere; under any other name in the
    /// configuration directory, "indirect". Without links: "disabled" when the `[Install]` section has
    /// `WantedBy=`, `RequiredBy=` or `Alias=`, "indirect" with only `Also=`, else "static".
    public func state(of name: UnitName) throws(InstallError) -> UnitFileState {
        let location = index.locate(name)
        guard let fragment = location.fragmentPath else { throw .notFound(name) }
        if location.isMasked { return .masked }
        if !name.isInstance && location.names[0] != name { return .alias }
        let install = installSettings(location)
        let installNames = Set(
            [name.description] + install.alias.compactMap { Self.name($0, instanceOf: name)?.description })
        let fragmentFile = UnitPathSyntax.lastComponent(of: fragment)
        var linkedOutsideConfiguration = false
        var linkedUnderOtherName = false
        for directory in searchPath.directories {
            for path in Self.links(in: directory) {
                guard let target = Self.target(of: path),
                    target == fragment || UnitPathSyntax.lastComponent(of: target) == fragmentFile
                else { continue }
                let linkName = UnitPathSyntax.lastComponent(of: path)
                let parent = UnitPathSyntax.directory(of: path)
                // A same-named link at the top level is the unit file itself, not an installation.
                if parent == directory && linkName == fragmentFile { continue }
                let linkTemplate = (try? UnitName(linkName))?.templateName
                // Other instances of the same template neither enable nor make an instance indirect.
                if name.isInstance && !installNames.contains(linkName) && linkTemplate == name.templateName { continue }
                let known = installNames.contains(linkName) || (name.isTemplate && linkTemplate == name)
                if known && directory == configurationDirectory { return .enabled }
                if known { linkedOutsideConfiguration = true }
                if !known && directory == configurationDirectory { linkedUnderOtherName = true }
            }
        }
        if linkedOutsideConfiguration { return .static }
        if linkedUnderOtherName { return .indirect }
        if !install.wantedBy.isEmpty || !install.requiredBy.isEmpty || !install.alias.isEmpty { return .disabled }
        return install.also.isEmpty ? .static : .indirect
    }

    /// Every unit file on the search path with its state, ordered by type (systemd's order) and name.
    public func unitFiles() -> [UnitFileEntry] {
        let entries = index.allUnitNames().compactMap { name in
            (try? state(of: name)).map { UnitFileEntry(name: name, state: $0, preset: preset(of: name, in: $0)) }
        }
        return entries.sorted { first, second in
            let (firstRank, secondRank) = (Self.typeRank(first.name), Self.typeRank(second.name))
            if firstRank != secondRank { return firstRank < secondRank }
            return first.name.description.utf8.lexicographicallyPrecedes(second.name.description.utf8)
        }
    }

    private static let typeOrder = [
        "service", "mount", "swap", "socket", "target", "device", "automount", "timer", "path", "slice", "scope",
    ]

    private static func typeRank(_ name: UnitName) -> Int {
        typeOrder.firstIndex(of: String(name.suffix)) ?? typeOrder.count
    }

    /// The preset column and `status`'s `preset:`: what the policy says, where one applies.
    public func preset(of name: UnitName, in state: UnitFileState) -> String? {
        guard state.hasPreset else { return nil }
        return presets.action(for: name) == .enable ? "enabled" : "disabled"
    }

    // MARK: - preset, preset-all

    /// Which half of the policy `preset` applies (systemctl's `--preset-mode`).
    public enum PresetMode: String, Sendable, CaseIterable {
        case full
        case enableOnly = "enable-only"
        case disableOnly = "disable-only"
    }

    /// Enables or disables each unit as the preset policy says (its `[Install]` links), within `mode`.
    public mutating func preset(_ names: [UnitName], mode: PresetMode) -> [InstallOutcome] {
        var enabling: [UnitName] = []
        var disabling: [UnitName] = []
        for name in names {
            if presets.action(for: name) == .enable {
                if mode != .disableOnly { enabling.append(name) }
            } else if mode != .enableOnly {
                disabling.append(name)
            }
        }
        var outcomes: [InstallOutcome] = []
        if !disabling.isEmpty { outcomes.append(disable(disabling)) }
        if !enabling.isEmpty && outcomes.allSatisfy({ $0.error == nil }) { outcomes.append(enable(enabling)) }
        return outcomes
    }

    /// `preset-all`: every unit file with something to enable (not static, alias or masked).
    public mutating func presetAll(mode: PresetMode) -> [InstallOutcome] {
        let names = unitFiles().filter { $0.state.hasPreset && $0.state != .masked }.map(\.name)
        return preset(names, mode: mode)
    }

    // MARK: - get-default, set-default

    private static let defaultTargetName = try! UnitName("default.target")

    /// The unit `default.target` leads to; nil when there is none.
    public func defaultTarget() -> UnitName? {
        let location = index.locate(Self.defaultTargetName)
        guard location.fragmentPath != nil, !location.isMasked else { return nil }
        return location.names[0]
    }

    /// Points `default.target` in the configuration directory at `name`'s fragment, replacing the link
    /// there if it points elsewhere.
    public mutating func setDefault(_ name: UnitName) -> InstallOutcome {
        var outcome = InstallOutcome()
        do {
            let (_, fragment) = try existing(name)
            let path = UnitPathSyntax.join(configurationDirectory, "default.target")
            if UnitDiskAccess.kind(of: path) == .symbolicLink && Self.target(of: path) != fragment {
                try SymbolicLinks.remove(path)
                outcome.changes.append(.removedLink(path: path))
            }
            try link(path, to: fragment, into: &outcome)
        } catch {
            outcome.error = error
        }
        index = UnitFileIndex(searchPath)
        return outcome
    }

    // MARK: - Helpers

    /// The unit's location and fragment; throws when it has none or is masked.
    private func existing(_ name: UnitName) throws(InstallError) -> (UnitLocation, String) {
        let location = index.locate(name)
        guard let fragment = location.fragmentPath else { throw .notFound(name) }
        if location.isMasked {
            let maskPath = searchPath.directories.map { UnitPathSyntax.join($0, name.description) }
                .first { UnitDiskAccess.kind(of: $0) != nil }
            throw .masked(path: maskPath ?? fragment)
        }
        return (location, fragment)
    }

    private func installSettings(_ location: UnitLocation) -> InstallSettings {
        let sources = index.sources(of: location.name)
        let context = SpecifierContext.current(for: location.name, fragmentPath: location.fragmentPath)
        return UnitLoader.load(sources, context: context).unit.install
    }

    /// `text` as a unit name; a template takes the instance of `unit` when it has one.
    private static func name(_ text: String, instanceOf unit: UnitName) -> UnitName? {
        guard let name = try? UnitName(text) else { return nil }
        if name.isTemplate, let instance = unit.instance { return try? name.withInstance(String(instance)) }
        return name
    }

    /// The symbolic links at the top level of `directory` and in its `*.wants/` and `*.requires/`
    /// subdirectories, sorted by path.
    static func links(in directory: String) -> [String] {
        var links: [String] = []
        for entry in UnitDiskAccess.entries(of: directory) ?? [] where !entry.hasPrefix(".") {
            let path = UnitPathSyntax.join(directory, entry)
            switch UnitDiskAccess.kind(of: path) {
            case .symbolicLink:
                links.append(path)
            case .directory where entry.hasSuffix(".wants") || entry.hasSuffix(".requires"):
                for file in UnitDiskAccess.entries(of: path) ?? [] where !file.hasPrefix(".") {
                    let inner = UnitPathSyntax.join(path, file)
                    if UnitDiskAccess.kind(of: inner) == .symbolicLink { links.append(inner) }
                }
            default:
                break
            }
        }
        return links.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// Where the link at `path` points, made absolute.
    static func target(of path: String) -> String? {
        UnitDiskAccess.linkTarget(of: path).map {
            UnitPathSyntax.resolve($0, relativeTo: UnitPathSyntax.directory(of: path))
        }
    }
}
