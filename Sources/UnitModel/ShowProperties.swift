/// One line (or, for per-entry properties, one group of lines) of `systemctl show`.
public struct ShowProperty: Sendable, Equatable {
    /// The D-Bus property name, as `systemctl show -p NAME` takes it.
    public var name: String
    public var value: ShowValue

    public init(name: String, value: ShowValue) {
        self.name = name
        self.value = value
    }
}

/// A property value, typed as on D-Bus. The text rendering follows `systemctl show`; the JSON rendering
/// uses numbers for sizes, counts and microseconds and `null` for `infinity` and `[not set]`.
public enum ShowValue: Sendable, Equatable {
    case string(String)
    case boolean(Bool)
    case number(UInt64)
    case integer(Int64)
    /// No limit: text `infinity`, JSON `null`.
    case infinity
    /// A weight or share left at the kernel's default: text `[not set]`, JSON `null`.
    case notSet
    /// Microseconds, printed with `format_timespan`; JSON: the number, or `null` for infinity.
    case timespan(USec)
    /// Words joined by spaces, each shell-quoted when needed; JSON: an array of strings.
    case list([String])
    /// A CPU or NUMA node set, as ranges separated by spaces (`0-3 7`); JSON: an array of indices.
    case cpuSet(CPUSet)
    /// `ExecStart=` and friends, one `{ path=… ; argv[]=… ; ignore_errors=… … }` line per command.
    case commands([ExecCommand])
    /// `ExecStartEx=` and friends, one `{ path=… ; argv[]=… ; flags=… … }` line per command.
    case commandsEx([ExecCommand])
    /// Per-device values (`IOReadBandwidthMax=/dev/vda 10000000`), one line per entry.
    case devices([DeviceValue])
    /// `EnvironmentFiles=`, one `PATH (ignore_errors=yes)` line per file.
    case environmentFiles([EnvironmentFile])
    /// `SuccessExitStatus=`: exit codes, then signal names (`USR1`).
    case exitStatus(ExitStatusSet)
    /// `SystemCallFilter=`: the names, with `~` in front for a deny list.
    case systemCallFilter(SystemCallFilter)
}

/// A device path with a weight or limit.
public struct DeviceValue: Sendable, Equatable {
    public var path: String
    public var value: UInt64

    public init(path: String, value: UInt64) {
        self.path = path
        self.value = value
    }
}

/// The properties `systemctl show` prints for a unit that is loaded but has never run.
///
/// Only what Corral models is shown, in systemd 252's order: the type's own interface (`Service`, `Scope`,
/// `Slice`) first, with its cgroup, execution and kill properties, then `Unit`. Like systemctl without `--all`,
/// empty strings and lists are left out. Runtime state (`MainPID=`, `MemoryCurrent=`, `ActiveState=` …) and the
/// implicit dependencies systemd adds at load time are not part of a `Unit` and so are not shown.
public enum ShowProperties {
    public static func properties(of unit: Unit, host: HostFacts) -> [ShowProperty] {
        var list = PropertyList()
        switch unit.type {
        case .service:
            list.addService(unit.service)
            list.addCgroup(unit, host: host)
            list.addExec(unit.exec)
            list.addKill(unit.service)
        case .scope:
            list.add("TimeoutStopUSec", .timespan(unit.service.stopTimeout))
            list.add("OOMPolicy", .string(unit.service.oomPolicy.rawValue))
            list.addCgroup(unit, host: host)
            list.addKill(unit.service)
        case .slice:
            list.addCgroup(unit, host: host)
        case .target:
            break
        }
        list.addUnit(unit)
        return list.properties
    }

    /// `Name=Value` lines, each ending in a newline; per-entry properties give one line per entry.
    public static func text(_ properties: [ShowProperty]) -> String {
        var output = ""
        for property in properties {
            for line in textValues(property.value) {
                output += "\(property.name)=\(line)\n"
            }
        }
        return output
    }

    /// One compact JSON object, properties in order, without a trailing newline.
    ///
    /// Strings and booleans as themselves; bytes, counts and microseconds as numbers; `infinity` and
    /// `[not set]` as `null`; lists and CPU sets as arrays; `Exec*` as arrays of
    /// `{"path","argv","ignore_errors"}` (`Exec*Ex`: `{"path","argv","flags"}` with systemd's flag names);
    /// device values as `{"path","value"}`; environment files as `{"path","ignore_errors"}`;
    /// `SuccessExitStatus` as `{"statuses","signals"}`; `SystemCallFilter` as `{"allow_list","names"}`.
    public static func json(_ properties: [ShowProperty]) -> String {
        JSONValue.object(jsonMembers(properties)).rendered()
    }

