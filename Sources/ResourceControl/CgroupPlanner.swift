import UnitModel

/// Maps a unit's resource settings to cgroup v2 writes, as systemd 252's `cgroup_context_apply` does
/// for a unit whose manager is not starting up or shutting down (so `Startup*=` values only decide
/// which controllers are needed).
public enum CgroupPlanner {
    /// `slices` are the resource settings of the slices the unit is in (their `IPAddressAllow=` and
    /// `IPAddressDeny=` apply to it).
    public static func plan(for unit: Unit, host: HostFacts, slices: [ResourceSettings] = []) -> CgroupPlan {
        guard unit.type != .target else {
            return CgroupPlan(
                unit: unit.name, cgroup: "", enable: [], writes: [],
                warnings: ["\(unit.name): target units have no control group"])
        }
        var planner = Planner(unit: unit, host: host)
        var plan = planner.plan()
        plan.ipAccess = IPAccessFilter.filter(for: unit, slices: slices)
        return plan
    }
}

extension CgroupPlanner {
    /// The slices whose settings `plan(for:host:slices:)` takes for a service or scope: `-.slice`,
    /// then each slice above the unit, outermost first (none for other types, or a bad slice name).
    public static func enclosingSlices(of unit: Unit) -> [String] {
        guard unit.type == .service || unit.type == .scope else { return [] }
        let slice = CgroupPath.slice(of: unit)
        guard slice != CgroupPath.rootSlice, CgroupPath.path(ofSlice: slice) != nil else {
            return [CgroupPath.rootSlice]
        }
        let parts = slice.dropLast(".slice".count).split(separator: "-")
        return [CgroupPath.rootSlice] + parts.indices.map { parts[...$0].joined(separator: "-") + ".slice" }
    }
}

/// systemd's constants (src/basic/cgroup-util.h, src/core/cgroup.c, src/core/main.c).
private enum Defaults {
    static let weight: UInt64 = 100
    static let cpuShares: UInt64 = 1024
    static let blockIOWeight: UInt64 = 500
    static let bfqWeight: UInt64 = 100
    static let quotaPeriod: USec = 100_000
}

private struct Planner {
    let unit: Unit
    let settings: ResourceSettings
    let host: HostFacts
    var writes: [CgroupWrite] = []
    var warnings: [String] = []

    init(unit: Unit, host: HostFacts) {
        self.unit = unit
        self.settings = unit.resources
        self.host = host
    }

    mutating func plan() -> CgroupPlan {
        let cgroup = cgroupPath()
        // The root slice is the manager's own root: systemd writes nothing there.
        guard unit.name != CgroupPath.rootSlice else {
            return CgroupPlan(unit: unit.name, cgroup: cgroup, enable: [], writes: [], warnings: warnings)
        }
        let own = ownControllers()
        let available = own.intersection(host.controllers)
        let applied = available.subtracting(settings.disableControllers)
        warnAboutUnenforced(own: own)

        for controller in applied.sorted() {
            switch controller {
            case .cpu: planCPU()
            case .cpuset: planCPUSet()
            case .io: planIO()
            case .memory: planMemory()
            case .pids: planPids()
            }
        }
        let devices = DeviceFilter.rules(for: unit, host: host, warnings: &warnings)
        return CgroupPlan(
            unit: unit.name, cgroup: cgroup, enable: enablement(cgroup: cgroup, controllers: available),
            writes: writes, warnings: warnings, devices: devices)
    }

    // MARK: Placement

    mutating func cgroupPath() -> String {
        if let path = CgroupPath.path(of: unit) { return path }
        if unit.type == .slice {
            warnings.append("\(unit.name): not a valid slice name; placed under the root")
            return CgroupPath.escape(unit.name)
        }
        warnings.append("Slice=\(CgroupPath.slice(of: unit)) is not a valid slice name; using system.slice")
        return "system.slice/" + CgroupPath.escape(unit.name)
    }

    /// Every ancestor enables what the unit needs for itself (systemd's members mask, here with
    /// the unit as the only member), root first.
    func enablement(cgroup: String, controllers: Set<Controller>) -> [ControllerEnablement] {
        guard !controllers.isEmpty else { return [] }
        let components = cgroup.split(separator: "/")
        return (0..<components.count).map { depth in
            ControllerEnablement(
                cgroup: components[..<depth].joined(separator: "/"), controllers: controllers.sorted())
        }
    }

