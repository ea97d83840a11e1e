import Cgroups
import ControlProtocol
import Glibc
import SystemCall
import UnitFile
import UnitModel

/// A connected `corralctl`: its credentials and the bytes of its request so far.
final class ClientConnection {
    let fd: Int32
    let credentials: PeerCredentials
    var decoder = MessageDecoder()
    /// Set once a request was read: the connection carries exactly one.
    var answered = false
    /// Descriptors sent along with the request (`run --pipe`: the caller's stdin, stdout, stderr).
    var descriptors: [Int32] = []

    init(fd: Int32, credentials: PeerCredentials) {
        self.fd = fd
        self.credentials = credentials
    }
}

/// systemctl's exit codes.
enum ExitStatus {
    static let failure: Int32 = 1
    static let notActive: Int32 = 3
    static let accessDenied: Int32 = 4
    /// `status` of a unit that does not exist (systemctl's "could not be found").
    static let noSuchUnitForStatus: Int32 = 4
    static let noSuchUnit: Int32 = 5
}

extension Supervisor {
    static let maximumClients = 64
    /// Bounds the work and the reply of one request (`show` of many units builds one message).
    static let maximumUnitsPerRequest = 1024

    func acceptClients() {
        while let fd = try? UnixSocket.accept(controlListener) {
            guard clients.count < Self.maximumClients, let credentials = try? UnixSocket.peerCredentials(fd) else {
                close(fd)
                continue
            }
            clients[fd] = ClientConnection(fd: fd, credentials: credentials)
            do {
                try watch(fd, as: .client(fd))
            } catch {
                closeClient(fd)
            }
        }
    }

    func readClient(_ fd: Int32) {
        guard let client = clients[fd] else { return }
        do {
            // Only root may pass descriptors (run --pipe), and at most the three it needs; a plain
            // read makes the kernel discard any that someone else attached.
            let received: (bytes: [UInt8], descriptors: [Int32])?
            if client.credentials.uid == 0 {
                received = try UnixSocket.readWithDescriptors(fd)
            } else {
                received = try UnixSocket.read(fd).map { ($0, []) }
            }
            guard let (bytes, descriptors) = received else { return }
            client.descriptors += descriptors
            if client.descriptors.count > 3 { return closeClient(fd) }
            if bytes.isEmpty { return closeClient(fd) }
            guard !client.answered, let message = try client.decoder.feed(bytes).first else { return }
            client.answered = true
            let request = try Request(message)
            if request.units.count > Self.maximumUnitsPerRequest {
                return reply(
                    to: fd,
                    Response(
                        exitCode: ExitStatus.failure,
                        error: "Too many units in one request (\(request.units.count); at most \(Self.maximumUnitsPerRequest))."))
            }
            if request.verb.changesState && client.credentials.uid != 0 {
                return reply(
                    to: fd,
                    Response(
                        exitCode: ExitStatus.accessDenied,
                        error: "Access denied: only root may \(request.verb.rawValue) units."))
            }
            handle(request, from: fd)
        } catch let error as ProtocolError {
            reply(to: fd, Response(exitCode: ExitStatus.failure, error: error.description))
        } catch {
            closeClient(fd)
        }
    }

    func reply(to fd: Int32, _ response: Response) {
        guard clients[fd] != nil else { return }
        // Replies are small and the client waits for them: write in blocking mode.
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        try? UnixSocket.writeAll(fd, response.message.encoded)
        closeClient(fd)
    }

    func closeClient(_ fd: Int32) {
        guard let client = clients.removeValue(forKey: fd) else { return }
        client.descriptors.forEach { close($0) }
        unwatch(fd)
        close(fd)
        pendingReplies.removeAll { $0.client == fd }
    }

    // MARK: - Verbs

