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

/// Units' output, corrald's log, and what corrald tells its own manager.
extension Supervisor {
    // MARK: - Output and logging

    /// The unit's output pipe is a FIFO in the runtime directory, so that it outlives corrald: after a
    /// crash or `daemon-reexec` the new corrald opens it again and the unit's processes, which hold
    /// its write end, go on writing to it. (While no corrald runs their writes fail with EPIPE.)
    /// It exists while the unit has processes.
    func openOutputPipe(for unit: ManagedUnit) {
        let path = outputFIFOPath(of: unit)
        try? makeDirectory(configuration.runtimeDirectory + "/output")
        guard mkfifo(path, 0o600) == 0 || errno == EEXIST else {
            return log(unit.name, "Cannot make the output pipe \(path): \(Errno.current)", level: .error)
        }
        do {
            let read = try FileDescriptor.open(path, O_RDONLY | O_NONBLOCK)
            // With a reader present the write end opens at once; programs get it blocking, as a pipe.
            let write = try FileDescriptor.open(path, O_WRONLY | O_NONBLOCK)
            try write.setNonBlocking(false)
            unit.outputPipe = (read, write)
            _ = try? watch(read, as: .output(unit.name))
        } catch {
            log(unit.name, "Cannot open the output pipe \(path): \(error)", level: .error)
        }
    }

    /// Logs what is left in the unit's output pipe, then closes and removes it. Opened again for
    /// the unit's next process (`launch`), so a unit at rest, or active with nothing running,
    /// holds no descriptor for it.
    func releaseOutputPipe(of unit: ManagedUnit) {
        guard let pipe = unit.outputPipe else { return }
        readOutput(of: unit.name)
        unwatch(pipe.read)
        pipe.read.close()
        pipe.write.close()
        unlink(outputFIFOPath(of: unit))
        unit.outputPipe = nil
    }

    func outputFIFOPath(of unit: ManagedUnit) -> String {
        configuration.runtimeDirectory + "/output/" + unit.name
    }

    /// Reads what the unit's processes wrote and logs it line by line.
    func readOutput(of name: String) {
        guard let unit = units[name], let pipe = unit.outputPipe?.read else { return }
        while let bytes = try? pipe.read(capacity: 16384), !bytes.isEmpty {
            unit.pendingOutput += bytes
            while let newline = unit.pendingOutput.firstIndex(of: 0x0A) {
                let line = String(decoding: unit.pendingOutput[..<newline], as: UTF8.self)
                unit.pendingOutput.removeSubrange(...newline)
                log(name, line, program: outputProgram(of: unit))
            }
            if unit.pendingOutput.count > 8192 {
                log(name, String(decoding: unit.pendingOutput, as: UTF8.self), program: outputProgram(of: unit))
                unit.pendingOutput = []
            }
        }
    }

    /// corrald's own messages (and unit output that came through the pipe): to the journal or standard
    /// error (`corrald: UNIT: message`), and to the unit's ring when about a unit.
    /// `program` marks a line of the unit's own output (see `JournalEntry.program`).
    func log(
        _ unitName: String?, _ message: String, level: Logger.Level = .info, event: UnitEvent? = nil,
        program: String? = nil
    ) {
        if let unitName, let unit = units[unitName] {
            unit.log.append(
                message, identifier: program ?? "corrald", pid: program == nil ? getpid() : nil,
                at: realtimeMicroseconds())
        }
        var metadata: Logger.Metadata = [:]
        if let unitName { metadata["unit"] = .string(unitName) }
        if let event { metadata["event"] = .string(event.rawValue) }
        if let program { metadata["program"] = .string(program) }
        logger.log(level: level, "\(message)", metadata: metadata)
    }

    /// Output goes straight to journald (a stream per process) when journald runs, the unit logs to
    /// the journal, and journald will file the lines under this unit (it names the unit from the
    /// writer's cgroup); otherwise through corrald's pipe, and corrald logs each line about the unit.
    func wantsJournalStream(_ unit: ManagedUnit) -> Bool {
        let exec = unit.loaded.unit.exec
        return Journal.isAvailable && (exec.standardOutput == .journal || exec.standardError == .journal)
            && CgroupAttribution.unit(ofCgroup: cgroupRootInHierarchy + "/" + unit.plan.cgroup) == unit.name
    }

