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

/// How corrald runs: where units come from, where its sockets live, which cgroup it owns.
public struct SupervisorConfiguration: Sendable {
    public var searchPath: UnitSearchPath
    /// Holds `control` and `notify` sockets.
    public var runtimeDirectory: String
    public var cgroupRoot: CgroupRoot
    /// Units started when corrald comes up, in this order (with their dependencies).
    public var startUnits: [String]

    public init(searchPath: UnitSearchPath, runtimeDirectory: String, cgroupRoot: CgroupRoot, startUnits: [String]) {
        self.searchPath = searchPath
        self.runtimeDirectory = runtimeDirectory
        self.cgroupRoot = cgroupRoot
        self.startUnits = startUnits
    }

    public var controlSocketPath: String { runtimeDirectory + "/control" }
    public var notifySocketPath: String { runtimeDirectory + "/notify" }
}

/// Why corrald cannot start.
public struct SupervisorError: Error, CustomStringConvertible {
    public var description: String

    init(_ description: String) {
        self.description = description
    }
}

/// corrald's event loop: one thread owns every unit, and everything that happens reaches it
/// through one epoll set (signals, cgroup events, the notify and control sockets, unit output).
public final class Supervisor {
    enum Source {
        case signals, cgroupEvents, notify, controlListener
        case client(Int32)
        case output(String)
        /// The read end of a unit's ReadyNotificationFD= pipe.
        case readiness(String)
        /// The pidfd of a process a previous corrald started: readable once it has ended.
        case adoptedProcess(Int32)
    }

    let configuration: SupervisorConfiguration
    let tree: CgroupTree
    let poll: EventPoll
    let signals: SignalReceiver
    let cgroupFileWatch: FileWatch
    var controlListener: Int32
    let notifySocket: Int32
    let hostFacts: HostFacts
    /// Why controllers Corral uses are missing from its root, found at start-up (logged by `run`).
    let controllerProblems: [String]
    /// The root's path as /proc/PID/cgroup shows it (relative to the cgroup2 mount).
    let cgroupRootInHierarchy: String

    var units: [String: ManagedUnit] = [:]
    /// The unit files on the search path, as of start-up or the last daemon-reload.
    var unitFiles: UnitFileIndex
    var jobs = JobQueue()
    /// Which unit, and in which role, each process we watch belongs to.
    var processOwners: [Int32: (unit: String, role: ProcessRole)] = [:]
    var cgroupWatches: [Int32: String] = [:]
    var sources: [UInt64: (fd: Int32, source: Source)] = [:]
    var nextToken: UInt64 = 100
    var clients: [Int32: ClientConnection] = [:]
    var pendingReplies: [PendingReply] = []
    var reload: Reload?
    /// Requests that change state, received during a reload: handled once it has finished.
    var requestsAfterReload: [(Request, client: Int32)] = []
    var runWaiters: [RunWaiter] = []
    /// Where set-property keeps its drop-ins; both are searched before the configured unit directories.
    let controlDirectories: (persistent: String, runtime: String)
    /// Units whose stop job is the first half of a restart.
    var restartsAfterStop: Set<String> = []
    var shuttingDown = false
    /// corrald's own log: the journal when journald runs, else standard error.
    let logger = Logger(label: "corrald") { _ in JournalLogHandler(identifier: "corrald") }
    /// Until the jobs queued at start-up have finished, corrald has not told its manager `READY=1`.
    var startingUp = true
    /// Refused notifications logged per unit ("" for senders in none) in the current 10 s window
    /// (monotonic µs it began); pruned of old windows beyond 1024 entries.
    var notifyComplaints: [String: (since: UInt64, count: Int)] = [:]
    /// The `STATUS=` last sent to corrald's manager.
    var reportedStatus = ""
    /// Monotonic µs of the next `WATCHDOG=1`, when corrald's manager set a watchdog.
    var watchdogDeadline: UInt64?
    let watchdogInterval = ServiceManager.watchdogInterval
    /// The binary `daemon-reexec` executes: the path this one was started from (after an upgrade,
    /// the new binary there).
    let executablePath = UnitDiskAccess.linkTarget(of: "/proc/self/exe") ?? CommandLine.arguments[0]

