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

/// Units' processes: reaping, the state machines' actions, spawning and signalling.
extension Supervisor {
    // MARK: - Processes

    /// Reaps every exited child and reports it to the unit that owns it.
    func reapChildren() {
        while let child = Processes.reapChild() {
            guard let owner = processOwners.removeValue(forKey: child.pid), let unit = units[owner.unit] else {
                continue
            }
            unit.pidfds[child.pid] = nil
            unit.startTimes[child.pid] = nil
            if child.exit == .exited(0) {
                unit.counters.successfulExits += 1
            } else {
                unit.counters.failedExits += 1
            }
            if let index = unit.controlRuns.lastIndex(where: { $0.pid == child.pid }) {
                unit.controlRuns[index].exit = child.exit
            }
            let oomKilled = child.exit == .killed(signal: SIGKILL, coreDumped: false) && newOOMKills(in: unit)
            deliver(.exited(pid: child.pid, child.exit, oomKilled: oomKilled), to: unit)
        }
    }

    /// Whether the kernel counted an OOM kill in the unit's cgroup since the last look.
    func newOOMKills(in unit: ManagedUnit) -> Bool {
        guard let count = tree.oomKills(in: unit.plan.cgroup) else { return false }
        defer { unit.oomKills = count }
        return count > unit.oomKills
    }

    // MARK: - Running a unit's state machine

    /// Runs the unit's machine on `event` (`MachineDriver`, with corrald as its effects), then
    /// records and reports the state it reached.
    func deliver(_ event: ServiceEvent, to unit: ManagedUnit) {
        MachineDriver.run(event, on: unit, effects: self)
        noteStateChange(of: unit)
        persist(unit)
    }

    /// Starts one of the unit's processes, counting the start or the failure for the metrics.
    func spawn(_ command: ExecCommand, role: ProcessRole, for unit: ManagedUnit) -> ServiceEvent {
        let event = launch(command, role: role, for: unit)
        switch event {
        case .spawned(let role, let pid):
            unit.counters.processStarts += 1
            if role == .control, let setting = unit.machine?.subState.controlSetting {
                unit.controlRuns.append(ControlRun(setting: setting, argv: command.argv, pid: pid))
            }
        case .spawnFailed:
            unit.counters.spawnFailures += 1
            daemonCounters.spawnFailures += 1
        default: break
        }
        return event
    }

    private func launch(_ command: ExecCommand, role: ProcessRole, for unit: ManagedUnit) -> ServiceEvent {
        let cgroup: FileDescriptor
        do {
            cgroup = try tree.openDirectory(unit.plan.cgroup)
        } catch {
            return .spawnFailed(
                role, SpawnFailure(step: .cgroup, message: "Failed at step CGROUP spawning \(command.path): \(error)"))
        }
        let settings = unit.loaded.unit
        let wantsNotify = settings.service.type == .notify || (settings.service.notifyAccess ?? .none) != .none
        let credentials =
            unit.credentials
            ?? Result { () throws(Credentials.LookupError) in
                try Credentials.resolve(for: settings.exec)
            }
        unit.credentials = credentials
        let passesReadinessPipe = role == .main && settings.service.readyNotificationFD != nil
        let privateTemporary: (tmp: String, varTmp: String)?
        let sharedNamespaces: [SharedNamespace]
        let credentialsDirectory: String?
        do {
            privateTemporary = try privateTemporaryDirectories(for: unit)
            sharedNamespaces = try self.sharedNamespaces(for: unit)
            credentialsDirectory = try self.credentialsDirectory(for: unit)
        } catch {
            return .spawnFailed(role, error)
        }
        if unit.outputPipe == nil { openOutputPipe(for: unit) }
        var context = LaunchContext(
            cgroupDirectory: cgroup, outputPipe: unit.outputPipe?.write,
            journalStream: wantsJournalStream(unit)
                ? Journal.stream(identifier: syslogIdentifier(of: command, in: unit)) : nil,
            notifySocket: wantsNotify ? configuration.notifySocketPath : nil,
            invocationID: unit.invocationID, mainPID: role == .control ? unit.machine?.mainPID : nil,
            pipedStandardIO: unit.pipedStandardIO, defaultFileLimit: serviceFileLimit, credentials: credentials,
            passesReadinessPipe: passesReadinessPipe)
        context.inaccessibleDirectory = inaccessibleDirectory
        context.privateTemporary = privateTemporary
        context.sharedNamespaces = sharedNamespaces
        context.credentialsDirectory = credentialsDirectory
        if role == .main { context.watchdogMicroseconds = settings.service.watchdog }
        if passesReadinessPipe { closeReadiness(of: unit) }
        do {
            let process = try ProcessLaunch.start(command, unit: settings, context: context)
            processOwners[process.pid] = (unit.name, role)
            unit.pidfds[process.pid] = process.pidfd
            if let readiness = process.readinessPipe {
                try? readiness.setNonBlocking(true)
                unit.readinessPipe = readiness
                _ = try? watch(readiness, as: .readiness(unit.name))
            }
            return .spawned(role, pid: process.pid)
        } catch {
            return .spawnFailed(role, error)
        }
    }

