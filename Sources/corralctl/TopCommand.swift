import ArgumentParser
import ControlProtocol
import Glibc
import SystemCall

struct TopCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "top",
        abstract: "A live view of every running unit and slice: tasks, CPU, memory, IO and pressure stalls.",
        discussion: """
            As systemd-cgtop, with pressure stall information: per unit, its tasks, CPU use (100% is one \
            CPU), memory (current, MemoryHigh=/MemoryMax=, peak), block IO rates, and the kernel's avg10 \
            of the share of time some (and all) of its tasks stalled on CPU, memory and IO. Keys: p t c m \
            i o s order by path, tasks, CPU, memory, input, output, pressure; + and - change the delay; \
            space refreshes; q quits. Without a terminal on standard output (or with --batch) it prints \
            --iterations tables, each after --delay, and exits. "-" is a value the kernel does not count \
            here (a controller that is not enabled) or a rate not measured yet.
            """)

    @OptionGroup var common: CommonOptions

    @OptionGroup var daemon: DaemonOptions

    @Flag(name: [.customShort("b"), .long], help: "Print tables one after another instead of redrawing the screen.")
    var batch = false

    @Option(name: [.customShort("n"), .long], help: "Exit after this many tables (batch mode: 1 by default).")
    var iterations: Int?

    @Option(name: [.customShort("d"), .long], help: "Seconds between refreshes.")
    var delay = 1.0

    @Option(name: .long, help: "Order by path, tasks, cpu, memory, input, output or pressure.")
    var order = "cpu"

    @Flag(name: [.customShort("r"), .long], help: "Bytes and rates as plain numbers.")
    var raw = false

    func validate() throws {
        if TopOrder(rawValue: order) == nil {
            throw ValidationError(
                "Unknown order '\(order)': one of \(TopOrder.allCases.map(\.rawValue).joined(separator: ", ")).")
        }
        if !(delay >= 0.1) { throw ValidationError("--delay must be at least 0.1 seconds.") }
        if let iterations, iterations < 1 { throw ValidationError("--iterations must be at least 1.") }
    }

    func run() throws {
        var view = LiveTable(daemon: daemon, order: TopOrder(rawValue: order) ?? .cpu, raw: raw)
        if batch || isatty(1) == 0 {
            try view.sample()
            for iteration in 0..<(iterations ?? 1) {
                usleep(useconds_t(delay * 1_000_000))
                try view.sample()
                if iteration > 0 { print() }
                print(view.lines(width: nil).joined(separator: "\n"))
                fflush(nil)
            }
        } else {
            try interact(with: &view)
        }
    }

    /// Redraws the screen after every delay or key, until `q` (or the iterations are done).
    private func interact(with view: inout LiveTable) throws {
        let terminal = RawTerminal()
        defer { terminal.restore() }
        var delay = self.delay
        var shown = 0
        try view.sample()
        while iterations.map({ shown < $0 }) ?? true {
            terminal.draw(
                [
                    "corralctl top: \(view.rows.count) units, ordered by \(view.order.rawValue), every \(formatSeconds(delay)) (q quits, p t c m i o s order, +/- delay)",
                    "",
                ] + view.lines(width: terminal.columns), height: terminal.lines)
            shown += 1
            switch terminal.key(within: delay) {
            case nil, " ": try view.sample()
            case "q", "Q", "\u{3}": return
            case "+": delay = min(delay * 2, 60)
            case "-": delay = max(delay / 2, 0.1)
            case let key?:
                if let order = TopOrder.allCases.first(where: { $0.key == key }) { view.order = order }
            }
        }
    }

    private func formatSeconds(_ seconds: Double) -> String {
        let tenths = Int((seconds * 10).rounded())
        return tenths % 10 == 0 ? "\(tenths / 10)s" : "\(tenths / 10).\(tenths % 10)s"
    }
}

/// The samples so far and the table they make.
private struct LiveTable {
    let daemon: DaemonOptions
    var order: TopOrder
    let raw: Bool
    private var previous: [String: TopSample] = [:]
    private var previousTime: UInt64 = 0
    private(set) var rows: [TopRow] = []

    init(daemon: DaemonOptions, order: TopOrder, raw: Bool) {
        self.daemon = daemon
        self.order = order
        self.raw = raw
    }

    /// Asks corrald for the counters now; the rates are over the time since the last sample.
    mutating func sample() throws {
        let response = try daemon.connection.run(Request(verb: .statistics))
        let now = monotonicMicroseconds()
        let samples = TopSample.records(response.body)
        rows = TopTable.rows(previous: previous, current: samples, elapsedMicroseconds: now - previousTime)
        previous = Dictionary(samples.map { ($0.unit, $0) }, uniquingKeysWith: { $1 })
        previousTime = now
    }

    func lines(width: Int?) -> [String] {
        TopTable.lines(TopTable.sorted(rows, by: order), width: width, raw: raw)
    }
}

/// The terminal in non-canonical mode without echo (keys arrive one at a time), on the alternate
/// screen with the cursor hidden; `restore` puts it back as it was.
private struct RawTerminal {
    private var saved = termios()
    private let hasSettings: Bool

    init() {
        hasSettings = tcgetattr(0, &saved) == 0
        if hasSettings {
            var raw = saved
            raw.c_lflag &= ~tcflag_t(ICANON | ECHO | ISIG)
            tcsetattr(0, TCSANOW, &raw)
        }
        write("\u{1B}[?1049h\u{1B}[?25l")
    }

    func restore() {
        write("\u{1B}[?25h\u{1B}[?1049l")
        var settings = saved
        if hasSettings { tcsetattr(0, TCSANOW, &settings) }
    }

    private var size: winsize {
        var size = winsize()
        _ = ioctl(1, UInt(TIOCGWINSZ), &size)
        return size
    }

    var columns: Int? { size.ws_col > 0 ? Int(size.ws_col) : nil }
    var lines: Int? { size.ws_row > 0 ? Int(size.ws_row) : nil }

    /// Clears the screen and writes the lines that fit.
    func draw(_ text: [String], height: Int?) {
        write("\u{1B}[H\u{1B}[2J" + text.prefix(height ?? text.count).joined(separator: "\r\n"))
    }

    /// The next key pressed within `seconds`; nil when none was.
    func key(within seconds: Double) -> Character? {
        var input = pollfd(fd: 0, events: Int16(POLLIN), revents: 0)
        guard poll(&input, 1, Int32(seconds * 1000)) == 1 else { return nil }
        var byte: UInt8 = 0
        guard read(0, &byte, 1) == 1 else { return "q" }
        return Character(Unicode.Scalar(byte))
    }

    private func write(_ text: String) {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { Glibc.write(1, $0.baseAddress! + offset, $0.count - offset) }
            if written <= 0 { return }
            offset += written
        }
    }
}
