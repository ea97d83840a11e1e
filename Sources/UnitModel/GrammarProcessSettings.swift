import UnitFile

/// `CPUSchedulingPolicy=` values and their `SCHED_*` numbers.
public enum SchedulingPolicy: String, Sendable, CaseIterable {
    case other, batch, idle, fifo, rr

    public var number: Int32 {
        switch self {
        case .other: 0
        case .fifo: 1
        case .rr: 2
        case .batch: 3
        case .idle: 5
        }
    }

    /// The priorities the policy takes (sched_get_priority_min/max).
    public var priorities: ClosedRange<Int32> { self == .fifo || self == .rr ? 1...99 : 0...0 }
}

/// `IOSchedulingClass=` values and their `IOPRIO_CLASS_*` numbers.
public enum IOSchedulingClass: String, Sendable, CaseIterable {
    case none, realtime, bestEffort = "best-effort", idle

    public var number: Int32 {
        switch self {
        case .none: 0
        case .realtime: 1
        case .bestEffort: 2
        case .idle: 3
        }
    }
}

extension Grammar {
    /// `UMask=` and the `*DirectoryMode=` settings: an octal mode up to 0777.
    public static func fileMode(_ text: String) throws(ValueError) -> UInt32 {
        guard !text.isEmpty, text.count <= 4, let mode = UInt32(text, radix: 8), mode <= 0o777 else {
            throw ValueError("Failed to parse mode value, ignoring: \(text)")
        }
        return mode
    }

    /// `Nice=`: -20 to 19.
    public static func nice(_ text: String) throws(ValueError) -> Int32 {
        guard let value = Int32(text) else {
            throw ValueError("Failed to parse nice priority '\(text)', ignoring: Invalid argument")
        }
        guard (-20...19).contains(value) else { throw ValueError("Nice priority out of range, ignoring: \(text)") }
        return value
    }

    /// `OOMScoreAdjust=`: -1000 to 1000.
    public static func oomScoreAdjust(_ text: String) throws(ValueError) -> Int32 {
        guard let value = Int32(text) else {
            throw ValueError("Failed to parse the OOM score adjust value '\(text)', ignoring: Invalid argument")
        }
        guard (-1000...1000).contains(value) else {
            throw ValueError("OOM score adjust value out of range, ignoring: \(text)")
        }
        return value
    }

    public static func schedulingPolicy(_ text: String) throws(ValueError) -> SchedulingPolicy {
        guard let policy = SchedulingPolicy(rawValue: text) else {
            throw ValueError("Failed to parse CPU scheduling policy, ignoring: \(text)")
        }
        return policy
    }

    /// `CPUSchedulingPriority=`: 0 to 99 (real-time policies take 1 to 99).
    public static func schedulingPriority(_ text: String) throws(ValueError) -> Int32 {
        guard let value = Int32(text) else {
            throw ValueError("Failed to parse CPU scheduling priority, ignoring: \(text)")
        }
        guard (0...99).contains(value) else {
            throw ValueError("CPU scheduling priority is out of range, ignoring: \(text)")
        }
        return value
    }

    /// `IOSchedulingClass=`: a name, or its number 0 to 3.
    public static func ioSchedulingClass(_ text: String) throws(ValueError) -> IOSchedulingClass {
        if let named = IOSchedulingClass(rawValue: text) { return named }
        if let number = Int32(text), let numbered = IOSchedulingClass.allCases.first(where: { $0.number == number }) {
            return numbered
        }
        throw ValueError("Failed to parse IO scheduling class, ignoring: \(text)")
    }

    /// `IOSchedulingPriority=`: 0 (highest) to 7.
    public static func ioSchedulingPriority(_ text: String) throws(ValueError) -> Int32 {
        guard let value = Int32(text), (0...7).contains(value) else {
            throw ValueError("Failed to parse IO priority, ignoring: \(text)")
        }
        return value
    }

    /// `CPUAffinity=`: CPU indices and ranges (`0-3 5,7`), separated by blanks or commas.
    public static func cpuAffinity(_ text: String) throws(ValueError) -> [Int] {
        var cpus: [Int] = []
        for word in try words(text, separators: Words.whitespace + ",") {
            let bounds = word.split(separator: "-", maxSplits: 1)
            guard let low = Int(bounds[0]), let high = bounds.count == 2 ? Int(bounds[1]) : low, low >= 0,
                low <= high, high < 8192
            else {
                throw ValueError("Failed to parse CPU affinity '\(word)'")
            }
            for cpu in low...high where !cpus.contains(cpu) { cpus.append(cpu) }
        }
        return cpus.sorted()
    }
}

extension Grammar {
    /// `UnsetEnvironment=`: variable names and `NAME=VALUE` assignments; anything else is dropped
    /// with systemd's warning.
    public static func unsetEnvironment(_ text: String) throws(ValueError) -> ParsedValue<[String]> {
        var warnings: [ValueError] = []
        var entries: [String] = []
        for word in try words(text) {
            let name = word.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)[0]
            guard let first = name.first, !first.isNumber,
                name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") })
            else {
                warnings.append(
                    ValueError("Invalid environment name or assignment UnsetEnvironment, ignoring: \(word)"))
                continue
            }
            if !entries.contains(word) { entries.append(word) }
        }
        return ParsedValue(entries, warnings: warnings)
    }
}

extension Grammar {
    /// `RuntimeDirectory=` and its family: relative paths below the kind's base directory, each
    /// optionally `:SYMLINK` (a second relative path that is made a link to it).
    public static func execDirectories(_ text: String, directive: String) throws(ValueError)
        -> ParsedValue<[ExecDirectory]>
    {
        var warnings: [ValueError] = []
        var directories: [ExecDirectory] = []
        func relative(_ path: String) -> String? {
            guard !path.hasPrefix("/") else {
                warnings.append(ValueError("\(directive)= path is absolute, ignoring: \(path)"))
                return nil
            }
            let components = path.split(separator: "/").filter { $0 != "." }
            guard !components.isEmpty, !components.contains("..") else {
                warnings.append(ValueError("\(directive)= path is not normalized, ignoring: \(path)"))
                return nil
            }
            return components.joined(separator: "/")
        }
        for word in try words(text) {
            let parts = word.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard let name = relative(parts[0]) else { continue }
            let link = parts.count > 1 ? relative(parts[1]) : nil
            if parts.count > 1 && link == nil { continue }
            if let index = directories.firstIndex(where: { $0.name == name }) {
                if let link, !directories[index].symlinks.contains(link) { directories[index].symlinks.append(link) }
            } else {
                directories.append(ExecDirectory(name: name, symlinks: link.map { [$0] } ?? []))
            }
        }
        return ParsedValue(directories, warnings: warnings)
    }
}

extension Grammar {
    /// `ID[:REST]` of `LoadCredential=` and `SetCredential=`: the ID a file name of at most 255
    /// bytes; `SetCredential=` needs the `:`.
    public static func credential(_ text: String, requiresValue: Bool) throws(ValueError) -> (String, String?) {
        let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard !requiresValue || parts.count == 2 else { throw ValueError("Invalid syntax, ignoring: \(text)") }
        let id = parts[0]
        guard !id.isEmpty, id != ".", id != "..", !id.contains("/"), id.utf8.count <= 255 else {
            throw ValueError("Credential name \"\(id)\" not valid, ignoring.")
        }
        return (id, parts.count == 2 ? parts[1] : nil)
    }
}
