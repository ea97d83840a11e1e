import Cgroups
import ControlProtocol
import Glibc
import SystemCall
import UnitFile
import UnitModel

/// A connected `corralctl`: its credentials, the bytes of its request so far, and what is still to
/// be written of its answers.
final class ClientConnection {
    let socket: FileDescriptor
    let credentials: PeerCredentials
    /// The connection's token in the event poll.
    let token: UInt64
    var decoder = MessageDecoder()
    /// Set once a request was read: the connection carries exactly one.
    var answered = false
    /// Descriptors sent along with the request (`run --pipe`: the caller's stdin, stdout, stderr).
    var descriptors: [FileDescriptor] = []
    /// Encoded answers the socket has not taken yet, from `outputOffset` on.
    var output: [UInt8] = []
    var outputOffset = 0
    /// Set when the final answer is queued: the connection closes once it is written.
    var closesWhenWritten = false
    /// Whether the poll reports the socket when writable (while an answer is stuck) or readable.
    var watchedForWriting = false
    /// Monotonic µs by which the client must have sent its whole request, or taken more of its
    /// answer; nil while it waits for its jobs, which have timeouts of their own.
    var deadline: UInt64?
    /// A metrics client: its request is HTTP (`httpRequest`, the bytes so far), not a control message.
    let speaksHTTP: Bool
    var httpRequest: [UInt8] = []

    init(socket: FileDescriptor, credentials: PeerCredentials, token: UInt64, speaksHTTP: Bool) {
        self.socket = socket
        self.credentials = credentials
        self.token = token
        self.speaksHTTP = speaksHTTP
    }

    /// The socket's number, which names the client while it is connected.
    var fd: Int32 { socket.rawValue }
}

/// systemctl's exit codes.
enum ExitStatus {
    static let failure: Int32 = 1
    static let notActive: Int32 = 3
    static let accessDenied: Int32 = 4
    /// `status` of a unit that does not exist (systemctl's "could not be found").
    static let noSuchUnitForStatus: Int32 = 4
    static let noSuchUnit: Int32 = 5
    /// A unit that failed to load (`error`).
    static let notConfigured: Int32 = 6
}

extension Supervisor {
    /// Connections at a time from one user other than root, and from all of them together; root's
    /// own are counted apart, so no other user can lock it out.
    static let maximumConnectionsPerUser = 16
    static let maximumUnprivilegedConnections = 64
    static let maximumRootConnections = 256
    /// How long a client has to send its request, and to take each part of its answer.
    static let clientTimeout: UInt64 = 10_000_000
    /// Bounds the work and the reply of one request (`show` of many units builds one message).
    static let maximumUnitsPerRequest = 1024
    static let maximumReplyBytes = 16 << 20

    /// Accepts the connections pending on a listener: the control socket's, or (`speaksHTTP`) a
    /// metrics listener's, whose TCP clients all count as `networkPeer`.
    func acceptClients(from listener: FileDescriptor, speaksHTTP: Bool) {
        while let socket = try? UnixSocket.accept(listener) {
            guard let credentials = (try? UnixSocket.peerCredentials(socket)) ?? (speaksHTTP ? Self.networkPeer : nil)
            else { continue }
            if let refusal = connectionRefusal(for: credentials.uid) {
                // A fresh socket's buffer takes the short answer at once.
                let answer =
                    speaksHTTP
                    ? Self.httpResponse("503 Service Unavailable", body: refusal + "\n")
                    : Response(exitCode: ExitStatus.failure, error: refusal).message.encoded
                _ = try? UnixSocket.writeSome(socket, answer, from: 0)
                continue
            }
            guard let token = try? watch(socket, as: .client(socket.rawValue)) else { continue }
            let client = ClientConnection(
                socket: socket, credentials: credentials, token: token, speaksHTTP: speaksHTTP)
            client.deadline = monotonicMicroseconds() &+ Self.clientTimeout
            clients[client.fd] = client
        }
    }

    /// Why a new connection from `uid` is turned away, if it is.
    private func connectionRefusal(for uid: UInt32) -> String? {
        let users = clients.values.map(\.credentials.uid)
        if uid == 0 {
            guard users.count(where: { $0 == 0 }) >= Self.maximumRootConnections else { return nil }
            return "Too many connections from root (at most \(Self.maximumRootConnections) at a time)."
        }
        if users.count(where: { $0 == uid }) >= Self.maximumConnectionsPerUser {
            return "Too many connections from user \(uid) (at most \(Self.maximumConnectionsPerUser) at a time)."
        }
        if users.count(where: { $0 != 0 }) >= Self.maximumUnprivilegedConnections {
            return
                "Too many connections from users other than root (at most \(Self.maximumUnprivilegedConnections) at a time)."
        }
        return nil
    }