    // MARK: Which controllers

    var hasIOConfig: Bool {
        settings.ioAccounting || settings.ioWeight != nil || settings.startupIOWeight != nil
            || !settings.ioDeviceWeights.isEmpty || !settings.ioDeviceLimits.isEmpty
    }

    var hasBlockIOConfig: Bool {
        settings.blockIOWeight != nil || settings.startupBlockIOWeight != nil
            || !settings.blockIODeviceWeights.isEmpty || !settings.blockIODeviceBandwidths.isEmpty
    }

    var cpuQuota: USec? {
        settings.cpuQuotaPerSec.flatMap { $0 == .infinity ? nil : $0 }
    }

    /// systemd's `unit_get_own_mask`: what the settings need, plus delegated controllers.
    /// CPUAccounting= adds nothing: cgroup v2 keeps `cpu.stat` without the cpu controller.
    func ownControllers() -> Set<Controller> {
        var needed: Set<Controller> = []
        if settings.cpuWeight != nil || settings.startupCPUWeight != nil || settings.cpuShares != nil
            || settings.startupCPUShares != nil || cpuQuota != nil
        {
            needed.insert(.cpu)
        }
        if !(settings.allowedCPUs?.indices.isEmpty ?? true) || !(settings.allowedMemoryNodes?.indices.isEmpty ?? true) {
            needed.insert(.cpuset)
        }
        if hasIOConfig || hasBlockIOConfig { needed.insert(.io) }
        if settings.memoryAccounting || memoryBytes(settings.memoryLimit, unset: .max) != .max
            || hasUnifiedMemoryConfig
        {
            needed.insert(.memory)
        }
        if settings.tasksAccounting || tasksMax != nil { needed.insert(.pids) }
        if settings.delegate && unit.type != .slice { needed.formUnion(settings.delegateControllers) }
        return needed
    }

    // MARK: cpu

    mutating func planCPU() {
        let weight: CPUWeight
        let from: String
        if settings.cpuWeight != nil || settings.startupCPUWeight != nil {
            weight = settings.cpuWeight ?? .weight(Defaults.weight)
            from = settings.cpuWeight == nil ? "default" : "CPUWeight"
        } else if settings.cpuShares != nil || settings.startupCPUShares != nil {
            let shares = settings.cpuShares ?? Defaults.cpuShares
            weight = .weight(min(max(shares * Defaults.weight / Defaults.cpuShares, 1), 10_000))
            from = settings.cpuShares == nil ? "default" : "CPUShares"
        } else {
            weight = .weight(Defaults.weight)
            from = "default"
        }
        switch weight {
        case .idle:
            write("cpu.idle", "1", from)
        case .weight(let value):
            write("cpu.idle", "0", from)
            write("cpu.weight", "\(value)", from)
        }

        guard let quota = cpuQuota else {
            write("cpu.max", "max \(Defaults.quotaPeriod)", "default")
            return
        }
        let requested = settings.cpuQuotaPeriod.flatMap { $0 == .infinity ? nil : $0 } ?? Defaults.quotaPeriod
        // The kernel needs period and quota×period of at least 1ms each; the period is at most 1s.
        let period = min(max(requested, 1000, 1000 * 1_000_000 / quota), 1_000_000)
        if period != requested {
            warnings.append(
                "CPUQuota=\(percent(permyriad: quota / 100)): cpu.max period clamped to \(timespan(period))")
        }
        write("cpu.max", "\(max(quota * period / 1_000_000, 1000)) \(period)", "CPUQuota")
    }

    // MARK: cpuset

    mutating func planCPUSet() {
        write("cpuset.cpus", rangeString(settings.allowedCPUs), settings.allowedCPUs == nil ? "default" : "AllowedCPUs")
        write(
            "cpuset.mems", rangeString(settings.allowedMemoryNodes),
            settings.allowedMemoryNodes == nil ? "default" : "AllowedMemoryNodes")
    }

