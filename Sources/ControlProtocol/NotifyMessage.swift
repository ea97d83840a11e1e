/// One `sd_notify(3)` datagram, split into the assignments corrald acts on.
///
/// The framing is systemd's (`manager_dispatch_notify_fd`, then `strv_split_newlines`): a datagram
/// longer than `maximumSize` bytes, or with a NUL byte anywhere but at its very end, is ignored as a
/// whole. The rest is split at `\n` and `\r`, empty lines are skipped, and a backslash takes the byte
/// after it literally (a newline too) and is itself dropped; a datagram ending in a lone backslash is
/// ignored. A line without `=` and an unknown key are ignored. Every recognised line is kept in order,
/// repeats included.
public struct NotifyMessage: Sendable, Equatable {
    /// systemd's `NOTIFY_BUFFER_MAX` (`PIPE_BUF`).
    public static let maximumSize = 4096

    public enum Assignment: Sendable, Equatable {
        /// `READY=1`
        case ready
        /// `RELOADING=1`
        case reloading
        /// `STOPPING=1`
        case stopping
        /// `WATCHDOG=1`
        case watchdog
        /// `WATCHDOG=trigger`
        case watchdogTrigger
        /// `WATCHDOG_USEC=N`, decimal microseconds.
        case watchdogTimeout(microseconds: UInt64)
        /// `STATUS=TEXT`, possibly empty.
        case status(String)
        /// `MAINPID=PID` with a positive decimal PID.
        case mainPID(Int32)
        /// `ERRNO=N`, a decimal `Int32`.
        case errno(Int32)
        /// `EXTEND_TIMEOUT_USEC=N`, decimal microseconds.
        case extendTimeout(microseconds: UInt64)
        /// `MAINPID=`, `ERRNO=`, `EXTEND_TIMEOUT_USEC=` or `WATCHDOG_USEC=` with a value that does not parse.
        case malformed(key: String, value: String)
    }

    /// Why a whole datagram was ignored.
    public enum Rejection: Sendable, Equatable, CustomStringConvertible {
        case tooLong
        case embeddedNUL
        case danglingBackslash

        public var description: String {
            switch self {
            case .tooLong: "notify message exceeded maximum size"
            case .embeddedNUL: "notify message with embedded NUL bytes"
            case .danglingBackslash: "notify message ending in a backslash"
            }
        }
    }

    public var assignments: [Assignment]
    /// Set when the datagram was ignored; `assignments` is then empty.
    public var rejection: Rejection?

    public init(assignments: [Assignment], rejection: Rejection? = nil) {
        self.assignments = assignments
        self.rejection = rejection
    }

    public init(_ text: String) {
        self.init(text.utf8)
    }

    public init(_ datagram: some Collection<UInt8>) {
        assignments = []
        rejection = nil
        guard datagram.count <= Self.maximumSize else {
            rejection = .tooLong
            return
        }
        var bytes = Array(datagram)
        if bytes.last == 0 { bytes.removeLast() }
        guard !bytes.contains(0) else {
            rejection = .embeddedNUL
            return
        }
        guard let lines = Self.lines(bytes) else {
            rejection = .danglingBackslash
            return
        }
        assignments = lines.compactMap(Self.assignment)
    }

    /// `strv_split_newlines` with no flags: `\n` and `\r` separate, runs of them count as one, a
    /// backslash escapes the next byte; nil for a trailing lone backslash.
    private static func lines(_ bytes: [UInt8]) -> [[UInt8]]? {
        var lines: [[UInt8]] = []
        var current: [UInt8] = []
        var inLine = false
        var escaped = false
        for byte in bytes {
            if escaped {
                current.append(byte)
                escaped = false
            } else if byte == UInt8(ascii: "\\") {
                escaped = true
                inLine = true
            } else if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") {
                if inLine { lines.append(current) }
                current = []
                inLine = false
            } else {
                current.append(byte)
                inLine = true
            }
        }
        if escaped { return nil }
        if inLine { lines.append(current) }
        return lines
    }

    private static func assignment(_ line: [UInt8]) -> Assignment? {
        guard let equals = line.firstIndex(of: UInt8(ascii: "=")) else { return nil }
        let key = line[..<equals]
        let valueBytes = line[(equals + 1)...]
        let value = String(decoding: valueBytes, as: UTF8.self)
        // Keys and flag values are compared byte for byte, as systemd's strv_find does.
        func keyIs(_ name: String) -> Bool { key.elementsEqual(name.utf8) }
        let isOne = valueBytes.elementsEqual("1".utf8)
        if keyIs("READY") { return isOne ? .ready : nil }
        if keyIs("RELOADING") { return isOne ? .reloading : nil }
        if keyIs("STOPPING") { return isOne ? .stopping : nil }
        if keyIs("WATCHDOG") { return isOne ? .watchdog : value == "trigger" ? .watchdogTrigger : nil }
        if keyIs("WATCHDOG_USEC") {
            guard let microseconds = UInt64(value) else { return .malformed(key: "WATCHDOG_USEC", value: value) }
            return .watchdogTimeout(microseconds: microseconds)
        }
        if keyIs("STATUS") { return .status(value) }
        if keyIs("MAINPID") {
            guard let pid = Int32(value), pid > 0 else { return .malformed(key: "MAINPID", value: value) }
            return .mainPID(pid)
        }
        if keyIs("ERRNO") {
            guard let code = Int32(value) else { return .malformed(key: "ERRNO", value: value) }
            return .errno(code)
        }
        if keyIs("EXTEND_TIMEOUT_USEC") {
            guard let microseconds = UInt64(value) else {
                return .malformed(key: "EXTEND_TIMEOUT_USEC", value: value)
            }
            return .extendTimeout(microseconds: microseconds)
        }
        return nil
    }
}
