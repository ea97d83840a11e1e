/// A valid unit name such as `foo.service`, `getty@tty1.service` or `getty@.service`.
///
/// Validity follows systemd's `unit_name_is_valid`: at most 255 bytes, a known type suffix after the
/// last `.`, a non-empty part before it made only of ASCII letters, digits and `:-_.\`, plus `@`.
/// The first `@` separates prefix and instance; later ones belong to the instance (`a@b@c.service`
/// has instance `b@c`). An empty instance (`foo@.service`) makes a template.
public struct UnitName: Sendable, Hashable, CustomStringConvertible {
    /// The suffixes systemd knows. Which of them Corral can load is decided by `UnitModel`.
    public static let knownSuffixes: Set<String> = [
        "service", "socket", "target", "device", "mount", "automount", "swap", "timer", "path", "slice",
        "scope",
    ]
    /// systemd's `UNIT_NAME_MAX` less the terminating NUL.
    public static let maximumLength = 255

    public let description: String

    public init(_ name: String) throws(UnitNameError) {
        let bytes = Array(name.utf8)
        guard !bytes.isEmpty else { throw .empty }
        guard bytes.count <= Self.maximumLength else { throw .tooLong(name) }
        guard let dot = bytes.lastIndex(of: UInt8(ascii: ".")), dot > 0 else { throw .missingSuffix(name) }
        let suffix = String(decoding: bytes[(dot + 1)...], as: UTF8.self)
        guard Self.knownSuffixes.contains(suffix) else { throw .unknownSuffix(name: name, suffix: suffix) }
        if let bad = bytes[..<dot].first(where: { !($0.isUnitNameByte || $0 == UInt8(ascii: "@")) }) {
            throw .invalidCharacter(name: name, byte: bad)
        }
        guard bytes.first != UInt8(ascii: "@") else { throw .emptyPrefix(name) }
        description = name
    }

    /// The type suffix without its dot, such as `service`.
    public var suffix: Substring {
        description[description.index(after: lastDot)...]
    }

    /// The part before the first `@`, or before the suffix when there is no `@`.
    public var prefix: Substring {
        description[..<(firstAt ?? lastDot)]
    }

    /// The part between the first `@` and the suffix; nil for plain names and templates.
    public var instance: Substring? {
        guard let at = firstAt else { return nil }
        let start = description.index(after: at)
        return start < lastDot ? description[start..<lastDot] : nil
    }

    /// The name without its type suffix (`%N`).
    public var withoutSuffix: Substring {
        description[..<lastDot]
    }

    public var isTemplate: Bool { firstAt != nil && instance == nil }
    public var isInstance: Bool { instance != nil }

    /// `foo@.service` for `foo@bar.service` and for `foo@.service`; nil for plain names.
    public var templateName: UnitName? {
        guard firstAt != nil else { return nil }
        return UnitName(validated: "\(prefix)@.\(suffix)")
    }

    /// This template (or the template of this instance) instantiated with `instance`, which must be
    /// non-empty and made of unit name characters (already escaped).
    public func withInstance(_ instance: String) throws(UnitNameError) -> UnitName {
        guard firstAt != nil else { throw .notATemplate(self) }
        guard !instance.isEmpty else { throw .emptyInstance(self) }
        if let bad = instance.utf8.first(where: { !($0.isUnitNameByte || $0 == UInt8(ascii: "@")) }) {
            throw .invalidCharacter(name: instance, byte: bad)
        }
        return try UnitName("\(prefix)@\(instance).\(suffix)")
    }

    /// For names built from parts already known to be valid.
    init(validated name: String) {
        description = name
    }

    private var lastDot: String.Index { description.lastIndex(of: ".")! }
    /// The suffix never holds `@`, so the first `@` is always before the last dot.
    private var firstAt: String.Index? { description.firstIndex(of: "@") }
}

/// Why a string is not a valid unit name.
public enum UnitNameError: Error, Sendable, Equatable, CustomStringConvertible {
    case empty
    case tooLong(String)
    case missingSuffix(String)
    case unknownSuffix(name: String, suffix: String)
    case invalidCharacter(name: String, byte: UInt8)
    case emptyPrefix(String)
    case notATemplate(UnitName)
    case emptyInstance(UnitName)

    public var description: String {
        switch self {
        case .empty: "unit name is empty"
        case .tooLong(let name): "unit name '\(name)' is longer than \(UnitName.maximumLength) bytes"
        case .missingSuffix(let name): "unit name '\(name)' has no type suffix"
        case .unknownSuffix(let name, let suffix): "unit name '\(name)' has unknown type suffix '\(suffix)'"
        case .invalidCharacter(let name, let byte):
            "'\(name)' contains \(byte.printable), which is not allowed in unit names"
        case .emptyPrefix(let name): "unit name '\(name)' has nothing before '@'"
        case .notATemplate(let name): "'\(name)' is not a template or instance name"
        case .emptyInstance(let name): "an instance of '\(name)' needs a non-empty instance name"
        }
    }
}

extension UInt8 {
    /// systemd's `VALID_CHARS`: ASCII letters and digits and `:-_.\`.
    var isUnitNameByte: Bool {
        switch self {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: ":"), UInt8(ascii: "-"), UInt8(ascii: "_"),
            UInt8(ascii: "."), UInt8(ascii: "\\"):
            true
        default: false
        }
    }

    /// `'x'` for printable ASCII, `byte 0xNN` otherwise.
    fileprivate var printable: String {
        if self > 0x20 && self < 0x7f { return "'\(Character(Unicode.Scalar(self)))'" }
        return "byte 0x" + (self < 16 ? "0" : "") + String(self, radix: 16)
    }
}
