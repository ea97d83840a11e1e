import UnitFile

/// systemd's load states, as `corralctl verify` and `show` report them.
public enum LoadState: String, Sendable, Codable {
    case loaded
    case notFound = "not-found"
    case badSetting = "bad-setting"
    case error
    case masked
}

/// A unit after loading: its settings (defaults where it did not load) and everything said about it.
public struct LoadedUnit: Sendable {
    public var name: String
    public var loadState: LoadState
    public var fragmentPath: String?
    public var dropInPaths: [String]
    public var unit: Unit
    public var diagnostics: [Diagnostic]
    /// The versions of the files it was read from (nil for a transient unit, or one whose files
    /// were still changing).
    public var sourceStamp: UnitSourceStamp?

    /// A unit made at run time (`corralctl run`): loaded, with no file behind it.
    public init(transient unit: Unit) {
        name = unit.name
        loadState = .loaded
        fragmentPath = nil
        dropInPaths = []
        self.unit = unit
        diagnostics = []
    }

    init(
        name: String, loadState: LoadState, fragmentPath: String?, dropInPaths: [String], unit: Unit,
        diagnostics: [Diagnostic], sourceStamp: UnitSourceStamp?
    ) {
        self.name = name
        self.loadState = loadState
        self.fragmentPath = fragmentPath
        self.dropInPaths = dropInPaths
        self.unit = unit
        self.diagnostics = diagnostics
        self.sourceStamp = sourceStamp
    }
}

/// Turns a unit's parsed files into a typed `Unit`, as systemd's unit load does.
public enum UnitLoader {
    /// Loads `sources` (see `UnitFileIndex.sources(of:)`); `context` resolves specifiers.
    public static func load(_ sources: UnitSources, context: SpecifierContext) -> LoadedUnit {
        let name = sources.location.name
        var loaded = LoadedUnit(
            name: name.description, loadState: .loaded, fragmentPath: sources.location.fragmentPath,
            dropInPaths: sources.location.dropInPaths, unit: Unit(name: name.description, type: .service),
            diagnostics: sources.readErrors, sourceStamp: sources.stamp)
        guard let type = UnitType(rawValue: String(name.suffix)) else {
            loaded.loadState = .error
            loaded.diagnostics.append(
                Diagnostic(severity: .error, message: "\(name): .\(name.suffix) units are not supported by Corral"))
            return loaded
        }
        loaded.unit.type = type
        if sources.location.isMasked {
            loaded.loadState = .masked
            return loaded
        }
        // As systemd: a scope is made at run time only; a file does not make one exist.
        if type == .scope && sources.location.fragmentPath != nil {
            loaded.loadState = .notFound
            loaded.fragmentPath = nil
            loaded.diagnostics.append(
                Diagnostic(
                    file: sources.location.fragmentPath, severity: .error,
                    message: "scope units are made at run time only and cannot be loaded from a file"))
            return loaded
        }
        // Slices (and run-time scopes) exist without a file; every other type needs its fragment.
        if sources.location.fragmentPath == nil && type != .slice && type != .scope {
            loaded.loadState = .notFound
            loaded.diagnostics.append(Diagnostic(severity: .error, message: "\(name): unit file not found"))
            return loaded
        }
        // A file that cannot be read, or whose syntax stops the parser (a broken section header,
        // invalid UTF-8, an over-long line), fails the load as a whole: systemd's `error`.
        let syntaxErrors = sources.files.flatMap(\.diagnostics).filter { $0.severity == .error }
        if !sources.readErrors.isEmpty || !syntaxErrors.isEmpty {
            loaded.loadState = .error
            loaded.diagnostics += sources.files.flatMap(\.diagnostics)
            return loaded
        }
        let assignments = sources.files.flatMap(\.assignments)
        let built = UnitBuilder.build(
            name: name.description, type: type, sections: sources.files.flatMap(\.sections), assignments: assignments,
            expandSpecifiers: { text in try expandSpecifiers(text, context: context) })
        loaded.unit = built.unit
        // Without a valid Type=, a service with no ExecStart= is a oneshot (service_add_extras).
        let typeGiven = assignments.contains {
            $0.section == "Service" && $0.key == "Type" && ServiceType(rawValue: $0.value) != nil
        }
        if type == .service && !typeGiven && loaded.unit.service.execStart.isEmpty {
            loaded.unit.service.type = .oneshot
        }
        applyDynamicUser(to: &loaded.unit)
        merge(sources.location.wantedUnits, into: &loaded.unit.unit.wants)
        merge(sources.location.requiredUnits, into: &loaded.unit.unit.requires)
        loaded.diagnostics += sources.files.flatMap(\.diagnostics) + built.diagnostics
        loaded.diagnostics += verify(loaded.unit, fragmentPath: sources.location.fragmentPath)
        if loaded.diagnostics.contains(where: { $0.severity == .error }) {
            loaded.loadState = .badSetting
        }
        return loaded
    }

