import UnitFile

/// One change the installer made, worded as systemctl 252 reports it.
public enum InstallChange: Sendable, Equatable, CustomStringConvertible {
    case createdLink(path: String, target: String)
    case removedLink(path: String)

    public var description: String {
        switch self {
        case .createdLink(let path, let target): "Created symlink \(path) → \(target)."
        case .removedLink(let path): "Removed \"\(path)\"."
        }
    }
}

/// Why a unit could not be enabled, disabled or made the default.
public enum InstallError: Error, Sendable, Equatable, CustomStringConvertible {
    case notFound(UnitName)
    case masked(path: String)
    /// A link the installer would create exists and points somewhere else.
    case linkConflict(path: String, target: String)
    /// A file (not a link) is where the installer would put a link.
    case fileExists(path: String)
    /// `link` of a file that is not there.
    case missingFile(path: String)
    /// A template without `DefaultInstance=` wanted or required by a unit that is not a template.
    case templateWithoutInstance(UnitName, target: String)
    /// A system call failed on `path`.
    case fileSystem(path: String, errno: Int32)

    /// systemctl's whole error line for `verb` ("enable", "disable", "set default").
    public func message(verb: String) -> String {
        if case .templateWithoutInstance(let name, _) = self { return "Failed to \(verb) \(name), \(self)." }
        return "Failed to \(verb) unit, \(self)."
    }

    public var description: String {
        switch self {
        case .notFound(let name): "unit \(name) does not exist"
        case .masked(let path): "unit \(path) is masked"
        case .linkConflict(let path, let target):
            "file \"\(path)\" already exists and is a symlink to \"\(target)\""
        case .fileExists(let path): "file \"\(path)\" already exists"
        case .missingFile(let path): "unit \(path) does not exist"
        case .templateWithoutInstance(_, let target): "destination unit \(target) is a non-template unit"
        case .fileSystem(let path, let errno): "\(path): \(systemErrorText(errno))"
        }
    }
}

/// `systemctl is-enabled`'s answers, for the cases Corral has (no runtime or generated units).
public enum UnitFileState: String, Sendable, Equatable {
    case enabled, alias, masked, `static`, indirect, disabled

    /// Whether `is-enabled` exits 0 for it.
    public var countsAsEnabled: Bool {
        switch self {
        case .enabled, .alias, .static, .indirect: true
        case .masked, .disabled: false
        }
    }

    /// Whether a preset applies to a unit in this state (systemctl shows none for these).
    public var hasPreset: Bool { self != .alias && self != .static }
}

/// A unit file on the search path and its state, as `list-unit-files` lists it.
public struct UnitFileEntry: Sendable, Equatable {
    public var name: UnitName
    public var state: UnitFileState
    /// `enabled` or `disabled` as the preset policy says; nil where none applies.
    public var preset: String?

    public init(name: UnitName, state: UnitFileState, preset: String?) {
        self.name = name
        self.state = state
        self.preset = preset
    }
}