    private func handle(_ request: Request, from fd: Int32) {
        switch request.verb {
        case .start, .stop, .restart:
            startJobs(request, from: fd)
        case .reload:
            for name in request.units {
                guard let unit = loadedUnit(name, replyingTo: fd) else { return }
                guard unit.machine?.settings.execReload.isEmpty == false, unit.activeState == .active else {
                    return reply(
                        to: fd,
                        Response(
                            exitCode: ExitStatus.failure, error: "Job type reload is not applicable for unit \(name)."))
                }
                deliver(.reload, to: unit)
            }
            reply(to: fd, Response())
        case .kill:
            guard let signal = try? Grammar.signal(request.options["signal"] ?? "SIGTERM") else {
                return reply(
                    to: fd,
                    Response(
                        exitCode: ExitStatus.failure, error: "Invalid signal '\(request.options["signal"] ?? "")'."))
            }
            for name in request.units {
                guard let unit = loadedUnit(name, replyingTo: fd) else { return }
                for pid in processes(inTreeOf: unit.plan.cgroup) { kill(pid, signal) }
            }
            reply(to: fd, Response())
        case .status:
            guard let name = request.units.first else {
                return reply(to: fd, Response(exitCode: ExitStatus.noSuchUnit, error: "Invalid unit name."))
            }
            let known = units[name] != nil
            guard let unit = unit(named: name) else {
                return reply(to: fd, Response(exitCode: ExitStatus.noSuchUnit, error: "Invalid unit name."))
            }
            let exitCode =
                unit.loaded.loadState == .notFound
                ? ExitStatus.noSuchUnitForStatus
                : (unit.activeState == .active || unit.activeState == .reloading ? 0 : ExitStatus.notActive)
            reply(to: fd, Response(exitCode: exitCode, body: liveProperties(of: unit)))
            forgetIfUnused(name, loadedForQuery: !known)
        case .show:
            let wanted = Set((request.options["properties"] ?? "").split(separator: ",").map(String.init))
            var body: [Message.Field] = []
            for name in request.units {
                let known = units[name] != nil
                guard let unit = unit(named: name) else {
                    return reply(to: fd, Response(exitCode: ExitStatus.noSuchUnit, error: "Invalid unit name \(name)."))
                }
                var properties = showProperties(of: unit)
                forgetIfUnused(name, loadedForQuery: !known)
                if !wanted.isEmpty { properties = properties.filter { wanted.contains($0.name) } }
                body += [
                    .init("text", ShowProperties.text(properties)), .init("json", ShowProperties.json(properties)),
                ]
            }
            reply(to: fd, Response(body: body))
        case .listUnits:
            reply(to: fd, Response(body: unitList(all: request.options["all"] == "yes")))
        case .isActive, .isFailed:
            var body: [Message.Field] = []
            var matched = false
            for name in request.units {
                let known = units[name] != nil
                let state = unit(named: name)?.activeState ?? .inactive
                forgetIfUnused(name, loadedForQuery: !known)
                body.append(.init("ActiveState", state.rawValue))
                if request.verb == .isActive ? state == .active || state == .reloading : state == .failed {
                    matched = true
                }
            }
            let miss = request.verb == .isActive ? ExitStatus.notActive : ExitStatus.failure
            reply(to: fd, Response(exitCode: matched ? 0 : miss, body: body))
        case .resetFailed:
            for unit in request.units.isEmpty ? Array(units.values) : request.units.compactMap({ unit(named: $0) }) {
                unit.machine?.resetFailed()
                noteStateChange(of: unit)
            }
            reply(to: fd, Response())
        case .daemonReload:
            reloadUnits()
            reply(to: fd, Response())
        case .daemonReexec:
            // No client may connect to this process after the answer: the next one talks to the new corrald.
            unwatch(controlListener)
            close(controlListener)
            reply(to: fd, Response())
            reexecute()
            do {
                controlListener = try UnixSocket.listen(at: configuration.controlSocketPath)
                try watch(controlListener, as: .controlListener)
            } catch {
                log(nil, "Cannot listen on \(configuration.controlSocketPath) again: \(error)", level: .critical)
            }
        case .run:
            guard let caller = clients[fd]?.credentials else { return }
            runTransient(request, from: fd, caller: caller)
        case .setProperty:
            setProperties(request, from: fd)
        case .revert:
            revertProperties(request, from: fd)
        case .listJobs:
            reply(to: fd, Response(body: jobList()))
        }
    }

    /// One `Job` field per queued job, `UNIT<tab>TYPE<tab>STATE` (running or waiting), by unit name.
    private func jobList() -> [Message.Field] {
        jobs.jobs.sorted { $0.key < $1.key }.map { unit, type in
            .init("Job", "\(unit)\t\(type.rawValue)\t\(jobs.running.contains(unit) ? "running" : "waiting")")
        }
    }

    private func loadedUnit(_ name: String, replyingTo fd: Int32) -> ManagedUnit? {
        guard let unit = unit(named: name), unit.loaded.loadState == .loaded else {
            reply(to: fd, Response(exitCode: ExitStatus.noSuchUnit, error: "Unit \(name) not loaded."))
            return nil
        }
        return unit
    }

