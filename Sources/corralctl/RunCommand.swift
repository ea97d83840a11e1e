import ArgumentParser
import ControlProtocol
import Glibc
import UnitFile
import UnitModel

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a command as a transient service, or in a transient scope (--scope), with unit properties.",
        discussion: """
            Every property of the unit table is accepted with -p, checked exactly as in a unit file. \
            The service is started at once; without --unit it is named run-rXXXXXXXXXXXX.service. It is \
            forgotten once it stops (and once it fails, with --collect). With --scope the command runs here, \
            in this process, after corrald has moved it into a new scope with the given limits.
            """)

    @OptionGroup var common: CommonOptions

    @OptionGroup var daemon: DaemonOptions

    @Option(
        name: [.customShort("p"), .customLong("property")], help: "A unit property, NAME=VALUE; may repeat.",
        completion: Completions.properties)
    var properties: [String] = []

    @Option(name: .shortAndLong, help: "The unit's name (a .service or .scope suffix is added when missing).")
    var unit: String?

    @Option(help: "The slice the unit goes in.")
    var slice: String?

    @Option(help: "Description=.")
    var description: String?

    @Option(name: [.customShort("E"), .customLong("setenv")], help: "An environment variable, VAR=VALUE; may repeat.")
    var environment: [String] = []

    @Option(help: "User= of the service.")
    var uid: String?

    @Option(help: "Group= of the service.")
    var gid: String?

    @Option(name: .customLong("working-directory"), help: "WorkingDirectory= of the service.")
    var workingDirectory: String?

    @Flag(name: [.customShort("d"), .customLong("same-dir")], help: "WorkingDirectory= is this command's directory.")
    var sameDirectory = false

    @Option(help: "Nice= of the service.")
    var nice: String?

    @Option(name: .customLong("service-type"), help: "Type= of the service.")
    var serviceType: String?

    @Flag(name: [.customShort("r"), .customLong("remain-after-exit")], help: "RemainAfterExit=yes.")
    var remainAfterExit = false

    @Flag(help: "Wait until the service ends; print its result, runtime and the resources it used.")
    var wait = false

    @Flag(
        name: [.customShort("P"), .customLong("pipe")],
        help: "Connect the service's standard input, output and error to this command's; implies --wait.")
    var pipe = false

    @Flag(
        name: [.customShort("t"), .long],
        help:
            "Give the service a pseudo-terminal as standard input, output and error, relayed to this one; implies --wait."
    )
    var pty = false

    @Flag(name: .customLong("no-block"), help: "Return once the start job is queued, without waiting for it.")
    var noBlock = false

    @Flag(name: [.customShort("G"), .customLong("collect")], help: "Forget the unit even when it fails.")
    var collect = false

    @Flag(help: "Run the command in this process, inside a new scope, instead of as a service.")
    var scope = false

    @Argument(parsing: .captureForPassthrough, help: "The command and its arguments.")
    var command: [String] = []

    /// The unit properties the options stand for, then the -p ones.
    var allProperties: [String] {
        var derived: [String] = []
        if let description { derived.append("Description=\(description)") }
        if let slice { derived.append("Slice=\(slice)") }
        derived += environment.map { "Environment=\(quotedForEnvironment($0))" }
        if let uid { derived.append("User=\(uid)") }
        if let gid { derived.append("Group=\(gid)") }
        if let workingDirectory { derived.append("WorkingDirectory=\(workingDirectory)") }
        if sameDirectory {
            let here = absolutePath(".")
            derived.append("WorkingDirectory=\(here.count > 1 ? String(here.dropLast()) : here)")
        }
        if let nice { derived.append("Nice=\(nice)") }
        if let serviceType { derived.append("Type=\(serviceType)") }
        if remainAfterExit { derived.append("RemainAfterExit=yes") }
        return derived + properties
    }

    /// systemd-run's options that Corral does not have, refused by name rather than run as the command.
    static let unsupportedOptions: Set<String> = [
        "-S", "--shell", "--user", "-H", "--host", "-M", "--machine", "--slice-inherit",
        "--send-sighup", "--path-property", "--socket-property", "--timer-property", "--on-active", "--on-boot",
        "--on-startup", "--on-unit-active", "--on-unit-inactive", "--on-calendar", "--on-timezone-change",
        "--on-clock-change", "--version",
    ]

    /// The command begins with `--` or the first word that is no option (systemd-run's rule):
    /// `--help` shows the help, an option Corral lacks is refused by name, and the unit's name must
    /// fit its kind.
    func validate() throws {
        if command.first == "-h" || command.first == "--help" { throw CleanExit.helpRequest(self) }
        if let first = command.first, first != "--", first.hasPrefix("-") {
            let option = String(first[..<(first.firstIndex(of: "=") ?? first.endIndex)])
            if Self.unsupportedOptions.contains(option) {
                throw ValidationError("\(option) is a systemd-run option that Corral does not support.")
            }
            throw ValidationError("Unknown option '\(first)'.")
        }
        if pty && scope { throw ValidationError("--pty is not compatible with --scope.") }
        if pty && pipe { throw ValidationError("--pty and --pipe cannot be used together.") }
        if let unit, unit.hasSuffix(scope ? ".service" : ".scope") {
            throw ValidationError(
                "--unit \(unit) names a \(scope ? "service" : "scope"), but this run makes a \(scope ? "scope" : "service")."
            )
        }
    }

    func run() throws {
        let arguments = command.first == "--" ? Array(command.dropFirst()) : command
        guard !arguments.isEmpty else { throw ValidationError("No command given.") }
        let run = TransientRun(
            command: arguments, properties: allProperties, unit: unit, scope: scope, wait: wait, pipe: pipe, pty: pty,
            noBlock: noBlock, collect: collect, quiet: common.quiet)
        try run.perform(on: daemon.connection)
    }

    /// One `Environment=` word, quoted so that spaces and quotes survive.
    private func quotedForEnvironment(_ assignment: String) -> String {
        "\"" + assignment.replacing("\\", with: "\\\\").replacing("\"", with: "\\\"") + "\""
    }
}

