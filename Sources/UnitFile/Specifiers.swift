/// What `%` specifiers in a unit file resolve to (systemd.unit(5), "Specifiers"), for one unit.
///
/// The user, group and directory values are those of the system manager, which runs as root; they do
/// not follow `User=`. `SpecifierContext.current(for:fragmentPath:)` fills the host values in.
public struct SpecifierContext: Sendable, Equatable {
    /// `%n` and everything derived from the name (`%N %p %P %i %I %j %J %f %d`).
    public var unitName: UnitName
    /// `%y`, and its directory `%Y`: the fragment's real path (outside the search path for linked unit
    /// files). Nil when the unit has no fragment, which makes `%y` and `%Y` fail.
    public var fragmentPath: String?
    /// `%H`; `%l` is the part before the first dot.
    public var hostname = ""
    /// `%q`, `PRETTY_HOSTNAME=` of /etc/machine-info; `%q` falls back to `%l` when nil.
    public var prettyHostname: String?
    /// `%m`, `%b`; a specifier whose value is nil fails.
    public var machineID: String?
    public var bootID: String?
    /// `%a` (systemd's architecture names: `x86-64`, `arm64`, ...), `%v` (`uname -r`).
    public var architecture = ""
    public var kernelRelease = ""
    /// Fields of os-release(5) that are specifiers, empty when unset: `%o` ID, `%w` VERSION_ID,
    /// `%W` VARIANT_ID, `%B` BUILD_ID, `%M` IMAGE_ID, `%A` IMAGE_VERSION.
    public var osID = ""
    public var osVersionID = ""
    public var osVariantID = ""
    public var osBuildID = ""
    public var osImageID = ""
    public var osImageVersion = ""
    /// `%u %U %g %G %h %s`: the manager's user.
    public var userName = "root"
    public var userID: UInt32 = 0
    public var groupName = "root"
    public var groupID: UInt32 = 0
    public var homeDirectory = "/root"
    public var shell = "/bin/sh"
    /// `%t %S %C %L %E` for the system manager; `%d` is `%t/credentials/%n`.
    public var runtimeDirectory = "/run"
    public var stateDirectory = "/var/lib"
    public var cacheDirectory = "/var/cache"
    public var logsDirectory = "/var/log"
    public var configurationDirectory = "/etc"
    /// `%T` and `%V`.
    public var temporaryDirectory = "/tmp"
    public var persistentTemporaryDirectory = "/var/tmp"

    public init(unitName: UnitName, fragmentPath: String? = nil) {
        self.unitName = unitName
        self.fragmentPath = fragmentPath
    }
}

/// Why a text's specifiers could not be expanded.
public enum SpecifierError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A `%` followed by a character that is no specifier (systemd: "Invalid slot").
    case unknown(Character)
    /// The unit name part the specifier unescapes is not validly escaped.
    case unescaping(specifier: Character, EscapingError)
    /// The value does not exist here: `%y`/`%Y` without a fragment, `%m`/`%b` unknown.
    case unavailable(Character)

    public var description: String {
        switch self {
        case .unknown(let specifier): "unknown specifier '%\(specifier)'"
        case .unescaping(let specifier, let error): "cannot resolve '%\(specifier)': \(error)"
        case .unavailable(let specifier): "specifier '%\(specifier)' has no value for this unit"
        }
    }
}

/// Replaces every `%X` in `text` as systemd 252 does for unit file settings. `%%` is a single `%`;
/// a `%` at the very end, or before a character that is no letter or digit (`%(`), stays as it
/// is; an unknown letter or digit (`%Z`) is an error.
public func expandSpecifiers(_ text: String, context: SpecifierContext) throws(SpecifierError) -> String {
    var expanded = ""
    var characters = text.makeIterator()
    while let character = characters.next() {
        guard character == "%" else {
            expanded.append(character)
            continue
        }
        guard let specifier = characters.next() else {
            expanded.append("%")
            break
        }
        guard specifier == "%" || (specifier.isASCII && (specifier.isLetter || specifier.isNumber)) else {
            expanded += "%" + String(specifier)
            continue
        }
        expanded += try context.value(of: specifier)
    }
    return expanded
}

extension SpecifierContext {
    fileprivate func value(of specifier: Character) throws(SpecifierError) -> String {
        let name = unitName
        switch specifier {
        case "%": return "%"
        case "n": return name.description
        case "N": return String(name.withoutSuffix)
        case "p": return String(name.prefix)
        case "P":
            return try unescaping(specifier) { () throws(EscapingError) in
                try UnitNameEscaping.unescape(String(name.prefix))
            }
        case "i": return String(name.instance ?? "")
        case "I":
            return try unescaping(specifier) { () throws(EscapingError) in
                try UnitNameEscaping.unescape(String(name.instance ?? ""))
            }
        case "j": return String(lastPrefixComponent)
        case "J":
            return try unescaping(specifier) { () throws(EscapingError) in
                try UnitNameEscaping.unescape(String(lastPrefixComponent))
            }
        case "f":
            return try unescaping(specifier) { () throws(EscapingError) in
                try UnitNameEscaping.unescapePath(String(name.instance ?? name.prefix))
            }
        case "d": return UnitPathSyntax.join(runtimeDirectory, "credentials/\(name)")
        case "y", "Y":
            guard let fragmentPath else { throw .unavailable(specifier) }
            return specifier == "y" ? fragmentPath : UnitPathSyntax.directory(of: fragmentPath)
        case "H": return hostname
        case "l": return shortHostname
        case "q": return prettyHostname ?? shortHostname
        case "m", "b":
            guard let id = specifier == "m" ? machineID : bootID else { throw .unavailable(specifier) }
            return id
        case "a": return architecture
        case "v": return kernelRelease
        case "o": return osID
        case "w": return osVersionID
        case "W": return osVariantID
        case "B": return osBuildID
        case "M": return osImageID
        case "A": return osImageVersion
        case "u": return userName
        case "U": return String(userID)
        case "g": return groupName
        case "G": return String(groupID)
        case "h": return homeDirectory
        case "s": return shell
        case "t": return runtimeDirectory
        case "S": return stateDirectory
        case "C": return cacheDirectory
        case "L": return logsDirectory
        case "E": return configurationDirectory
        case "T": return temporaryDirectory
        case "V": return persistentTemporaryDirectory
        default: throw .unknown(specifier)
        }
    }

    /// `%j`: the prefix after its last `-` (all of it without a `-`).
    private var lastPrefixComponent: Substring {
        let prefix = unitName.prefix
        guard let dash = prefix.lastIndex(of: "-") else { return prefix }
        return prefix[prefix.index(after: dash)...]
    }

    private var shortHostname: String {
        String(hostname.prefix(while: { $0 != "." }))
    }

    private func unescaping(
        _ specifier: Character, _ unescape: () throws(EscapingError) -> String
    ) throws(SpecifierError) -> String {
        do {
            return try unescape()
        } catch {
            throw .unescaping(specifier: specifier, error)
        }
    }
}
