import Glibc
import Testing

/// `corralctl top` (batch mode, and interactive in a real terminal under tmux) and corrald's
/// metrics endpoint (checked with promtool).
@Suite(.serialized)
struct OperatorViewTests {
    static let sleeper = "[Service]\nExecStart=/bin/sleep 600\nMemoryMax=64M\nMemoryHigh=32M\n"
    static let busy = "[Service]\nExecStart=/bin/sh -c 'while :; do :; done'\n"

    /// promtool from Debian's prometheus package, which `make deps` extracts.
    static let promtool = getenv("PROMTOOL").map { String(cString: $0) } ?? ".build-tools/promtool"

    /// The data lines of the last table `top` printed, as columns.
    static func rows(_ output: String) -> [[String]] {
        let tables = output.split(separator: "\n\n", omittingEmptySubsequences: false)
        return (tables.last ?? "").split(separator: "\n").dropFirst().map { $0.split(separator: " ").map(String.init) }
    }

    @Test func batchModePrintsEveryRunningUnitWithItsCPUShare() throws {
        let daemon = try DaemonHarness(
            units: ["sleeper.service": Self.sleeper, "busy.service": Self.busy], start: ["sleeper.service"])
        #expect(daemon.ctl("start busy.service").code == 0)
        let top = daemon.ctl("top --batch --iterations 2 --delay 0.5")
        #expect(top.code == 0)
        let lines = top.output.split(separator: "\n").map(String.init)
        let lastTable = (top.output.split(separator: "\n\n").last ?? "").split(separator: "\n").map(String.init)
        let header = try #require(lastTable.first)
        #expect(
            header.split(separator: " ") == [
                "Unit", "Tasks", "%CPU", "Memory", "High/Max", "Peak", "Input/s", "Output/s", "CPU", "some", "Memory",
                "some/full", "IO", "some/full",
            ])
        // Names are left-aligned, numbers right-aligned under their headings.
        let tasksEnd = try #require(header.firstRange(of: "Tasks")).upperBound.utf16Offset(in: header)
        for line in lastTable.dropFirst() {
            #expect(line.utf16.count == header.utf16.count)
            #expect(
                Array(line.utf8)[tasksEnd - 1] != UInt8(ascii: " ") && Array(line.utf8)[tasksEnd] == UInt8(ascii: " "))
        }
        let rows = Self.rows(top.output)
        // By CPU, largest first: the busy loop (and the slice that holds it) ran for the whole
        // interval, sleep(1) never did.
        #expect(Set(rows.map { $0[0] }) == ["busy.service", "system.slice", "sleeper.service"])
        #expect(rows.last?[0] == "sleeper.service")
        let busy = try #require(rows.first { $0[0] == "busy.service" })
        let sleeper = try #require(rows.last)
        #expect(busy[1] == "1" && sleeper[1] == "1")
        #expect(rows.first { $0[0] == "system.slice" }?[1] == "2")
        #expect(Double(busy[2]).map { $0 > 0 } == true)
        #expect(sleeper[2] == "0.0")
        // Memory is not counted without the memory controller; the limits are the unit's.
        #expect(sleeper[3] == "-" && sleeper[4] == "32.0M/64.0M")
        #expect(lines.filter { $0.hasPrefix("Unit ") }.count == 2)

        let byPath = Self.rows(daemon.ctl("top -b -d 0.1 --order path").output).map { $0[0] }
        #expect(byPath == ["system.slice", "busy.service", "sleeper.service"])
        let refused = daemon.ctl("top -b --order size")
        #expect(refused.code == 64)
        #expect(
            refused.output.contains("Unknown order 'size': one of path, tasks, cpu, memory, input, output, pressure."))
    }

    @Test func interactiveModeRedrawsReordersAndQuitsOnItsKeys() throws {
        let daemon = try DaemonHarness(units: ["sleeper.service": Self.sleeper], start: ["sleeper.service"])
        let tmux = "tmux -L corral-top-\(getpid())"
        defer { _ = DaemonHarness.shell("\(tmux) kill-server 2>/dev/null") }
        let command =
            "CORRAL_RUNTIME_DIR=\(daemon.runtimeDirectory) \(DaemonHarness.binaries)/corralctl top --delay 0.2; echo exited=$? > \(daemon.directory)/top.exit; sleep 600"
        #expect(DaemonHarness.shell("\(tmux) new-session -d -x 160 -y 20 \"\(command)\"").code == 0)
        func screen() -> String { DaemonHarness.shell("\(tmux) capture-pane -p").output }
        try daemon.waitUntil("top shows the unit") { screen().contains("sleeper.service") }
        let first = screen().split(separator: "\n").first.map(String.init) ?? ""
        #expect(first.hasPrefix("corralctl top: 2 units, ordered by cpu, every 0.2s"))
        _ = DaemonHarness.shell("\(tmux) send-keys m")
        try daemon.waitUntil("top orders by memory") { screen().contains("ordered by memory") }
        _ = DaemonHarness.shell("\(tmux) send-keys +")
        try daemon.waitUntil("the delay doubles") { screen().contains("every 0.4s") }
        _ = DaemonHarness.shell("\(tmux) send-keys q")
        try daemon.waitUntil("top exits") { DaemonHarness.read(daemon.directory + "/top.exit") == "exited=0\n" }
        // Back on the main screen: the table is gone from the terminal.
        #expect(!screen().contains("sleeper.service"))
    }

    @Test func metricsPassPromtoolAndCountWhatHappened() throws {
        let daemon = try DaemonHarness(
            units: [
                "sleeper.service": Self.sleeper,
                "once.service": "[Service]\nType=oneshot\nExecStart=/bin/true\n",
                "fails.service": "[Service]\nExecStart=/bin/false\n",
            ], start: ["sleeper.service"])
        #expect(daemon.ctl("start once.service").code == 0)
        _ = daemon.ctl("start fails.service")
        try daemon.waitUntil("fails.service has failed") { daemon.ctl("is-failed fails.service").code == 0 }
        let metrics = daemon.ctl("metrics")
        #expect(metrics.code == 0)
        let check = DaemonHarness.shell(
            "\(Self.promtool) check metrics < \(try Self.saved(metrics.output, in: daemon)) 2>&1")
        #expect(check == (0, ""))
        let lines = Set(metrics.output.split(separator: "\n").map(String.init))
        for expected in [
            "corral_unit_state{unit=\"sleeper.service\",state=\"active\"} 1",
            "corral_unit_state{unit=\"fails.service\",state=\"failed\"} 1",
            "corral_unit_process_starts_total{unit=\"once.service\"} 1",
            "corral_unit_process_exits_total{unit=\"once.service\",result=\"success\"} 1",
            "corral_unit_process_exits_total{unit=\"fails.service\",result=\"failure\"} 1",
            "corral_unit_tasks{unit=\"sleeper.service\"} 1",
            "corral_unit_memory_max_bytes{unit=\"sleeper.service\"} 67108864",
            "corral_unit_memory_high_bytes{unit=\"sleeper.service\"} 33554432",
            "corral_units{state=\"active\"} 2",
            "corral_units{state=\"failed\"} 1",
            "corral_jobs{state=\"waiting\"} 0",
        ] {
            #expect(lines.contains(expected), "\(expected)")
        }
        #expect(lines.contains { $0.hasPrefix("corral_unit_cpu_usage_seconds_total{unit=\"sleeper.service\"} 0.") })
        #expect(!lines.contains { $0.hasPrefix("corral_unit_tasks{unit=\"once.service\"}") })

        _ = daemon.ctl("daemon-reload")
        let reloaded = daemon.ctl("metrics").output
        #expect(reloaded.contains("\ncorral_reloads_total 1\n"))
        #expect(reloaded.contains("\ncorral_last_reload_duration_seconds 0."))
    }

    @Test func metricsAreServedOverHTTPOnTheSocketAndOnMetricsListen() throws {
        let port = 20_000 + Int(getpid() % 20_000)
        let daemon = try DaemonHarness(
            units: ["sleeper.service": Self.sleeper], start: ["sleeper.service"],
            configuration: "[Manager]\nMetricsListen=127.0.0.1:\(port)\n")
        let fetch = """
            import socket, sys
            kind, where, request = sys.argv[1], sys.argv[2], sys.argv[3].encode().decode('unicode_escape').encode()
            s = socket.socket(socket.AF_UNIX) if kind == 'unix' else socket.create_connection(('127.0.0.1', int(where)))
            if kind == 'unix': s.connect(where)
            s.sendall(request)
            answer = b''
            while chunk := s.recv(65536): answer += chunk
            sys.stdout.write(answer.decode())
            """
        try daemon.write(fetch, to: daemon.directory + "/fetch.py")
        func ask(_ kind: String, _ request: String) -> String {
            let socket = kind == "unix" ? daemon.runtimeDirectory + "/metrics" : String(port)
            return DaemonHarness.shell("python3 \(daemon.directory)/fetch.py \(kind) \(socket) '\(request)'").output
        }
        let overTCP = ask("tcp", "GET /metrics HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n")
        #expect(overTCP.hasPrefix("HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"))
        #expect(overTCP.contains("\r\n\r\n# HELP corral_unit_state "))
        let head = ask("unix", "HEAD /metrics HTTP/1.0\\n\\n")
        #expect(head.hasPrefix("HTTP/1.1 200 OK\r\n") && head.hasSuffix("\r\n\r\n"))
        #expect(ask("unix", "GET /other HTTP/1.1\\r\\n\\r\\n").hasPrefix("HTTP/1.1 404 Not Found\r\n"))
        #expect(ask("unix", "POST /metrics HTTP/1.1\\r\\n\\r\\n").hasPrefix("HTTP/1.1 405 Method Not Allowed\r\n"))
        #expect(ask("unix", "nonsense\\r\\n\\r\\n").hasPrefix("HTTP/1.1 400 Bad Request\r\n"))
        // A head that never ends is cut off at 8 KiB, unanswered.
        #expect(ask("unix", "GET /metrics HTTP/1.1\\r\\nX: " + String(repeating: "a", count: 10_000)) == "")
        #expect(daemon.ctl("is-active sleeper.service").code == 0)
    }

    @Test func aBadMetricsListenIsRefusedWithItsLine() throws {
        let directory = try DaemonHarness.unitDirectory([
            "corrald.conf": "[Manager]\nMetricsListen=localhost:80\n"
        ])
        defer { _ = DaemonHarness.shell("rm -rf \(directory)") }
        let result = DaemonHarness.shell(
            "'\(DaemonHarness.binaries)/corrald' --config \(directory)/corrald.conf --runtime-dir \(directory)/run 2>&1"
        )
        #expect(result.code != 0)
        #expect(
            result.output.contains(
                "\(directory)/corrald.conf:2: [Manager] MetricsListen: 'localhost:80' is not an address and port (such as 127.0.0.1:9558 or [::1]:9558)"
            ))
    }

    static func saved(_ text: String, in daemon: DaemonHarness) throws -> String {
        let path = daemon.directory + "/metrics.txt"
        try daemon.write(text, to: path)
        return path
    }
}
