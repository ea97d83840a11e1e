import UnitFile

/// One directive: where it may appear, whether specifiers are expanded in its value, and how its
/// value is applied to a unit. An empty value resets the setting where systemd does.
public struct PropertyDescriptor: Sendable {
    public let name: String
    /// Sections it belongs to: "Unit", "Service", "Slice", "Scope", "Install".
    public let sections: Set<String>
    public let expandsSpecifiers: Bool
    public let assign: @Sendable (inout Unit, String) throws(ValueError) -> Void
    /// For directives whose value is words (`Exec*=`, `Environment=`): applies the value expanding
    /// specifiers in each word after splitting, as systemd does, so that what a specifier gives
    /// is never split or unescaped. The builder uses it instead of expanding the whole value first.
    public let assignExpandingWords:
        (@Sendable (inout Unit, String, ExecGrammar.SpecifierExpansion) throws(ValueError) -> Void)?

    public init(
        name: String, sections: Set<String>, expandsSpecifiers: Bool = false,
        assign: @escaping @Sendable (inout Unit, String) throws(ValueError) -> Void
    ) {
        self.name = name
        self.sections = sections
        self.expandsSpecifiers = expandsSpecifiers
        self.assign = assign
        assignExpandingWords = nil
    }

    /// A directive of words, whose specifiers are expanded word by word.
    init(
        name: String, sections: Set<String>,
        assignExpandingWords:
            @escaping @Sendable (inout Unit, String, ExecGrammar.SpecifierExpansion) throws(ValueError) -> Void
    ) {
        self.name = name
        self.sections = sections
        expandsSpecifiers = true
        assign = { (unit: inout Unit, value: String) throws(ValueError) in
            try assignExpandingWords(&unit, value, { $0 })
        }
        self.assignExpandingWords = assignExpandingWords
    }
}

extension UnitType {
    /// The sections a unit file of this type may have (besides `X-` sections).
    public var sections: Set<String> {
        switch self {
        case .service: ["Unit", "Service", "Install"]
        case .slice: ["Unit", "Slice", "Install"]
        case .scope: ["Unit", "Scope"]
        case .target: ["Unit", "Install"]
        }
    }
}

/// Every directive Corral understands, defined once for unit files, `corralctl run -p` and
/// `set-property`.
public enum PropertyTable {
    public static func descriptor(named name: String) -> PropertyDescriptor? {
        byName[name]
    }

    /// The descriptor when `name` is a property of units of `type`, whatever the section.
    public static func descriptor(named name: String, for type: UnitType) -> PropertyDescriptor? {
        guard let descriptor = byName[name], !descriptor.sections.isDisjoint(with: type.sections) else { return nil }
        return descriptor
    }

    private static let byName = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })

    /// What `set-property` may change on a unit that is not transient, as systemctl: the
    /// resource-control settings (systemd.resource-control(5)) and `Description=`.
    public static let settableOnLoadedUnits: Set<String> = Set(resourceDirectives.map(\.name) + ["Description"])

    public static let all: [PropertyDescriptor] =
        unitDirectives + serviceDirectives + directoryDirectives + limitDirectives
        + resourceDirectives + installDirectives
}

// MARK: - [Unit]

extension PropertyTable {
    static let unitDirectives: [PropertyDescriptor] =
        [
            optionalString("Description", ["Unit"], \.unit.description),
            PropertyDescriptor(name: "Documentation", sections: ["Unit"], expandsSpecifiers: true) {
                (unit: inout Unit, value: String) throws(ValueError) in
                if value.isEmpty { return unit.unit.documentation = [] }
                let urls = try Grammar.words(value)
                unit.unit.documentation += urls.filter(Grammar.isValidDocumentationURL)
                let invalid = urls.filter { !Grammar.isValidDocumentationURL($0) }
                if !invalid.isEmpty { throw ValueError("invalid documentation URL \(Grammar.quotedList(invalid))") }
            },
            dependency("Requires", \.unit.requires),
            dependency("Requisite", \.unit.requisite),
            dependency("Wants", \.unit.wants),
            dependency("BindsTo", \.unit.bindsTo),
            dependency("PartOf", \.unit.partOf),
            dependency("Conflicts", \.unit.conflicts),
            dependency("Before", \.unit.before),
            dependency("After", \.unit.after),
            dependency("OnFailure", \.unit.onFailure),
            timeSpan("StartLimitIntervalSec", ["Unit"], \.unit.startLimitInterval),
            timeSpan("StartLimitInterval", ["Unit", "Service"], \.unit.startLimitInterval),
            PropertyDescriptor(name: "StartLimitBurst", sections: ["Unit", "Service"]) {
                (unit: inout Unit, value: String) throws(ValueError) in
                guard let burst = Grammar.parseUnsigned(value), let burst32 = UInt32(exactly: burst) else {
                    throw ValueError("invalid number '\(value)'")
                }
                unit.unit.startLimitBurst = burst32
            },
            enumeration(
                "StartLimitAction", ["Unit", "Service"], \.unit.startLimitAction, what: "action", emptyResets: true),
            enumeration("SuccessAction", ["Unit"], \.unit.successAction, what: "action", emptyResets: true),
            enumeration("FailureAction", ["Unit", "Service"], \.unit.failureAction, what: "action", emptyResets: true),
            actionExitStatus("SuccessActionExitStatus", \.unit.successActionExitStatus),
            actionExitStatus("FailureActionExitStatus", \.unit.failureActionExitStatus),
            boolean("DefaultDependencies", ["Unit"], \.unit.defaultDependencies),
        ] + Condition.Kind.allCases.flatMap { [condition($0, assert: false), condition($0, assert: true)] }

