import Cgroups
import ControlProtocol
import Glibc
import SystemCall
import UnitFile
import UnitModel

/// corrald is crash-only: what runs is written under `RUNTIMEDIR/state` as it changes, and a new
/// corrald (after a crash, `kill -9` or `daemon-reexec`) resumes every unit from that record and its
/// cgroup. Nothing is ever started twice.
extension Supervisor {
    var stateDirectory: String { configuration.runtimeDirectory + "/state" }
    /// Holds the boot ID while corrald runs; removed by a clean exit. Unit names always have a suffix,
    /// so these two names are never a unit's.
    private var managerRecordPath: String { stateDirectory + "/manager" }
    /// The queued jobs, one `Job=TYPE UNIT` field each in dispatch order, while any are queued.
    private var jobsRecordPath: String { stateDirectory + "/jobs" }

    // MARK: - Writing

    /// Writes the unit's record when it changed; removes it once the unit is inactive or forgotten.
    func persist(_ unit: ManagedUnit) {
        let path = stateDirectory + "/" + unit.name
        guard units[unit.name] === unit, unit.activeState != .inactive || unit.machine?.subState == .autoRestart
        else {
            if unit.persistedDigest != nil {
                unlink(path)
                unit.persistedDigest = nil
            }
            return
        }
        let bytes = record(of: unit).message.encoded
        var hasher = Hasher()
        hasher.combine(bytes)
        let digest = hasher.finalize()
        guard digest != unit.persistedDigest else { return }
        do {
            try writeFileAtomically(bytes, to: path)
            unit.persistedDigest = digest
        } catch {
            log(unit.name, "Failed to write the unit's runtime record \(path): \(error)", level: .error)
        }
    }

    private func record(of unit: ManagedUnit) -> UnitRecord {
        var record = UnitRecord(name: unit.name)
        record.invocationID = unit.invocationID
        if let machine = unit.machine {
            record.machine = machine.snapshot
            record.mainStartTime = machine.mainPID.flatMap { startTime(of: $0, in: unit) }
            record.controlStartTime = machine.controlPID.flatMap { startTime(of: $0, in: unit) }
            if machine.subState == .autoRestart { record.restartDeadline = unit.deadline }
        } else {
            record.active = unit.passiveState == .active
        }
        record.transient = unit.transient
        record.collect = unit.collect
        record.properties = unit.transientProperties
        record.stateChangeTimestamp = unit.stateChangeTimestamp
        record.runStarted = unit.runStarted
        return record
    }

    /// Writes the job queue when it changed since the last write (once a turn of the loop), so that a
    /// new corrald carries on with the jobs this one had not finished.
    func persistJobs() {
        guard jobs.revision != persistedJobsRevision else { return }
        persistedJobsRevision = jobs.revision
        let queued = jobs.queued
        guard !queued.isEmpty else {
            unlink(jobsRecordPath)
            return
        }
        var message = Message()
        for (unit, type) in queued { message.append("Job", "\(type.rawValue) \(unit)") }
        do {
            try writeFileAtomically(message.encoded, to: jobsRecordPath)
        } catch {
            log(nil, "Failed to write the job queue to \(jobsRecordPath): \(error)", level: .error)
        }
    }

    /// The process's start time, read once from /proc and kept while it is the unit's.
    private func startTime(of pid: Int32, in unit: ManagedUnit) -> UInt64? {
        if let known = unit.startTimes[pid] { return known }
        let time = ProcessStat.read(pid: pid)?.startTime
        unit.startTimes[pid] = time
        return time
    }

    /// A clean exit: every unit has stopped, so the next corrald starts afresh.
    func removeRuntimeRecords() {
        for name in UnitDiskAccess.entries(of: stateDirectory) ?? [] { unlink(stateDirectory + "/" + name) }
    }

    // MARK: - Resuming

