import Cgroups
import ControlProtocol
import SystemCall
import UnitModel

/// What corrald counted for one unit since it started (not kept across its own restart: Prometheus
/// reads a counter that goes back to zero as a reset).
struct UnitCounters {
    var processStarts: UInt64 = 0
    var spawnFailures: UInt64 = 0
    /// Reaped processes that exited with status 0, and the others (a non-zero status or a signal).
    var successfulExits: UInt64 = 0
    var failedExits: UInt64 = 0
}

/// What corrald counted about itself since it started.
struct DaemonCounters {
    var spawnFailures: UInt64 = 0
    var reloads: UInt64 = 0
    /// µs the last daemon-reload took, from its request to its end.
    var lastReloadMicroseconds: UInt64?
    /// Monotonic µs the reload in progress began.
    var reloadBegan: UInt64?
}

/// The metrics endpoint: Prometheus's text format over HTTP, on RUNTIMEDIR/metrics and on
/// `MetricsListen=`'s TCP address. Its clients are control clients that speak HTTP: the same caps,
/// deadlines and queued writes.
extension Supervisor {
    /// The largest HTTP request head read; a client sending more is dropped.
    static let maximumHTTPRequestBytes = 8192

    /// Credentials for a TCP client, which has none: all of them count as one user other than root.
    static let networkPeer = PeerCredentials(pid: 0, uid: UInt32.max, gid: UInt32.max)

    /// Reads the client's request head; once whole, answers it and closes.
    func readHTTPRequest(_ client: ClientConnection) {
        let bytes: [UInt8]
        do {
            guard let read = try client.socket.read(capacity: Self.maximumHTTPRequestBytes) else { return }
            bytes = read
        } catch {
            return closeClient(client.fd)
        }
        if bytes.isEmpty || client.answered { return closeClient(client.fd) }
        client.httpRequest += bytes
        guard let head = Self.requestHead(client.httpRequest) else {
            if client.httpRequest.count > Self.maximumHTTPRequestBytes { closeClient(client.fd) }
            return
        }
        client.answered = true
        client.deadline = nil
        queue(httpAnswer(to: head), to: client.fd, closing: true)
    }

    /// The request line and headers, once the blank line that ends them has arrived.
    static func requestHead(_ bytes: [UInt8]) -> String? {
        // A line ends with CRLF or, as RFC 9112 lets a server accept, a bare LF.
        var lineStart = 0
        var lineIsEmpty = false
        for (index, byte) in bytes.enumerated() {
            switch byte {
            case 0x0A:
                if lineIsEmpty { return String(decoding: bytes[..<lineStart], as: UTF8.self) }
                lineStart = index + 1
                lineIsEmpty = true
            case 0x0D: break
            default: lineIsEmpty = false
            }
        }
        return nil
    }

    /// `GET /metrics` (or HEAD) gets the exposition; anything else an error status.
    private func httpAnswer(to head: String) -> [UInt8] {
        // (CRLF is one Character.)
        let requestLine = (head.split(whereSeparator: \.isNewline).first ?? "").split(separator: " ")
        guard requestLine.count == 3, requestLine[2].hasPrefix("HTTP/1.") else {
            return Self.httpResponse("400 Bad Request", body: "Bad request.\n")
        }
        guard requestLine[0] == "GET" || requestLine[0] == "HEAD" else {
            return Self.httpResponse(
                "405 Method Not Allowed", body: "Only GET and HEAD.\n", extraHeader: "Allow: GET, HEAD")
        }
        let path = requestLine[1].prefix { $0 != "?" }
        guard path == "/metrics" || path == "/" else {
            return Self.httpResponse("404 Not Found", body: "Corral's metrics are at /metrics.\n")
        }
        let body = metricFamilies().map(\.text).joined()
        return Self.httpResponse(
            "200 OK", body: body, contentType: metricsContentType, withoutBody: requestLine[0] == "HEAD")
    }

    static func httpResponse(
        _ status: String, body: String, contentType: String = "text/plain; charset=utf-8", extraHeader: String? = nil,
        withoutBody: Bool = false
    ) -> [UInt8] {
        var head = [
            "HTTP/1.1 \(status)", "Content-Type: \(contentType)", "Content-Length: \(body.utf8.count)",
            "Connection: close",
        ]
        if let extraHeader { head.append(extraHeader) }
        return Array((head.joined(separator: "\r\n") + "\r\n\r\n" + (withoutBody ? "" : body)).utf8)
    }