    /// `ConditionKIND=`/`AssertKIND=`: `[|][!]PARAMETER`; an empty value drops every condition (or
    /// assert) given before.
    private static func condition(_ kind: Condition.Kind, assert: Bool) -> PropertyDescriptor {
        PropertyDescriptor(
            name: (assert ? "Assert" : "Condition") + kind.rawValue, sections: ["Unit"], expandsSpecifiers: true
        ) { (unit: inout Unit, value: String) throws(ValueError) in
            if value.isEmpty { return unit.unit.conditions.removeAll { $0.assert == assert } }
            var rest = Substring(value)
            let trigger = rest.hasPrefix("|")
            if trigger { rest = rest.dropFirst() }
            let negate = rest.hasPrefix("!")
            if negate { rest = rest.dropFirst() }
            let parameter =
                kind.takesPath && kind != .pathExistsGlob ? try Grammar.normalizedPath(String(rest)) : String(rest)
            if kind == .pathExistsGlob && !parameter.hasPrefix("/") {
                throw ValueError("path '\(parameter)' is not absolute")
            }
            unit.unit.conditions.append(
                Condition(kind: kind, trigger: trigger, negate: negate, parameter: parameter, assert: assert))
        }
    }

    /// `IPAddressAllow=`/`IPAddressDeny=`: accumulate; empty resets.
    private static func ipAddressList(
        _ name: String, _ field: WritableKeyPath<Unit, [IPAddressPrefix]> & Sendable
    ) -> PropertyDescriptor {
        PropertyDescriptor(name: name, sections: resourceSections) {
            (unit: inout Unit, value: String) throws(ValueError) in
            if value.isEmpty { return unit[keyPath: field] = [] }
            let parsed = try Grammar.ipAddressPrefixes(value)
            unit[keyPath: field] = Array(Set(unit[keyPath: field] + parsed.value)).sorted()
            try parsed.reportWarnings()
        }
    }

    /// `*ActionExitStatus=`: 0…255; empty means the main process's status.
    private static func actionExitStatus(_ name: String, _ field: WritableKeyPath<Unit, UInt8?> & Sendable)
        -> PropertyDescriptor
    {
        PropertyDescriptor(name: name, sections: ["Unit"]) { (unit: inout Unit, value: String) throws(ValueError) in
            if value.isEmpty { return unit[keyPath: field] = nil }
            guard let status = Grammar.parseUnsigned(value).flatMap(UInt8.init(exactly:)) else {
                throw ValueError("invalid exit status '\(value)'")
            }
            unit[keyPath: field] = status
        }
    }

    /// A dependency list: an empty value changes nothing, invalid names are refused one by one.
    private static func dependency(_ name: String, _ field: WritableKeyPath<Unit, [String]> & Sendable)
        -> PropertyDescriptor
    {
        PropertyDescriptor(name: name, sections: ["Unit"], expandsSpecifiers: true) {
            (unit: inout Unit, value: String) throws(ValueError) in
            let names = try Grammar.unitNames(value)
            unit[keyPath: field] += names.valid
            if !names.invalid.isEmpty { throw ValueError("invalid unit name \(Grammar.quotedList(names.invalid))") }
        }
    }
}

// MARK: - [Service]

