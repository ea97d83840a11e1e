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
    /// `MetricsListen=`: a TCP address the metrics are served on too.
    public var metricsEndpoint: IPEndpoint?

    public init(
        searchPath: UnitSearchPath, runtimeDirectory: String, cgroupRoot: CgroupRoot, startUnits: [String],
        metricsEndpoint: IPEndpoint? = nil
    ) {
        self.searchPath = searchPath
        self.runtimeDirectory = runtimeDirectory
        self.cgroupRoot = cgroupRoot
        self.startUnits = startUnits
        self.metricsEndpoint = metricsEndpoint
    }

    public var controlSocketPath: String { runtimeDirectory + "/control" }
    public var notifySocketPath: String { runtimeDirectory + "/notify" }
    /// The metrics endpoint (HTTP, `GET /metrics`).
    public var metricsSocketPath: String { runtimeDirectory + "/metrics" }
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
        /// The metrics socket or `MetricsListen=`'s, by descriptor number.
        case metricsListener(Int32)
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
    var controlListener: FileDescriptor?
    /// RUNTIMEDIR/metrics, and the TCP listener of `MetricsListen=` when set.
    let metricsListeners: [FileDescriptor]
    let notifySocket: FileDescriptor
    let hostFacts: HostFacts
    /// Why controllers Corral uses are missing from its root, found at start-up (logged by `run`).
    let controllerProblems: [String]
    /// The root's path as /proc/PID/cgroup shows it (relative to the cgroup2 mount).
    let cgroupRootInHierarchy: String

    var units: [String: ManagedUnit] = [:]
    /// The unit files on the search path, as of start-up or the last daemon-reload.
    var unitFiles: UnitFileIndex
    var jobs = JobQueue()
    /// The queue's revision as last written to the state directory.
    var persistedJobsRevision = 0
    /// Which unit, and in which role, each process we watch belongs to.
    var processOwners: [Int32: (unit: String, role: ProcessRole)] = [:]
    var cgroupWatches: [Int32: String] = [:]
    /// What each epoll token stands for, with the number of the descriptor watched (owned elsewhere).
    var sources: [UInt64: (fd: Int32, source: Source)] = [:]
    var nextToken: UInt64 = 100
    var clients: [Int32: ClientConnection] = [:]
    var pendingReplies: [PendingReply] = []
    var reload: Reload?
    /// Requests that change state, received during a reload: handled once it has finished.
    var requestsAfterReload: [(Request, client: Int32)] = []
    var runWaiters: [RunWaiter] = []
    var daemonCounters = DaemonCounters()
    /// Where set-property keeps its drop-ins; both are searched before the configured unit directories.
    let controlDirectories: (persistent: String, runtime: String)
    /// Units whose stop job is the first half of a restart.
    var restartsAfterStop: Set<String> = []
    var shuttingDown = false
    var ending = Ending()
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
    /// Monotonic µs of the next `EXTEND_TIMEOUT_USEC=` (`extendManagerTimeout`).
    var timeoutExtensionDeadline: UInt64?
    /// The binary `daemon-reexec` executes: the path this one was started from (after an upgrade,
    /// the new binary there).
    let executablePath = UnitDiskAccess.linkTarget(of: "/proc/self/exe") ?? CommandLine.arguments[0]
    /// The open-files limit corrald was started with, which services get by default; corrald
    /// itself raises its soft limit to the hard one (pidfds, output pipes and clients of thousands
    /// of units).
    let serviceFileLimit = Supervisor.raiseOwnFileLimit()
    /// `DynamicUser=`'s users, held under RUNTIMEDIR/dynamic-uid.
    var dynamicUsers: DynamicUsers { DynamicUsers(directory: configuration.runtimeDirectory + "/dynamic-uid") }

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
        try Processes.becomeChildSubreaper()
        Glibc.signal(SIGPIPE, SIG_IGN)
        mkdir(configuration.runtimeDirectory, 0o755)
        if (try? UnixSocket.connect(to: configuration.controlSocketPath)) != nil {
            throw SupervisorError("another corrald is already listening on \(configuration.controlSocketPath)")
        }
        tree = try CgroupTree(path: try Self.prepareRoot(configuration.cgroupRoot.path))
        poll = try EventPoll()
        signals = try SignalReceiver([SIGCHLD, SIGTERM, SIGINT, SIGHUP])
        cgroupFileWatch = try FileWatch()
        controlListener = try UnixSocket.listen(at: configuration.controlSocketPath)
        notifySocket = try UnixSocket.datagram(at: configuration.notifySocketPath)
        var metricsListeners = [try UnixSocket.listen(at: configuration.metricsSocketPath)]
        if let endpoint = configuration.metricsEndpoint {
            do {
                metricsListeners.append(try TCPSocket.listen(on: endpoint))
            } catch {
                throw SupervisorError("cannot listen on MetricsListen=\(endpoint): \(error)")
            }
        }
        self.metricsListeners = metricsListeners
        controllerProblems = configuration.cgroupRoot.offerControllers()
        hostFacts = HostProbe.current(cgroupRoot: configuration.cgroupRoot.path)
        cgroupRootInHierarchy = String(
            configuration.cgroupRoot.path.dropFirst(configuration.cgroupRoot.mountPoint.count))
        try watch(signals.descriptor, as: .signals)
        try watch(cgroupFileWatch.descriptor, as: .cgroupEvents)
        try watch(controlListener!, as: .controlListener)
        try watch(notifySocket, as: .notify)
        for listener in metricsListeners { try watch(listener, as: .metricsListener(listener.rawValue)) }
        try moveIntoOwnLeaf()
    }

    /// Raises the soft RLIMIT_NOFILE to the hard one; returns the limits as they were.
    private static func raiseOwnFileLimit() -> ResourceLimit? {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return nil }
        let inherited = ResourceLimit(soft: UInt64(limit.rlim_cur), hard: UInt64(limit.rlim_max))
        limit.rlim_cur = limit.rlim_max
        _ = setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
        return inherited
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
        guard configuration.cgroupRoot.containsManager else { return }
        try tree.create(CgroupRoot.managerLeaf)
        try tree.attach(getpid(), to: CgroupRoot.managerLeaf)
    }

    @discardableResult
    func watch(_ descriptor: FileDescriptor, as source: Source) throws -> UInt64 {
        let token = nextToken
        nextToken += 1
        sources[token] = (descriptor.rawValue, source)
        try poll.watch(descriptor, token: token)
        return token
    }

    /// Stops watching `descriptor`, whatever it was watched as.
    func unwatch(_ descriptor: FileDescriptor) {
        poll.unwatch(descriptor)
        sources = sources.filter { $0.value.fd != descriptor.rawValue }
    }
}