    /// The members of `json(_:)`'s object, for callers that add their own (`LoadState`, `Diagnostics`).
    public static func jsonMembers(_ properties: [ShowProperty]) -> [(String, JSONValue)] {
        properties.map { ($0.name, jsonValue($0.value)) }
    }

    // MARK: - Text

    private static func textValues(_ value: ShowValue) -> [String] {
        switch value {
        case .string(let text): return [text.contains("\n") ? "[unprintable]" : text]
        case .boolean(let flag): return [flag ? "yes" : "no"]
        case .number(let number): return [String(number)]
        case .integer(let number): return [String(number)]
        case .infinity: return ["infinity"]
        case .notSet: return ["[not set]"]
        case .timespan(let usec): return [ShowFormatting.timespan(usec)]
        case .list(let words): return [words.map(ShowFormatting.shellQuoted).joined(separator: " ")]
        case .cpuSet(let set): return [rangeList(set)]
        case .commands(let commands):
            return commands.map { command in
                "{ path=\(command.path) ; argv[]=\(command.argv.joined(separator: " ")) ; "
                    + "ignore_errors=\(command.flags.contains(.ignoreFailure) ? "yes" : "no") ; \(notRunYet) }"
            }
        case .commandsEx(let commands):
            return commands.map { command in
                "{ path=\(command.path) ; argv[]=\(command.argv.joined(separator: " ")) ; "
                    + "flags=\(flagNames(command.flags).joined(separator: " ")) ; \(notRunYet) }"
            }
        case .devices(let entries): return entries.map { "\($0.path) \($0.value)" }
        case .environmentFiles(let files):
            return files.map { "\($0.path) (ignore_errors=\($0.missingOK ? "yes" : "no"))" }
        case .exitStatus(let set):
            return [(set.statuses.map { String($0) } + set.signals.map(Grammar.signalName)).joined(separator: " ")]
        case .systemCallFilter(let filter):
            return [(filter.allowList ? "" : "~") + filter.names.joined(separator: " ")]
        }
    }

    /// The run-time fields of an exec command line that has never been started.
    private static let notRunYet = "start_time=[n/a] ; stop_time=[n/a] ; pid=0 ; code=(null) ; status=0/0"

    /// systemd's `cpu_set_to_range_string`: `0-3 7`.
    private static func rangeList(_ set: CPUSet) -> String {
        set.listFormat.split(separator: ",").joined(separator: " ")
    }

    /// systemd's `exec_command_flags_to_strv` names, in its bit order.
    private static func flagNames(_ flags: ExecFlags) -> [String] {
        let names: [(ExecFlags, String)] = [
            (.ignoreFailure, "ignore-failure"), (.fullPrivileges, "privileged"), (.noSetuid, "no-setuid"),
            (.ambientFallback, "ambient"), (.noEnvironmentExpansion, "no-env-expand"),
        ]
        return names.filter { flags.contains($0.0) }.map(\.1)
    }

    // MARK: - JSON

    private static func jsonValue(_ value: ShowValue) -> JSONValue {
        switch value {
        case .string(let text): return .string(text)
        case .boolean(let flag): return .bool(flag)
        case .number(let number): return .number(number)
        case .integer(let number): return .integer(number)
        case .infinity, .notSet: return .null
        case .timespan(let usec): return usec == .infinity ? .null : .number(usec)
        case .list(let words): return strings(words)
        case .cpuSet(let set): return .array(set.indices.map { .integer(Int64($0)) })
        case .commands(let commands):
            return .array(
                commands.map { command in
                    .object([
                        ("path", .string(command.path)),
                        ("argv", strings(command.argv)),
                        ("ignore_errors", .bool(command.flags.contains(.ignoreFailure))),
                    ])
                })
        case .commandsEx(let commands):
            return .array(
                commands.map { command in
                    .object([
                        ("path", .string(command.path)),
                        ("argv", strings(command.argv)),
                        ("flags", strings(flagNames(command.flags))),
                    ])
                })
        case .devices(let entries):
            return .array(entries.map { .object([("path", .string($0.path)), ("value", .number($0.value))]) })
        case .environmentFiles(let files):
            return .array(files.map { .object([("path", .string($0.path)), ("ignore_errors", .bool($0.missingOK))]) })
        case .exitStatus(let set):
            return .object([
                ("statuses", .array(set.statuses.map { .integer(Int64($0)) })),
                ("signals", strings(set.signals.map(Grammar.signalName))),
            ])
        case .systemCallFilter(let filter):
            return .object([("allow_list", .bool(filter.allowList)), ("names", strings(filter.names))])
        }
    }