extension PropertyTable {
    static let serviceDirectives: [PropertyDescriptor] = [
        enumeration("Type", ["Service"], \.service.type, what: "service type", unsupported: ["dbus"]),
        commands("ExecStartPre", \.service.execStartPre),
        commands("ExecStart", \.service.execStart),
        commands("ExecStartPost", \.service.execStartPost),
        commands("ExecReload", \.service.execReload),
        commands("ExecStop", \.service.execStop),
        commands("ExecStopPost", \.service.execStopPost),
        boolean("RemainAfterExit", ["Service"], \.service.remainAfterExit),
        PropertyDescriptor(name: "PIDFile", sections: ["Service"], expandsSpecifiers: true) {
            (unit: inout Unit, value: String) throws(ValueError) in
            if value.isEmpty { return unit.service.pidFile = nil }
            // A relative path is taken below /run.
            unit.service.pidFile = try Grammar.absolutePath(value.hasPrefix("/") ? value : "/run/" + value)
        },
        PropertyDescriptor(name: "ReadyNotificationFD", sections: ["Service"]) {
            (unit: inout Unit, value: String) throws(ValueError) in
            if value.isEmpty { return unit.service.readyNotificationFD = nil }
            let number = try Grammar.unsigned(value)
            guard number >= 3 && number < 1024 else {
                throw ValueError("descriptor number '\(value)' must be 3 to 1023")
            }
            unit.service.readyNotificationFD = Int32(number)
        },
        enumeration("Restart", ["Service"], \.service.restart, what: "restart policy"),
        timeSpan("RestartSec", ["Service"], \.service.restartDelay),
        PropertyDescriptor(name: "WatchdogSec", sections: ["Service"]) {
            (unit: inout Unit, value: String) throws(ValueError) in
            let span = try Grammar.timeSpan(value)
            unit.service.watchdog = span == 0 || span == .infinity ? nil : span
        },
        PropertyDescriptor(name: "WatchdogSignal", sections: ["Service"]) {
            (unit: inout Unit, value: String) throws(ValueError) in
            unit.service.watchdogSignal = try Grammar.signal(value)
        },
        PropertyDescriptor(name: "RuntimeMaxSec", sections: ["Service", "Scope"]) {
            (unit: inout Unit, value: String) throws(ValueError) in
            let span = try Grammar.timeSpan(value)
            unit.service.runtimeMax = span == .infinity ? nil : span
        },
        timeout("TimeoutSec", sections: ["Service"], [\.service.timeoutStart, \.service.timeoutStop]),
        timeout("TimeoutStartSec", sections: ["Service"], [\.service.timeoutStart]),
        timeout("TimeoutStopSec", sections: ["Service", "Scope"], [\.service.timeoutStop]),
        enumeration("KillMode", ["Service", "Scope"], \.service.killMode, what: "kill mode", emptyResets: true),
        PropertyDescriptor(name: "KillSignal", sections: ["Service", "Scope"]) {
            (unit: inout Unit, value: String) throws(ValueError) in
            unit.service.killSignal = try Grammar.signal(value)
        },
        boolean("SendSIGKILL", ["Service", "Scope"], \.service.sendSIGKILL),
        PropertyDescriptor(name: "SuccessExitStatus", sections: ["Service"]) {
            (unit: inout Unit, value: String) throws(ValueError) in
            if value.isEmpty { return unit.service.successExitStatus = ExitStatusSet() }
            try Grammar.addExitStatuses(value, to: &unit.service.successExitStatus)
        },
        PropertyDescriptor(name: "NotifyAccess", sections: ["Service"]) {
            (unit: inout Unit, value: String) throws(ValueError) in
            guard let access = NotifyAccess(rawValue: value) else {
                throw ValueError("invalid notify access '\(value)'")
            }
            unit.service.notifyAccess = access
        },
        enumeration("OOMPolicy", ["Service", "Scope"], \.service.oomPolicy, what: "OOM policy"),
        PropertyDescriptor(name: "Environment", sections: ["Service"]) {
            (unit: inout Unit, value: String, expand: ExecGrammar.SpecifierExpansion) throws(ValueError) in
            if value.isEmpty { return unit.exec.environment = [] }
            let parsed = ExecGrammar.parseEnvironment(value, expandingSpecifiers: expand)
            unit.exec.environment += parsed.value
            try parsed.reportWarnings()
        },
        PropertyDescriptor(name: "EnvironmentFile", sections: ["Service"], expandsSpecifiers: true) {
            (unit: inout Unit, value: String) throws(ValueError) in
            if value.isEmpty { return unit.exec.environmentFiles = [] }
            let missingOK = value.hasPrefix("-")
            let path = try Grammar.absolutePath(missingOK ? String(value.dropFirst()) : value)
            unit.exec.environmentFiles.append(EnvironmentFile(path: path, missingOK: missingOK))
        },
        PropertyDescriptor(name: "WorkingDirectory", sections: ["Service"], expandsSpecifiers: true) {
            (unit: inout Unit, value: String) throws(ValueError) in
            if value.isEmpty { return unit.exec.workingDirectory = nil }
            let missingOK = value.hasPrefix("-")
            let path = missingOK ? String(value.dropFirst()) : value
            if path == "~" {
                return unit.exec.workingDirectory = WorkingDirectory(path: "", missingOK: missingOK, home: true)
            }
            do throws(ValueError) {
                let path = try Grammar.absolutePath(path)
                unit.exec.workingDirectory = WorkingDirectory(path: path, missingOK: missingOK)
            } catch {
                // Without `-` a bad working directory makes the unit fail to load.
                throw ValueError(error.message, severity: missingOK ? .warning : .error)
            }
        },
        userOrGroup("User", \.exec.user),
        userOrGroup("Group", \.exec.group),
        PropertyDescriptor(name: "StandardInput", sections: ["Service"], expandsSpecifiers: true) {
            (unit: inout Unit, value: String) throws(ValueError) in
            unit.exec.standardInput = try Grammar.standardInput(value)
        },
        PropertyDescriptor(name: "StandardOutput", sections: ["Service"], expandsSpecifiers: true) {
            (unit: inout Unit, value: String) throws(ValueError) in
            unit.exec.standardOutput = try Grammar.standardOutput(value)
        },
        PropertyDescriptor(name: "StandardError", sections: ["Service"], expandsSpecifiers: true) {
            (unit: inout Unit, value: String) throws(ValueError) in
            unit.exec.standardError = try Grammar.standardOutput(value)
        },
        boolean("NoNewPrivileges", ["Service"], \.exec.noNewPrivileges),
        // A bad value makes the unit unloadable, as in systemd.
        PropertyDescriptor(name: "DynamicUser", sections: ["Service"]) {
            (unit: inout Unit, value: String) throws(ValueError) in
            do throws(ValueError) {
                unit.exec.dynamicUser = try Grammar.boolean(value)
            } catch {
                throw ValueError(error.message, severity: .error)
            }
        },
        boolean("IgnoreSIGPIPE", ["Service"], \.exec.ignoreSIGPIPE),
        PropertyDescriptor(name: "SystemCallFilter", sections: ["Service"]) {
            (unit: inout Unit, value: String) throws(ValueError) in
            if value.isEmpty { return unit.exec.systemCallFilter = nil }
            let parsed = try Grammar.systemCallFilter(value, merging: unit.exec.systemCallFilter)
            unit.exec.systemCallFilter = parsed.value
            try parsed.reportWarnings()
        },
        PropertyDescriptor(name: "SystemCallLog", sections: ["Service"]) {
            (unit: inout Unit, value: String) throws(ValueError) in
            if value.isEmpty { return unit.exec.systemCallLog = nil }
            let parsed = try Grammar.systemCallFilter(value, merging: unit.exec.systemCallLog, logging: true)
            unit.exec.systemCallLog = parsed.value
            try parsed.reportWarnings()
        },
        PropertyDescriptor(name: "SystemCallErrorNumber", sections: ["Service"]) {
            (unit: inout Unit, value: String) throws(ValueError) in
            unit.exec.systemCallErrorNumber = value.isEmpty ? nil : try Grammar.systemCallErrorNumber(value)
        },
        PropertyDescriptor(name: "SystemCallArchitectures", sections: ["Service"]) {
            (unit: inout Unit, value: String) throws(ValueError) in
            if value.isEmpty { return unit.exec.systemCallArchitectures = [] }
            let parsed = try Grammar.systemCallArchitectures(value)
            unit.exec.systemCallArchitectures += parsed.value.filter { !unit.exec.systemCallArchitectures.contains($0) }
            try parsed.reportWarnings()
        },
        PropertyDescriptor(name: "RestrictAddressFamilies", sections: ["Service"]) {
            (unit: inout Unit, value: String) throws(ValueError) in
            if value.isEmpty { return unit.exec.restrictAddressFamilies = nil }
            let parsed = try Grammar.addressFamilies(value, merging: unit.exec.restrictAddressFamilies)
            unit.exec.restrictAddressFamilies = parsed.value
            try parsed.reportWarnings()
        },
        capabilities("CapabilityBoundingSet", \.exec.capabilityBoundingSet),
        PropertyDescriptor(name: "RestrictNamespaces", sections: ["Service"]) {
            (unit: inout Unit, value: String) throws(ValueError) in
            if value.isEmpty { return unit.exec.restrictNamespaces = nil }
            unit.exec.restrictNamespaces = try Grammar.restrictNamespaces(value, merging: unit.exec.restrictNamespaces)
        },
        boolean("LockPersonality", ["Service"], \.exec.lockPersonality),
        boolean("MemoryDenyWriteExecute", ["Service"], \.exec.memoryDenyWriteExecute),
        boolean("RestrictRealtime", ["Service"], \.exec.restrictRealtime),
        boolean("RestrictSUIDSGID", ["Service"], \.exec.restrictSUIDSGID),
        boolean("ProtectHostname", ["Service"], \.exec.protectHostname),
        PropertyDescriptor(name: "ProtectSystem", sections: ["Service"]) {
            (unit: inout Unit, value: String) throws(ValueError) in
            unit.exec.namespaces.protectSystem = try Grammar.protectSystem(value)
        },
        PropertyDescriptor(name: "ProtectHome", sections: ["Service"]) {
            (unit: inout Unit, value: String) throws(ValueError) in
            unit.exec.namespaces.protectHome = try Grammar.protectHome(value)
        },
        boolean("PrivateTmp", ["Service"], \.exec.namespaces.privateTmp),
        boolean("PrivateDevices", ["Service"], \.exec.namespaces.privateDevices),
        boolean("ProtectKernelTunables", ["Service"], \.exec.namespaces.protectKernelTunables),
        boolean("ProtectKernelModules", ["Service"], \.exec.namespaces.protectKernelModules),
        boolean("ProtectKernelLogs", ["Service"], \.exec.namespaces.protectKernelLogs),
        boolean("ProtectControlGroups", ["Service"], \.exec.namespaces.protectControlGroups),
        boolean("ProtectClock", ["Service"], \.exec.namespaces.protectClock),
        boolean("PrivateMounts", ["Service"], \.exec.namespaces.privateMounts),
        boolean("MountAPIVFS", ["Service"], \.exec.namespaces.mountAPIVFS),
        boolean("PrivateNetwork", ["Service"], \.exec.namespaces.privateNetwork),
        boolean("PrivateIPC", ["Service"], \.exec.namespaces.privateIPC),
        boolean("PrivateUsers", ["Service"], \.exec.namespaces.privateUsers),
        PropertyDescriptor(name: "ProtectProc", sections: ["Service"]) {
            (unit: inout Unit, value: String) throws(ValueError) in
            guard let mode = ProtectProc(rawValue: value) else {
                throw ValueError("Failed to parse /proc/ protection mode, ignoring: \(value)")
            }
            unit.exec.namespaces.protectProc = mode
        },
        PropertyDescriptor(name: "ProcSubset", sections: ["Service"]) {
            (unit: inout Unit, value: String) throws(ValueError) in
            guard let subset = ProcSubset(rawValue: value) else {
                throw ValueError("Failed to parse /proc/ subset mode, ignoring: \(value)")
            }
            unit.exec.namespaces.procSubset = subset
        },
        PropertyDescriptor(name: "MountFlags", sections: ["Service"]) {
            (unit: inout Unit, value: String) throws(ValueError) in
            if value.isEmpty { return unit.exec.namespaces.mountPropagation = nil }
            guard let propagation = MountPropagation(rawValue: value) else {
                throw ValueError("Failed to parse mount flag, ignoring: \(value)")
            }
            unit.exec.namespaces.mountPropagation = propagation
        },
        accessPaths("ReadWritePaths", \.exec.namespaces.readWritePaths),
        accessPaths("ReadWriteDirectories", \.exec.namespaces.readWritePaths),
        accessPaths("ReadOnlyPaths", \.exec.namespaces.readOnlyPaths),
        accessPaths("ReadOnlyDirectories", \.exec.namespaces.readOnlyPaths),
        accessPaths("InaccessiblePaths", \.exec.namespaces.inaccessiblePaths),
        accessPaths("InaccessibleDirectories", \.exec.namespaces.inaccessiblePaths),
        accessPaths("ExecPaths", \.exec.namespaces.execPaths),
        accessPaths("NoExecPaths", \.exec.namespaces.noExecPaths),
        bindMounts("BindPaths", readOnly: false),
        bindMounts("BindReadOnlyPaths", readOnly: true),
        PropertyDescriptor(name: "TemporaryFileSystem", sections: ["Service"], expandsSpecifiers: true) {
            (unit: inout Unit, value: String) throws(ValueError) in
            if value.isEmpty { return unit.exec.namespaces.temporaryFileSystems = [] }
            let parsed = try Grammar.temporaryFileSystems(value)
            unit.exec.namespaces.temporaryFileSystems += parsed.value
            try parsed.reportWarnings()
        },
        PropertyDescriptor(name: "NetworkNamespacePath", sections: ["Service"], expandsSpecifiers: true) {
            (unit: inout Unit, value: String) throws(ValueError) in
            unit.exec.namespaces.networkNamespacePath = value.isEmpty ? nil : try Grammar.absolutePath(value)
        },
        PropertyDescriptor(name: "RootDirectory", sections: ["Service"], expandsSpecifiers: true) {
            (unit: inout Unit, value: String) throws(ValueError) in
            unit.exec.namespaces.rootDirectory = value.isEmpty ? nil : try Grammar.rootDirectory(value)
        },
        optional("UMask", \.exec.umask, Grammar.fileMode),
        optional("Nice", \.exec.nice, Grammar.nice),
        optional("OOMScoreAdjust", \.exec.oomScoreAdjust, Grammar.oomScoreAdjust),
        optional("CPUSchedulingPolicy", \.exec.schedulingPolicy, Grammar.schedulingPolicy),
        optional("CPUSchedulingPriority", \.exec.schedulingPriority, Grammar.schedulingPriority),
        boolean("CPUSchedulingResetOnFork", ["Service"], \.exec.schedulingResetOnFork),
        optional("IOSchedulingClass", \.exec.ioSchedulingClass, Grammar.ioSchedulingClass),
        optional("IOSchedulingPriority", \.exec.ioSchedulingPriority, Grammar.ioSchedulingPriority),
        PropertyDescriptor(name: "CPUAffinity", sections: ["Service"]) {
            (unit: inout Unit, value: String) throws(ValueError) in
            if value.isEmpty { return unit.exec.cpuAffinity = nil }
            unit.exec.cpuAffinity = (unit.exec.cpuAffinity ?? []) + (try Grammar.cpuAffinity(value))
        },
        PropertyDescriptor(name: "SupplementaryGroups", sections: ["Service"], expandsSpecifiers: true) {
            (unit: inout Unit, value: String) throws(ValueError) in
            if value.isEmpty { return unit.exec.supplementaryGroups = [] }
            let names = try Grammar.words(value)
            if let bad = names.first(where: { !Grammar.isValidUserOrGroupName($0) }) {
                throw ValueError("Invalid user/group name or numeric ID: \(bad)", severity: .error)
            }
            unit.exec.supplementaryGroups += names.filter { !unit.exec.supplementaryGroups.contains($0) }
        },
        capabilities("AmbientCapabilities", \.exec.ambientCapabilities),
        PropertyDescriptor(name: "LoadCredential", sections: ["Service"], expandsSpecifiers: true) {
            (unit: inout Unit, value: String) throws(ValueError) in
            if value.isEmpty { return unit.exec.loadCredentials = [] }
            let (id, rest) = try Grammar.credential(value, requiresValue: false)
            unit.exec.loadCredentials.removeAll { $0.id == id }
            unit.exec.loadCredentials.append(CredentialFile(id: id, path: rest ?? id))
        },
        PropertyDescriptor(name: "SetCredential", sections: ["Service"], expandsSpecifiers: true) {
            (unit: inout Unit, value: String) throws(ValueError) in
            if value.isEmpty { return unit.exec.setCredentials = [] }
            let (id, rest) = try Grammar.credential(value, requiresValue: true)
            let text: String
            do {
                text = try Words.cUnescape(rest ?? "")
            } catch {
                throw ValueError("Invalid syntax, ignoring: \(value)")
            }
            unit.exec.setCredentials.removeAll { $0.id == id }
            unit.exec.setCredentials.append(CredentialValue(id: id, value: text))
        },
        PropertyDescriptor(name: "UnsetEnvironment", sections: ["Service"], expandsSpecifiers: true) {
            (unit: inout Unit, value: String) throws(ValueError) in
            if value.isEmpty { return unit.exec.unsetEnvironment = [] }
            let parsed = try Grammar.unsetEnvironment(value)
            unit.exec.unsetEnvironment += parsed.value.filter { !unit.exec.unsetEnvironment.contains($0) }
            try parsed.reportWarnings()
        },
        optionalString("SyslogIdentifier", ["Service"], \.exec.syslogIdentifier),
        boolean("RemoveIPC", ["Service"], \.exec.removeIPC),
        PropertyDescriptor(name: "Personality", sections: ["Service"]) {
            (unit: inout Unit, value: String) throws(ValueError) in
            if value.isEmpty { return unit.exec.personality = nil }
            guard let domain = ["x86-64": UInt32(0), "x86": 8][value] else {
                throw ValueError("Failed to parse personality, ignoring: \(value)")
            }
            unit.exec.personality = domain
        },
        PropertyDescriptor(name: "SecureBits", sections: ["Service"]) {
            (unit: inout Unit, value: String) throws(ValueError) in
            // Unknown words are dropped without a word, as systemd drops them.
            let bits: [String: Int32] = [
                "noroot": 1 << 0, "noroot-locked": 1 << 1, "no-setuid-fixup": 1 << 2,
                "no-setuid-fixup-locked": 1 << 3, "keep-caps": 1 << 4, "keep-caps-locked": 1 << 5,
            ]
            unit.exec.secureBits = value.isEmpty ? nil : try Grammar.words(value).reduce(0) { $0 | (bits[$1] ?? 0) }
        },
        PropertyDescriptor(name: "KeyringMode", sections: ["Service"]) {
            (unit: inout Unit, value: String) throws(ValueError) in
            guard let mode = KeyringMode(rawValue: value) else {
                throw ValueError("Failed to parse keyring mode, ignoring: \(value)")
            }
            unit.exec.keyringMode = mode
        },
    ]

