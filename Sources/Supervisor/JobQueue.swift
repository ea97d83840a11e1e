import UnitModel

/// What a job does to its unit.
public enum JobType: String, Sendable {
    case start, stop
}

/// How a job ended, as systemctl reports it.
public enum JobResult: String, Sendable {
    case done, failed, dependency, canceled
}

/// The dependencies of one unit that jobs follow, explicit and implicit (a unit's slice is
/// required and ordered before it).
public struct UnitDependencies: Sendable, Equatable {
    public var requires: [String] = []
    public var requisite: [String] = []
    public var wants: [String] = []
    public var bindsTo: [String] = []
    public var partOf: [String] = []
    public var conflicts: [String] = []
    public var after: [String] = []
    public var before: [String] = []

    public init() {}

    public init(unit: Unit, slice: String?) {
        requires = unit.unit.requires + (slice.map { [$0] } ?? [])
        requisite = unit.unit.requisite
        wants = unit.unit.wants
        bindsTo = unit.unit.bindsTo
        partOf = unit.unit.partOf
        conflicts = unit.unit.conflicts
        after = unit.unit.after + (slice.map { [$0] } ?? [])
        before = unit.unit.before
    }
}

/// Why a start request cannot become jobs.
public struct JobError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}

/// The queue of pending jobs, one per unit at most, and the dependency rules that fill it and
/// order it (systemd's transactions, simplified to what Corral's unit types need). Pure: the
/// supervisor asks which jobs may run and tells it how they ended.
public struct JobQueue: Sendable {
    public private(set) var jobs: [String: JobType] = [:]
    /// Jobs handed to their unit and not finished yet.
    public private(set) var running: Set<String> = []
    /// Order in which jobs were added, for stable, readable dispatch.
    private var order: [String] = []
    /// Counts the changes to the jobs (added, replaced, ended), so a caller can tell whether the
    /// queue changed since it last looked.
    public private(set) var revision = 0

    public init() {}

    /// The jobs in dispatch order.
    public var queued: [(unit: String, type: JobType)] {
        order.compactMap { name in jobs[name].map { (name, $0) } }
    }

    /// Puts back jobs a previous corrald had queued (`queued`), none of them handed over yet.
    public mutating func restore(_ queued: [(unit: String, type: JobType)]) {
        for (unit, type) in queued { add(unit, type) }
    }

    /// Adds a start job for `unit` and, recursively, for what it requires or wants; stop jobs for
    /// what it conflicts with. `isActive` tells whether a unit is already active (Requisite=).
    public mutating func start(
        _ unit: String, dependencies: (String) -> UnitDependencies?, isActive: (String) -> Bool
    ) throws(JobError) {
        var planned: [String: JobType] = [:]
        var visiting = [unit]
        while let name = visiting.popLast() {
            guard planned[name] == nil else { continue }
            guard let deps = dependencies(name) else { throw JobError("Unit \(name) not found.") }
            planned[name] = .start
            for required in deps.requires + deps.bindsTo {
                guard dependencies(required) != nil else {
                    throw JobError("Unit \(required) not found (required by \(name)).")
                }
                visiting.append(required)
            }
            for wanted in deps.wants where dependencies(wanted) != nil { visiting.append(wanted) }
            for required in deps.requisite where !isActive(required) {
                throw JobError("Unit \(required) is not active (required by \(name) with Requisite=).")
            }
        }
        for (name, _) in planned {
            for conflicting in dependencies(name)?.conflicts ?? [] where planned[conflicting] == nil {
                planned[conflicting] = .stop
            }
        }
        for (name, type) in planned.sorted(by: { $0.key < $1.key }) { add(name, type) }
        // The requested unit's job leads, so logs read in the order the operator asked.
        order.removeAll { $0 == unit }
        order.insert(unit, at: 0)
    }

    /// Adds a stop job for `unit` and for every unit that requires it, is bound to it or is part of it.
    public mutating func stop(_ unit: String, dependents: (String) -> [String]) {
        var visiting = [unit]
        var seen: Set<String> = []
        while let name = visiting.popLast() {
            guard seen.insert(name).inserted else { continue }
            add(name, .stop)
            visiting += dependents(name)
        }
    }

    /// Jobs whose ordering constraints are met, to hand to their units now.
    ///
    /// A start job waits for the start jobs of units it is ordered after; a stop job waits for the stop
    /// jobs of units ordered after it; any start waits for pending stops of units it is ordered with.
    public func runnable(dependencies: (String) -> UnitDependencies?) -> [(String, JobType)] {
        // Each job's dependencies once, and who among the jobs declares Before=/After= on whom.
        var jobDependencies: [String: UnitDependencies] = [:]
        var declaredBefore: [String: [String]] = [:]
        var declaredAfter: [String: [String]] = [:]
        for name in jobs.keys {
            let deps = dependencies(name) ?? UnitDependencies()
            jobDependencies[name] = deps
            for target in deps.before { declaredBefore[target, default: []].append(name) }
            for target in deps.after { declaredAfter[target, default: []].append(name) }
        }
        return order.compactMap { name in
            guard let type = jobs[name], !running.contains(name), let deps = jobDependencies[name] else { return nil }
            let orderedAfter = deps.after + declaredBefore[name, default: []]
            let orderedBefore = deps.before + declaredAfter[name, default: []]
            switch type {
            case .start:
                let waits =
                    orderedAfter.contains { jobs[$0] != nil }
                    || orderedBefore.contains { jobs[$0] == .stop }
                return waits ? nil : (name, type)
            case .stop:
                return orderedBefore.contains { jobs[$0] == .stop } ? nil : (name, type)
            }
        }
    }

    /// Marks `unit`'s job as handed over.
    public mutating func markRunning(_ unit: String) {
        running.insert(unit)
    }

    /// Ends `unit`'s job. A failed start fails the pending start jobs of units that require it, as
    /// `dependency`; returns every job ended this way, the given one first.
    @discardableResult
    public mutating func finish(
        _ unit: String, result: JobResult, dependencies: (String) -> UnitDependencies?
    ) -> [(String, JobType, JobResult)] {
        guard let type = jobs.removeValue(forKey: unit) else { return [] }
        revision += 1
        running.remove(unit)
        order.removeAll { $0 == unit }
        var ended = [(unit, type, result)]
        guard type == .start, result != .done else { return ended }
        for (name, pending) in jobs where pending == .start {
            let deps = dependencies(name) ?? UnitDependencies()
            if (deps.requires + deps.bindsTo + deps.requisite).contains(unit) {
                ended += finish(name, result: .dependency, dependencies: dependencies)
            }
        }
        return ended
    }

    private mutating func add(_ unit: String, _ type: JobType) {
        revision += 1
        if jobs[unit] == nil { order.append(unit) }
        // A stop request replaces a start (running or not); a start does not cancel a pending stop.
        if jobs[unit] == .start && type == .stop { running.remove(unit) }
        if jobs[unit] == nil || type == .stop { jobs[unit] = type }
    }
}