    // MARK: - The metrics

    func metricFamilies() -> [MetricFamily] {
        var state = MetricFamily("corral_unit_state", .gauge, "1 for the unit's active state, 0 for the others.")
        var restarts = MetricFamily(
            "corral_unit_restarts_total", .counter, "Automatic restarts of the service (systemd's NRestarts).")
        var starts = MetricFamily(
            "corral_unit_process_starts_total", .counter, "Processes corrald started for the unit.")
        var exits = MetricFamily(
            "corral_unit_process_exits_total", .counter,
            "Processes of the unit that corrald reaped, by result: success is exit status 0.")
        var spawnFailures = MetricFamily(
            "corral_unit_spawn_failures_total", .counter, "Processes corrald failed to start for the unit.")
        var tasks = MetricFamily("corral_unit_tasks", .gauge, "Tasks in the unit's cgroup (pids.current).")
        var cpu = MetricFamily(
            "corral_unit_cpu_usage_seconds_total", .counter, "CPU time used by the unit's cgroup (cpu.stat usage_usec)."
        )
        var memory = MetricFamily(
            "corral_unit_memory_bytes", .gauge, "Memory in use by the unit's cgroup (memory.current).")
        var memoryPeak = MetricFamily(
            "corral_unit_memory_peak_bytes", .gauge, "The most memory the unit's cgroup used (memory.peak).")
        var memoryHigh = MetricFamily("corral_unit_memory_high_bytes", .gauge, "The unit's MemoryHigh=, when finite.")
        var memoryMax = MetricFamily("corral_unit_memory_max_bytes", .gauge, "The unit's MemoryMax=, when finite.")
        var ioRead = MetricFamily(
            "corral_unit_io_read_bytes_total", .counter, "Bytes the unit's cgroup read from block devices (io.stat).")
        var ioWritten = MetricFamily(
            "corral_unit_io_written_bytes_total", .counter, "Bytes the unit's cgroup wrote to block devices (io.stat).")
        var oomKills = MetricFamily(
            "corral_unit_oom_kills_total", .counter, "Processes of the unit's cgroup killed by the OOM killer.")
        var pressure = MetricFamily(
            "corral_unit_pressure_stalled_seconds_total", .counter,
            "Time some (or, for full, all) of the unit's tasks were stalled on the resource (PSI total).")
        var unitsByState = MetricFamily("corral_units", .gauge, "Loaded units, by active state.")
        var stateCounts: [ActiveState: UInt64] = [:]
        for unit in units.values.sorted(by: { $0.name < $1.name }) {
            let name = ("unit", unit.name)
            stateCounts[unit.activeState, default: 0] += 1
            for candidate in ActiveState.allCases {
                state.add(candidate == unit.activeState ? 1 : 0, name, ("state", candidate.rawValue))
            }
            if let machine = unit.machine {
                restarts.add(UInt64(machine.restarts), name)
                starts.add(unit.counters.processStarts, name)
                exits.add(unit.counters.successfulExits, name, ("result", "success"))
                exits.add(unit.counters.failedExits, name, ("result", "failure"))
                spawnFailures.add(unit.counters.spawnFailures, name)
            }
            let resources = unit.loaded.unit.resources
            if let high = bytes(of: resources.memoryHigh) { memoryHigh.add(high, name) }
            if let max = bytes(of: resources.memoryMax) { memoryMax.add(max, name) }
            guard unit.hasCgroupNow else { continue }
            let counted = tree.statistics(of: unit.plan.cgroup)
            tasks.add(taskCount(in: unit.plan.cgroup, counted: counted), name)
            if let value = counted.cpuUsageMicroseconds { cpu.add(microseconds: value, name) }
            if let value = counted.memoryCurrent { memory.add(value, name) }
            if let value = counted.memoryPeak { memoryPeak.add(value, name) }
            if let value = counted.ioReadBytes { ioRead.add(value, name) }
            if let value = counted.ioWriteBytes { ioWritten.add(value, name) }
            if let value = counted.oomKills { oomKills.add(value, name) }
            let pressures = [
                ("cpu", counted.cpuPressure), ("memory", counted.memoryPressure), ("io", counted.ioPressure),
            ]
            for case let (resource, stall?) in pressures {
                pressure.add(microseconds: stall.some.totalMicroseconds, name, ("resource", resource), ("kind", "some"))
                if let full = stall.full {
                    pressure.add(microseconds: full.totalMicroseconds, name, ("resource", resource), ("kind", "full"))
                }
            }
        }
        for candidate in ActiveState.allCases {
            unitsByState.add(stateCounts[candidate] ?? 0, ("state", candidate.rawValue))
        }
        var jobsByState = MetricFamily("corral_jobs", .gauge, "Queued jobs, by state.")
        jobsByState.add(UInt64(jobs.running.count), ("state", "running"))
        jobsByState.add(UInt64(jobs.jobs.count - jobs.running.count), ("state", "waiting"))
        var allSpawnFailures = MetricFamily(
            "corral_spawn_failures_total", .counter, "Processes corrald failed to start, for any unit.")
        allSpawnFailures.add(daemonCounters.spawnFailures)
        var reloads = MetricFamily("corral_reloads_total", .counter, "daemon-reloads finished.")
        reloads.add(daemonCounters.reloads)
        var reloadTime = MetricFamily(
            "corral_last_reload_duration_seconds", .gauge, "How long the last daemon-reload took.")
        if let last = daemonCounters.lastReloadMicroseconds { reloadTime.add(microseconds: last) }
        var connected = MetricFamily("corral_clients", .gauge, "Connected control and metrics clients.")
        connected.add(UInt64(clients.count))
        return [
            state, restarts, starts, exits, spawnFailures, tasks, cpu, memory, memoryPeak, memoryHigh, memoryMax,
            ioRead,
            ioWritten, oomKills, pressure, unitsByState, jobsByState, allSpawnFailures, reloads, reloadTime, connected,
        ]
    }
}

