extension HostFacts {
    /// Applies one `KEY=VALUE` override from `corralctl plan --host`: memory=SIZE, swap=SIZE, cpus=N,
    /// pid-max=N, threads-max=N, root-pids-max=N|max, controllers=LIST, device=PATH:MAJ:MIN[:bfq].
    public mutating func override(_ assignment: String) throws(ValueError) {
        guard let equals = assignment.firstIndex(of: "=") else { throw ValueError("expected KEY=VALUE") }
        let key = String(assignment[..<equals])
        let value = String(assignment[assignment.index(after: equals)...])
        switch key {
        case "memory": memory = try Grammar.size(value, base: 1024)
        case "swap": swap = try Grammar.size(value, base: 1024)
        case "cpus": cpus = Int(try Grammar.unsigned(value))
        case "pid-max": pidMax = try Grammar.unsigned(value)
        case "threads-max": threadsMax = try Grammar.unsigned(value)
        case "root-pids-max": rootPidsMax = value == "max" ? nil : try Grammar.unsigned(value)
        case "controllers":
            var names: Set<Controller> = []
            try Grammar.controllers(value.split(separator: ",").joined(separator: " "), into: &names)
            controllers = names
        case "device":
            let parts = value.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 3 || (parts.count == 4 && parts[3] == "bfq"),
                let major = UInt32(parts[1]), let minor = UInt32(parts[2])
            else { throw ValueError("expected device=PATH:MAJ:MIN or PATH:MAJ:MIN:bfq, got '\(value)'") }
            devices[String(parts[0])] = BlockDevice(major: major, minor: minor, supportsWeight: parts.count == 4)
        default:
            throw ValueError(
                "unknown host fact '\(key)' (memory, swap, cpus, pid-max, threads-max, root-pids-max, controllers, device)"
            )
        }
    }
}