    public init(configuration: SupervisorConfiguration) throws {
        self.configuration = configuration
        controlDirectories = Self.controlDirectories(
            searchPath: configuration.searchPath, runtimeDirectory: configuration.runtimeDirectory)
        var searchPath = configuration.searchPath
        searchPath.directories.insert(
            contentsOf: [
                controlDirectories.persistent, controlDirectories.runtime,
                configuration.runtimeDirectory + "/transient",
            ],
            at: 0)
        unitFiles = UnitFileIndex(searchPath)
        blockSignals([SIGCHLD, SIGTERM, SIGINT, SIGHUP])
        _ = corral_set_child_subreaper()
        signal(SIGPIPE, SIG_IGN)
        mkdir(configuration.runtimeDirectory, 0o755)
        if let live = try? UnixSocket.connect(to: configuration.controlSocketPath) {
            close(live)
            throw SupervisorError("another corrald is already listening on \(configuration.controlSocketPath)")
        }
        tree = try CgroupTree(path: try Self.prepareRoot(configuration.cgroupRoot.path))
        poll = try EventPoll()
        signals = try SignalReceiver([SIGCHLD, SIGTERM, SIGINT, SIGHUP])
        cgroupFileWatch = try FileWatch()
        controlListener = try UnixSocket.listen(at: configuration.controlSocketPath)
        notifySocket = try UnixSocket.datagram(at: configuration.notifySocketPath)
        controllerProblems = configuration.cgroupRoot.offerControllers()
        hostFacts = HostProbe.current(cgroupRoot: configuration.cgroupRoot.path)
        cgroupRootInHierarchy = String(
            configuration.cgroupRoot.path.dropFirst(configuration.cgroupRoot.mountPoint.count))
        try watch(signals.fd, as: .signals)
        try watch(cgroupFileWatch.fd, as: .cgroupEvents)
        try watch(controlListener, as: .controlListener)
        try watch(notifySocket, as: .notify)
        try moveIntoOwnLeaf()
    }

    /// Creates Corral's root cgroup if needed and returns its path.
    private static func prepareRoot(_ path: String) throws -> String {
        if mkdir(path, 0o755) < 0 && errno != EEXIST {
            throw CgroupError(operation: .create, path: path, errno: .current)
        }
        return path
    }

    /// corrald lives in its own leaf, `corrald.scope`, so no unit's OOM kill or `cgroup.kill` reaches it
    /// and the root's children can have controllers enabled (no internal processes).
    private func moveIntoOwnLeaf() throws {
        try tree.create("corrald.scope")
        try tree.attach(getpid(), to: "corrald.scope")
    }

    @discardableResult
    func watch(_ fd: Int32, as source: Source) throws -> UInt64 {
        let token = nextToken
        nextToken += 1
        sources[token] = (fd, source)
        try poll.watch(fd, token: token)
        return token
    }

    /// Stops watching `fd`, whatever it was watched as.
    func unwatch(_ fd: Int32) {
        poll.unwatch(fd)
        sources = sources.filter { $0.value.fd != fd }
    }