/// One `run`, as the options ask for it (RunCommand, or QuickVerbs for the plain lines).
struct TransientRun {
    var command: [String]
    /// The unit properties, those the options stand for first.
    var properties: [String] = []
    var unit: String?
    var scope = false
    var wait = false
    var pipe = false
    var pty = false
    var noBlock = false
    var collect = false
    var quiet = false

    func perform(on connection: DaemonConnection) throws {
        // Refuse a bad property here, as a unit file would, before corrald is asked.
        var probe = Unit(name: scope ? "probe.scope" : "probe.service", type: scope ? .scope : .service)
        for property in properties {
            if let problem = UnitBuilder.applyProperty(property, to: &probe) {
                printError("-p \(property): \(problem.message)")
                throw ExitCode(1)
            }
        }
        var options: [String: String] = [:]
        if scope {
            options["scope"] = "yes"
            options["pid"] = String(getpid())
        }
        let waits = wait || pipe || pty
        if waits { options["wait"] = "yes" }
        if pipe || pty { options["pipe"] = "yes" }
        if collect { options["collect"] = "yes" }
        if noBlock { options["block"] = "no" }
        // The name is chosen here so it can be told before a --wait or --pipe run produces output.
        var name = unit ?? "run-r" + randomHex(12)
        let suffix = scope ? ".scope" : ".service"
        if !name.hasSuffix(suffix) { name += suffix }
        let request = Request(
            verb: .run, units: [name], options: options, properties: properties, command: scope ? [] : command)
        if waits && !quiet { printError("Running as unit: \(name)") }
        let relay = pty ? try PTYRelay() : nil
        let descriptors: [Int32] = relay.map { [$0.peer, $0.peer, $0.peer] } ?? (pipe ? [0, 1, 2] : [])
        let response = try connection.send(request, passing: descriptors, relay: relay)
        if let error = response.error {
            printError(error)
            throw ExitCode(response.exitCode)
        }
        let body = Message(response.body)
        if !waits && !quiet {
            printError(scope ? "Running scope as unit: \(name)" : "Running as unit: \(name)")
        }
        if scope { try execute(command) }
        if waits && !quiet { printError(WaitReport(body).rendered) }
        if response.exitCode != 0 { throw ExitCode(response.exitCode) }
    }

