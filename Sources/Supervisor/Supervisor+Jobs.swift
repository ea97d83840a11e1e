import Cgroups
import ControlProtocol
import Glibc
import Journal
import ResourceControl
import SystemCall
import UnitFile
import UnitModel

/// A control request waiting for its jobs to finish.
final class PendingReply {
    let client: Int32
    let verb: String
    var waitingFor: Set<String>
    var failures: [String] = []
    /// Sent on success (`run` names the unit it made).
    var body: [Message.Field] = []

    init(client: Int32, verb: String, units: [String]) {
        self.client = client
        self.verb = verb
        waitingFor = Set(units)
    }
}

extension Supervisor {
    // MARK: - Loading

    /// The unit named `name`, loaded on first use (a unit that fails to load is kept, with its load state).
    func unit(named name: String) -> ManagedUnit? {
        if let unit = units[name] { return unit }
        guard let unitName = try? UnitName(name) else { return nil }
        let loaded = load(unitName)
        // Only a unit that loaded brings its slices into the table.
        let unit = ManagedUnit(loaded: loaded, plan: plan(for: loaded.unit, withSlices: loaded.loadState == .loaded))
        units[name] = unit
        return unit
    }

    func load(_ name: UnitName) -> LoadedUnit {
        var sources = unitFiles.sources(of: name)
        // A file added since the index was made is found without a daemon-reload, as systemd does.
        if sources.location.fragmentPath == nil && !unitFiles.isCurrent {
            unitFiles = UnitFileIndex(unitFiles.searchPath)
            sources = unitFiles.sources(of: name)
        }
        let loaded = UnitLoader.load(
            sources, context: SpecifierContext.current(for: name, fragmentPath: sources.location.fragmentPath))
        for diagnostic in loaded.diagnostics { log(nil, diagnostic.description) }
        return loaded
    }

    /// The unit's cgroup plan on this host, with the devices its settings name looked up and the
    /// settings of the slices it is in (`withSlices`; loaded into the table as needed).
    func plan(for unit: Unit, withSlices: Bool = true) -> CgroupPlan {
        let slices =
            withSlices
            ? CgroupPlanner.enclosingSlices(of: unit).compactMap { self.unit(named: $0)?.loaded.unit.resources } : []
        return CgroupPlanner.plan(for: unit, host: HostProbe.facts(for: unit, base: hostFacts), slices: slices)
    }

    /// The dependencies the job queue follows; nil for a unit that cannot be loaded.
    func dependencies(of name: String) -> UnitDependencies? {
        if name == "-.slice" { return UnitDependencies() }
        guard let unit = unit(named: name), unit.loaded.loadState == .loaded else { return nil }
        return UnitDependencies(
            unit: unit.loaded.unit, slice: unit.loaded.unit.sliceName.flatMap { $0 == "-.slice" ? nil : $0 })
    }

    /// Drops a unit that has nothing going on and could not be loaded (or, with `loadedForQuery`, was
    /// loaded only to answer a read-only query), so that merely asking about a name does not keep it
    /// in corrald's table.
    func forgetIfUnused(_ name: String, loadedForQuery: Bool = false) {
        guard let unit = units[name], loadedForQuery || unit.loaded.loadState != .loaded, jobs.jobs[name] == nil,
            unit.activeState == .inactive, !unit.holdsCgroup, !unit.transient
        else { return }
        units[name] = nil
    }

    /// Units to stop along with `name`: those that require it, are bound to it, are part of it, or sit
    /// in it, and are running or about to (`queued`).
    func dependents(of name: String, queued: [String: JobType]) -> [String] {
        units.values.filter { unit in
            let settings = unit.loaded.unit.unit
            return (settings.requires + settings.bindsTo + settings.partOf).contains(name)
                || unit.loaded.unit.sliceName == name
        }.filter { $0.activeState != .inactive || queued[$0.name] != nil }.map(\.name)
    }

    // MARK: - Jobs

    /// Queues a job; on refusal, answers `reply` (if any) at once and returns the reason.
    @discardableResult
    func enqueue(_ type: JobType, _ name: String, reply: PendingReply?) -> String? {
        switch type {
        case .start:
            do {
                try jobs.start(
                    name, dependencies: { self.dependencies(of: $0) },
                    isActive: { self.units[$0]?.activeState == .active })
            } catch {
                let reason =
                    unit(named: name).flatMap { $0.loaded.loadState == .loaded ? nil : loadFailure($0) }
                    ?? error.description
                log(nil, "Failed to start \(name): \(reason)")
                return reason
            }
        case .stop:
            let queued = jobs.jobs
            jobs.stop(name, dependents: { self.dependents(of: $0, queued: queued) })
        }
        return nil
    }