    private static func strings(_ words: [String]) -> JSONValue {
        .array(words.map(JSONValue.string))
    }
}

/// Collects properties in order, leaving out the empty values `systemctl show` skips without `--all`.
private struct PropertyList {
    var properties: [ShowProperty] = []

    mutating func add(_ name: String, _ value: ShowValue) {
        switch value {
        case .string(let text) where text.isEmpty: return
        case .list(let words) where words.isEmpty: return
        case .cpuSet(let set) where set.indices.isEmpty: return
        case .commands(let commands) where commands.isEmpty: return
        case .commandsEx(let commands) where commands.isEmpty: return
        case .devices(let entries) where entries.isEmpty: return
        case .environmentFiles(let files) where files.isEmpty: return
        case .exitStatus(let set) where set.statuses.isEmpty && set.signals.isEmpty: return
        case .systemCallFilter(let filter) where !filter.allowList && filter.names.isEmpty: return
        default: properties.append(ShowProperty(name: name, value: value))
        }
    }

    /// `org.freedesktop.systemd1.Service`.
    mutating func addService(_ service: ServiceSettings) {
        add("Type", .string(service.type.rawValue))
        add("Restart", .string(service.restart.rawValue))
        add("PIDFile", .string(service.pidFile ?? ""))
        let notifyAccess = service.notifyAccess ?? (service.type == .notify ? .main : NotifyAccess.none)
        add("NotifyAccess", .string(notifyAccess.rawValue))
        add("RestartUSec", .timespan(service.restartDelay))
        add("TimeoutStartUSec", .timespan(service.startTimeout))
        add("TimeoutStopUSec", .timespan(service.stopTimeout))
        add("RemainAfterExit", .boolean(service.remainAfterExit))
        // systemd keeps these in bitmaps: sorted, without duplicates.
        let success = service.successExitStatus
        add(
            "SuccessExitStatus",
            .exitStatus(ExitStatusSet(statuses: Set(success.statuses).sorted(), signals: Set(success.signals).sorted()))
        )
        add("OOMPolicy", .string(service.oomPolicy.rawValue))
        let commandLists: [(String, [ExecCommand])] = [
            ("ExecStartPre", service.execStartPre), ("ExecStart", service.execStart),
            ("ExecStartPost", service.execStartPost), ("ExecReload", service.execReload),
            ("ExecStop", service.execStop), ("ExecStopPost", service.execStopPost),
        ]
        for (name, commands) in commandLists {
            add(name, .commands(commands))
            add(name + "Ex", .commandsEx(commands))
        }
    }

