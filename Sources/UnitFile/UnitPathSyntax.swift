/// systemd's lexical path rules (path-util.c), as far as unit names and search paths need them.
public enum UnitPathSyntax {
    /// `PATH_MAX` less the terminating NUL.
    static let maximumLength = 4095
    /// `NAME_MAX`.
    static let maximumComponentLength = 255

    /// Drops repeated `/`, `.` components and a trailing `/`; keeps `..`. A relative path that loses
    /// every component becomes `.`; the empty string stays empty.
    static func simplify(_ path: String) -> String {
        guard !path.isEmpty else { return "" }
        let absolute = path.hasPrefix("/")
        let components = path.split(separator: "/").filter { $0 != "." }
        if components.isEmpty { return absolute ? "/" : "." }
        return (absolute ? "/" : "") + components.joined(separator: "/")
    }

    /// Non-empty, shorter than `PATH_MAX`, no component longer than `NAME_MAX`.
    static func isValid(_ path: String) -> Bool {
        !path.isEmpty && path.utf8.count <= maximumLength
            && path.split(separator: "/").allSatisfy { $0.utf8.count <= maximumComponentLength }
    }

    /// Valid, and without `.` or `..` components or repeated `/`.
    static func isNormalized(_ path: String) -> Bool {
        isValid(path) && !path.contains("//")
            && !path.split(separator: "/").contains { $0 == "." || $0 == ".." }
    }

    /// `dir/name`, without doubling the `/` after the root.
    public static func join(_ directory: String, _ name: some StringProtocol) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }

    /// The part before the last `/` (`/` for `/name`).
    public static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// The part after the last `/`.
    public static func lastComponent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }

    /// `path` made absolute against `directory` and with `.`, `..` and repeated `/` resolved lexically.
    public static func resolve(_ path: String, relativeTo directory: String) -> String {
        let full = path.hasPrefix("/") ? path : join(directory, path)
        var components: [Substring] = []
        for component in full.split(separator: "/") where component != "." {
            if component == ".." {
                _ = components.popLast()
            } else {
                components.append(component)
            }
        }
        return "/" + components.joined(separator: "/")
    }
}