extension Supervisor {
    /// `statistics`, for `corralctl top`: a record per unit whose cgroup exists, each beginning with
    /// its `Id` field, with the counters named as `systemctl show` names them (pressure files as
    /// their `some` and `full` lines).
    func statisticsRecords() -> [Message.Field] {
        var fields: [Message.Field] = []
        func add(_ name: String, _ value: UInt64?) {
            if let value { fields.append(.init(name, String(value))) }
        }
        for unit in units.values.sorted(by: { $0.name < $1.name }) where unit.hasCgroupNow {
            let cgroup = unit.plan.cgroup
            let counted = tree.statistics(of: cgroup)
            fields += [.init("Id", unit.name), .init("ControlGroup", "/" + cgroup)]
            add("TasksCurrent", taskCount(in: cgroup, counted: counted))
            add("CPUUsageNSec", counted.cpuUsageMicroseconds.map { $0 * 1000 })
            add("MemoryCurrent", counted.memoryCurrent)
            add("MemoryPeak", counted.memoryPeak)
            add("MemoryHigh", bytes(of: unit.loaded.unit.resources.memoryHigh))
            add("MemoryMax", bytes(of: unit.loaded.unit.resources.memoryMax))
            add("IOReadBytes", counted.ioReadBytes)
            add("IOWriteBytes", counted.ioWriteBytes)
            let pressures = [
                ("CPU", counted.cpuPressure), ("Memory", counted.memoryPressure), ("IO", counted.ioPressure),
            ]
            for case let (resource, stall?) in pressures {
                fields.append(.init(resource + "Pressure", stall.some.text))
                if let full = stall.full { fields.append(.init(resource + "PressureFull", full.text)) }
            }
        }
        return fields
    }

    /// `pids.current`, or without the pids controller the processes in the cgroup's tree.
    func taskCount(in cgroup: String, counted: CgroupStatistics) -> UInt64 {
        counted.tasks ?? UInt64(processes(inTreeOf: cgroup).count)
    }

    /// A memory limit in bytes (percentages of RAM resolved); nil for none or infinity.
    func bytes(of limit: MemoryLimit?) -> UInt64? {
        limit?.bytes(of: hostFacts.memory, pageSize: hostFacts.pageSize).flatMap { $0 == .max ? nil : $0 }
    }
}

extension ManagedUnit {
    /// Whether the unit's cgroup is there to be read: it runs, or is starting or stopping.
    var hasCgroupNow: Bool {
        activeState != .inactive && activeState != .failed && !plan.cgroup.isEmpty
    }
}