    /// The cgroup part of the type's interface: `Slice=` and the resource-control settings.
    mutating func addCgroup(_ unit: Unit, host: HostFacts) {
        let resources = unit.resources
        add("Slice", .string(unit.sliceName ?? ""))
        add("Delegate", .boolean(resources.delegate))
        add("DelegateControllers", .list(resources.delegate ? delegatedControllerNames(resources) : []))
        add("CPUAccounting", .boolean(resources.cpuAccounting))
        add("CPUWeight", cpuWeight(resources.cpuWeight))
        add("StartupCPUWeight", cpuWeight(resources.startupCPUWeight))
        add("CPUShares", resources.cpuShares.map(ShowValue.number) ?? .notSet)
        add("StartupCPUShares", resources.startupCPUShares.map(ShowValue.number) ?? .notSet)
        add("CPUQuotaPerSecUSec", .timespan(resources.cpuQuotaPerSec ?? .infinity))
        add("CPUQuotaPeriodUSec", .timespan(resources.cpuQuotaPeriod ?? .infinity))
        add("AllowedCPUs", .cpuSet(resources.allowedCPUs ?? CPUSet([])))
        add("AllowedMemoryNodes", .cpuSet(resources.allowedMemoryNodes ?? CPUSet([])))
        add("IOAccounting", .boolean(resources.ioAccounting))
        add("IOWeight", resources.ioWeight.map(ShowValue.number) ?? .notSet)
        add("StartupIOWeight", resources.startupIOWeight.map(ShowValue.number) ?? .notSet)
        // systemd prepends each device entry to its list, so the last one mentioned comes first.
        add("IODeviceWeight", .devices(resources.ioDeviceWeights.reversed().map(DeviceValue.init)))
        let ioLimitNames: [(IOLimitKind, String)] = [
            (.readBandwidth, "IOReadBandwidthMax"), (.writeBandwidth, "IOWriteBandwidthMax"),
            (.readIOPS, "IOReadIOPSMax"), (.writeIOPS, "IOWriteIOPSMax"),
        ]
        for (kind, name) in ioLimitNames {
            add(name, .devices(deviceLimits(resources.ioDeviceLimits, kind)))
        }
        add("BlockIOWeight", resources.blockIOWeight.map(ShowValue.number) ?? .notSet)
        add("StartupBlockIOWeight", resources.startupBlockIOWeight.map(ShowValue.number) ?? .notSet)
        add("BlockIODeviceWeight", .devices(resources.blockIODeviceWeights.reversed().map(DeviceValue.init)))
        add("BlockIOReadBandwidth", .devices(deviceLimits(resources.blockIODeviceBandwidths, .readBandwidth)))
        add("BlockIOWriteBandwidth", .devices(deviceLimits(resources.blockIODeviceBandwidths, .writeBandwidth)))
        add("MemoryAccounting", .boolean(resources.memoryAccounting))
        add("MemoryMin", memory(resources.memoryMin ?? .bytes(0), host: host))
        add("MemoryLow", memory(resources.memoryLow ?? .bytes(0), host: host))
        add("MemoryHigh", memory(resources.memoryHigh ?? .infinity, host: host))
        add("MemoryMax", memory(resources.memoryMax ?? .infinity, host: host))
        add("MemorySwapMax", memory(resources.memorySwapMax ?? .infinity, host: host))
        add("MemoryLimit", memory(resources.memoryLimit ?? .infinity, host: host))
        add("TasksAccounting", .boolean(resources.tasksAccounting))
        add("TasksMax", tasksMax(resources.tasksMax ?? unit.defaultTasksMax, host: host))
        add("IPAddressAllow", .list(resources.ipAddressAllow.map(\.description)))
        add("IPAddressDeny", .list(resources.ipAddressDeny.map(\.description)))
        add(
            "DisableControllers",
            .list(Controller.allCases.filter(resources.disableControllers.contains).map(\.rawValue)))
    }

    /// The execution part of the type's interface (systemd.exec(5)).
    mutating func addExec(_ exec: ExecSettings) {
        add("Environment", .list(exec.environment))
        add("EnvironmentFiles", .environmentFiles(exec.environmentFiles))
        for resource in resourceLimitOrder {
            guard let limit = exec.limits[resource] ?? defaultLimits[resource] else { continue }
            let name = "Limit" + resourceLimitName(resource)
            add(name, limit.hard == .max ? .infinity : .number(limit.hard))
            add(name + "Soft", limit.soft == .max ? .infinity : .number(limit.soft))
        }
        if let directory = exec.workingDirectory {
            add("WorkingDirectory", .string((directory.missingOK ? "!" : "") + (directory.home ? "~" : directory.path)))
        }
        add("StandardInput", .string(streamName(exec.standardInput)))
        add("StandardOutput", .string(streamName(exec.standardOutput)))
        add("StandardError", .string(streamName(exec.standardError)))
        add("User", .string(exec.user ?? ""))
        add("Group", .string(exec.group ?? ""))
        add("DynamicUser", .boolean(exec.dynamicUser))
        add("NoNewPrivileges", .boolean(exec.noNewPrivileges))
        add("IgnoreSIGPIPE", .boolean(exec.ignoreSIGPIPE))
        // systemd returns the resolved sets, sorted.
        for (name, filter) in [("SystemCallFilter", exec.systemCallFilter), ("SystemCallLog", exec.systemCallLog)] {
            guard let filter else { continue }
            add(
                name,
                .systemCallFilter(SystemCallFilter(allowList: filter.allowList, names: Set(filter.names).sorted())))
        }
    }

    /// The kill part of the type's interface (systemd.kill(5)).
    mutating func addKill(_ service: ServiceSettings) {
        add("KillMode", .string(service.killMode.rawValue))
        add("KillSignal", .integer(Int64(service.killSignal)))
        add("SendSIGKILL", .boolean(service.sendSIGKILL))
    }

