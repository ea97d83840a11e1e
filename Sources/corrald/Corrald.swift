import Cgroups
import ControlProtocol
import Exec
import Glibc
import Journal
import Supervisor
import UnitFile

/// corrald's options. Parsed by hand: swift-argument-parser would link Foundation into the daemon,
/// which costs megabytes of resident memory for five options.
struct Options {
    var config = "/etc/corral/corrald.conf"
    var unitPath: String?
    var cgroupRoot: String?
    var runtimeDirectory: String?
    var startUnits: [String] = []
    /// Internal: the process that holds a payload scope (`PayloadScope`).
    var placeholder = false
    var showVersion = false

    static let usage = """
        USAGE: corrald [--config FILE] [--unit-path DIR[:DIR...]] [--cgroup-root PATH] [--runtime-dir DIR] [--start UNIT]...

        Supervise services in their own cgroup v2 subtrees. Settings come from the configuration
        file's [Manager] section (default /etc/corral/corrald.conf); options override them.

        OPTIONS:
          --config FILE          Configuration file.
          --unit-path DIRS       Unit directories, highest priority first, separated by ':'.
          --cgroup-root PATH     Corral's root cgroup (an absolute path on cgroup2).
          --runtime-dir DIR      Directory for the control and notify sockets (default /run/corral).
          --start UNIT           A unit to start once corrald is up; may repeat.
          --version              Show corrald's version.
          -h, --help             Show this help.
        """

    /// nil after printing help; throws a message naming the bad argument.
    static func parse(_ arguments: ArraySlice<String>) throws(UsageError) -> Options? {
        var options = Options()
        var rest = arguments
        while let argument = rest.popFirst() {
            if argument == "-h" || argument == "--help" { return nil }
            let (name, inlineValue) = split(argument)
            func value() throws(UsageError) -> String {
                if let inlineValue { return inlineValue }
                guard let next = rest.popFirst() else { throw UsageError("missing value for \(name)") }
                return next
            }
            switch name {
            case "--config": options.config = try value()
            case "--unit-path": options.unitPath = try value()
            case "--cgroup-root": options.cgroupRoot = try value()
            case "--runtime-dir": options.runtimeDirectory = try value()
            case "--start": options.startUnits.append(try value())
            case "--placeholder": options.placeholder = true
            case "--version": options.showVersion = true
            default: throw UsageError("unknown option '\(argument)'")
            }
        }
        return options
    }

    private static func split(_ argument: String) -> (String, String?) {
        guard argument.hasPrefix("--"), let equals = argument.firstIndex(of: "=") else { return (argument, nil) }
        return (String(argument[..<equals]), String(argument[argument.index(after: equals)...]))
    }
}

struct UsageError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

@main
enum Corrald {
    static func main() {
        do {
            guard let options = try Options.parse(CommandLine.arguments.dropFirst()) else {
                print(Options.usage)
                return
            }
            if options.showVersion { return print("corral \(corralVersion)") }
            if options.placeholder { PayloadScope.hold() }
            try run(options)
        } catch let error as UsageError {
            fail("corrald: \(error)\n\(Options.usage)", code: 64)
        } catch {
            fail("corrald: \(error)", code: 1)
        }
    }

    static func run(_ options: Options) throws {
        var settings = ManagerSettings()
        try settings.read(file: options.config)
        let configuredRoot = options.cgroupRoot ?? settings.cgroupRoot
        guard var root = CgroupRoot.detect(configured: configuredRoot) else {
            throw UsageError("no cgroup2 file system is mounted; corrald needs one")
        }
        if configuredRoot == nil, !root.trackingOnly, let delegated = CgroupRoot.delegatedCgroup(mount: root.mountPoint)
        {
            do {
                if let scope = try PayloadScope.root(mount: root.mountPoint, delegated: delegated) { root = scope }
            } catch {
                root.reason +=
                    "; no scope of their own for the units (\(error)): after a crash, systemd cannot start corrald again"
            }
        }
        var searchPath =
            (options.unitPath ?? settings.unitPath).map(UnitSearchPath.init(colonSeparated:)) ?? UnitSearchPath()
        searchPath.directories = searchPath.directories.map(absolutePath)
        var startUnits = settings.startUnits + options.startUnits
        // Nothing named: boot into default.target, by the name of the unit it aliases.
        if startUnits.isEmpty, let defaultTarget = try? UnitName("default.target") {
            let location = UnitFileIndex(searchPath).locate(defaultTarget)
            if location.fragmentPath != nil { startUnits = [location.names[0].description] }
        }
        let supervisor = try Supervisor(
            configuration: SupervisorConfiguration(
                searchPath: searchPath, runtimeDirectory: options.runtimeDirectory ?? settings.runtimeDirectory,
                cgroupRoot: root, startUnits: startUnits, metricsEndpoint: settings.metricsEndpoint))
        exit(try supervisor.run())
    }

    static func fail(_ message: String, code: Int32) -> Never {
        let bytes = Array((message + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
        exit(code)
    }
}