    /// systemd writes CPU lists with spaces between ranges (`0-3 7`), which the kernel accepts.
    func rangeString(_ set: CPUSet?) -> String {
        (set?.listFormat ?? "").split(separator: ",").joined(separator: " ")
    }

    // MARK: io

    mutating func planIO() {
        let useBlockIO = !hasIOConfig && hasBlockIOConfig
        let weight: UInt64
        let from: String
        if useBlockIO {
            weight = ioWeight(fromBlockIO: settings.blockIOWeight ?? Defaults.blockIOWeight)
            from = settings.blockIOWeight == nil ? "default" : "BlockIOWeight"
        } else {
            weight = settings.ioWeight ?? Defaults.weight
            from = settings.ioWeight == nil ? "default" : "IOWeight"
        }
        write("io.bfq.weight", "\(bfqWeight(weight))", from)
        write("io.weight", "default \(weight)", from)
        if let configured = useBlockIO ? settings.blockIOWeight : settings.ioWeight {
            var seen: Set<String> = []
            for (path, device) in host.devices.sorted(by: { $0.key < $1.key })
            where !device.supportsWeight && seen.insert(device.number).inserted {
                warnings.append(
                    "\(from)=\(configured) not enforced on \(device.number) (\(path)): its scheduler has no weight support"
                )
            }
        }

        let deviceWeights =
            useBlockIO
            ? settings.blockIODeviceWeights.map { ($0.path, ioWeight(fromBlockIO: $0.weight), $0.weight) }
            : settings.ioDeviceWeights.map { ($0.path, $0.weight, $0.weight) }
        let weightDirective = useBlockIO ? "BlockIODeviceWeight" : "IODeviceWeight"
        for (path, weight, written) in deviceWeights {
            let directive = "\(weightDirective)=\(path) \(written)"
            guard let device = device(path, for: directive) else { continue }
            if !device.supportsWeight {
                warnings.append("\(directive) not enforced: the scheduler of \(device.number) has no weight support")
            }
            write("io.bfq.weight", "\(device.number) \(bfqWeight(weight))", weightDirective)
            write("io.weight", "\(device.number) \(weight)", weightDirective)
        }

        for limit in useBlockIO ? settings.blockIODeviceBandwidths : settings.ioDeviceLimits {
            let names = IOLimitKind.allCases.filter { limit.limits[$0] != nil }.map { limitDirective($0, useBlockIO) }
            guard let device = device(limit.path, for: names.map { "\($0)=\(limit.path)" }.joined(separator: ", "))
            else { continue }
            let values = IOLimitKind.allCases.map { kind in
                let value = limit.limits[kind] ?? .max
                return "\(kind.rawValue)=\(value == .max ? "max" : "\(value)")"
            }
            write("io.max", "\(device.number) \(values.joined(separator: " "))", names.joined(separator: ", "))
        }
    }

    mutating func device(_ path: String, for directive: String) -> BlockDevice? {
        if let device = host.devices[path] { return device }
        warnings.append("unknown block device \(path): \(directive) skipped")
        return nil
    }

    func limitDirective(_ kind: IOLimitKind, _ blockIO: Bool) -> String {
        switch kind {
        case .readBandwidth: blockIO ? "BlockIOReadBandwidth" : "IOReadBandwidthMax"
        case .writeBandwidth: blockIO ? "BlockIOWriteBandwidth" : "IOWriteBandwidthMax"
        case .readIOPS: "IOReadIOPSMax"
        case .writeIOPS: "IOWriteIOPSMax"
        }
    }

    func ioWeight(fromBlockIO weight: UInt64) -> UInt64 {
        min(max(weight * Defaults.weight / Defaults.blockIOWeight, 1), 10_000)
    }

    /// io.weight's 1…100…10000 mapped piecewise linearly onto bfq's 1…100…1000.
    func bfqWeight(_ weight: UInt64) -> UInt64 {
        weight <= Defaults.weight
            ? Defaults.bfqWeight - (Defaults.weight - weight) * (Defaults.bfqWeight - 1) / (Defaults.weight - 1)
            : Defaults.bfqWeight + (weight - Defaults.weight) * (1000 - Defaults.bfqWeight) / (10_000 - Defaults.weight)
    }

