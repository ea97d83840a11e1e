import ArgumentParser
import Cgroups
import Glibc
import Supervisor
import UnitFile

@main
struct Corrald: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "corrald",
        abstract: "Supervise services in their own cgroup v2 subtrees.",
        discussion: "Settings come from the configuration file's [Manager] section; options override them.")

    @Option(help: "Configuration file.")
    var config = "/etc/corral/corrald.conf"

    @Option(name: .customLong("unit-path"), help: "Unit directories, highest priority first, separated by ':'.")
    var unitPath: String?

    @Option(name: .customLong("cgroup-root"), help: "Corral's root cgroup (an absolute path on cgroup2).")
    var cgroupRoot: String?

    @Option(name: .customLong("runtime-dir"), help: "Directory for the control and notify sockets.")
    var runtimeDirectory: String?

    @Option(name: .customLong("start"), help: "A unit to start once corrald is up; may repeat.")
    var startUnits: [String] = []

    func run() throws {
        var settings = ManagerSettings()
        do {
            try settings.read(file: config)
        } catch {
            throw ValidationError("\(error)")
        }
        guard let root = CgroupRoot.detect(configured: cgroupRoot ?? settings.cgroupRoot) else {
            throw ValidationError("no cgroup2 file system is mounted; corrald needs one")
        }
        var searchPath = (unitPath ?? settings.unitPath).map(UnitSearchPath.init(colonSeparated:)) ?? UnitSearchPath()
        searchPath.directories = searchPath.directories.map(absolutePath)
        let supervisor = try Supervisor(
            configuration: SupervisorConfiguration(
                searchPath: searchPath, runtimeDirectory: runtimeDirectory ?? settings.runtimeDirectory,
                cgroupRoot: root, startUnits: settings.startUnits + startUnits))
        try supervisor.run()
    }
}

/// The `[Manager]` section of corrald.conf, read with the unit-file parser.
struct ManagerSettings {
    var unitPath: String?
    var cgroupRoot: String?
    var runtimeDirectory = "/run/corral"
    var startUnits: [String] = []

    struct FileError: Error, CustomStringConvertible {
        var description: String
    }

    /// A missing file leaves the defaults; a line Corral does not know is an error naming file and line.
    mutating func read(file: String) throws(FileError) {
        guard access(file, F_OK) == 0 else { return }
        let bytes: [UInt8]
        do {
            bytes = try readFile(atPath: file)
        } catch {
            throw FileError(description: error.description)
        }
        let parsed = UnitFileParser.parse(bytes, file: file)
        if let problem = parsed.diagnostics.first { throw FileError(description: problem.description) }
        for assignment in parsed.assignments {
            let place = "\(assignment.file):\(assignment.line): [\(assignment.section)] \(assignment.key)"
            guard assignment.section == "Manager" else { throw FileError(description: "\(place): unknown section") }
            switch assignment.key {
            case "UnitPath": unitPath = assignment.value
            case "CgroupRoot": cgroupRoot = assignment.value.isEmpty ? nil : assignment.value
            case "RuntimeDirectory": runtimeDirectory = assignment.value
            case "StartUnits": startUnits = assignment.value.split(separator: " ").map(String.init)
            default: throw FileError(description: "\(place): unknown setting")
            }
        }
    }
}