    /// start, stop and restart answer once every job they queued has ended, as systemctl waits.
    private func startJobs(_ request: Request, from fd: Int32) {
        let pending = PendingReply(client: fd, verb: request.verb.rawValue, units: request.units)
        for name in request.units {
            guard request.verb == .start || unit(named: name)?.loaded.loadState == .loaded else {
                forgetIfUnused(name)
                return reply(
                    to: fd,
                    Response(
                        exitCode: ExitStatus.noSuchUnit,
                        error: "Failed to \(request.verb.rawValue) \(name): Unit \(name) not loaded."))
            }
            let type: JobType = request.verb == .start ? .start : .stop
            let active = Set(
                units.values.filter { $0.activeState == .active || $0.activeState == .reloading }.map(\.name))
            let queuedBefore = Set(jobs.jobs.keys)
            if let refusal = enqueue(type, name, reply: pending) {
                forgetIfUnused(name)
                return reply(
                    to: fd,
                    Response(
                        exitCode: ExitStatus.noSuchUnit, error: "Failed to \(request.verb.rawValue) \(name): \(refusal)"
                    ))
            }
            // A restart starts again what it stopped: the unit and the active units that went down with it.
            if request.verb == .restart {
                restartsAfterStop.insert(name)
                for stopped in Set(jobs.jobs.keys).subtracting(queuedBefore) where active.contains(stopped) {
                    restartsAfterStop.insert(stopped)
                }
            }
        }
        pendingReplies.append(pending)
        dispatchJobs()
    }

    /// A job ended: restarts continue with their start; waiting clients get their answer.
    func jobEnded(_ name: String, type: JobType, result: JobResult) {
        if type == .stop, restartsAfterStop.remove(name) != nil {
            if result == .done, enqueue(.start, name, reply: nil) == nil { return }
        }
        for pending in pendingReplies where pending.waitingFor.contains(name) {
            pending.waitingFor.remove(name)
            if result != .done {
                pending.failures.append(
                    "Job for \(name) failed because \(failureCause(of: name, result: result)).\nSee \"corralctl status \(name)\" for details."
                )
            }
            if pending.waitingFor.isEmpty {
                let response =
                    pending.failures.isEmpty
                    ? Response(body: pending.body)
                    : Response(exitCode: ExitStatus.failure, error: pending.failures.joined(separator: "\n"))
                pendingReplies.removeAll { $0 === pending }
                reply(to: pending.client, response)
            }
        }
    }

    private func failureCause(of name: String, result: JobResult) -> String {
        if result == .dependency { return "a dependency failed" }
        switch units[name]?.machine?.result {
        case .exitCode: return "the control process exited with error code"
        case .signal, .coreDump: return "a fatal signal was delivered to the control process"
        case .timeout: return "a timeout was exceeded"
        case .oomKill: return "the service was killed by the OOM killer"
        case .startLimitHit: return "start of the service was attempted too often"
        case .protocol: return "the service did not take the steps required by its unit configuration"
        default: return "the unit failed"
        }
    }

    // MARK: - What status and list-units report

    func liveProperties(of unit: ManagedUnit) -> [Message.Field] {
        var fields: [Message.Field] = []
        func add(_ name: String, _ value: String?) {
            if let value { fields.append(.init(name, value)) }
        }
        let cgroup = unit.plan.cgroup
        add("Id", unit.name)
        add("Description", unit.loaded.unit.unit.description ?? unit.name)
        add("LoadState", unit.loaded.loadState.rawValue)
        add("FragmentPath", unit.loaded.fragmentPath)
        for path in unit.loaded.dropInPaths { add("DropInPaths", path) }
        add("ActiveState", unit.activeState.rawValue)
        add("SubState", unit.subState)
        add("Result", unit.machine?.result.rawValue)
        add("StateChangeTimestamp", String(unit.stateChangeTimestamp))
        add("MainPID", unit.machine?.mainPID.map(String.init))
        add("ExecMainStatus", unit.machine?.mainExit?.description)
        add("StatusText", unit.statusText)
        add("InvocationID", unit.invocationID.isEmpty ? nil : unit.invocationID)
        let present = unit.activeState != .inactive && unit.activeState != .failed && !cgroup.isEmpty
        if present {
            add("ControlGroup", "/" + cgroup)
            add("TasksCurrent", read("pids.current", of: cgroup) ?? String(processes(inTreeOf: cgroup).count))
            add("MemoryCurrent", read("memory.current", of: cgroup))
            add("MemoryPeak", read("memory.peak", of: cgroup))
            add(
                "CPUUsageNSec",
                read("cpu.stat", of: cgroup).flatMap { KeyedValues($0)["usage_usec"] }.map { String($0 * 1000) })
            if let io = read("io.stat", of: cgroup) {
                let totals = ioTotals(io)
                add("IOReadBytes", String(totals.read))
                add("IOWriteBytes", String(totals.written))
            }
            addProcesses(in: cgroup, under: "", to: &fields)
        }
        let settings = ShowProperties.properties(of: unit.loaded.unit, host: hostFacts)
        for property in settings
        where ["TasksMax", "MemoryHigh", "MemoryMax", "CPUQuotaPerSecUSec"].contains(property.name) {
            add(
                property.name,
                ShowProperties.text([property]).split(separator: "=", maxSplits: 1).last.map { String($0.dropLast()) })
        }
        for line in unit.log.lines.suffix(10) { add("Log", line) }
        return fields
    }