    /// The stream's `SYSLOG_IDENTIFIER=`: the executable's file name, as systemd uses without SyslogIdentifier=.
    func syslogIdentifier(of command: ExecCommand, in unit: ManagedUnit) -> String {
        unit.loaded.unit.exec.syslogIdentifier
            ?? String(command.path.split(separator: "/").last ?? Substring(command.path))
    }

    /// The identifier for output that came through the pipe, shared by the unit's processes: its main command's.
    private func outputProgram(of unit: ManagedUnit) -> String? {
        unit.loaded.unit.service.execStart.first.map { syslogIdentifier(of: $0, in: unit) }
    }

    /// Tells corrald's manager it is up (or back from a reload), with the count of active services.
    func notifyReady() {
        ServiceManager.notify("READY=1")
        reportStatus()
    }

    /// How often corrald asks its manager for more time while it starts up or shuts down.
    static let timeoutExtensionInterval: UInt64 = 5_000_000

    /// While its start-up or shutdown goes on, corrald asks its manager (`EXTEND_TIMEOUT_USEC=`) for
    /// time until the furthest timer of the units its running jobs wait for, plus one interval: a
    /// start-up waiting on units within their own timeouts outlives corrald.service's
    /// `TimeoutStartSec=`, one stuck on a unit without a timeout does not.
    func extendManagerTimeout(now: UInt64) {
        guard startingUp || shuttingDown else { return }
        let horizon = units.values.filter { jobs.running.contains($0.name) }.compactMap(\.deadline).max()
        guard let horizon, horizon > now else { return }
        ServiceManager.notify("EXTEND_TIMEOUT_USEC=\(horizon - now + Self.timeoutExtensionInterval)")
    }

    /// `STATUS=N services active`, sent when the count changes (slices and targets are not counted).
    private func reportStatus() {
        let active = units.values.filter { $0.machine != nil && $0.activeState == .active }.count
        let status = "\(active) service\(active == 1 ? "" : "s") active"
        guard status != reportedStatus else { return }
        reportedStatus = status
        ServiceManager.notify("STATUS=" + status)
    }

    func noteStateChange(of unit: ManagedUnit) {
        let state = unit.activeState
        guard state != unit.lastActiveState else { return }
        let previous = unit.lastActiveState
        unit.lastActiveState = state
        unit.stateChangeTimestamp = realtimeMicroseconds()
        switch state {
        case .active: log(unit.name, "Started \(unit.loaded.unit.unit.description ?? unit.name).", event: .started)
        case .inactive where previous == .activating:
            log(unit.name, "Deactivated successfully.")
            log(unit.name, "Finished \(unit.loaded.unit.unit.description ?? unit.name).", event: .stopped)
        case .inactive:
            if unit.machine != nil { log(unit.name, "Deactivated successfully.") }
            log(unit.name, "Stopped \(unit.loaded.unit.unit.description ?? unit.name).", event: .stopped)
        case .failed:
            log(
                unit.name, "Failed with result '\(unit.machine?.result.rawValue ?? "resources")'.", level: .warning,
                event: .failed)
        default: break
        }
        if !startingUp { reportStatus() }
        // On disk before any client hears of the change.
        persist(unit)
        answerRunWaiters(for: unit)
        // Before the job's reply, so that a client told "stopped" finds the transient unit gone.
        collectIfTransient(unit)
        jobProgress(of: unit)
        if state == .failed {
            for name in unit.loaded.unit.unit.onFailure { enqueue(.start, name, reply: nil) }
        }
        takeActions(of: unit, previous: previous)
        if unit.reloadWhenStopped && (state == .inactive || state == .failed), let name = try? UnitName(unit.name) {
            unit.reloadWhenStopped = false
            unit.loaded = load(name)
            forgetIfUnused(unit.name)
        }
    }
}