    /// `ExecStart=` and friends: an empty value empties the list, each other line appends.
    /// Specifiers are expanded in each word after splitting, as systemd does.
    private static func commands(_ name: String, _ field: WritableKeyPath<Unit, [ExecCommand]> & Sendable)
        -> PropertyDescriptor
    {
        PropertyDescriptor(name: name, sections: ["Service"]) {
            (unit: inout Unit, value: String, expand: ExecGrammar.SpecifierExpansion) throws(ValueError) in
            if value.isEmpty { return unit[keyPath: field] = [] }
            let parsed = try ExecGrammar.parseCommands(value, expandingSpecifiers: expand)
            unit[keyPath: field] += parsed.value
            try parsed.reportWarnings()
        }
    }

    /// `ReadWritePaths=` and its family: each line adds paths, an empty one empties the list.
    private static func accessPaths(_ name: String, _ field: WritableKeyPath<Unit, [AccessPath]> & Sendable)
        -> PropertyDescriptor
    {
        PropertyDescriptor(name: name, sections: ["Service"], expandsSpecifiers: true) {
            (unit: inout Unit, value: String) throws(ValueError) in
            if value.isEmpty { return unit[keyPath: field] = [] }
            let parsed = try Grammar.accessPaths(value, directive: name)
            unit[keyPath: field] += parsed.value
            try parsed.reportWarnings()
        }
    }

