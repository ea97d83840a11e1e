import Cgroups
import ControlProtocol
import Glibc
import ResourceControl
import SystemCall
import UnitFile
import UnitInstall
import UnitModel

/// A `run --wait` client, answered when its unit's run ends.
struct RunWaiter {
    let client: Int32
    let unit: String
}

extension Supervisor {
    // MARK: - corralctl run

    /// Makes a transient service (started like any unit) or scope (the caller's process is moved into
    /// it), from properties checked by the same table as unit files.
    func runTransient(_ request: Request, from fd: Int32, caller: PeerCredentials) {
        let scope = request.options["scope"] == "yes"
        let suffix = scope ? ".scope" : ".service"
        var name = request.units.first ?? "run-r\(Self.newInvocationID().prefix(12))"
        if !name.hasSuffix(suffix) { name += suffix }
        func refuse(_ message: String) {
            reply(to: fd, Response(exitCode: ExitStatus.failure, error: message))
        }
        guard (try? UnitName(name)) != nil else { return refuse("Invalid unit name \(name).") }
        let fileExists = (try? UnitName(name)).map { unitFiles.locate($0).fragmentPath != nil } ?? false
        if fileExists || units[name]?.loaded.loadState == .loaded {
            return refuse("Unit \(name) was already loaded or has a fragment file.")
        }
        var unit = Unit(name: name, type: scope ? .scope : .service)
        for property in request.properties {
            if let problem = UnitBuilder.applyProperty(property, to: &unit) {
                return refuse("-p \(property): \(problem.message)")
            }
        }
        if scope {
            guard request.command.isEmpty else { return refuse("A scope runs no command of its own.") }
        } else {
            guard let path = request.command.first else { return refuse("No command given.") }
            unit.service.execStart = [ExecCommand(path: path, argv: request.command)]
            UnitLoader.applyDynamicUser(to: &unit)
            if let problem = UnitLoader.verify(unit, fragmentPath: nil).first { return refuse(problem.message) }
        }
        let piped = request.options["pipe"] == "yes"
        if piped {
            guard !scope, let client = clients[fd], client.descriptors.count == 3 else {
                return refuse("--pipe needs the caller's standard input, output and error passed along.")
            }
        }
        var loaded = LoadedUnit(transient: unit)
        if !scope {
            // Kept as a file under the runtime directory, as systemd keeps its transient units: `cat`
            // shows it, and after a restart of corrald the unit can be started again by name.
            let path = transientDirectory + "/" + name
            do {
                try UnitFileWriter.write(
                    UnitFileWriter.transientService(unit, properties: request.properties), to: path)
            } catch {
                return refuse(error.description)
            }
            loaded.fragmentPath = path
        }
        let managed = ManagedUnit(loaded: loaded, plan: plan(for: unit))
        managed.transient = true
        managed.transientProperties = request.properties
        managed.collect = request.options["collect"] == "yes"
        if piped, let client = clients[fd] {
            managed.pipedStandardIO = client.descriptors
            client.descriptors = []
        }
        units[name] = managed
        let body: [Message.Field] = [.init("unit", name)]
        if scope {
            startScope(managed, adopting: Int32(request.options["pid"] ?? "") ?? caller.pid, replyingTo: fd, body: body)
        } else if request.options["wait"] == "yes" || piped {
            acknowledge(fd)
            runWaiters.append(RunWaiter(client: fd, unit: name))
            enqueue(.start, name, reply: nil)
            dispatchJobs()
        } else if request.options["block"] == "no" {
            reply(to: fd, Response(body: Response.queued.body + body))
            enqueue(.start, name, reply: nil)
            dispatchJobs()
        } else {
            acknowledge(fd)
            let pending = PendingReply(client: fd, verb: "run", units: [name])
            pending.body = body
            pendingReplies.append(pending)
            enqueue(.start, name, reply: pending)
            dispatchJobs()
        }
    }