    /// The client's socket is ready: to take more of its answer, or with more of its request.
    func serveClient(_ fd: Int32) {
        guard let client = clients[fd] else { return }
        if !client.output.isEmpty {
            flush(client)
        } else if client.speaksHTTP {
            readHTTPRequest(client)
        } else {
            readClient(client)
        }
    }

    private func readClient(_ client: ClientConnection) {
        let fd = client.fd
        do {
            // Only root may pass descriptors (run --pipe), and at most the three it needs; a plain
            // read makes the kernel discard any that someone else attached.
            let received: (bytes: [UInt8], descriptors: [FileDescriptor])?
            if client.credentials.uid == 0 {
                received = try UnixSocket.readWithDescriptors(client.socket)
            } else {
                received = try client.socket.read().map { ($0, []) }
            }
            guard let (bytes, descriptors) = received else { return }
            client.descriptors += descriptors
            if client.descriptors.count > 3 { return closeClient(fd) }
            if bytes.isEmpty { return closeClient(fd) }
            guard !client.answered, let message = try client.decoder.feed(bytes).first else { return }
            client.answered = true
            client.deadline = nil
            let request = try Request(message)
            if request.units.count > Self.maximumUnitsPerRequest {
                return reply(
                    to: fd,
                    Response(
                        exitCode: ExitStatus.failure,
                        error:
                            "Too many units in one request (\(request.units.count); at most \(Self.maximumUnitsPerRequest))."
                    ))
            }
            if request.verb.changesState && client.credentials.uid != 0 {
                return reply(
                    to: fd,
                    Response(
                        exitCode: ExitStatus.accessDenied,
                        error: "Access denied: only root may \(request.verb.rawValue) units."))
            }
            // Requests that change state see the units as the reload leaves them.
            if reload != nil && request.verb.changesState && request.verb != .daemonReload {
                return requestsAfterReload.append((request, fd))
            }
            handle(request, from: fd)
        } catch let error as ProtocolError {
            reply(to: fd, Response(exitCode: ExitStatus.failure, error: error.description))
        } catch {
            closeClient(fd)
        }
    }

    /// Sends the final answer; the connection closes once the client has taken it.
    func reply(to fd: Int32, _ response: Response) {
        send(response.message, to: fd, closing: true)
    }

    /// Tells a client that its jobs are queued (`--no-block` clients stop listening here; the others
    /// wait for the answer without a timeout of their own).
    func acknowledge(_ fd: Int32) {
        send(Response.queued.message, to: fd, closing: false)
    }

    /// Queues an answer and writes what the socket takes now; the rest goes out as the client reads,
    /// without the loop ever waiting for it.
    private func send(_ message: Message, to fd: Int32, closing: Bool) {
        var bytes = message.encoded
        if bytes.count > Self.maximumReplyBytes {
            bytes =
                Response(
                    exitCode: ExitStatus.failure,
                    error:
                        "The answer is too large (\(bytes.count) bytes; at most \(Self.maximumReplyBytes)): ask about fewer units."
                ).message.encoded
        }
        queue(bytes, to: fd, closing: closing)
    }

    /// Queues bytes for the client and writes what its socket takes now.
    func queue(_ bytes: [UInt8], to fd: Int32, closing: Bool) {
        guard let client = clients[fd] else { return }
        let wasWriting = !client.output.isEmpty
        client.output += bytes
        client.closesWhenWritten = closing
        if !wasWriting { flush(client) }
    }

    /// Writes what the client's socket takes of its answers; a client that takes nothing for
    /// `clientTimeout` is dropped.
    private func flush(_ client: ClientConnection) {
        let before = client.outputOffset
        do {
            while client.outputOffset < client.output.count {
                let written = try UnixSocket.writeSome(client.socket, client.output, from: client.outputOffset)
                if written == 0 { break }
                client.outputOffset += written
            }
        } catch {
            return closeClient(client.fd)
        }
        guard client.outputOffset == client.output.count else {
            if client.outputOffset > before || client.deadline == nil {
                client.deadline = monotonicMicroseconds() &+ Self.clientTimeout
            }
            if !client.watchedForWriting {
                client.watchedForWriting = true
                try? poll.watchForWriting(client.socket, token: client.token)
            }
            return
        }
        if client.closesWhenWritten { return closeClient(client.fd) }
        client.output = []
        client.outputOffset = 0
        client.deadline = nil
        if client.watchedForWriting {
            client.watchedForWriting = false
            try? poll.watchForReading(client.socket, token: client.token)
        }
    }