    func signal(_ signal: Int32, to target: KillTarget, of unit: ManagedUnit) -> ServiceEvent? {
        switch target {
        case .main:
            if let pid = unit.machine?.mainPID { signalProcess(pid, signal, of: unit) }
        case .control:
            if let pid = unit.machine?.controlPID { signalProcess(pid, signal, of: unit) }
        case .cgroup:
            for pid in processes(inTreeOf: unit.plan.cgroup) {
                kill(pid, signal)
                if signal != SIGKILL && signal != SIGCONT { kill(pid, SIGCONT) }
            }
        }
        // A cgroup that holds nothing (a process that never started) never changes to empty: the
        // machine waiting for that hears it now rather than at its stop timeout.
        if target == .cgroup && !unit.plan.cgroup.isEmpty && processes(inTreeOf: unit.plan.cgroup).isEmpty {
            return .cgroupEmpty
        }
        return nil
    }

    /// Signals through the pidfd when corrald spawned the process, so a recycled pid is never hit.
    private func signalProcess(_ pid: Int32, _ signal: Int32, of unit: ManagedUnit) {
        if let pidfd = unit.pidfds[pid] {
            try? Processes.signal(pidfd, signal)
        } else {
            kill(pid, signal)
        }
    }

    /// Every process in `cgroup` and the cgroups below it.
    /// Every process in `cgroup` and the cgroups below it; none for the root (targets, `-.slice`),
    /// where corrald itself lives.
    func processes(inTreeOf cgroup: String) -> [Int32] {
        guard !cgroup.isEmpty else { return [] }
        var pids = (try? tree.processes(in: cgroup)) ?? []
        for child in (try? tree.children(of: cgroup)) ?? [] {
            pids += processes(inTreeOf: cgroup + "/" + child)
        }
        return pids
    }

    /// A main process corrald did not spawn (from PIDFile= or MAINPID=): as a child subreaper corrald
    /// inherits it once its parent exits, so its exit arrives with SIGCHLD like any other.
    func adoptMainProcess(_ pid: Int32, of unit: ManagedUnit) {
        processOwners[pid] = (unit.name, .main)
    }

    /// PIDFile= if given (the pid must be in the unit's cgroup), else the only process left in it.
    func findMainProcess(pidFile: String?, of unit: ManagedUnit) -> Int32? {
        let pid = mainProcessCandidate(pidFile: pidFile, of: unit)
        if let pid { adoptMainProcess(pid, of: unit) }
        return pid
    }

    private func mainProcessCandidate(pidFile: String?, of unit: ManagedUnit) -> Int32? {
        let candidates = processes(inTreeOf: unit.plan.cgroup)
        if let pidFile {
            guard let text = readTextFile(atPath: pidFile),
                let pid = Int32(text.split(whereSeparator: { $0 == "\n" || $0 == " " }).first ?? ""),
                candidates.contains(pid)
            else {
                log(unit.name, "PID file \(pidFile) not readable or names a process outside the unit")
                return nil
            }
            return pid
        }
        return candidates.count == 1 ? candidates[0] : nil
    }
}

/// corrald performs its units' actions on the host.
extension Supervisor: ServiceEffects {
    var now: UInt64 { monotonicMicroseconds() }

    func newInvocationID() -> String { Self.newInvocationID() }

    func killCgroup(of unit: ManagedUnit) {
        do {
            try tree.kill(unit.plan.cgroup)
        } catch {
            log(unit.name, "\(error)")
        }
    }

    func log(_ message: String, about unit: ManagedUnit) {
        log(unit.name, message, event: message == ServiceMachine.oomKillNote ? .oomKilled : nil)
    }
}