    /// `show`: systemctl's live properties first, then the unit's settings as loaded now.
    private func showProperties(of unit: ManagedUnit) -> [ShowProperty] {
        var properties = [
            ShowProperty(name: "Id", value: .string(unit.name)),
            ShowProperty(name: "LoadState", value: .string(unit.loaded.loadState.rawValue)),
            ShowProperty(name: "ActiveState", value: .string(unit.activeState.rawValue)),
            ShowProperty(name: "SubState", value: .string(unit.subState)),
            ShowProperty(name: "FragmentPath", value: .string(unit.loaded.fragmentPath ?? "")),
            ShowProperty(name: "DropInPaths", value: .list(unit.loaded.dropInPaths)),
            ShowProperty(name: "InvocationID", value: .string(unit.invocationID)),
        ]
        if let machine = unit.machine {
            properties += [
                ShowProperty(name: "Result", value: .string(machine.result.rawValue)),
                ShowProperty(name: "MainPID", value: .number(UInt64(machine.mainPID ?? 0))),
                ShowProperty(name: "ControlPID", value: .number(UInt64(machine.controlPID ?? 0))),
            ]
        }
        let cgroup = unit.plan.cgroup
        if unit.activeState != .inactive && unit.activeState != .failed && !cgroup.isEmpty {
            properties.append(ShowProperty(name: "ControlGroup", value: .string("/" + cgroup)))
            for (name, file) in [
                ("MemoryCurrent", "memory.current"), ("MemoryPeak", "memory.peak"), ("TasksCurrent", "pids.current"),
            ] {
                if let value = read(file, of: cgroup).flatMap(UInt64.init) {
                    properties.append(ShowProperty(name: name, value: .number(value)))
                }
            }
            if let usage = read("cpu.stat", of: cgroup).flatMap({ KeyedValues($0)["usage_usec"] }) {
                properties.append(ShowProperty(name: "CPUUsageNSec", value: .number(usage * 1000)))
            }
            // Pressure stall information, the kernel's `some` line (Corral's own names; systemd 252 has none).
            for (name, file) in [
                ("CPUPressure", "cpu.pressure"), ("MemoryPressure", "memory.pressure"), ("IOPressure", "io.pressure"),
            ] {
                if let some = read(file, of: cgroup)?.split(separator: "\n").first(where: { $0.hasPrefix("some ") }) {
                    properties.append(ShowProperty(name: name, value: .string(String(some.dropFirst(5)))))
                }
            }
        }
        return properties + ShowProperties.properties(of: unit.loaded.unit, host: hostFacts).filter { $0.name != "Id" }
    }

    private func unitList(all: Bool) -> [Message.Field] {
        units.values.sorted { $0.name < $1.name }.filter {
            all || $0.activeState != .inactive || jobs.jobs[$0.name] != nil
        }
        .map { unit in
            let columns = [
                unit.name, unit.loaded.loadState.rawValue, unit.activeState.rawValue, unit.subState,
                unit.loaded.unit.unit.description ?? unit.name,
            ]
            return .init("Unit", columns.joined(separator: "\t"))
        }
    }

    private func read(_ file: String, of cgroup: String) -> String? {
        try? tree.read(file, in: cgroup)
    }

    /// `Process=PID COMMAND` for the unit's own processes; those in sub-cgroups (a delegated
    /// payload's) carry their path: `Process=SUB/PATH<TAB>PID COMMAND`.
    private func addProcesses(in cgroup: String, under subpath: String, to fields: inout [Message.Field]) {
        for pid in (try? tree.processes(in: cgroup)) ?? [] {
            let entry = "\(pid) \(commandLine(of: pid))"
            fields.append(.init("Process", subpath.isEmpty ? entry : subpath + "\t" + entry))
        }
        for child in (try? tree.children(of: cgroup)) ?? [] {
            addProcesses(in: cgroup + "/" + child, under: subpath.isEmpty ? child : subpath + "/" + child, to: &fields)
        }
    }

    private func commandLine(of pid: Int32) -> String {
        guard let text = readTextFile(atPath: "/proc/\(pid)/cmdline"), !text.isEmpty else { return "" }
        return text.split(separator: "\0").joined(separator: " ")
    }
}