    // MARK: memory

    /// systemd's `physical_memory_scale`: a share of RAM, rounded down to whole pages.
    func memoryBytes(_ limit: MemoryLimit?, unset: UInt64) -> UInt64 {
        guard let limit else { return unset }
        return limit.bytes(of: host.memory, pageSize: host.pageSize) ?? .max
    }

    var hasUnifiedMemoryConfig: Bool {
        memoryBytes(settings.memoryMin, unset: 0) > 0 || memoryBytes(settings.memoryLow, unset: 0) > 0
            || memoryBytes(settings.memoryHigh, unset: .max) != .max
            || memoryBytes(settings.memoryMax, unset: .max) != .max
            || memoryBytes(settings.memorySwapMax, unset: .max) != .max
    }

    mutating func planMemory() {
        func from(_ setting: MemoryLimit?, _ directive: String) -> String {
            setting == nil ? "default" : directive
        }
        writeMemory("memory.min", memoryBytes(settings.memoryMin, unset: 0), from(settings.memoryMin, "MemoryMin"))
        writeMemory("memory.low", memoryBytes(settings.memoryLow, unset: 0), from(settings.memoryLow, "MemoryLow"))
        writeMemory(
            "memory.high", memoryBytes(settings.memoryHigh, unset: .max), from(settings.memoryHigh, "MemoryHigh"))
        if hasUnifiedMemoryConfig {
            writeMemory(
                "memory.max", memoryBytes(settings.memoryMax, unset: .max), from(settings.memoryMax, "MemoryMax"))
            writeMemory(
                "memory.swap.max", memoryBytes(settings.memorySwapMax, unset: .max),
                from(settings.memorySwapMax, "MemorySwapMax"))
        } else {
            // Legacy MemoryLimit= stands in for memory.max only when no Memory{Min,Low,High,Max,SwapMax}= limits.
            let legacy = settings.memoryLimit != nil
            writeMemory(
                "memory.max", memoryBytes(settings.memoryLimit, unset: .max),
                legacy ? "MemoryLimit" : from(settings.memoryMax, "MemoryMax"))
            writeMemory("memory.swap.max", .max, from(settings.memorySwapMax, "MemorySwapMax"))
        }
        let oomGroup = unit.type != .slice && unit.service.oomPolicy == .kill
        write("memory.oom.group", oomGroup ? "1" : "0", oomGroup ? "OOMPolicy" : "default")
    }

    mutating func writeMemory(_ file: String, _ bytes: UInt64, _ from: String) {
        write(file, bytes == .max ? "max" : "\(bytes)", from)
    }

    // MARK: pids

    /// The `TasksMax=` in force: the unit's own, else the type's default; nil for no limit.
    var tasksMax: UInt64? {
        (settings.tasksMax ?? unit.defaultTasksMax).count(of: host.taskLimit)
    }

    mutating func planPids() {
        write("pids.max", tasksMax.map { "\($0)" } ?? "max", settings.tasksMax == nil ? "default" : "TasksMax")
    }

    // MARK: Writes and warnings

    mutating func write(_ file: String, _ value: String, _ from: String) {
        writes.append(CgroupWrite(file: file, value: value, from: from))
    }

    /// One warning for each limit the unit sets whose controller the host lacks or the unit disables.
    mutating func warnAboutUnenforced(own: Set<Controller>) {
        for controller in own.sorted() {
            let reason: String
            if !host.controllers.contains(controller) {
                reason = "\(controller.rawValue) controller not available"
            } else if settings.disableControllers.contains(controller) {
                reason = "\(controller.rawValue) controller disabled by DisableControllers="
            } else {
                continue
            }
            let limits = limitsNeeding(controller)
            for limit in limits {
                warnings.append("\(reason): \(limit) not enforced")
            }
            if limits.isEmpty && settings.delegate && settings.delegateControllers.contains(controller) {
                warnings.append("\(reason): not delegated")
            }
        }
    }