    /// Becomes the command (searched in PATH), already inside the scope.
    private func execute(_ arguments: [String]) throws -> Never {
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        execvp(arguments[0], argv)
        printError("Failed to execute \(arguments[0]): \(String(cString: strerror(errno)))")
        throw ExitCode(1)
    }
}

/// `count` random lowercase hex digits.
func randomHex(_ count: Int) -> String {
    var generator = SystemRandomNumberGenerator()
    return String((0..<count).map { _ in "0123456789abcdef".randomElement(using: &generator)! })
}

/// What `run --wait` prints when the service has ended.
struct WaitReport {
    let fields: Message

    init(_ fields: Message) {
        self.fields = fields
    }

    var rendered: String {
        var lines = ["Finished with result: \(fields["Result"] ?? "?")"]
        if let status = fields["ExecMainStatus"] {
            let code = status.hasPrefix("signal") ? "killed" : "exited"
            lines.append("Main processes terminated with: code=\(code)/\(status)")
        }
        if let runtime = fields["RuntimeUSec"].flatMap(UInt64.init) {
            lines.append("Service runtime: \(ShowFormatting.timespan(runtime, accuracy: 1000))")
        }
        if let cpu = fields["CPUUsageNSec"].flatMap(UInt64.init) {
            lines.append("CPU time consumed: \(ShowFormatting.timespan(cpu / 1000, accuracy: 1000))")
        }
        if let peak = fields["MemoryPeak"].flatMap(UInt64.init) { lines.append("Memory peak: \(formatBytes(peak))") }
        if let kills = fields["OOMKills"] { lines.append("OOM kills: \(kills)") }
        if let read = fields["IOReadBytes"].flatMap(UInt64.init),
            let written = fields["IOWriteBytes"].flatMap(UInt64.init)
        {
            lines.append("IO: \(formatBytes(read)) read, \(formatBytes(written)) written")
        }
        return lines.joined(separator: "\n")
    }
}

struct SetPropertyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set-property",
        abstract: "Change unit properties at once (a running unit's cgroup too) and keep them as drop-ins.",
        discussion: """
            The drop-ins go to UNITDIR.control/UNIT.d/50-NAME.conf (UNITDIR being the first unit directory, \
            /etc/corral/system by default), or with --runtime under the runtime directory, so they last \
            only until reboot. A transient unit keeps them for its lifetime.
            """)

    @OptionGroup var common: CommonOptions

    @OptionGroup var daemon: DaemonOptions

    @Flag(help: "Keep the change only until reboot.")
    var runtime = false

    @Argument(help: "The unit.", completion: Completions.units)
    var unit: String

    @Argument(help: "Properties, NAME=VALUE.", completion: Completions.properties)
    var properties: [String]

    func run() throws {
        try daemon.connection.run(
            Request(
                verb: .setProperty, units: [unit], options: runtime ? ["runtime": "yes"] : [:], properties: properties))
    }
}

struct RevertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revert", abstract: "Remove the drop-ins set-property made for units, and reload them.")

    @OptionGroup var common: CommonOptions

    @OptionGroup var daemon: DaemonOptions

    @Argument(help: "Units.", completion: Completions.units)
    var units: [String]

    func run() throws {
        for unit in units { try daemon.connection.run(Request(verb: .revert, units: [unit])) }
    }
}
