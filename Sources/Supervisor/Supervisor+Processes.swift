import CLinux
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
        while true {
            var pid: pid_t = 0
            var code: Int32 = 0
            var status: Int32 = 0
            guard corral_reap_child(&pid, &code, &status) == 1 else { return }
            let exit: ProcessExit =
                switch code {
                case 1: .exited(status)  // CLD_EXITED
                default: .killed(signal: status, coreDumped: code == 3)  // CLD_KILLED, CLD_DUMPED
                }
            guard let owner = processOwners.removeValue(forKey: pid), let unit = units[owner.unit] else { continue }
            if let pidfd = unit.pidfds.removeValue(forKey: pid) { close(pidfd) }
            unit.startTimes[pid] = nil
            let oomKilled = exit == .killed(signal: SIGKILL, coreDumped: false) && newOOMKills(in: unit)
            deliver(.exited(pid: pid, exit, oomKilled: oomKilled), to: unit)
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

    func spawn(_ command: ExecCommand, role: ProcessRole, for unit: ManagedUnit) -> ServiceEvent {
        let cgroupFD: Int32
        do {
            cgroupFD = try tree.openDirectory(unit.plan.cgroup)
        } catch {
            return .spawnFailed(
                role, SpawnFailure(step: .cgroup, message: "Failed at step CGROUP spawning \(command.path): \(error)"))
        }
        defer { close(cgroupFD) }
        let wantsNotify =
            unit.loaded.unit.service.type == .notify || (unit.loaded.unit.service.notifyAccess ?? .none) != .none
        let journalStream =
            wantsJournalStream(unit)
            ? Journal.streamFD(identifier: syslogIdentifier(of: command)) : nil
        defer { if let journalStream { close(journalStream) } }
        let context = LaunchContext(
            cgroupDirectory: cgroupFD, outputPipe: unit.outputPipe?.write ?? -1, journalStream: journalStream,
            notifySocket: wantsNotify ? configuration.notifySocketPath : nil,
            invocationID: unit.invocationID, mainPID: role == .control ? unit.machine?.mainPID : nil,
            pipedStandardIO: unit.pipedStandardIO, defaultFileLimit: serviceFileLimit)
        let prepared: (request: SpawnRequest, openedFDs: [Int32])
        do {
            prepared = try ProcessLaunch.request(for: command, unit: unit.loaded.unit, context: context)
        } catch {
            return .spawnFailed(role, error)
        }
        defer { prepared.openedFDs.forEach { close($0) } }
        var request = prepared.request
        var readinessWriteEnd: Int32?
        if role == .main, let target = unit.loaded.unit.service.readyNotificationFD {
            closeReadiness(of: unit)
            if let ends = makePipe() {
                unit.readinessPipe = ends.read
                readinessWriteEnd = ends.write
                request.passedDescriptor = PassedDescriptor(source: ends.write, target: target)
                _ = try? watch(ends.read, as: .readiness(unit.name))
            }
        }
        defer { readinessWriteEnd.map { _ = close($0) } }
        do {
            let process = try Spawner.spawn(request)
            processOwners[process.pid] = (unit.name, role)
            unit.pidfds[process.pid] = process.pidfd
            return .spawned(role, pid: process.pid)
        } catch {
            return .spawnFailed(role, SpawnFailure(step: error.stage.step, message: error.description))
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
            _ = corral_pidfd_send_signal(pidfd, signal)
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
