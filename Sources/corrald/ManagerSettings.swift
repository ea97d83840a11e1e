import Glibc
import SystemCall
import UnitFile

/// The `[Manager]` section of corrald.conf, read with the unit-file parser.
struct ManagerSettings {
    var unitPath: String?
    var cgroupRoot: String?
    var runtimeDirectory = "/run/corral"
    var startUnits: [String] = []
    /// `MetricsListen=`: a TCP address for the metrics besides RUNTIMEDIR/metrics.
    var metricsEndpoint: IPEndpoint?

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
            case "MetricsListen":
                if assignment.value.isEmpty {
                    metricsEndpoint = nil
                } else if let endpoint = IPEndpoint(assignment.value) {
                    metricsEndpoint = endpoint
                } else {
                    throw FileError(
                        description:
                            "\(place): '\(assignment.value)' is not an address and port (such as 127.0.0.1:9558 or [::1]:9558)"
                    )
                }
            default: throw FileError(description: "\(place): unknown setting")
            }
        }
    }
}
