import ArgumentParser
import ControlProtocol
import Glibc
import SystemCall

/// Where to find corrald: `--runtime-dir`, else `$CORRAL_RUNTIME_DIR`, else /run/corral.
struct DaemonOptions: ParsableArguments {
    @Option(
        name: .customLong("runtime-dir"),
        help: "corrald's runtime directory (default: $CORRAL_RUNTIME_DIR or /run/corral).")
    var runtimeDirectory: String?

    var connection: DaemonConnection { DaemonConnection(runtimeDirectory: runtimeDirectory) }
}

/// corrald's control socket, and requests to it.
struct DaemonConnection {
    /// `--runtime-dir`; nil for the default.
    var runtimeDirectory: String? = nil

    var runtimeDirectoryPath: String {
        runtimeDirectory ?? getenv("CORRAL_RUNTIME_DIR").map { String(cString: $0) } ?? "/run/corral"
    }

    var socketPath: String { runtimeDirectoryPath + "/control" }

    /// How long corralctl waits to connect, and for the answer to a query or the acknowledgement of a
    /// request's jobs.
    static let timeoutSeconds = 25

    /// Sends one request (with `descriptors` attached, for `run --pipe`) and waits for its response;
    /// with `relay` (`run --pty`), relays the service's terminal meanwhile.
    func send(_ request: Request, passing descriptors: [Int32] = [], relay: PTYRelay? = nil) throws -> Response {
        // A corrald that goes away mid-request is an error to report, not a signal to die of.
        signal(SIGPIPE, SIG_IGN)
        let socket: FileDescriptor
        do {
            socket = try UnixSocket.connect(to: socketPath, timeoutSeconds: Self.timeoutSeconds)
        } catch  where error.code == EAGAIN {
            printError("Timed out after \(Self.timeoutSeconds) s connecting to corrald at \(socketPath).")
            throw ExitCode(1)
        } catch {
            printError("Failed to connect to corrald at \(socketPath): \(error)")
            throw ExitCode(1)
        }
        if descriptors.isEmpty {
            try socket.writeAll(request.message.encoded)
        } else {
            try UnixSocket.send(socket, request.message.encoded, passing: descriptors)
        }
        // corrald answers a query, or acknowledges the jobs of a request, at once; jobs have timeouts
        // of their own, so their end is waited for as long as it takes.
        UnixSocket.setReceiveTimeout(socket, seconds: Self.timeoutSeconds)
        relay?.begin()
        defer { relay?.finish() }
        var decoder = MessageDecoder()
        while true {
            if let relay, !Self.waitForAnswer(on: socket, relaying: relay) { continue }
            guard let bytes = try socket.read() else {
                printError("Timed out after \(Self.timeoutSeconds) s waiting for corrald's answer.")
                throw ExitCode(1)
            }
            if bytes.isEmpty { break }
            for message in try decoder.feed(bytes) {
                let response = try Response(message)
                guard response.isQueuedAcknowledgement, request.options["block"] != "no" else { return response }
                UnixSocket.setReceiveTimeout(socket, seconds: 0)
            }
        }
        printError("corrald closed the connection without answering.")
        throw ExitCode(1)
    }

    /// Waits until the socket has something to read, relaying the terminal meanwhile; false when
    /// only the terminal had something.
    private static func waitForAnswer(on socket: FileDescriptor, relaying relay: PTYRelay) -> Bool {
        var fds = ([socket.rawValue] + relay.watched).map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        guard poll(&fds, nfds_t(fds.count), -1) > 0 else { return false }
        for entry in fds.dropFirst() where entry.revents != 0 { relay.pump(entry.fd) }
        return fds[0].revents != 0
    }

    /// Sends the request when corrald is reachable; nil, quietly, when it is not.
    func sendIfRunning(_ request: Request) -> Response? {
        guard (try? UnixSocket.connect(to: socketPath)) != nil else { return nil }
        return try? send(request)
    }

    /// Sends the request, prints its error if any, and exits with its exit code when it is not 0.
    @discardableResult
    func run(_ request: Request) throws -> Response {
        let response = try send(request)
        if let error = response.error { printError(error) }
        if response.exitCode != 0 { throw ExitCode(response.exitCode) }
        return response
    }
}

extension DaemonConnection {
    /// start, stop, restart, reload, reset-failed: the jobs for the units, waited for unless
    /// `noBlock`.
    func runJobs(_ verb: ControlProtocol.Verb, units: [String], noBlock: Bool) throws {
        try run(Request(verb: verb, units: units, options: noBlock ? ["block": "no"] : [:]))
    }