    private func loadFailure(_ unit: ManagedUnit) -> String {
        switch unit.loaded.loadState {
        case .notFound: "Unit \(unit.name) not found."
        case .masked: "Unit \(unit.name) is masked."
        case .badSetting: "Unit \(unit.name) has a bad unit file setting."
        case .error: "Unit \(unit.name) failed to load properly."
        case .loaded: "A dependency of \(unit.name) cannot be started."
        }
    }

    /// Hands every runnable job to its unit, until none is left to hand over.
    func dispatchJobs() {
        var progress = true
        while progress {
            progress = false
            for (name, type) in jobs.runnable(dependencies: { self.dependencies(of: $0) }) {
                jobs.markRunning(name)
                progress = true
                guard let unit = unit(named: name) else {
                    finishJob(name, .failed)
                    continue
                }
                switch type {
                case .start: start(unit)
                case .stop: stop(unit)
                }
                jobProgress(of: unit)
            }
        }
    }

    private func start(_ unit: ManagedUnit) {
        if unit.name == "-.slice" {
            unit.passiveState = .active
            return
        }
        guard unit.loaded.loadState == .loaded else { return finishJob(unit.name, .failed) }
        if unit.activeState == .active { return finishJob(unit.name, .done) }
        let conditions = unit.loaded.unit.unit.conditions
        guard conditions.allow(asserts: true, holds: ConditionCheck.holds) else {
            log(unit.name, "Assertion failed for \(unit.loaded.unit.unit.description ?? unit.name).")
            return finishJob(unit.name, .failed)
        }
        guard conditions.allow(holds: ConditionCheck.holds) else {
            log(
                unit.name,
                "Condition check resulted in \(unit.loaded.unit.unit.description ?? unit.name) being skipped.")
            return finishJob(unit.name, .done)
        }
        switch unit.loaded.unit.type {
        case .service:
            if let machine = unit.machine, [.inactive, .failed].contains(machine.activeState) {
                unit.machine?.update(settings: unit.loaded.unit.service)
                unit.plan = plan(for: unit.loaded.unit)
            }
            deliver(.start(now: monotonicMicroseconds()), to: unit)
        case .scope:
            // A scope is made around processes that already exist (`run --scope`); a job cannot start one.
            log(unit.name, "A scope cannot be started by a job; corralctl run --scope makes one.")
            finishJob(unit.name, .failed)
        case .slice:
            prepareCgroup(for: unit)
            unit.passiveState = .active
            persist(unit)
        case .target:
            unit.passiveState = .active
            persist(unit)
        }
    }

    private func stop(_ unit: ManagedUnit) {
        switch unit.loaded.unit.type {
        case .service, .scope:
            deliver(.stop, to: unit)
        case .slice:
            unit.passiveState = .inactive
            if (try? tree.isPopulated(unit.plan.cgroup)) == false, !unit.plan.cgroup.isEmpty {
                try? tree.remove(unit.plan.cgroup)
            }
        case .target:
            unit.passiveState = .inactive
        }
        if unit.machine == nil { noteStateChange(of: unit) }
    }

    /// Ends the unit's running job once its state says how it went.
    func jobProgress(of unit: ManagedUnit) {
        guard let type = jobs.jobs[unit.name], jobs.running.contains(unit.name) else { return }
        let state = unit.activeState
        switch type {
        case .start:
            if state == .active || state == .reloading {
                finishJob(unit.name, .done)
            } else if state == .failed || unit.machine?.subState == .autoRestart {
                finishJob(unit.name, .failed)
            } else if state == .inactive {
                // A oneshot service that ran to completion, or one stopped while starting.
                finishJob(unit.name, unit.machine?.result == .success ? .done : .failed)
            }
        case .stop:
            if state == .inactive || state == .failed { finishJob(unit.name, .done) }
        }
    }

    func finishJob(_ name: String, _ result: JobResult) {
        for (unit, type, outcome) in jobs.finish(name, result: result, dependencies: { self.dependencies(of: $0) }) {
            if outcome != .done { log(unit, jobEndMessage(unit, type, outcome), level: .error) }
            jobEnded(unit, type: type, result: outcome)
        }
    }

    /// How systemd words a job that did not end well.
    private func jobEndMessage(_ name: String, _ type: JobType, _ result: JobResult) -> String {
        let description = units[name]?.loaded.unit.unit.description ?? name
        switch (type, result) {
        case (_, .canceled): return "Job \(name)/\(type.rawValue) canceled."
        case (.start, .dependency): return "Dependency failed for \(description)."
        case (.start, _): return "Failed to start \(description)."
        case (.stop, _): return "Stopped (with error) \(description)."
        }
    }

    /// 32 lowercase hex digits, as systemd's invocation IDs.
    static func newInvocationID() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<2).map { _ in
            let value = generator.next() as UInt64
            let hex = String(value, radix: 16)
            return String(repeating: "0", count: 16 - hex.count) + hex
        }.joined()
    }
}