    private func startScope(_ unit: ManagedUnit, adopting pid: Int32, replyingTo fd: Int32, body: [Message.Field]) {
        deliver(.startScope, to: unit)
        do {
            try tree.attach(pid, to: unit.plan.cgroup)
        } catch {
            log(unit.name, "\(error)")
            deliver(.stop, to: unit)
            return reply(
                to: fd,
                Response(exitCode: ExitStatus.failure, error: "Failed to move PID \(pid) into \(unit.name): \(error)"))
        }
        unit.runStarted = monotonicMicroseconds()
        noteStateChange(of: unit)
        reply(to: fd, Response(body: body))
    }

    /// Answers `run --wait` clients whose unit has ended, with what systemd-run prints and more.
    func answerRunWaiters(for unit: ManagedUnit) {
        guard [.inactive, .failed].contains(unit.activeState), unit.machine?.subState != .autoRestart else { return }
        for waiter in runWaiters where waiter.unit == unit.name {
            var body: [Message.Field] = [.init("unit", unit.name)]
            let result = unit.machine?.result ?? .success
            body.append(.init("Result", result.rawValue))
            if let exit = unit.machine?.mainExit { body.append(.init("ExecMainStatus", exit.description)) }
            let stats = unit.lastRun.counted
            body.append(.init("RuntimeUSec", String(unit.lastRun.runtime)))
            if let cpu = stats.cpuUsageMicroseconds { body.append(.init("CPUUsageNSec", String(cpu * 1000))) }
            if let peak = stats.memoryPeak { body.append(.init("MemoryPeak", String(peak))) }
            if let kills = stats.oomKills { body.append(.init("OOMKills", String(kills))) }
            if let read = stats.ioReadBytes { body.append(.init("IOReadBytes", String(read))) }
            if let written = stats.ioWriteBytes { body.append(.init("IOWriteBytes", String(written))) }
            var code: Int32 = 0
            if result != .success {
                if case .exited(let status) = unit.machine?.mainExit, status != 0 {
                    code = status
                } else {
                    code = ExitStatus.failure
                }
            }
            reply(to: waiter.client, Response(exitCode: code, body: body))
        }
        runWaiters.removeAll { $0.unit == unit.name }
        unit.pipedStandardIO = []
    }

    /// Reads what the run used from the unit's cgroup, before corrald removes it, when a
    /// `run --wait` client waits to hear it.
    func recordRunStatistics(of unit: ManagedUnit) {
        guard runWaiters.contains(where: { $0.unit == unit.name }) else { return }
        let runtime = unit.runStarted > 0 ? monotonicMicroseconds() - unit.runStarted : 0
        unit.lastRun = RunStatistics(runtime: runtime, counted: tree.statistics(of: unit.plan.cgroup))
    }

    /// A transient unit is forgotten once it is inactive, or failed with `--collect`, and its cgroup is
    /// gone; then its file goes. Not while a start waits in the queue or a restart will queue one, nor
    /// while `run --wait` waits. (A start job already running for it ends with this state change.)
    func collectIfTransient(_ unit: ManagedUnit) {
        let startWaiting = jobs.jobs[unit.name] == .start && !jobs.running.contains(unit.name)
        guard unit.transient, !unit.holdsCgroup, !startWaiting, !restartsAfterStop.contains(unit.name),
            !runWaiters.contains(where: { $0.unit == unit.name })
        else { return }
        let state = unit.activeState
        guard state == .inactive || (state == .failed && unit.collect) else { return }
        units[unit.name] = nil
        persist(unit)
        if let path = unit.loaded.fragmentPath { unlink(path) }
    }

    /// Where transient services are written; searched right after the control directories.
    var transientDirectory: String { configuration.runtimeDirectory + "/transient" }

    // MARK: - set-property and revert

    /// The directories `set-property` writes its drop-ins to, searched before every other unit directory.
    static func controlDirectories(searchPath: UnitSearchPath, runtimeDirectory: String) -> (
        persistent: String, runtime: String
    ) {
        ((searchPath.directories.first ?? "/etc/corral/system") + ".control", runtimeDirectory + "/system.control")
    }