    /// is-active, is-failed: prints each unit's state unless `quiet`; the exit code answers.
    func askState(_ verb: ControlProtocol.Verb, units: [String], quiet: Bool) throws {
        let response = try send(Request(verb: verb, units: units))
        if !quiet {
            for field in response.body where field.key == "ActiveState" { print(field.value) }
        }
        if response.exitCode != 0 { throw ExitCode(response.exitCode) }
    }
}

/// start, stop, restart, reload, reset-failed: the same shape, a verb and units.
struct UnitVerbCommand<Verb: UnitVerb>: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: Verb.verb.rawValue, abstract: Verb.abstract)
    }

    @OptionGroup var common: CommonOptions

    @OptionGroup var daemon: DaemonOptions

    @Flag(name: .customLong("no-block"), help: "Return once the jobs are queued, without waiting for them to end.")
    var noBlock = false

    @Argument(help: "Units.", completion: Completions.units)
    var units: [String] = []

    func validate() throws {
        if units.isEmpty && !Verb.unitsOptional { throw ValidationError("Missing expected argument '<units> ...'") }
    }

    func run() throws {
        try daemon.connection.runJobs(Verb.verb, units: units, noBlock: noBlock)
    }
}

protocol UnitVerb {
    static var verb: Verb { get }
    static var abstract: String { get }
    /// Whether the verb applies to every unit when none is named.
    static var unitsOptional: Bool { get }
}

extension UnitVerb {
    static var unitsOptional: Bool { false }
}

enum StartVerb: UnitVerb {
    static let verb = Verb.start
    static let abstract = "Start units (and what they require), waiting until they are up."
}

enum StopVerb: UnitVerb {
    static let verb = Verb.stop
    static let abstract = "Stop units (and what requires them), waiting until every process is gone."
}

enum RestartVerb: UnitVerb {
    static let verb = Verb.restart
    static let abstract = "Stop, then start units."
}

enum ReloadVerb: UnitVerb {
    static let verb = Verb.reload
    static let abstract = "Run units' ExecReload= commands."
}

enum ResetFailedVerb: UnitVerb {
    static let verb = Verb.resetFailed
    static let abstract =
        "Return failed units (all of them when none is named) to inactive and reset their start-rate counters."
    static let unitsOptional = true
}

struct KillCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kill", abstract: "Send a signal to every process of units.")

    @OptionGroup var common: CommonOptions

    @OptionGroup var daemon: DaemonOptions

    @Option(name: [.customShort("s"), .long], help: "Signal name or number.", completion: Completions.signals)
    var signal = "SIGTERM"

    @Option(
        name: [.customLong("kill-whom"), .customLong("kill-who")],
        help: "Which processes: main, control or all (the default).")
    var whom = "all"

    @Argument(help: "Units.", completion: Completions.units)
    var units: [String]

    func validate() throws {
        if !["main", "control", "all"].contains(whom) { throw ValidationError("Invalid kill-whom value '\(whom)'.") }
    }

    func run() throws {
        try daemon.connection.run(Request(verb: .kill, units: units, options: ["signal": signal, "whom": whom]))
    }
}

struct DaemonReloadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "daemon-reload", abstract: "Make corrald read every unit file again.")

    @OptionGroup var common: CommonOptions

    @OptionGroup var daemon: DaemonOptions

    func run() throws {
        try daemon.connection.run(Request(verb: .daemonReload))
    }
}

struct DaemonReexecCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "daemon-reexec",
        abstract: "Make corrald execute itself again (after an upgrade); every unit keeps running.",
        discussion: "Returns once the new corrald answers on its control socket.")

    @OptionGroup var common: CommonOptions

    @OptionGroup var daemon: DaemonOptions

    func run() throws {
        try daemon.connection.run(Request(verb: .daemonReexec))
        // The old process answered just before its execve; wait for the new one to listen.
        for _ in 0..<500 {
            if daemon.connection.sendIfRunning(Request(verb: .listJobs)) != nil { return }
            usleep(20_000)
        }
        printError("corrald did not come back within 10 s after daemon-reexec.")
        throw ExitCode(1)
    }
}

/// is-active and is-failed: print each unit's state; the exit code answers the question.
struct StateQueryCommand<Verb: UnitVerb>: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: Verb.verb.rawValue, abstract: Verb.abstract)
    }

    @OptionGroup var common: CommonOptions

    @OptionGroup var daemon: DaemonOptions

    @Argument(help: "Units.", completion: Completions.units)
    var units: [String]

    func run() throws {
        try daemon.connection.askState(Verb.verb, units: units, quiet: common.quiet)
    }
}

enum IsActiveVerb: UnitVerb {
    static let verb = Verb.isActive
    static let abstract = "Exit 0 if any of the units is active, 3 otherwise."
}

enum IsFailedVerb: UnitVerb {
    static let verb = Verb.isFailed
    static let abstract = "Exit 0 if any of the units has failed, 1 otherwise."
}
