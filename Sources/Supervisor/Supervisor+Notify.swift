import Cgroups
import ControlProtocol
import Glibc
import SystemCall
import UnitFile
import UnitModel

extension Supervisor {
    /// Datagrams read per wake-up, so a chatty service cannot starve the loop.
    static let notificationsPerWakeup = 64

    /// sd_notify messages: accepted only from a process inside the unit's cgroup that NotifyAccess= allows.
    func readNotifications() {
        for _ in 0..<Self.notificationsPerWakeup {
            // One byte more than a valid message may have, so that a longer one is refused as too
            // long rather than read cut short.
            guard let datagram = try? UnixSocket.receive(notifySocket, capacity: NotifyMessage.maximumSize + 1) else {
                return
            }
            guard datagram.sender > 0, let unit = unit(containing: datagram.sender) else {
                complain(
                    about: datagram.sender, nil,
                    "Cannot find unit for notify message of PID \(datagram.sender), ignoring.")
                continue
            }
            guard notificationAllowed(from: datagram.sender, for: unit) else {
                complain(
                    about: datagram.sender, unit.name,
                    "Got notification message from PID \(datagram.sender), but it is not allowed by NotifyAccess=, ignoring."
                )
                continue
            }
            apply(NotifyMessage(datagram.bytes), from: unit)
        }
    }

    /// Logs a refused notification, at most `complaintsPerWindow` lines in 10 s per unit (and as many
    /// for senders in no unit, together: new processes are new pids), so that a flood of datagrams
    /// does not become a flood of log lines.
    private func complain(about sender: Int32, _ unitName: String?, _ message: String) {
        let now = monotonicMicroseconds()
        let key = unitName ?? ""
        if notifyComplaints.count > 1024 {
            notifyComplaints = notifyComplaints.filter { now - $0.value.since < 10_000_000 }
        }
        var entry = notifyComplaints[key] ?? (since: now, count: 0)
        if now - entry.since >= 10_000_000 { entry = (since: now, count: 0) }
        entry.count += 1
        notifyComplaints[key] = entry
        if entry.count <= Self.complaintsPerWindow {
            log(unitName, message)
        } else if entry.count == Self.complaintsPerWindow + 1 {
            log(
                unitName,
                "Too many refused notification messages (the last from PID \(sender)); not logging them for 10 s.")
        }
    }

    static let complaintsPerWindow = 5

    private func notificationAllowed(from pid: Int32, for unit: ManagedUnit) -> Bool {
        let service = unit.loaded.unit.service
        switch service.notifyAccess ?? (service.type == .notify ? .main : .none) {
        case .none: return false
        case .main: return pid == unit.machine?.mainPID
        case .exec: return pid == unit.machine?.mainPID || pid == unit.machine?.controlPID
        case .all: return true
        }
    }

    private func apply(_ notification: NotifyMessage, from unit: ManagedUnit) {
        if let rejection = notification.rejection {
            log(unit.name, "Received \(rejection), ignoring.")
        }
        for assignment in notification.assignments {
            switch assignment {
            case .ready:
                deliver(.notifyReady, to: unit)
            case .stopping:
                deliver(.notifyStopping, to: unit)
            case .status(let text):
                unit.statusText = text
            case .mainPID(let pid):
                if processes(inTreeOf: unit.plan.cgroup).contains(pid) {
                    adoptMainProcess(pid, of: unit)
                    deliver(.notifyMainPID(pid), to: unit)
                } else {
                    log(unit.name, "New main PID \(pid) does not belong to service, refusing.")
                }
            case .malformed(key: "MAINPID", let value):
                log(unit.name, "New main PID \(value) does not belong to service, refusing.")
            case .errno(let code):
                unit.statusText = "errno \(code): \(Errno(code))"
            case .extendTimeout(let extra):
                if let deadline = unit.deadline {
                    unit.deadline = max(deadline, monotonicMicroseconds() &+ extra)
                }
            case .watchdog:
                deliver(.notifyWatchdog, to: unit)
            case .watchdogTrigger:
                deliver(.notifyWatchdogTrigger, to: unit)
            case .watchdogTimeout(let microseconds):
                deliver(.notifyWatchdogTimeout(microseconds), to: unit)
            case .reloading, .malformed:
                continue  // Accepted and ignored, as are unknown keys (which NotifyMessage drops).
            }
        }
    }

    /// The unit whose cgroup (or a cgroup below it) holds `pid`.
    func unit(containing pid: Int32) -> ManagedUnit? {
        guard let text = readTextFile(atPath: "/proc/\(pid)/cgroup"),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix("0::") })
        else { return nil }
        let path = String(line.dropFirst(3))
        guard path.hasPrefix(cgroupRootInHierarchy + "/") else { return nil }
        var relative = String(path.dropFirst(cgroupRootInHierarchy.count + 1))
        while !relative.isEmpty {
            if let unit = units.values.first(where: { $0.plan.cgroup == relative && $0.machine != nil }) { return unit }
            guard let slash = relative.lastIndex(of: "/") else { break }
            relative = String(relative[..<slash])
        }
        return nil
    }
}
