extension Grammar {
    /// `ReadWritePaths=` and its family: absolute paths, each with an optional `-` (skip when
    /// missing) and then `+` (inside `RootDirectory=`). A relative or `..` path is skipped with a
    /// warning naming the directive, as systemd does; the rest of the line applies.
    public static func accessPaths(_ text: String, directive: String) throws(ValueError) -> ParsedValue<[AccessPath]> {
        var warnings: [ValueError] = []
        var paths: [AccessPath] = []
        for word in try words(text) {
            var rest = Substring(word)
            let ignoreMissing = rest.hasPrefix("-")
            if ignoreMissing { rest = rest.dropFirst() }
            let insideRoot = rest.hasPrefix("+")
            if insideRoot { rest = rest.dropFirst() }
            guard let path = checkedPath(String(rest), directive: directive, warnings: &warnings) else { continue }
            paths.append(AccessPath(path, ignoreMissing: ignoreMissing, insideRoot: insideRoot))
        }
        return ParsedValue(paths, warnings: warnings)
    }

    /// `BindPaths=`/`BindReadOnlyPaths=`: `[-]SOURCE[:DESTINATION[:OPTIONS]]` words, where the one
    /// option is `rbind` (the default) or `norbind`.
    public static func bindMounts(_ text: String, readOnly: Bool, directive: String) throws(ValueError)
        -> ParsedValue<[BindMount]>
    {
        var warnings: [ValueError] = []
        var mounts: [BindMount] = []
        for word in try words(text) {
            var parts = word.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
            let ignoreMissing = parts[0].hasPrefix("-")
            if ignoreMissing { parts[0].removeFirst() }
            let options = parts.count > 2 ? parts[2] : ""
            guard ["", "rbind", "norbind"].contains(options) else {
                warnings.append(ValueError("Invalid option string, ignoring setting: \(options)"))
                continue
            }
            guard let source = checkedPath(parts[0], directive: directive, warnings: &warnings),
                let destination = checkedPath(
                    parts.count > 1 ? parts[1] : parts[0], directive: directive,
                    warnings: &warnings)
            else { continue }
            mounts.append(
                BindMount(
                    source: source, destination: destination, readOnly: readOnly, recursive: options != "norbind",
                    ignoreMissing: ignoreMissing))
        }
        return ParsedValue(mounts, warnings: warnings)
    }

    /// `TemporaryFileSystem=`: `PATH[:OPTIONS]` words.
    public static func temporaryFileSystems(_ text: String) throws(ValueError) -> ParsedValue<[TemporaryFileSystem]> {
        var warnings: [ValueError] = []
        var systems: [TemporaryFileSystem] = []
        for word in try words(text) {
            let parts = word.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard let path = checkedPath(parts[0], directive: "TemporaryFileSystem", warnings: &warnings) else {
                continue
            }
            systems.append(TemporaryFileSystem(path: path, options: parts.count > 1 ? parts[1] : ""))
        }
        return ParsedValue(systems, warnings: warnings)
    }

    /// `ProtectSystem=`: a boolean, `full` or `strict`.
    public static func protectSystem(_ text: String) throws(ValueError) -> ProtectSystem {
        if let mode = ProtectSystem(rawValue: text), mode == .full || mode == .strict { return mode }
        guard let enabled = try? boolean(text) else {
            throw ValueError("Failed to parse protect system value, ignoring: \(text)")
        }
        return enabled ? .yes : .no
    }

    /// `ProtectHome=`: a boolean, `read-only` or `tmpfs`.
    public static func protectHome(_ text: String) throws(ValueError) -> ProtectHome {
        if let mode = ProtectHome(rawValue: text), mode == .readOnly || mode == .tmpfs { return mode }
        guard let enabled = try? boolean(text) else {
            throw ValueError("Failed to parse protect home value, ignoring: \(text)")
        }
        return enabled ? .yes : .no
    }

    /// `RootDirectory=`: an absolute path; anything else makes the unit fail to load, as in systemd.
    public static func rootDirectory(_ text: String) throws(ValueError) -> String {
        do {
            return try absolutePath(text)
        } catch {
            throw ValueError("RootDirectory= path is not absolute: \(text)", severity: .error)
        }
    }

    /// The path, made canonical (`.` and repeated slashes dropped), or nil with a warning.
    private static func checkedPath(_ text: String, directive: String, warnings: inout [ValueError]) -> String? {
        guard text.hasPrefix("/") else {
            warnings.append(ValueError("\(directive)= path is not absolute, ignoring: \(text)"))
            return nil
        }
        guard let path = try? absolutePath(text) else {
            warnings.append(ValueError("\(directive)= path is not normalized, ignoring: \(text)"))
            return nil
        }
        return path
    }
}