    /// A pipe, both ends close-on-exec, the read end non-blocking: (read, write).
    private func makePipe() -> (read: Int32, write: Int32)? {
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { return nil }
        for fd in ends { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        _ = fcntl(ends[0], F_SETFL, fcntl(ends[0], F_GETFL) | O_NONBLOCK)
        return (ends[0], ends[1])
    }

    // MARK: - The loop

    /// Runs until SIGTERM or SIGINT, then stops every unit and returns.
    public func run() throws {
        log(nil, "corrald started; cgroup root \(tree.path) (\(configuration.cgroupRoot.reason))")
        for problem in controllerProblems { log(nil, problem, level: .warning) }
        if configuration.cgroupRoot.trackingOnly {
            log(
                nil,
                "tracking-only mode: processes are placed and tracked in cgroups, but no limit can be enforced here")
        }
        if !resumeFromRecords() {
            for name in configuration.startUnits { enqueue(.start, name, reply: nil) }
        }
        watchdogDeadline = watchdogInterval.map { monotonicMicroseconds() &+ $0 }
        while true {
            dispatchJobs()
            if startingUp && jobs.jobs.isEmpty {
                startingUp = false
                notifyReady()
            }
            if shuttingDown && jobs.jobs.isEmpty
                && !units.values.contains(where: { $0.activeState != .inactive && $0.activeState != .failed })
            {
                break
            }
            continueReload()
            let timeout = reload == nil ? nextTimeout() : 0
            for token in try poll.wait(timeoutMilliseconds: timeout) {
                guard let source = sources[token]?.source else { continue }
                handle(source)
            }
            fireTimers()
        }
        removeRuntimeRecords()
        log(nil, "corrald stopped")
        unlink(configuration.controlSocketPath)
        unlink(configuration.notifySocketPath)
    }

    private func handle(_ source: Source) {
        switch source {
        case .signals:
            for signal in signals.drain() {
                switch signal {
                case SIGCHLD: reapChildren()
                case SIGHUP: beginReload(answering: nil)
                default: beginShutdown()
                }
            }
        case .cgroupEvents: readCgroupEvents()
        case .notify: readNotifications()
        case .controlListener: acceptClients()
        case .client(let fd): serveClient(fd)
        case .output(let unit): readOutput(of: unit)
        case .readiness(let unit): readReadiness(of: unit)
        case .adoptedProcess(let pid): adoptedProcessEnded(pid)
        }
    }

    private func beginShutdown() {
        guard !shuttingDown else { return }
        shuttingDown = true
        ServiceManager.notify("STOPPING=1")
        log(nil, "stopping every unit")
        for unit in units.values where unit.activeState != .inactive && unit.activeState != .failed {
            enqueue(.stop, unit.name, reply: nil)
        }
    }

    // MARK: - Timers

    private func nextTimeout() -> Int32 {
        let deadlines = units.values.compactMap(\.deadline) + clients.values.compactMap(\.deadline)
        guard let deadline = (deadlines + [watchdogDeadline].compactMap { $0 }).min() else {
            return -1
        }
        let now = monotonicMicroseconds()
        if deadline <= now { return 0 }
        return Int32(min((deadline - now + 999) / 1000, UInt64(Int32.max)))
    }

    private func fireTimers() {
        let now = monotonicMicroseconds()
        if let deadline = watchdogDeadline, deadline <= now, let interval = watchdogInterval {
            ServiceManager.notify("WATCHDOG=1")
            watchdogDeadline = now &+ interval
        }
        dropLateClients(now: now)
        for unit in units.values where unit.deadline.map({ $0 <= now }) == true {
            unit.deadline = nil
            deliver(.timerFired(now: now), to: unit)
        }
    }

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
    private func newOOMKills(in unit: ManagedUnit) -> Bool {
        guard let count = tree.oomKills(in: unit.plan.cgroup) else { return false }
        defer { unit.oomKills = count }
        return count > unit.oomKills
    }

    /// `cgroup.events` changed for some units: those whose cgroup is now empty hear about it.
    private func readCgroupEvents() {
        let changed = Set(cgroupFileWatch.drain().compactMap { cgroupWatches[$0] })
        for name in changed.sorted() {
            guard let unit = units[name] else { continue }
            if newOOMKills(in: unit) { deliver(.oomKilled, to: unit) }
            if (try? tree.isPopulated(unit.plan.cgroup)) == false { deliver(.cgroupEmpty, to: unit) }
        }
    }

    // MARK: - Running a unit's state machine

    /// Feeds `event` to the unit's machine and performs the actions it asks for, feeding back
    /// the events those produce (spawn results) until it is quiet.
    func deliver(_ event: ServiceEvent, to unit: ManagedUnit) {
        guard var machine = unit.machine else { return }
        var pending = [event]
        while !pending.isEmpty {
            let actions = machine.handle(pending.removeFirst())
            unit.machine = machine
            for action in actions {
                if let followUp = perform(action, for: unit) { pending.append(followUp) }
                machine = unit.machine!
            }
        }
        unit.machine = machine
        noteStateChange(of: unit)
        persist(unit)
    }

    func perform(_ action: ServiceAction, for unit: ManagedUnit) -> ServiceEvent? {
        switch action {
        case .prepareCgroup:
            unit.invocationID = Self.newInvocationID()
            unit.runStarted = monotonicMicroseconds()
            prepareCgroup(for: unit)
            return nil
        case .spawn(let command, let role):
            return spawn(command, role: role, for: unit)
        case .signal(let target, let signal):
            sendSignal(signal, to: target, of: unit)
            // A cgroup that holds nothing (a process that never started) never changes to empty:
            // the machine waiting for that hears it now rather than at its stop timeout.
            if target == .cgroup && !unit.plan.cgroup.isEmpty && processes(inTreeOf: unit.plan.cgroup).isEmpty {
                return .cgroupEmpty
            }
            return nil
        case .killCgroup:
            do {
                try tree.kill(unit.plan.cgroup)
            } catch {
                log(unit.name, "\(error)")
            }
            return nil
        case .findMainProcess(let pidFile):
            let pid = findMainProcess(pidFile: pidFile, of: unit)
            if let pid { adoptMainProcess(pid, of: unit) }
            return .mainProcessFound(pid: pid)
        case .armTimer(let delay):
            unit.deadline = monotonicMicroseconds() &+ delay
            return nil
        case .disarmTimer:
            unit.deadline = nil
            return nil
        case .releaseCgroup:
            recordRunStatistics(of: unit)
            releaseCgroup(of: unit)
            return nil
        case .log(let message):
            log(unit.name, message, event: message == ServiceMachine.oomKillNote ? .oomKilled : nil)
            return nil
        }
    }

    private func spawn(_ command: ExecCommand, role: ProcessRole, for unit: ManagedUnit) -> ServiceEvent {
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
            pipedStandardIO: unit.pipedStandardIO)
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

    private func sendSignal(_ signal: Int32, to target: KillTarget, of unit: ManagedUnit) {
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
    private func findMainProcess(pidFile: String?, of unit: ManagedUnit) -> Int32? {
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

    // MARK: - Cgroups

    /// Creates the unit's cgroup (and its slices'), enables controllers top-down and writes its limits.
    func prepareCgroup(for unit: ManagedUnit) {
        let plan = unit.plan
        for problem in tree.apply(plan, available: hostFacts.controllers) { log(unit.name, problem) }
        if !plan.warnings.isEmpty && !unit.warnedAboutLimits {
            unit.warnedAboutLimits = true
            for warning in plan.warnings { log(unit.name, warning) }
        }
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
        if unit.outputPipe == nil { openOutputPipe(for: unit) }
    }

    /// `Delegate=` with `User=`: the payload, running as that user, may manage the subtree below the
    /// unit's cgroup, which corrald never writes into.
    private func delegateIfAsked(_ unit: ManagedUnit) {
        let settings = unit.loaded.unit
        guard settings.resources.delegate, let user = settings.exec.user else { return }
        do {
            guard let credentials = try Credentials.resolve(user: user, group: settings.exec.group) else { return }
            try tree.delegate(unit.plan.cgroup, to: credentials.uid, gid: credentials.gid)
        } catch let error as CgroupError {
            log(unit.name, "\(error)")
        } catch {
            log(unit.name, "cannot delegate to \(user): unknown user")
        }
    }

    /// Removes the unit's cgroup once nothing lives in it (until then its `cgroup.events` stays
    /// watched, and the empty event asks again); slices above it stay.
    private func releaseCgroup(of unit: ManagedUnit) {
        guard (try? tree.isPopulated(unit.plan.cgroup)) == false else { return }
        closeReadiness(of: unit)
        for wd in unit.cgroupWatches {
            cgroupFileWatch.remove(wd)
            cgroupWatches[wd] = nil
        }
        unit.cgroupWatches = []
        readOutput(of: unit.name)
        if let pipe = unit.outputPipe {
            unwatch(pipe.read)
            close(pipe.read)
            close(pipe.write)
            unlink(outputFIFOPath(of: unit))
            unit.outputPipe = nil
        }
        do {
            try tree.remove(unit.plan.cgroup)
        } catch {
            log(unit.name, "\(error)")
        }
        collectIfTransient(unit)
    }

    /// ReadyNotificationFD=: a newline from the service means READY=1; end of file means it never will.
    private func readReadiness(of name: String) {
        guard let unit = units[name], let fd = unit.readinessPipe, let bytes = try? UnixSocket.read(fd, capacity: 512)
        else {
            return
        }
        if bytes.contains(0x0A) {
            closeReadiness(of: unit)
            deliver(.notifyReady, to: unit)
        } else if bytes.isEmpty {
            closeReadiness(of: unit)
        }
    }

    private func closeReadiness(of unit: ManagedUnit) {
        guard let fd = unit.readinessPipe else { return }
        unwatch(fd)
        close(fd)
        unit.readinessPipe = nil
    }

    // MARK: - Output and logging

    /// The unit's output pipe is a FIFO in the runtime directory, so that it outlives corrald: after a
    /// crash or `daemon-reexec` the new corrald opens it again and the unit's processes, which hold
    /// its write end, go on writing to it. (While no corrald runs their writes fail with EPIPE.)
    private func openOutputPipe(for unit: ManagedUnit) {
        let path = outputFIFOPath(of: unit)
        try? makeDirectory(configuration.runtimeDirectory + "/output")
        guard mkfifo(path, 0o600) == 0 || errno == EEXIST else {
            return log(unit.name, "Cannot make the output pipe \(path): \(Errno.current)", level: .error)
        }
        let read = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        // With a reader present the write end opens at once; programs get it blocking, as a pipe.
        let write = read < 0 ? -1 : open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC)
        guard read >= 0, write >= 0 else {
            if read >= 0 { close(read) }
            return log(unit.name, "Cannot open the output pipe \(path): \(Errno.current)", level: .error)
        }
        _ = fcntl(write, F_SETFL, fcntl(write, F_GETFL) & ~O_NONBLOCK)
        unit.outputPipe = (read, write)
        _ = try? watch(read, as: .output(unit.name))
    }

    private func outputFIFOPath(of unit: ManagedUnit) -> String {
        configuration.runtimeDirectory + "/output/" + unit.name
    }

    /// Reads what the unit's processes wrote and logs it line by line.
    func readOutput(of name: String) {
        guard let unit = units[name], let fd = unit.outputPipe?.read else { return }
        while let bytes = try? UnixSocket.read(fd, capacity: 16384), !bytes.isEmpty {
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
        if let unitName, let unit = units[unitName] { unit.log.append(message) }
        var metadata: Logger.Metadata = [:]
        if let unitName { metadata["unit"] = .string(unitName) }
        if let event { metadata["event"] = .string(event.rawValue) }
        if let program { metadata["program"] = .string(program) }
        logger.log(level: level, "\(message)", metadata: metadata)
    }

    /// Output goes straight to journald (a stream per process) when journald runs, the unit logs to
    /// the journal, and journald will file the lines under this unit (it names the unit from the
    /// writer's cgroup); otherwise through corrald's pipe, and corrald logs each line about the unit.
    private func wantsJournalStream(_ unit: ManagedUnit) -> Bool {
        let exec = unit.loaded.unit.exec
        return Journal.isAvailable && (exec.standardOutput == .journal || exec.standardError == .journal)
            && CgroupAttribution.unit(ofCgroup: cgroupRootInHierarchy + "/" + unit.plan.cgroup) == unit.name
    }

    /// The stream's `SYSLOG_IDENTIFIER=`: the executable's file name, as systemd uses without SyslogIdentifier=.
    private func syslogIdentifier(of command: ExecCommand) -> String {
        String(command.path.split(separator: "/").last ?? Substring(command.path))
    }

    /// The identifier for output that came through the pipe, shared by the unit's processes: its main command's.
    private func outputProgram(of unit: ManagedUnit) -> String? {
        unit.loaded.unit.service.execStart.first.map(syslogIdentifier(of:))
    }

    /// Tells corrald's manager it is up (or back from a reload), with the count of active services.
    func notifyReady() {
        ServiceManager.notify("READY=1")
        reportStatus()
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
            log(unit.name, "Finished \(unit.loaded.unit.unit.description ?? unit.name).", event: .stopped)
        case .inactive: log(unit.name, "Stopped \(unit.loaded.unit.unit.description ?? unit.name).", event: .stopped)
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
        if unit.reloadWhenStopped && (state == .inactive || state == .failed), let name = try? UnitName(unit.name) {
            unit.reloadWhenStopped = false
            unit.loaded = load(name)
            forgetIfUnused(unit.name)
        }
    }
}
