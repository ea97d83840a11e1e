/// Value grammars of systemd.exec(5) other than command lines and environment words.
extension Grammar {
    /// `StandardInput=`: `null`, `tty`, `socket`, `data` or `file:PATH`.
    public static func standardInput(_ text: String) throws(ValueError) -> StandardStream {
        switch text {
        case "null": return .null
        case "tty": return .tty
        case "socket": return .socket
        case "data": return .data
        case "tty-force", "tty-fail": throw ValueError("standard input '\(text)' is not supported by Corral")
        default:
            if text.hasPrefix("file:") { return .file(try absolutePath(String(text.dropFirst(5)))) }
            if text.hasPrefix("fd:") { throw ValueError("standard input '\(text)' is not supported by Corral") }
            throw ValueError("invalid standard input '\(text)'")
        }
    }

    /// `StandardOutput=`, `StandardError=`: `inherit`, `null`, `tty`, `journal`, `kmsg`, `socket`,
    /// `file:PATH`, `append:PATH` or `truncate:PATH`.
    public static func standardOutput(_ text: String) throws(ValueError) -> StandardStream {
        switch text {
        case "inherit": return .inherit
        case "null": return .null
        case "tty": return .tty
        // systemd 252 turns the obsolete `syslog` into `journal`.
        case "journal", "syslog": return .journal
        case "kmsg": return .kmsg
        case "socket": return .socket
        case "journal+console", "kmsg+console":
            throw ValueError("standard output '\(text)' is not supported by Corral")
        default:
            if text.hasPrefix("file:") { return .file(try absolutePath(String(text.dropFirst(5)))) }
            if text.hasPrefix("append:") { return .append(try absolutePath(String(text.dropFirst(7)))) }
            if text.hasPrefix("truncate:") { return .truncate(try absolutePath(String(text.dropFirst(9)))) }
            if text.hasPrefix("fd:") { throw ValueError("standard output '\(text)' is not supported by Corral") }
            throw ValueError("invalid standard output '\(text)'")
        }
    }

    /// A user or group name as systemd 252's relaxed check allows it, or a valid numeric id.
    static func isValidUserOrGroupName(_ name: String) -> Bool {
        let digits = name.drop(while: { $0 == "-" })
        if !digits.isEmpty && digits.allSatisfy({ $0.isASCII && $0.isNumber }) {
            // Numeric: a uid/gid other than the reserved (uid_t) -1 and (uint16_t) -1.
            guard digits.count == name.count, let id = UInt32(name) else { return false }
            return id != .max && id != 65535
        }
        guard !name.isEmpty, name != ".", name != "..", !name.hasPrefix(" "), !name.hasSuffix(" ") else {
            return false
        }
        return name.unicodeScalars.allSatisfy { scalar in
            scalar.value >= 0x20 && scalar.value != 0x7F && scalar != ":" && scalar != "/"
        }
    }

    /// A user name by the strict rules (letters, digits, `_` and `-`, not starting with a digit or
    /// `-`, at most 31 characters), which systemd requires of a name it derives.
    public static func isStrictUserName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, name.unicodeScalars.count <= 31 else { return false }
        func allowed(_ scalar: Unicode.Scalar) -> Bool {
            scalar.isASCII && (scalar.properties.isAlphabetic || scalar == "_")
        }
        return allowed(first)
            && name.unicodeScalars.allSatisfy { allowed($0) || ("0"..."9").contains($0) || $0 == "-" }
    }

    /// 64-bit FNV-1a of `text` as 16 hex digits: a stable name for what has no valid one.
    public static func fnv1aHex(_ text: String) -> String {
        let hash = text.utf8.reduce(0xcbf2_9ce4_8422_2325 as UInt64) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
        let digits = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

}
