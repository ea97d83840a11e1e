import UnitFile

/// Value grammars of systemd.resource-control(5).
extension Grammar {
    /// `MemoryMax=` and friends: bytes (base 1024), a percentage of a host quantity, or `infinity`.
    /// Zero is refused unless `allowsZero` (`MemoryMin=`, `MemoryLow=`, `MemorySwapMax=`).
    public static func memoryLimit(_ text: String, allowsZero: Bool) throws(ValueError) -> MemoryLimit {
        if text == "infinity" { return .infinity }
        if let permyriad = parsePermyriad(text) {
            guard permyriad <= 10_000, permyriad > 0 || allowsZero else {
                throw ValueError("memory limit '\(text)' out of range")
            }
            return .permyriad(UInt32(permyriad))
        }
        let bytes = try size(text, base: 1024)
        guard bytes < UInt64.max, bytes > 0 || allowsZero else {
            throw ValueError("memory limit '\(text)' out of range")
        }
        return .bytes(bytes)
    }

    /// `CPUQuota=`: a percentage above zero (it may exceed 100%), as CPU time per second.
    public static func cpuQuota(_ text: String) throws(ValueError) -> USec {
        guard let permyriad = parsePermyriad(text), permyriad > 0 else {
            throw ValueError("invalid CPU quota '\(text)'")
        }
        return permyriad * microsecondsPerSecond / 10_000
    }

    /// `CPUWeight=`, `StartupCPUWeight=`: 1…10000 or `idle`.
    public static func cpuWeight(_ text: String) throws(ValueError) -> CPUWeight {
        if text == "idle" { return .idle }
        return .weight(try weight(text, in: 1...10_000, of: "CPU weight"))
    }

    /// A number within `range`; `name` names the quantity in the message ("CPU shares").
    public static func weight(_ text: String, in range: ClosedRange<UInt64>, of name: String) throws(ValueError)
        -> UInt64
    {
        guard let value = parseUnsigned(text) else { throw ValueError("invalid \(name) '\(text)'") }
        guard range.contains(value) else {
            throw ValueError("\(name) '\(text)' out of range \(range.lowerBound)-\(range.upperBound)")
        }
        return value
    }

    /// `TasksMax=`: a count above zero, a percentage of the host's task limit, or `infinity`.
    public static func tasksMax(_ text: String) throws(ValueError) -> TasksLimit {
        if text == "infinity" { return .infinity }
        if let permyriad = parsePermyriad(text), permyriad <= 10_000 { return .permyriad(UInt32(permyriad)) }
        guard let count = parseUnsigned(text) else { throw ValueError("invalid tasks maximum '\(text)'") }
        guard count > 0, count < UInt64.max else { throw ValueError("tasks maximum '\(text)' out of range") }
        return .count(count)
    }

    /// The highest CPU index systemd accepts in a CPU set (8192 × 8 bits).
    static let maximumCPUIndex = 8192 * 8 - 1

    /// `AllowedCPUs=`, `AllowedMemoryNodes=`: indices and ranges (`0-3 5,7`) separated by blanks or
    /// commas. As systemd, an inverted range (`3-1`) is skipped with a warning and the rest applies.
    public static func cpuSet(_ text: String) throws(ValueError) -> ParsedValue<CPUSet> {
        var indices: [Int] = []
        var warnings: [ValueError] = []
        for word in try words(text, separators: Words.whitespace + ",") {
            let bounds = word.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
            guard let first = bounds.first.flatMap({ parseUnsigned(String($0)) }),
                let last = bounds.count == 2 ? parseUnsigned(String(bounds[1])) : first
            else { throw ValueError("invalid CPU set '\(text)'") }
            guard first <= last else {
                warnings.append(ValueError("Range '\(word)' is invalid, \(first) > \(last), ignoring."))
                continue
            }
            guard last <= UInt64(maximumCPUIndex) else {
                throw ValueError("CPU index \(last) in '\(text)' above \(maximumCPUIndex)")
            }
            indices += Int(first)...Int(last)
        }
        return ParsedValue(CPUSet(indices), warnings: warnings)
    }

    /// `PATH VALUE` lines of the IO directives. The path is the first word; the rest is the value.
    static func deviceAndValue(_ text: String) throws(ValueError) -> (path: String, value: String) {
        let trimmed = text.drop(while: { $0 == " " || $0 == "\t" })
        guard let blank = trimmed.firstIndex(where: { $0 == " " || $0 == "\t" }) else {
            throw ValueError("expected a device path and a value in '\(text)'")
        }
        let value = trimmed[blank...].drop(while: { $0 == " " || $0 == "\t" })
        guard !value.isEmpty else { throw ValueError("expected a device path and a value in '\(text)'") }
        return (String(trimmed[..<blank]), String(value))
    }

    /// `IOReadBandwidthMax=` and the other IO limits: bytes or operations per second (base 1000,
    /// above zero) or `infinity` (stored as `UInt64.max`).
    public static func ioLimit(_ text: String) throws(ValueError) -> UInt64 {
        if text == "infinity" { return .max }
        guard let value = parseSize(text, base: 1000), value > 0 else {
            throw ValueError("invalid IO limit '\(text)'")
        }
        return value
    }
}

extension Grammar {
    /// Controller names systemd knows; those Corral does not manage are accepted and left out.
    static let knownControllers: Set<String> = [
        "cpu", "cpuacct", "cpuset", "io", "blkio", "memory", "devices", "pids", "bpf-firewall", "bpf-devices",
        "bpf-foreign", "bpf-socket-bind", "bpf-restrict-network-interfaces",
    ]

    /// `Delegate=`, `DisableControllers=`: blank-separated controller names. The valid ones are kept
    /// in `controllers` even when another name is refused.
    public static func controllers(_ text: String, into controllers: inout Set<Controller>) throws(ValueError) {
        var refused: [String] = []
        for word in try words(text) {
            if let controller = Controller(rawValue: word) {
                controllers.insert(controller)
            } else if !knownControllers.contains(word) {
                refused.append(word)
            }
        }
        if !refused.isEmpty { throw ValueError("invalid controller name \(quotedList(refused))") }
    }
}

extension Grammar {
    /// `DeviceAllow=`: `PATTERN [rwm]`; a pattern is `/dev/...` (or `/run/systemd/inaccessible/...`)
    /// or `char-NAME`/`block-NAME`; without rights, all three.
    public static func deviceAllowance(_ text: String) throws(ValueError) -> DeviceAllowance {
        let parts = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        let pattern = parts.first ?? ""
        guard
            pattern.hasPrefix("/dev/") || pattern.hasPrefix("/run/systemd/inaccessible/")
                || pattern.hasPrefix("char-") || pattern.hasPrefix("block-")
        else { throw ValueError("Invalid device node path '\(pattern)', ignoring.") }
        guard parts.count > 1 else { return DeviceAllowance(pattern) }
        let rights = parts[1...].joined()
        var access: DeviceAccess = []
        for character in rights {
            switch character {
            case "r": access.insert(.read)
            case "w": access.insert(.write)
            case "m": access.insert(.mknod)
            default: throw ValueError("Invalid device rights '\(rights)', ignoring.")
            }
        }
        return DeviceAllowance(pattern, access)
    }
}