    /// `org.freedesktop.systemd1.Unit`.
    mutating func addUnit(_ unit: Unit) {
        let settings = unit.unit
        add("Id", .string(unit.name))
        add("Names", .list([unit.name]))
        add("Requires", .list(settings.requires))
        add("Requisite", .list(settings.requisite))
        add("Wants", .list(settings.wants))
        add("BindsTo", .list(settings.bindsTo))
        add("PartOf", .list(settings.partOf))
        add("Conflicts", .list(settings.conflicts))
        add("Before", .list(settings.before))
        add("After", .list(settings.after))
        add("OnFailure", .list(settings.onFailure))
        add("Documentation", .list(settings.documentation))
        add("Description", .string(settings.description ?? unit.name))
        add("DefaultDependencies", .boolean(settings.defaultDependencies))
        add("StartLimitIntervalUSec", .timespan(settings.startLimitInterval))
        add("StartLimitBurst", .number(UInt64(settings.startLimitBurst)))
        add("StartLimitAction", .string(settings.startLimitAction.rawValue))
        add("FailureAction", .string(settings.failureAction.rawValue))
        add("FailureActionExitStatus", .integer(settings.failureActionExitStatus.map(Int64.init) ?? -1))
        add("SuccessAction", .string(settings.successAction.rawValue))
        add("SuccessActionExitStatus", .integer(settings.successActionExitStatus.map(Int64.init) ?? -1))
    }

    // MARK: - Values

    private func cpuWeight(_ weight: CPUWeight?) -> ShowValue {
        switch weight {
        case nil: .notSet
        case .idle: .string("idle")
        case .weight(let value): .number(value)
        }
    }

    /// Names of delegated controllers. `Delegate=yes` (no controller named, or all of Corral's) shows what
    /// systemd 252 delegates for it: every controller and BPF pseudo-controller it knows.
    private func delegatedControllerNames(_ resources: ResourceSettings) -> [String] {
        let named = resources.delegateControllers
        if named.isEmpty || named == Set(Controller.allCases) {
            return [
                "cpu", "cpuacct", "cpuset", "io", "blkio", "memory", "devices", "pids", "bpf-firewall", "bpf-devices",
                "bpf-foreign", "bpf-socket-bind", "bpf-restrict-network-interfaces",
            ]
        }
        return Controller.allCases.filter(named.contains).map(\.rawValue)
    }

    /// The devices with a limit of this kind, last mentioned first as systemd lists them.
    private func deviceLimits(_ limits: [IODeviceLimit], _ kind: IOLimitKind) -> [DeviceValue] {
        limits.reversed().compactMap { device in
            guard let value = device.limits[kind], value != .max else { return nil }
            return DeviceValue(path: device.path, value: value)
        }
    }

    /// Percentages are of RAM, MemorySwapMax= included, as systemd 252 scales them.
    private func memory(_ limit: MemoryLimit, host: HostFacts) -> ShowValue {
        guard let bytes = limit.bytes(of: host.memory, pageSize: host.pageSize), bytes != .max else { return .infinity }
        return .number(bytes)
    }

    private func tasksMax(_ limit: TasksLimit, host: HostFacts) -> ShowValue {
        guard let count = limit.count(of: host.taskLimit), count != .max else { return .infinity }
        return .number(count)
    }

    private var resourceLimitOrder: [RLimitResource] {
        [
            .cpu, .fsize, .data, .stack, .core, .rss, .nofile, .as, .nproc, .memlock, .locks, .sigpending, .msgqueue,
            .nice, .rtprio, .rttime,
        ]
    }

    /// systemd's own default (`DefaultLimitNOFILE=1024:524288`); the other limits are inherited from the
    /// host and not known here.
    private var defaultLimits: [RLimitResource: ResourceLimit] {
        [.nofile: ResourceLimit(soft: 1024, hard: 524_288)]
    }

    private func resourceLimitName(_ resource: RLimitResource) -> String {
        switch resource {
        case .cpu: "CPU"
        case .fsize: "FSIZE"
        case .data: "DATA"
        case .stack: "STACK"
        case .core: "CORE"
        case .rss: "RSS"
        case .nproc: "NPROC"
        case .nofile: "NOFILE"
        case .memlock: "MEMLOCK"
        case .as: "AS"
        case .locks: "LOCKS"
        case .sigpending: "SIGPENDING"
        case .msgqueue: "MSGQUEUE"
        case .nice: "NICE"
        case .rtprio: "RTPRIO"
        case .rttime: "RTTIME"
        }
    }

    /// systemd 252 shows only the kind of a file stream (`file`), not its path.
    private func streamName(_ stream: StandardStream) -> String {
        switch stream {
        case .null: "null"
        case .inherit: "inherit"
        case .tty: "tty"
        case .journal: "journal"
        case .kmsg: "kmsg"
        case .socket: "socket"
        case .file: "file"
        case .append: "append"
        case .truncate: "truncate"
        case .data: "data"
        }
    }
}

extension DeviceValue {
    fileprivate init(_ weight: IODeviceWeight) {
        self.init(path: weight.path, value: weight.weight)
    }
}