    /// `BindPaths=`, `BindReadOnlyPaths=`: one list in the order given; an empty line empties both.
    private static func bindMounts(_ name: String, readOnly: Bool) -> PropertyDescriptor {
        PropertyDescriptor(name: name, sections: ["Service"], expandsSpecifiers: true) {
            (unit: inout Unit, value: String) throws(ValueError) in
            if value.isEmpty { return unit.exec.namespaces.bindMounts = [] }
            let parsed = try Grammar.bindMounts(value, readOnly: readOnly, directive: name)
            unit.exec.namespaces.bindMounts += parsed.value
            try parsed.reportWarnings()
        }
    }

    /// `TimeoutSec=` and friends: a time span where 0 means no timeout.
    private static func timeout(
        _ name: String, sections: Set<String>, _ fields: [WritableKeyPath<Unit, USec?> & Sendable]
    ) -> PropertyDescriptor {
        PropertyDescriptor(name: name, sections: sections) { (unit: inout Unit, value: String) throws(ValueError) in
            let span = try Grammar.timeSpan(value)
            for field in fields { unit[keyPath: field] = span == 0 ? .infinity : span }
        }
    }

    /// `User=`, `Group=`: a name or a numeric id; a malformed one makes the unit fail to load.
    private static func userOrGroup(_ name: String, _ field: WritableKeyPath<Unit, String?> & Sendable)
        -> PropertyDescriptor
    {
        PropertyDescriptor(name: name, sections: ["Service"], expandsSpecifiers: true) {
            (unit: inout Unit, value: String) throws(ValueError) in
            if value.isEmpty { return unit[keyPath: field] = nil }
            guard Grammar.isValidUserOrGroupName(value) else {
                throw ValueError("invalid user or group name '\(value)'", severity: .error)
            }
            unit[keyPath: field] = value
        }
    }
}

