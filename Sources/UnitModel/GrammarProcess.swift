import UnitFile

/// Value grammars about processes: signals, exit statuses and resource limits.
extension Grammar {
    /// Linux signal names without the `SIG` prefix, by number (index 0 unused).
    static let signalNames = [
        "", "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2", "PIPE",
        "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG", "XCPU", "XFSZ",
        "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS",
    ]
    /// `SIGRTMIN` as glibc reports it (the C library keeps 32 and 33), and `SIGRTMAX`.
    static let realtimeSignals: ClosedRange<Int32> = 34...64

    /// A signal by number or case-sensitive name, with or without `SIG`: `15`, `TERM`, `SIGTERM`,
    /// `RTMIN+2`, `SIGRTMAX-1`.
    public static func signal(_ text: String) throws(ValueError) -> Int32 {
        guard let number = parseSignal(text) else { throw ValueError("invalid signal '\(text)'") }
        return number
    }

    /// systemd's `signal_to_string`: the name without `SIG`, `RTMIN+n`, or the number.
    public static func signalName(_ signal: Int32) -> String {
        if signal >= 1 && Int(signal) < signalNames.count { return signalNames[Int(signal)] }
        if realtimeSignals.contains(signal) { return "RTMIN+\(signal - realtimeSignals.lowerBound)" }
        return String(signal)
    }

    static func parseSignal(_ text: String) -> Int32? {
        let name = text.hasPrefix("SIG") ? text.dropFirst(3) : Substring(text)
        if let index = signalNames.firstIndex(of: String(name)), index > 0 { return Int32(index) }
        if name == "RTMIN" { return realtimeSignals.lowerBound }
        if name == "RTMAX" { return realtimeSignals.upperBound }
        if name.hasPrefix("RTMIN+"), let offset = parseUnsigned(String(name.dropFirst(6))),
            offset <= UInt64(realtimeSignals.count - 1)
        {
            return realtimeSignals.lowerBound + Int32(offset)
        }
        if name.hasPrefix("RTMAX-"), let offset = parseUnsigned(String(name.dropFirst(6))),
            offset <= UInt64(realtimeSignals.count - 1)
        {
            return realtimeSignals.upperBound - Int32(offset)
        }
        guard name.count == text.count, let number = parseUnsigned(text), (1...64).contains(number) else {
            return nil
        }
        return Int32(number)
    }

    /// `SuccessExitStatus=`: exit codes 0…255 and signals, separated by blanks. The valid words are
    /// added to `set` even when some other word is refused.
    public static func addExitStatuses(_ text: String, to set: inout ExitStatusSet) throws(ValueError) {
        var refused: [String] = []
        for word in try words(text, unquote: false) {
            if let status = parseUnsigned(word).flatMap({ $0 <= 255 ? Int32($0) : nil })
                ?? ExitStatusNames.status(named: word)
            {
                if !set.statuses.contains(status) { set.statuses.append(status) }
            } else if let signal = parseSignal(word) {
                if !set.signals.contains(signal) { set.signals.append(signal) }
            } else {
                refused.append(word)
            }
        }
        if !refused.isEmpty { throw ValueError("invalid exit status \(quotedList(refused))") }
    }

    /// `Limit*=`: `VALUE` or `SOFT:HARD`, each in the resource's own unit or `infinity`.
    public static func resourceLimit(_ text: String, for resource: RLimitResource) throws(ValueError)
        -> ResourceLimit
    {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count <= 2, let soft = parseLimitValue(String(parts[0]), for: resource),
            let hard = parts.count == 2 ? parseLimitValue(String(parts[1]), for: resource) : soft
        else { throw ValueError("invalid resource limit '\(text)'") }
        guard soft <= hard else { throw ValueError("soft limit above hard limit in '\(text)'") }
        return ResourceLimit(soft: soft, hard: hard)
    }

    /// One side of a `Limit*=` value; `UInt64.max` is `infinity`.
    private static func parseLimitValue(_ text: String, for resource: RLimitResource) -> UInt64? {
        switch resource {
        case .cpu:
            if text == "infinity" { return .max }
            guard let usec = parseTimeSpan(text, defaultUnit: microsecondsPerSecond) else { return nil }
            // Whole seconds, rounded up.
            return usec == .infinity ? .max : usec / microsecondsPerSecond + (usec % microsecondsPerSecond > 0 ? 1 : 0)
        case .rttime:
            if text == "infinity" { return .max }
            return parseTimeSpan(text, defaultUnit: 1)
        case .fsize, .data, .stack, .core, .rss, .memlock, .as, .msgqueue:
            return text == "infinity" ? .max : parseSize(text, base: 1024)
        case .nice:
            // `+N`/`-N` is a nice value (-20…19), a bare number the raw limit 0…40.
            if text.hasPrefix("+") {
                return parseUnsigned(String(text.dropFirst())).flatMap { $0 < 20 ? 20 - $0 : nil }
            }
            if text.hasPrefix("-") {
                return parseUnsigned(String(text.dropFirst())).flatMap { $0 <= 20 ? 20 + $0 : nil }
            }
            return parseUnsigned(text).flatMap { $0 <= 40 ? $0 : nil }
        case .nproc, .nofile, .locks, .sigpending, .rtprio:
            return text == "infinity" ? .max : parseUnsigned(text)
        }
    }

    /// Blank-separated words, with quotes removed unless `unquote` is false (backslashes are then
    /// kept as they are, as for dependency lists).
    static func words(_ text: String, separators: String = Words.whitespace, unquote: Bool = true) throws(ValueError)
        -> [String]
    {
        do {
            return try Words.splitWords(text, separators: separators, flags: unquote ? [.unquote] : [.retainEscape])
        } catch {
            throw ValueError("invalid syntax in '\(text)': \(error.message)")
        }
    }

    /// `'a'` or `'a', 'b'`.
    static func quotedList(_ items: [String]) -> String {
        items.map { "'\($0)'" }.joined(separator: ", ")
    }
}