    /// Applies properties to a unit at once (its cgroup, if it runs) and keeps them: as drop-ins
    /// `UNIT.d/50-NAME.conf` in the control directory (`--runtime`: under the runtime directory), or for a
    /// transient unit for its lifetime.
    func setProperties(_ request: Request, from fd: Int32) {
        guard let name = request.units.first, let unit = unit(named: name), unit.loaded.loadState == .loaded else {
            return reply(
                to: fd,
                Response(exitCode: ExitStatus.noSuchUnit, error: "Unit \(request.units.first ?? "") not loaded."))
        }
        var updated = unit.loaded.unit
        for property in request.properties {
            let propertyName = String(property.prefix { $0 != "=" })
            if !unit.transient && !PropertyTable.settableOnLoadedUnits.contains(propertyName) {
                return reply(
                    to: fd,
                    Response(
                        exitCode: ExitStatus.failure,
                        error:
                            "Failed to set unit properties on \(name): Cannot set property \(propertyName), or unknown property."
                    ))
            }
            if let problem = UnitBuilder.applyProperty(property, to: &updated) {
                return reply(to: fd, Response(exitCode: ExitStatus.failure, error: "\(property): \(problem.message)"))
            }
        }
        let running = ![.inactive, .failed].contains(unit.activeState)
        if running && updated.resources.slice != unit.loaded.unit.resources.slice {
            return reply(
                to: fd, Response(exitCode: ExitStatus.failure, error: "Slice= cannot be changed while \(name) runs."))
        }
        if !unit.transient {
            let directory =
                request.options["runtime"] == "yes" ? controlDirectories.runtime : controlDirectories.persistent
            do {
                for property in request.properties {
                    let dropIn = UnitFileWriter.dropIn(property, for: updated)
                    try UnitFileWriter.write(dropIn.text, to: "\(directory)/\(updated.name).d/\(dropIn.fileName)")
                }
            } catch {
                return reply(to: fd, Response(exitCode: ExitStatus.failure, error: error.description))
            }
        }
        if unit.transient {
            unit.transientProperties += request.properties
            if let path = unit.loaded.fragmentPath {
                do {
                    try UnitFileWriter.write(
                        UnitFileWriter.transientService(updated, properties: unit.transientProperties), to: path)
                } catch {
                    return reply(to: fd, Response(exitCode: ExitStatus.failure, error: error.description))
                }
            }
        }
        unit.loaded.unit = updated
        unit.machine?.update(settings: updated.service)
        apply(plan(for: updated), to: unit, running: running)
        persist(unit)
        reply(to: fd, Response())
    }

    /// `revert`: removes the unit's set-property drop-ins and reloads it.
    func revertProperties(_ request: Request, from fd: Int32) {
        guard let name = request.units.first, let unit = unit(named: name), let unitName = try? UnitName(name) else {
            return reply(
                to: fd,
                Response(exitCode: ExitStatus.noSuchUnit, error: "Unit \(request.units.first ?? "") not loaded."))
        }
        for directory in [controlDirectories.persistent, controlDirectories.runtime] {
            let dropIns = directory + "/" + name + ".d"
            for file in UnitDiskAccess.entries(of: dropIns) ?? [] where file.hasPrefix("50-") && file.hasSuffix(".conf")
            {
                unlink(dropIns + "/" + file)
            }
            rmdir(dropIns)
        }
        unitFiles = UnitFileIndex(unitFiles.searchPath)
        unit.loaded = load(unitName)
        unit.machine?.update(settings: unit.loaded.unit.service)
        apply(plan(for: unit.loaded.unit), to: unit, running: ![.inactive, .failed].contains(unit.activeState))
        reply(to: fd, Response())
    }

    /// Makes `plan` the unit's; a running unit gets the writes that changed.
    private func apply(_ plan: CgroupPlan, to unit: ManagedUnit, running: Bool) {
        let old = Set(unit.plan.writes.map { $0.file + "=" + $0.value })
        unit.plan = plan
        guard running else { return }
        let changed = plan.writes.filter { !old.contains($0.file + "=" + $0.value) }
        for (write, outcome) in tree.write(changed, in: plan.cgroup) {
            switch outcome {
            case .written: log(unit.name, "Set \(write.file) to \(write.value) (\(write.from)=).")
            case .skipped: break
            case .failed(let error): log(unit.name, "\(error) (from \(write.from)=)")
            }
        }
    }

}
