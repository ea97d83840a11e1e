import Cgroups
import ControlProtocol
import Exec
import Glibc
import Journal
import Logging
import ResourceControl
import SystemCall
import UnitFile
import UnitModel

/// Units' cgroups: making them as planned, their events, delegation, removal; readiness pipes.
extension Supervisor {
    // MARK: - Cgroup events

    /// `cgroup.events` or `memory.events` changed for some units: those with a new OOM kill, and
    /// those whose cgroup is now empty, hear about it.
    func readCgroupEvents() {
        let changed = Set(cgroupFileWatch.drain().compactMap { cgroupWatches[$0] })
        for name in changed.sorted() {
            guard let unit = units[name] else { continue }
            if newOOMKills(in: unit) { deliver(.oomKilled, to: unit) }
            guard (try? tree.isPopulated(unit.plan.cgroup)) == false else { continue }
            deliver(.cgroupEmpty, to: unit)
            // Nothing is left to write to it (an exited oneshot stays active): the next process gets a new one.
            if unit.holdsCgroup { releaseOutputPipe(of: unit) }
        }
    }

    // MARK: - Cgroups

    /// Creates the unit's cgroup (and its slices'), enables controllers top-down and writes its limits.
    func prepareCgroup(for unit: ManagedUnit) {
        let plan = unit.plan
        do {
            for problem in try tree.apply(plan, available: hostFacts.controllers) { log(unit.name, problem) }
        } catch {
            // The spawn that follows fails at step CGROUP; nothing of the unit's is set up.
            return log(unit.name, "\(error)")
        }
        if !plan.warnings.isEmpty && !unit.warnedAboutLimits {
            unit.warnedAboutLimits = true
            for warning in plan.warnings { log(unit.name, warning) }
        }
        unit.credentials = credentials(for: unit)
        delegateIfAsked(unit)
        unit.oomKills = tree.oomKills(in: plan.cgroup) ?? 0
        if unit.cgroupWatches.isEmpty {
            for file in ["cgroup.events", "memory.events"] {
                guard let wd = try? cgroupFileWatch.watchModifications(of: tree.path + "/" + plan.cgroup + "/" + file)
                else { continue }
                unit.cgroupWatches.append(wd)
                cgroupWatches[wd] = unit.name
            }
        }
    }

    /// `Delegate=` with `User=`: the payload, running as that user, may manage the subtree below the
    /// unit's cgroup, which corrald never writes into.
    private func delegateIfAsked(_ unit: ManagedUnit) {
        let settings = unit.loaded.unit
        guard settings.resources.delegate, let user = settings.exec.user else { return }
        guard case .success(let credentials?) = unit.credentials else {
            return log(unit.name, "cannot delegate to \(user): unknown user")
        }
        do {
            try tree.delegate(unit.plan.cgroup, to: credentials.uid, gid: credentials.gid)
        } catch {
            log(unit.name, "\(error)")
        }
    }

    /// Keeps what the run used (`run --wait` reports it), then removes the unit's cgroup once nothing lives in it (until then its `cgroup.events` stays
    /// watched, and the empty event asks again); slices above it stay.
    func releaseCgroup(of unit: ManagedUnit) {
        recordRunStatistics(of: unit)
        guard (try? tree.isPopulated(unit.plan.cgroup)) == false else { return }
        closeReadiness(of: unit)
        for wd in unit.cgroupWatches {
            cgroupFileWatch.remove(wd)
            cgroupWatches[wd] = nil
        }
        unit.cgroupWatches = []
        releaseOutputPipe(of: unit)
        do {
            try tree.remove(unit.plan.cgroup)
        } catch {
            log(unit.name, "\(error)")
        }
        releaseSandbox(of: unit)
        collectIfTransient(unit)
    }

    /// ReadyNotificationFD=: a newline from the service means READY=1; end of file means it never will.
    func readReadiness(of name: String) {
        guard let unit = units[name], let pipe = unit.readinessPipe, let bytes = try? pipe.read(capacity: 512) else {
            return
        }
        if bytes.contains(0x0A) {
            closeReadiness(of: unit)
            deliver(.notifyReady, to: unit)
        } else if bytes.isEmpty {
            closeReadiness(of: unit)
        }
    }

    func closeReadiness(of unit: ManagedUnit) {
        guard let pipe = unit.readinessPipe else { return }
        unwatch(pipe)
        pipe.close()
        unit.readinessPipe = nil
    }
}
