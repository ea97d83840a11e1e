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

/// The event loop: what wakes it, its timers, and shutdown.
extension Supervisor {
    // MARK: - The loop

    /// Runs until SIGTERM or SIGINT, then stops every unit and returns; or until a unit's action
    /// ends corrald (`Supervisor+Actions`). Returns corrald's exit status.
    public func run() throws -> Int32 {
        log(nil, "corrald started; cgroup root \(tree.path) (\(configuration.cgroupRoot.reason))")
        for problem in controllerProblems { log(nil, problem, level: .warning) }
        if configuration.cgroupRoot.trackingOnly {
            log(
                nil,
                "tracking-only mode: processes are placed and tracked in cgroups, but no limit can be enforced here")
        }
        makeInaccessibleNodes()
        if !resumeFromRecords() {
            for name in configuration.startUnits { enqueue(.start, name, reply: nil) }
        }
        watchdogDeadline = watchdogInterval.map { monotonicMicroseconds() &+ $0 }
        timeoutExtensionDeadline = monotonicMicroseconds()
        while !ending.atOnce {
            dispatchJobs()
            persistJobs()
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
        if ending.atOnce {
            persistJobs()
        } else {
            removeRuntimeRecords()
            // Every unit has stopped: the placeholder of a payload scope ends, and the scope with it.
            if !configuration.cgroupRoot.containsManager { try? tree.kill(CgroupRoot.managerLeaf) }
        }
        log(nil, ending.atOnce ? "corrald exiting, leaving its units as they are" : "corrald stopped")
        unlink(configuration.controlSocketPath)
        unlink(configuration.notifySocketPath)
        unlink(configuration.metricsSocketPath)
        if let power = ending.power {
            log(nil, power == .reboot ? "rebooting" : "powering off", level: .warning)
            log(nil, "reboot(2) failed: \(power.perform())", level: .error)
        }
        return ending.exitStatus
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
        case .controlListener:
            if let listener = controlListener { acceptClients(from: listener, speaksHTTP: false) }
        case .metricsListener(let fd):
            if let listener = metricsListeners.first(where: { $0.rawValue == fd }) {
                acceptClients(from: listener, speaksHTTP: true)
            }
        case .client(let fd): serveClient(fd)
        case .output(let unit): readOutput(of: unit)
        case .readiness(let unit): readReadiness(of: unit)
        case .adoptedProcess(let pid): adoptedProcessEnded(pid)
        }
    }

    func beginShutdown() {
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
        let timeoutExtension = startingUp || shuttingDown ? timeoutExtensionDeadline : nil
        guard let deadline = (deadlines + [watchdogDeadline, timeoutExtension].compactMap { $0 }).min() else {
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
        if startingUp || shuttingDown, let deadline = timeoutExtensionDeadline, deadline <= now {
            extendManagerTimeout(now: now)
            timeoutExtensionDeadline = now &+ Self.timeoutExtensionInterval
        }
        dropLateClients(now: now)
        for unit in units.values where unit.deadline.map({ $0 <= now }) == true {
            unit.deadline = nil
            deliver(.timerFired(now: now), to: unit)
        }
    }
}