// MARK: - Limit*=

extension PropertyTable {
    /// `RuntimeDirectory=`, `RuntimeDirectoryMode=` and the other kinds', and `RuntimeDirectoryPreserve=`.
    static let directoryDirectives: [PropertyDescriptor] =
        ExecDirectoryKind.allCases.flatMap { kind in
            [
                PropertyDescriptor(name: kind.rawValue + "Directory", sections: ["Service"], expandsSpecifiers: true) {
                    (unit: inout Unit, value: String) throws(ValueError) in
                    if value.isEmpty { return unit.exec.directories.directories[kind] = nil }
                    let parsed = try Grammar.execDirectories(value, directive: kind.rawValue + "Directory")
                    var list = unit.exec.directories.directories[kind] ?? []
                    for directory in parsed.value {
                        if let index = list.firstIndex(where: { $0.name == directory.name }) {
                            list[index].symlinks += directory.symlinks.filter { !list[index].symlinks.contains($0) }
                        } else {
                            list.append(directory)
                        }
                    }
                    unit.exec.directories.directories[kind] = list
                    try parsed.reportWarnings()
                },
                PropertyDescriptor(name: kind.rawValue + "DirectoryMode", sections: ["Service"]) {
                    (unit: inout Unit, value: String) throws(ValueError) in
                    unit.exec.directories.modes[kind] = value.isEmpty ? nil : try Grammar.fileMode(value)
                },
            ]
        } + [
            PropertyDescriptor(name: "RuntimeDirectoryPreserve", sections: ["Service"]) {
                (unit: inout Unit, value: String) throws(ValueError) in
                if value == "restart" { return unit.exec.directories.runtimePreserve = .restart }
                guard let preserve = try? Grammar.boolean(value) else {
                    throw ValueError("Failed to parse runtime directory preserve mode, ignoring: \(value)")
                }
                unit.exec.directories.runtimePreserve = preserve ? .yes : .no
            }
        ]

    static let limitDirectives: [PropertyDescriptor] = [
        ("LimitCPU", .cpu), ("LimitFSIZE", .fsize), ("LimitDATA", .data), ("LimitSTACK", .stack),
        ("LimitCORE", .core), ("LimitRSS", .rss), ("LimitNOFILE", .nofile), ("LimitAS", .as),
        ("LimitNPROC", .nproc), ("LimitMEMLOCK", .memlock), ("LimitLOCKS", .locks),
        ("LimitSIGPENDING", .sigpending), ("LimitMSGQUEUE", .msgqueue), ("LimitNICE", .nice),
        ("LimitRTPRIO", .rtprio), ("LimitRTTIME", .rttime),
    ].map { (name: String, resource: RLimitResource) in
        PropertyDescriptor(name: name, sections: ["Service"]) { (unit: inout Unit, value: String) throws(ValueError) in
            unit.exec.limits[resource] = try Grammar.resourceLimit(value, for: resource)
        }
    }
}

// MARK: - Resource control

extension PropertyTable {
    static let resourceSections: Set<String> = ["Service", "Slice", "Scope"]

