/// Escaping strings and paths into unit name parts, exactly as `systemd-escape` does.
public enum UnitNameEscaping {
    /// `systemd-escape STRING`: `/` becomes `-`; `-`, `\` and every byte that is not an ASCII letter,
    /// digit, `:`, `_` or `.` becomes `\xNN` (lowercase hex), and so does a leading `.`.
    public static func escape(_ string: String) -> String {
        var escaped = ""
        for (offset, byte) in string.utf8.enumerated() {
            if byte == UInt8(ascii: "/") {
                escaped += "-"
            } else if (offset == 0 && byte == UInt8(ascii: ".")) || byte == UInt8(ascii: "-")
                || byte == UInt8(ascii: "\\") || !byte.isUnitNameByte
            {
                escaped += "\\x" + (byte < 16 ? "0" : "") + String(byte, radix: 16)
            } else {
                escaped.unicodeScalars.append(Unicode.Scalar(byte))
            }
        }
        return escaped
    }

    /// `systemd-escape --path PATH`: the path is simplified (repeated `/` and `.` components dropped),
    /// its leading and trailing `/` removed and the rest escaped; the root (and the empty string) is `-`.
    /// A path that still holds `..` (or a component longer than 255 bytes) is refused. A relative path
    /// escapes as if it were absolute, which `systemd-escape` allows with a warning.
    public static func escapePath(_ path: String) throws(EscapingError) -> String {
        let simplified = UnitPathSyntax.simplify(path)
        if simplified.isEmpty || simplified == "/" { return "-" }
        guard UnitPathSyntax.isNormalized(simplified) else {
            if !UnitPathSyntax.isValid(path) { throw .invalidPath(path) }
            if !path.hasPrefix("/") { throw .relativePath(path) }
            throw .unnormalizedPath(path)
        }
        return escape(String(simplified.drop(while: { $0 == "/" })))
    }

    /// `systemd-escape --unescape STRING`: `-` becomes `/` and `\xNN` the byte NN (either case).
    /// Any other `\` is refused. Like systemd's C strings, the result ends at a `\x00`; bytes that do not
    /// form UTF-8 become U+FFFD.
    public static func unescape(_ string: String) throws(EscapingError) -> String {
        var bytes: [UInt8] = []
        var input = string.utf8.makeIterator()
        while let byte = input.next() {
            switch byte {
            case UInt8(ascii: "-"):
                bytes.append(UInt8(ascii: "/"))
            case UInt8(ascii: "\\"):
                guard input.next() == UInt8(ascii: "x"),
                    let high = input.next().flatMap(\.hexValue), let low = input.next().flatMap(\.hexValue)
                else { throw .invalidEscapeSequence(string) }
                bytes.append(high << 4 | low)
            default:
                bytes.append(byte)
            }
        }
        if let nul = bytes.firstIndex(of: 0) { bytes.removeSubrange(nul...) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `systemd-escape --unescape --path STRING`: `-` is `/`; anything else must unescape to a relative
    /// path without leading or trailing `/`, which gets a leading `/` and must then be normalized.
    public static func unescapePath(_ string: String) throws(EscapingError) -> String {
        if string == "-" { return "/" }
        guard !string.isEmpty else { throw .notAnEscapedPath(string) }
        let unescaped = try unescape(string)
        guard !unescaped.hasPrefix("/"), !unescaped.hasSuffix("/"), UnitPathSyntax.isNormalized("/" + unescaped)
        else { throw .notAnEscapedPath(string) }
        return "/" + unescaped
    }

    /// `systemd-escape --template=TEMPLATE VALUE` (with `path`, also `--path`): VALUE escaped into
    /// TEMPLATE's instance.
    public static func instance(
        of template: UnitName, escaping value: String, path: Bool = false
    ) throws(EscapingError) -> UnitName {
        guard template.isTemplate else { throw .notATemplate(template) }
        let instance = path ? try escapePath(value) : escape(value)
        do {
            return try template.withInstance(instance)
        } catch {
            throw .invalidUnitName(error)
        }
    }

    /// `systemd-escape --unescape --instance NAME` (with `path`, also `--path`); given `template`,
    /// `--template=TEMPLATE` instead, which also requires NAME to be an instance of TEMPLATE.
    public static func unescapeInstance(
        of name: UnitName, path: Bool = false, template: UnitName? = nil
    ) throws(EscapingError) -> String {
        if let template, !template.isTemplate { throw .notATemplate(template) }
        guard let instance = name.instance else { throw .missingInstance(name) }
        if let template, name.templateName != template {
            throw .templateMismatch(name: name, template: template)
        }
        return path ? try unescapePath(String(instance)) : try unescape(String(instance))
    }
}

/// Why a string could not be escaped or unescaped.
public enum EscapingError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidPath(String)
    case relativePath(String)
    case unnormalizedPath(String)
    case invalidEscapeSequence(String)
    case notAnEscapedPath(String)
    case notATemplate(UnitName)
    case missingInstance(UnitName)
    case templateMismatch(name: UnitName, template: UnitName)
    case invalidUnitName(UnitNameError)

    public var description: String {
        switch self {
        case .invalidPath(let path): "'\(path)' is not a valid file system path"
        case .relativePath(let path): "'\(path)' is not an absolute file system path"
        case .unnormalizedPath(let path): "'\(path)' is not a normalized file system path"
        case .invalidEscapeSequence(let string): "'\(string)' contains an invalid escape sequence"
        case .notAnEscapedPath(let string): "'\(string)' does not unescape to a normalized absolute path"
        case .notATemplate(let name): "'\(name)' is not a template name"
        case .missingInstance(let name): "unit \(name) has no instance name"
        case .templateMismatch(let name, let template):
            "unit \(name) is not an instance of template \(template)"
        case .invalidUnitName(let error): error.description
        }
    }
}

extension UInt8 {
    /// The value of an ASCII hex digit.
    fileprivate var hexValue: UInt8? {
        switch self {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): self - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): self - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): self - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