    /// Reads the records a previous corrald of this boot left and resumes their units; adopts unit
    /// cgroups that hold processes without a record. Returns whether there was such a predecessor
    /// (then the start-up units are not started again: what runs, runs, and what was stopped stays so).
    func resumeFromRecords() -> Bool {
        let bootID = readTextFile(atPath: "/proc/sys/kernel/random/boot_id") ?? ""
        try? makeDirectory(stateDirectory)
        let resuming = !bootID.isEmpty && readTextFile(atPath: managerRecordPath) == bootID
        if resuming {
            for name in UnitDiskAccess.entries(of: stateDirectory) ?? [] where name != "manager" && name != "jobs" {
                let path = stateDirectory + "/" + name
                var decoder = MessageDecoder()
                guard !name.hasSuffix(".tmp"), let bytes = try? readFile(atPath: path),
                    let message = try? decoder.feed(bytes).first, let record = UnitRecord(message),
                    record.name == name
                else {
                    log(nil, "Ignoring unreadable runtime record \(path).", level: .warning)
                    unlink(path)
                    continue
                }
                resume(record)
            }
            adoptUnrecordedCgroups(in: "")
            restoreJobs()
        } else {
            removeRuntimeRecords()
        }
        // A transient unit that no longer runs leaves nothing behind: its name is free again.
        for name in UnitDiskAccess.entries(of: transientDirectory) ?? [] where units[name]?.transient != true {
            unlink(transientDirectory + "/" + name)
        }
        do {
            try writeFileAtomically(Array(bootID.utf8), to: managerRecordPath)
        } catch {
            log(nil, "Failed to write \(managerRecordPath): \(error); a crash of corrald would lose track of units.")
        }
        reapChildren()
        return resuming
    }

    /// Queues again the jobs the previous corrald left; each is handed to its unit as if just asked
    /// for, and one whose unit is already where the job leads (a start of a running unit) ends at once.
    private func restoreJobs() {
        var decoder = MessageDecoder()
        guard let bytes = try? readFile(atPath: jobsRecordPath), let message = try? decoder.feed(bytes).first else {
            return
        }
        let queued = message.values("Job").compactMap { field -> (unit: String, type: JobType)? in
            let words = field.split(separator: " ", maxSplits: 1)
            guard words.count == 2, let type = JobType(rawValue: String(words[0])),
                (try? UnitName(String(words[1]))) != nil
            else { return nil }
            return (String(words[1]), type)
        }
        jobs.restore(queued)
        if !queued.isEmpty { log(nil, "Resuming \(queued.count) queued job(s).") }
    }

    private func resume(_ record: UnitRecord) {
        guard let name = try? UnitName(record.name) else { return }
        let loaded: LoadedUnit
        if record.transient && name.suffix == "scope" {
            var scope = Unit(name: record.name, type: .scope)
            for property in record.properties { _ = UnitBuilder.applyProperty(property, to: &scope) }
            loaded = LoadedUnit(transient: scope)
        } else {
            loaded = load(name)
        }
        let unit = ManagedUnit(loaded: loaded, plan: plan(for: loaded.unit))
        if let snapshot = record.machine, let machine = unit.machine {
            unit.machine = ServiceMachine(
                settings: machine.settings, startLimitInterval: machine.startLimitInterval,
                startLimitBurst: machine.startLimitBurst, restoring: snapshot)
        } else {
            unit.passiveState = record.active ? .active : .inactive
        }
        unit.invocationID = record.invocationID
        unit.transient = record.transient
        unit.collect = record.collect
        unit.transientProperties = record.properties
        unit.stateChangeTimestamp = record.stateChangeTimestamp
        unit.runStarted = record.runStarted
        unit.lastActiveState = unit.activeState
        units[record.name] = unit
        let running = ![.inactive, .failed].contains(unit.activeState)
        if running && !unit.plan.cgroup.isEmpty {
            prepareCgroup(for: unit)
            // The unit's processes write to the pipe the last corrald made for them.
            if access(outputFIFOPath(of: unit), F_OK) == 0 { openOutputPipe(for: unit) }
        }
        log(unit.name, "Resumed: \(unit.activeState.rawValue) (\(unit.subState)).")
        guard let machine = unit.machine else { return persist(unit) }

        var events: [ServiceEvent] = []
        let processes: [(Int32?, UInt64?, ProcessRole)] = [
            (machine.mainPID, record.mainStartTime, .main), (machine.controlPID, record.controlStartTime, .control),
        ]
        for case let (pid?, startTime, role) in processes {
            if let event = reattach(pid, startedAt: startTime, as: role, of: unit) { events.append(event) }
        }
        if machine.subState == .autoRestart, let deadline = record.restartDeadline {
            unit.deadline = deadline
        } else {
            unit.machine!.now = now
            _ = MachineDriver.perform(unit.machine!.timerOnResume(), on: unit, effects: self)
        }
        for event in events { deliver(event, to: unit) }
        if unit.holdsCgroup && (try? tree.isPopulated(unit.plan.cgroup)) == false { deliver(.cgroupEmpty, to: unit) }
        persist(unit)
    }