    static let resourceDirectives: [PropertyDescriptor] = [
        PropertyDescriptor(name: "DevicePolicy", sections: resourceSections) {
            (unit: inout Unit, value: String) throws(ValueError) in
            guard let policy = DevicePolicy(rawValue: value) else {
                throw ValueError("Failed to parse device policy, ignoring: \(value)")
            }
            unit.resources.devicePolicy = policy
        },
        PropertyDescriptor(name: "DeviceAllow", sections: resourceSections, expandsSpecifiers: true) {
            (unit: inout Unit, value: String) throws(ValueError) in
            if value.isEmpty { return unit.resources.deviceAllow = [] }
            unit.resources.deviceAllow.append(try Grammar.deviceAllowance(value))
        },
        memory("MemoryMin", \.resources.memoryMin, allowsZero: true),
        memory("MemoryLow", \.resources.memoryLow, allowsZero: true),
        memory("MemoryHigh", \.resources.memoryHigh, allowsZero: false),
        memory("MemoryMax", \.resources.memoryMax, allowsZero: false),
        memory("MemorySwapMax", \.resources.memorySwapMax, allowsZero: true),
        memory("MemoryLimit", \.resources.memoryLimit, allowsZero: false),
        resource("CPUQuota", \.resources.cpuQuotaPerSec, Grammar.cpuQuota),
        resource("CPUQuotaPeriodSec", \.resources.cpuQuotaPeriod) { value throws(ValueError) in
            // `infinity` is the same as unset: the kernel's default period.
            let period = try Grammar.timeSpan(value)
            return period == .infinity ? nil : period
        },
        resource("CPUWeight", \.resources.cpuWeight, Grammar.cpuWeight),
        resource("StartupCPUWeight", \.resources.startupCPUWeight, Grammar.cpuWeight),
        weight("CPUShares", \.resources.cpuShares, 2...262_144, of: "CPU shares"),
        weight("StartupCPUShares", \.resources.startupCPUShares, 2...262_144, of: "CPU shares"),
        cpuSet("AllowedCPUs", \.resources.allowedCPUs),
        cpuSet("AllowedMemoryNodes", \.resources.allowedMemoryNodes),
        weight("IOWeight", \.resources.ioWeight, 1...10_000, of: "IO weight"),
        weight("StartupIOWeight", \.resources.startupIOWeight, 1...10_000, of: "IO weight"),
        deviceWeight("IODeviceWeight", \.resources.ioDeviceWeights, 1...10_000, of: "IO weight"),
        deviceLimit("IOReadBandwidthMax", \.resources.ioDeviceLimits, .readBandwidth),
        deviceLimit("IOWriteBandwidthMax", \.resources.ioDeviceLimits, .writeBandwidth),
        deviceLimit("IOReadIOPSMax", \.resources.ioDeviceLimits, .readIOPS),
        deviceLimit("IOWriteIOPSMax", \.resources.ioDeviceLimits, .writeIOPS),
        weight("BlockIOWeight", \.resources.blockIOWeight, 10...1000, of: "block IO weight"),
        weight("StartupBlockIOWeight", \.resources.startupBlockIOWeight, 10...1000, of: "block IO weight"),
        deviceWeight("BlockIODeviceWeight", \.resources.blockIODeviceWeights, 10...1000, of: "block IO weight"),
        deviceLimit("BlockIOReadBandwidth", \.resources.blockIODeviceBandwidths, .readBandwidth, allowsInfinity: false),
        deviceLimit(
            "BlockIOWriteBandwidth", \.resources.blockIODeviceBandwidths, .writeBandwidth, allowsInfinity: false),
        resource("TasksMax", \.resources.tasksMax, Grammar.tasksMax),
        PropertyDescriptor(name: "Delegate", sections: ["Service", "Scope"]) {
            (unit: inout Unit, value: String) throws(ValueError) in
            if value.isEmpty {
                unit.resources.delegate = false
                return unit.resources.delegateControllers = []
            }
            if let delegate = try? Grammar.boolean(value) {
                unit.resources.delegate = delegate
                return unit.resources.delegateControllers = delegate ? Set(Controller.allCases) : []
            }
            // A controller list delegates, even when one of its names is refused.
            unit.resources.delegate = true
            try Grammar.controllers(value, into: &unit.resources.delegateControllers)
        },
        ipAddressList("IPAddressAllow", \.resources.ipAddressAllow),
        ipAddressList("IPAddressDeny", \.resources.ipAddressDeny),
        PropertyDescriptor(name: "DisableControllers", sections: resourceSections) {
            (unit: inout Unit, value: String) throws(ValueError) in
            if value.isEmpty { return unit.resources.disableControllers = [] }
            try Grammar.controllers(value, into: &unit.resources.disableControllers)
        },
        boolean("CPUAccounting", resourceSections, \.resources.cpuAccounting),
        boolean("MemoryAccounting", resourceSections, \.resources.memoryAccounting),
        boolean("IOAccounting", resourceSections, \.resources.ioAccounting),
        boolean("BlockIOAccounting", resourceSections, \.resources.ioAccounting),
        boolean("TasksAccounting", resourceSections, \.resources.tasksAccounting),
        PropertyDescriptor(name: "Slice", sections: ["Service", "Scope"], expandsSpecifiers: true) {
            (unit: inout Unit, value: String) throws(ValueError) in
            guard Grammar.isValidUnitName(value), value.hasSuffix(".slice"), !value.contains("@") else {
                throw ValueError("invalid slice name '\(value)'")
            }
            unit.resources.slice = value
        },
    ]

    /// A resource setting whose empty value means "not set".
    private static func resource<Value>(
        _ name: String, _ field: WritableKeyPath<Unit, Value?> & Sendable,
        _ parse: @escaping @Sendable (String) throws(ValueError) -> Value?
    ) -> PropertyDescriptor {
        PropertyDescriptor(name: name, sections: resourceSections) {
            (unit: inout Unit, value: String) throws(ValueError) in
            unit[keyPath: field] = value.isEmpty ? nil : try parse(value)
        }
    }

    private static func memory(
        _ name: String, _ field: WritableKeyPath<Unit, MemoryLimit?> & Sendable, allowsZero: Bool
    ) -> PropertyDescriptor {
        resource(name, field) { value throws(ValueError) in try Grammar.memoryLimit(value, allowsZero: allowsZero) }
    }

    private static func weight(
        _ name: String, _ field: WritableKeyPath<Unit, UInt64?> & Sendable, _ range: ClosedRange<UInt64>,
        of quantity: String
    ) -> PropertyDescriptor {
        resource(name, field) { value throws(ValueError) in try Grammar.weight(value, in: range, of: quantity) }
    }

    /// `AllowedCPUs=`: each line adds to the set, an empty one clears it.
    private static func cpuSet(_ name: String, _ field: WritableKeyPath<Unit, CPUSet?> & Sendable)
        -> PropertyDescriptor
    {
        PropertyDescriptor(name: name, sections: resourceSections) {
            (unit: inout Unit, value: String) throws(ValueError) in
            if value.isEmpty { return unit[keyPath: field] = nil }
            let added = try Grammar.cpuSet(value)
            unit[keyPath: field] = CPUSet((unit[keyPath: field]?.indices ?? []) + added.value.indices)
            try added.reportWarnings()
        }
    }

    /// `IODeviceWeight=PATH WEIGHT`: an empty value clears the list.
    private static func deviceWeight(
        _ name: String, _ field: WritableKeyPath<Unit, [IODeviceWeight]> & Sendable,
        _ range: ClosedRange<UInt64>, of quantity: String
    ) -> PropertyDescriptor {
        PropertyDescriptor(name: name, sections: resourceSections, expandsSpecifiers: true) {
            (unit: inout Unit, value: String) throws(ValueError) in
            if value.isEmpty { return unit[keyPath: field] = [] }
            let line = try Grammar.deviceAndValue(value)
            let weight = try Grammar.weight(line.value, in: range, of: quantity)
            unit[keyPath: field].removeAll { $0.path == line.path }
            unit[keyPath: field].append(IODeviceWeight(path: line.path, weight: weight))
        }
    }