    /// The unit's own settings that need `controller`, as `Directive=value`.
    func limitsNeeding(_ controller: Controller) -> [String] {
        switch controller {
        case .cpu:
            return [
                settings.cpuWeight.map { "CPUWeight=\(describe($0))" },
                settings.startupCPUWeight.map { "StartupCPUWeight=\(describe($0))" },
                settings.cpuShares.map { "CPUShares=\($0)" },
                settings.startupCPUShares.map { "StartupCPUShares=\($0)" },
                cpuQuota.map { "CPUQuota=\(percent(permyriad: $0 / 100))" },
            ].compactMap { $0 }
        case .cpuset:
            return [
                settings.allowedCPUs.map { "AllowedCPUs=\($0.listFormat)" },
                settings.allowedMemoryNodes.map { "AllowedMemoryNodes=\($0.listFormat)" },
            ].compactMap { $0 }
        case .io:
            let weights =
                [
                    settings.ioWeight.map { "IOWeight=\($0)" },
                    settings.startupIOWeight.map { "StartupIOWeight=\($0)" },
                    settings.blockIOWeight.map { "BlockIOWeight=\($0)" },
                    settings.startupBlockIOWeight.map { "StartupBlockIOWeight=\($0)" },
                ].compactMap { $0 } + settings.ioDeviceWeights.map { "IODeviceWeight=\($0.path) \($0.weight)" }
                + settings.blockIODeviceWeights.map { "BlockIODeviceWeight=\($0.path) \($0.weight)" }
            let limits = [(settings.ioDeviceLimits, false), (settings.blockIODeviceBandwidths, true)].flatMap {
                deviceLimits, blockIO in
                deviceLimits.flatMap { limit in
                    IOLimitKind.allCases.compactMap { kind in
                        limit.limits[kind].map {
                            "\(limitDirective(kind, blockIO))=\(limit.path) \($0)"
                        }
                    }
                }
            }
            return weights + limits
        case .memory:
            let lower = [("MemoryMin", settings.memoryMin), ("MemoryLow", settings.memoryLow)]
                .filter { $0.1 != nil && $0.1 != .bytes(0) && $0.1 != .permyriad(0) }
            let upper = [
                ("MemoryHigh", settings.memoryHigh), ("MemoryMax", settings.memoryMax),
                ("MemorySwapMax", settings.memorySwapMax), ("MemoryLimit", settings.memoryLimit),
            ].filter { $0.1 != nil && $0.1 != .infinity }
            return (lower + upper).map { "\($0.0)=\(describe($0.1!))" }
        case .pids:
            switch settings.tasksMax {
            case .count(let count): return ["TasksMax=\(count)"]
            case .permyriad(let share): return ["TasksMax=\(percent(permyriad: UInt64(share)))"]
            case .infinity, nil: return []
            }
        }
    }
}

// MARK: Values as a unit file would spell them

private func describe(_ weight: CPUWeight) -> String {
    switch weight {
    case .idle: "idle"
    case .weight(let value): "\(value)"
    }
}

private func describe(_ limit: MemoryLimit) -> String {
    switch limit {
    case .bytes(let value): bytes(value)
    case .permyriad(let share): percent(permyriad: UInt64(share))
    case .infinity: "infinity"
    }
}

/// `64M` for 64 MiB: the largest binary suffix that divides the value exactly.
private func bytes(_ value: UInt64) -> String {
    for (suffix, shift) in [("E", 60), ("P", 50), ("T", 40), ("G", 30), ("M", 20), ("K", 10)]
    where value != 0 && value % (1 << UInt64(shift)) == 0 {
        return "\(value >> UInt64(shift))\(suffix)"
    }
    return "\(value)"
}

/// `12.5%` for 1250 parts per 10 000.
private func percent(permyriad: UInt64) -> String {
    let whole = permyriad / 100
    let fraction = permyriad % 100
    if fraction == 0 { return "\(whole)%" }
    return fraction % 10 == 0 ? "\(whole).\(fraction / 10)%" : "\(whole).\(fraction < 10 ? "0" : "")\(fraction)%"
}

/// `200ms`, `1s`, `1500us`.
private func timespan(_ usec: USec) -> String {
    if usec % 1_000_000 == 0 { return "\(usec / 1_000_000)s" }
    if usec % 1000 == 0 { return "\(usec / 1000)ms" }
    return "\(usec)us"
}