    /// Takes a recorded process back: nil when it runs on (watched for its end), else the event that
    /// says how it ended while corrald was away. A pid that now names another process is not taken.
    private func reattach(_ pid: Int32, startedAt startTime: UInt64?, as role: ProcessRole, of unit: ManagedUnit)
        -> ServiceEvent?
    {
        guard let stat = ProcessStat.read(pid: pid), startTime != nil, stat.startTime == startTime else {
            return .lost(pid: pid)
        }
        let ours = stat.parent == getpid()
        if stat.state == "Z" && !ours {
            return .exited(pid: pid, ProcessExit(waitStatus: stat.exitCode), oomKilled: false)
        }
        processOwners[pid] = (unit.name, role)
        unit.startTimes[pid] = stat.startTime
        guard let pidfd = try? Processes.open(pid) else { return .lost(pid: pid) }
        unit.pidfds[pid] = pidfd
        // corrald's own children (after daemon-reexec) are reaped on SIGCHLD; others it inherited from
        // a crashed predecessor are watched through their pidfd, which polls readable when they end.
        if !ours { _ = try? watch(pidfd, as: .adoptedProcess(pid)) }
        return nil
    }

    /// A process corrald did not start (or started before it was restarted) has ended.
    func adoptedProcessEnded(_ pid: Int32) {
        guard let owner = processOwners.removeValue(forKey: pid), let unit = units[owner.unit] else { return }
        if let pidfd = unit.pidfds.removeValue(forKey: pid) { unwatch(pidfd) }
        let startTime = unit.startTimes.removeValue(forKey: pid)
        // Its exit status is there while it is a zombie not yet reaped by its new parent.
        if let stat = ProcessStat.read(pid: pid), stat.state == "Z", stat.startTime == startTime {
            deliver(.exited(pid: pid, ProcessExit(waitStatus: stat.exitCode), oomKilled: false), to: unit)
        } else {
            deliver(.lost(pid: pid), to: unit)
        }
    }

    /// The rule for a unit cgroup that holds processes but has no record (corrald crashed between a
    /// spawn and its record, or the record was lost): the unit named by the cgroup is adopted as
    /// running with its main process unknown, so it is never started twice and `stop` empties it.
    /// A populated cgroup that names no unit is reported and left alone.
    private func adoptUnrecordedCgroups(in cgroup: String) {
        for child in (try? tree.children(of: cgroup)) ?? [] where !(cgroup.isEmpty && child == CgroupRoot.managerLeaf) {
            let path = cgroup.isEmpty ? child : cgroup + "/" + child
            if child.hasSuffix(".slice") {
                adoptUnrecordedCgroups(in: path)
                continue
            }
            guard (try? tree.isPopulated(path)) == true,
                !units.values.contains(where: { $0.plan.cgroup == path && $0.holdsCgroup })
            else { continue }
            guard let unit = unit(named: child), unit.machine != nil, unit.plan.cgroup == path,
                [.inactive, .failed].contains(unit.activeState)
            else {
                log(
                    nil, "Control group \(path) holds processes of no unit corrald knows; leaving it alone.",
                    level: .warning)
                continue
            }
            log(unit.name, "Found processes in \(path) but no record of them; adopting them, main process unknown.")
            deliver(.adopt, to: unit)
        }
    }

    // MARK: - daemon-reexec

    /// Executes corrald's binary again with the same arguments; the new process resumes every unit
    /// from the records (all current). Returns only if execve failed.
    func reexecute() {
        log(nil, "Reexecuting.")
        let arguments = CommandLine.arguments
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        execv(executablePath, argv)
        log(nil, "Failed to reexecute \(executablePath): \(Errno.current)", level: .error)
    }
}

extension ProcessExit {
    /// From a wait status as waitpid(2) reports it (and /proc/PID/stat's exit code).
    init(waitStatus status: Int32) {
        if status & 0x7f == 0 {
            self = .exited((status >> 8) & 0xff)
        } else {
            self = .killed(signal: status & 0x7f, coreDumped: status & 0x80 != 0)
        }
    }
}