    /// Drops clients that let their deadline pass.
    func dropLateClients(now: UInt64) {
        for client in clients.values where client.deadline.map({ $0 <= now }) == true { closeClient(client.fd) }
    }

    func closeClient(_ fd: Int32) {
        guard let client = clients.removeValue(forKey: fd) else { return }
        client.descriptors.forEach { $0.close() }
        unwatch(client.socket)
        client.socket.close()
        // The descriptor's number goes to the next client: nothing may answer this one through it.
        pendingReplies.removeAll { $0.client == fd }
        runWaiters.removeAll { $0.client == fd }
        requestsAfterReload.removeAll { $0.client == fd }
        reload?.clients.removeAll { $0 == fd }
    }

    // MARK: - Verbs

    func handle(_ request: Request, from fd: Int32) {
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
            let whom = request.options["whom"] ?? "all"
            for name in request.units {
                guard let unit = loadedUnit(name, replyingTo: fd) else { return }
                switch whom {
                case "main", "control":
                    // As systemctl: no such process is an error.
                    let pid = whom == "main" ? unit.machine?.mainPID : unit.machine?.controlPID
                    guard pid != nil else {
                        return reply(
                            to: fd,
                            Response(
                                exitCode: ExitStatus.failure,
                                error: "Failed to kill unit \(name): No \(whom) process to kill"))
                    }
                    _ = self.signal(signal, to: whom == "main" ? .main : .control, of: unit)
                default:
                    for pid in processes(inTreeOf: unit.plan.cgroup) { kill(pid, signal) }
                }
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
            let lines = request.options["lines"].flatMap { Int($0) } ?? 10
            reply(to: fd, Response(exitCode: exitCode, body: liveProperties(of: unit, logLines: max(lines, 0))))
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
            acknowledge(fd)
            beginReload(answering: fd)
        case .daemonReexec:
            // No client may connect to this process after the answer: the next one talks to the new corrald.
            if let listener = controlListener {
                unwatch(listener)
                listener.close()
                controlListener = nil
            }
            reply(to: fd, Response())
            reexecute()
            do {
                let listener = try UnixSocket.listen(at: configuration.controlSocketPath)
                controlListener = listener
                try watch(listener, as: .controlListener)
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
        case .statistics:
            reply(to: fd, Response(body: statisticsRecords()))
        case .searchPath:
            reply(to: fd, Response(body: configuration.searchPath.directories.map { .init("Directory", $0) }))
        case .logs:
            guard let name = request.units.first, let unit = units[name] else {
                return reply(
                    to: fd,
                    Response(exitCode: ExitStatus.noSuchUnit, error: "Unit \(request.units.first ?? "") not loaded."))
            }
            var after = request.options["after"].flatMap { UInt64($0) } ?? 0
            // Numbers start again in a new corrald: a follower that is ahead gets every line.
            if after > unit.log.entries.last?.sequence ?? 0 { after = 0 }
            let count = request.options["lines"].flatMap { Int($0) } ?? LogRing.capacity
            let entries = unit.log.entries.filter { $0.sequence > after }.suffix(max(count, 0))
            reply(to: fd, Response(body: entries.map { .init("Log", $0.fieldValue) }))
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

    /// start, stop and restart acknowledge their jobs at once and answer once every job has ended, as
    /// systemctl waits; with `--no-block` the acknowledgement is the answer.
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
                // systemctl's codes: 5 for a unit not found, 6 for one that failed to load, 1 otherwise.
                let code: Int32 =
                    switch unit(named: name)?.loaded.loadState {
                    case .notFound?: ExitStatus.noSuchUnit
                    case .error?: ExitStatus.notConfigured
                    default: ExitStatus.failure
                    }
                forgetIfUnused(name)
                return reply(
                    to: fd, Response(exitCode: code, error: "Failed to \(request.verb.rawValue) \(name): \(refusal)"))
            }
            // A restart starts again what it stopped: the unit and the active units that went down with it.
            if request.verb == .restart {
                restartsAfterStop.insert(name)
                for stopped in Set(jobs.jobs.keys).subtracting(queuedBefore) where active.contains(stopped) {
                    restartsAfterStop.insert(stopped)
                }
            }
        }
        if request.options["block"] == "no" { return reply(to: fd, .queued) }
        acknowledge(fd)
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

    func liveProperties(of unit: ManagedUnit, logLines: Int) -> [Message.Field] {
        var fields: [Message.Field] = []
        func add(_ name: String, _ value: String?) {
            if let value { fields.append(.init(name, value)) }
        }
        let cgroup = unit.plan.cgroup
        add("Id", unit.name)
        add("Description", unit.loaded.unit.unit.description ?? unit.name)
        add("LoadState", unit.loaded.loadState.rawValue)
        add("FragmentPath", unit.loaded.fragmentPath)
        if unit.transient { add("Transient", "yes") }
        for path in unit.loaded.dropInPaths { add("DropInPaths", path) }
        for page in unit.loaded.unit.unit.documentation { add("Documentation", page) }
        add("ActiveState", unit.activeState.rawValue)
        add("SubState", unit.subState)
        add("Result", unit.machine?.result.rawValue)
        add("StateChangeTimestamp", String(unit.stateChangeTimestamp))
        add("MainPID", unit.machine?.mainPID.map(String.init))
        add("ControlPID", unit.machine?.controlPID.map(String.init))
        add("ExecMainStatus", unit.machine?.mainExit?.description)
        add("StatusText", unit.statusText)
        // `PID<tab>SETTING<tab>COMMAND LINE<tab>EXIT` for each control process that has ended.
        for run in unit.controlRuns {
            guard let exit = run.exit else { continue }
            add("ExecStatus", "\(run.pid)\t\(run.setting)\t\(run.argv.joined(separator: " "))\t\(exit.description)")
        }
        add("InvocationID", unit.invocationID.isEmpty ? nil : unit.invocationID)
        if unit.hasCgroupNow {
            let counted = tree.statistics(of: cgroup)
            add("ControlGroup", "/" + cgroup)
            add("TasksCurrent", String(taskCount(in: cgroup, counted: counted)))
            add("MemoryCurrent", counted.memoryCurrent.map(String.init))
            add("MemoryPeak", counted.memoryPeak.map(String.init))
            add("CPUUsageNSec", counted.cpuUsageMicroseconds.map { String($0 * 1000) })
            add("IOReadBytes", counted.ioReadBytes.map(String.init))
            add("IOWriteBytes", counted.ioWriteBytes.map(String.init))
            addProcesses(in: cgroup, under: "", to: &fields)
        }
        // The limits this cgroup enforces: none without their controller (tracking-only mode).
        let enforced = [
            ("TasksMax", Controller.pids), ("MemoryHigh", .memory), ("MemoryMax", .memory),
            ("CPUQuotaPerSecUSec", .cpu),
        ].filter { hostFacts.controllers.contains($0.1) }.map(\.0)
        let settings = ShowProperties.properties(of: unit.loaded.unit, host: hostFacts)
        for property in settings where enforced.contains(property.name) {
            add(
                property.name,
                ShowProperties.text([property]).split(separator: "=", maxSplits: 1).last.map { String($0.dropLast()) })
        }
        for entry in unit.log.entries.suffix(logLines) { add("Log", entry.fieldValue) }
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
        if unit.hasCgroupNow {
            properties.append(ShowProperty(name: "ControlGroup", value: .string("/" + cgroup)))
            let counted = tree.statistics(of: cgroup)
            let numbers = [
                ("MemoryCurrent", counted.memoryCurrent), ("MemoryPeak", counted.memoryPeak),
                ("TasksCurrent", counted.tasks), ("CPUUsageNSec", counted.cpuUsageMicroseconds.map { $0 * 1000 }),
            ]
            for case let (name, value?) in numbers {
                properties.append(ShowProperty(name: name, value: .number(value)))
            }
            // Pressure stall information, the kernel's `some` line (Corral's own names; systemd 252 has none).
            let pressures = [
                ("CPUPressure", counted.cpuPressure), ("MemoryPressure", counted.memoryPressure),
                ("IOPressure", counted.ioPressure),
            ]
            for case let (name, pressure?) in pressures {
                properties.append(ShowProperty(name: name, value: .string(pressure.some.text)))
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
                jobs.jobs[unit.name]?.rawValue ?? "", unit.loaded.unit.unit.description ?? unit.name,
            ]
            return .init("Unit", columns.joined(separator: "\t"))
        }
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