    /// What `DynamicUser=yes` implies (systemd 252's unit_patch_contexts): a user named after the
    /// unit when `User=` names none (its prefix and instance when that is a valid user name, else
    /// `_du` and a hash of the name), a private /tmp, a read-only OS and home, no new privileges,
    /// no set-uid files, and IPC objects removed when the unit stops.
    public static func applyDynamicUser(to unit: inout Unit) {
        guard unit.exec.dynamicUser else { return }
        if unit.exec.user == nil || unit.exec.user == "" {
            let stem = String(unit.name[..<(unit.name.lastIndex(of: ".") ?? unit.name.endIndex)])
            unit.exec.user = Grammar.isStrictUserName(stem) ? stem : "_du" + Grammar.fnv1aHex(stem)
        }
        unit.exec.namespaces.privateTmp = true
        unit.exec.namespaces.protectSystem = .strict
        if unit.exec.namespaces.protectHome == .no { unit.exec.namespaces.protectHome = .readOnly }
        unit.exec.noNewPrivileges = true
        unit.exec.restrictSUIDSGID = true
        unit.exec.removeIPC = true
    }

    /// Adds the dependencies of `.wants/` or `.requires/` entries after those the files name.
    private static func merge(_ names: [UnitName], into list: inout [String]) {
        for name in names.map(\.description) where !list.contains(name) { list.append(name) }
    }

    /// The whole-unit checks systemd makes after parsing (service_verify), as load errors.
    public static func verify(_ unit: Unit, fragmentPath: String?) -> [Diagnostic] {
        guard unit.type == .service else { return [] }
        let service = unit.service
        func refuse(_ message: String) -> [Diagnostic] {
            [Diagnostic(file: fragmentPath, severity: .error, section: "Service", message: message + " Refusing.")]
        }
        let successAction = unit.unit.successAction != .none
        if service.execStart.isEmpty && service.execStop.isEmpty && !successAction {
            return refuse("Service has no ExecStart=, ExecStop=, or SuccessAction=.")
        }
        if service.type != .oneshot && service.execStart.isEmpty {
            return refuse("Service has no ExecStart= setting, which is only allowed for Type=oneshot services.")
        }
        if service.execStart.isEmpty && !service.remainAfterExit && !successAction {
            return refuse(
                "Service has no ExecStart= and no SuccessAction= settings and does not have RemainAfterExit=yes set.")
        }
        if service.type != .oneshot && service.execStart.count > 1 {
            return refuse(
                "Service has more than one ExecStart= setting, which is only allowed for Type=oneshot services.")
        }
        if service.readyNotificationFD != nil && service.type != .notify {
            return refuse("Service has ReadyNotificationFD= set, which is only allowed for Type=notify services.")
        }
        if service.type == .oneshot && [.always, .onSuccess].contains(service.restart) {
            return refuse(
                "Service has Restart= set to either always or on-success, which isn't allowed for Type=oneshot services."
            )
        }
        return []
    }
}