    /// `IOReadBandwidthMax=PATH LIMIT` and friends: an empty value lifts this kind of limit on every device.
    /// The legacy `BlockIO*Bandwidth=` refuse `infinity`.
    private static func deviceLimit(
        _ name: String, _ field: WritableKeyPath<Unit, [IODeviceLimit]> & Sendable, _ kind: IOLimitKind,
        allowsInfinity: Bool = true
    ) -> PropertyDescriptor {
        PropertyDescriptor(name: name, sections: resourceSections, expandsSpecifiers: true) {
            (unit: inout Unit, value: String) throws(ValueError) in
            if value.isEmpty {
                for index in unit[keyPath: field].indices { unit[keyPath: field][index].limits[kind] = nil }
                return
            }
            let line = try Grammar.deviceAndValue(value)
            guard allowsInfinity || line.value != "infinity" else {
                throw ValueError("invalid IO limit '\(line.value)'")
            }
            let limit = try Grammar.ioLimit(line.value)
            if let index = unit[keyPath: field].firstIndex(where: { $0.path == line.path }) {
                unit[keyPath: field][index].limits[kind] = limit
            } else {
                unit[keyPath: field].append(IODeviceLimit(path: line.path, limits: [kind: limit]))
            }
        }
    }
}

// MARK: - [Install]

extension PropertyTable {
    static let installDirectives: [PropertyDescriptor] = [
        installList("WantedBy", \.install.wantedBy),
        installList("RequiredBy", \.install.requiredBy),
        installList("Alias", \.install.alias),
        installList("Also", \.install.also),
        optionalString("DefaultInstance", ["Install"], \.install.defaultInstance),
    ]

    /// `[Install]` lists: each line adds its words, an empty one clears the list.
    private static func installList(_ name: String, _ field: WritableKeyPath<Unit, [String]> & Sendable)
        -> PropertyDescriptor
    {
        PropertyDescriptor(name: name, sections: ["Install"], expandsSpecifiers: true) {
            (unit: inout Unit, value: String) throws(ValueError) in
            if value.isEmpty { return unit[keyPath: field] = [] }
            unit[keyPath: field] += try Grammar.words(value)
        }
    }
}

// MARK: - Shapes shared by several sections

extension PropertyTable {
    /// A boolean; systemd refuses an empty value here rather than resetting.
    private static func boolean(
        _ name: String, _ sections: Set<String>, _ field: WritableKeyPath<Unit, Bool> & Sendable
    )
        -> PropertyDescriptor
    {
        PropertyDescriptor(name: name, sections: sections) { (unit: inout Unit, value: String) throws(ValueError) in
            unit[keyPath: field] = try Grammar.boolean(value)
        }
    }

    /// A `[Service]` setting kept as an optional: an empty value resets it to unset.
    private static func optional<Value: Sendable>(
        _ name: String, _ field: WritableKeyPath<Unit, Value?> & Sendable,
        _ parse: @escaping @Sendable (String) throws(ValueError) -> Value
    ) -> PropertyDescriptor {
        PropertyDescriptor(name: name, sections: ["Service"]) { (unit: inout Unit, value: String) throws(ValueError) in
            unit[keyPath: field] = value.isEmpty ? nil : try parse(value)
        }
    }

    /// A capability set; an empty value makes it the empty set.
    private static func capabilities(_ name: String, _ field: WritableKeyPath<Unit, CapabilitySet?> & Sendable)
        -> PropertyDescriptor
    {
        PropertyDescriptor(name: name, sections: ["Service"]) { (unit: inout Unit, value: String) throws(ValueError) in
            if value.isEmpty { return unit[keyPath: field] = CapabilitySet(mask: 0) }
            let parsed = try Grammar.capabilities(value, merging: unit[keyPath: field])
            unit[keyPath: field] = parsed.value
            try parsed.reportWarnings()
        }
    }

    /// A time span; systemd refuses an empty value here rather than resetting.
    private static func timeSpan(
        _ name: String, _ sections: Set<String>, _ field: WritableKeyPath<Unit, USec> & Sendable
    )
        -> PropertyDescriptor
    {
        PropertyDescriptor(name: name, sections: sections) { (unit: inout Unit, value: String) throws(ValueError) in
            unit[keyPath: field] = try Grammar.timeSpan(value)
        }
    }

    /// Free text with specifiers; empty means unset.
    private static func optionalString(
        _ name: String, _ sections: Set<String>, _ field: WritableKeyPath<Unit, String?> & Sendable
    ) -> PropertyDescriptor {
        PropertyDescriptor(name: name, sections: sections, expandsSpecifiers: true) {
            (unit: inout Unit, value: String) throws(ValueError) in
            unit[keyPath: field] = value.isEmpty ? nil : value
        }
    }

    /// One of an enumeration's raw values. An empty value is refused unless `emptyResets`, in which
    /// case it restores the value a fresh unit has.
    private static func enumeration<Value: RawRepresentable<String> & Sendable>(
        _ name: String, _ sections: Set<String>, _ field: WritableKeyPath<Unit, Value> & Sendable, what: String,
        emptyResets: Bool = false, unsupported: Set<String> = []
    ) -> PropertyDescriptor {
        PropertyDescriptor(name: name, sections: sections) { (unit: inout Unit, value: String) throws(ValueError) in
            if value.isEmpty && emptyResets {
                return unit[keyPath: field] = Unit(name: unit.name, type: unit.type)[keyPath: field]
            }
            if unsupported.contains(value) { throw ValueError("\(what) '\(value)' is not supported by Corral") }
            guard let parsed = Value(rawValue: value) else { throw ValueError("invalid \(what) '\(value)'") }
            unit[keyPath: field] = parsed
        }
    }
}

extension ParsedValue {
    /// Throws the warnings met while parsing as one, once the accepted part has been applied.
    fileprivate func reportWarnings() throws(ValueError) {
        guard !warnings.isEmpty else { return }
        throw ValueError(warnings.map(\.message).joined(separator: "; "))
    }
}
