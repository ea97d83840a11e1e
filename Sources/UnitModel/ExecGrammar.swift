import UnitFile

/// A value that was accepted, possibly in part, with the warnings found on the way.
public struct ParsedValue<Value: Sendable & Equatable>: Sendable, Equatable {
    public var value: Value
    /// Each entry is of severity `.warning`: the part it names was ignored or read literally.
    public var warnings: [ValueError]

    public init(_ value: Value, warnings: [ValueError] = []) {
        self.value = value
        self.warnings = warnings
    }
}

/// The value grammars of `Exec*=` and `Environment=` (systemd.service(5), systemd.exec(5)),
/// as systemd 252's `config_parse_exec` and `config_parse_environ` read them.
///
/// systemd expands specifiers in each word after splitting (a `%I` holding a space stays one
/// word), so both take the expansion as a function applied to every word; its error is reported
/// like systemd's "Failed to resolve specifiers". An empty value resets the list in systemd;
/// that is the caller's job, these functions are not called for it.
public enum ExecGrammar {
    /// Expands the specifiers of one word (`%n`, `%I`, …); the identity when there are none to expand.
    public typealias SpecifierExpansion = (String) throws(ValueError) -> String

    /// Parses one `Exec*=` value into its commands, which a lone `;` separates.
    ///
    /// Each command is `[prefixes]path [args…]`, words split with quotes and C escapes. The path
    /// is absolute or a plain file name (looked up in a fixed search path when run). A literal `;`
    /// argument is written `\;`.
    ///
    /// Throws an `.error` when the unit cannot load (systemd's `bad-setting`). A problem in a
    /// command prefixed with `-`, or a first word that cannot be split, ignores the rest of the
    /// value instead: the commands before it are returned with a warning.
    public static func parseCommands(
        _ value: String, expandingSpecifiers expand: SpecifierExpansion = { $0 }
    ) throws(ValueError) -> ParsedValue<[ExecCommand]> {
        var result = ParsedValue<[ExecCommand]>([])
        var rest = value[...]
        while true {
            let commandText = rest
            let first: String?
            do {
                first = try extractWord(&rest, warnings: &result.warnings)
            } catch {
                result.warnings.append(ValueError("\(error.message), ignoring: \(commandText)"))
                return result
            }
            guard let first else { return result }
            // A lone ";" (quoted or not) where a command should start is skipped.
            if first == ";" { continue }

            let (flags, unexpandedPath) = prefixes(of: first)
            let ignoring = flags.contains(.ignoreFailure)
            /// Ends the parse: the unit cannot load, or with `-` the rest of the value is ignored.
            func refuse(_ message: String, _ subject: String) throws(ValueError) -> ParsedValue<[ExecCommand]> {
                guard ignoring else { throw ValueError("\(message): \(subject)", severity: .error) }
                result.warnings.append(ValueError("\(message), ignoring: \(subject)"))
                return result
            }
            let path: String
            do { path = try expand(unexpandedPath) } catch { return try refuse(error.message, unexpandedPath) }
            if let problem = pathProblem(path) {
                return try refuse(problem, path.isEmpty ? "'\(commandText)'" : path)
            }

            var argv = flags.contains(.customArgv0) ? [] : [path]
            var separated = false
            while !rest.isEmpty {
                if let next = afterToken(";", in: rest) {
                    rest = next
                    separated = true
                    break
                }
                // Only an unquoted `\;` is a literal ";": `"\;"` or `\\;` are ordinary words.
                if let next = afterToken("\\;", in: rest) {
                    rest = next
                    argv.append(";")
                    continue
                }
                let word: String?
                do { word = try extractWord(&rest, warnings: &result.warnings) } catch {
                    return try refuse(error.message, String(commandText))
                }
                guard let word else { break }
                do { argv.append(try expand(word)) } catch { return try refuse(error.message, word) }
            }
            guard !argv.isEmpty else {
                return try refuse("Missing argv[0] after the '@' prefix", String(commandText))
            }
            result.value.append(ExecCommand(path: simplified(path), argv: argv, flags: flags))
            if !separated { return result }
        }
    }

    /// Parses one `Environment=` value into its `NAME=VALUE` words, in order.
    ///
    /// Words that are not valid assignments are left out with a warning each. A quoting or escape
    /// error stops the parse with a warning; the words before it still count, as in systemd. A name
    /// given twice appears twice: the later one wins when the environment is built (systemd replaces
    /// the earlier entry in place).
    public static func parseEnvironment(
        _ value: String, expandingSpecifiers expand: SpecifierExpansion = { $0 }
    ) -> ParsedValue<[String]> {
        var result = ParsedValue<[String]>([])
        var rest = value[...]
        while true {
            let remaining = rest
            let unexpanded: String
            do {
                guard let next = try Words.extractFirstWord(&rest, flags: [.unquote, .cUnescape]) else { return result }
                unexpanded = next
            } catch .invalidUTF8(let lossy) {
                result.warnings.append(ValueError("Invalid environment assignment, ignoring: \(lossy)"))
                continue
            } catch {
                result.warnings.append(ValueError("\(error.message), ignoring: \(remaining)"))
                return result
            }
            let word: String
            do { word = try expand(unexpanded) } catch {
                result.warnings.append(ValueError("\(error.message), ignoring: \(unexpanded)"))
                continue
            }
            guard isValidAssignment(word) else {
                result.warnings.append(ValueError("Invalid environment assignment, ignoring: \(word)"))
                continue
            }
            result.value.append(word)
        }
    }

    /// Reads the prefix characters of a command's first word, as systemd does: each may appear
    /// once, `!!` upgrades `!`, and `+` cannot join `!` or `!!`. The first character that is not
    /// accepted starts the path, so a repeated or conflicting prefix ends up in it.
    private static func prefixes(of word: String) -> (flags: ExecFlags, path: String) {
        var flags: ExecFlags = []
        let privilege: ExecFlags = [.fullPrivileges, .noSetuid, .ambientFallback]
        let path = word.utf8.drop { byte in
            switch byte {
            case UInt8(ascii: "-") where !flags.contains(.ignoreFailure): flags.insert(.ignoreFailure)
            case UInt8(ascii: "@") where !flags.contains(.customArgv0): flags.insert(.customArgv0)
            case UInt8(ascii: ":") where !flags.contains(.noEnvironmentExpansion): flags.insert(.noEnvironmentExpansion)
            case UInt8(ascii: "+") where flags.isDisjoint(with: privilege): flags.insert(.fullPrivileges)
            case UInt8(ascii: "!") where flags.isDisjoint(with: privilege): flags.insert(.noSetuid)
            case UInt8(ascii: "!") where flags.isDisjoint(with: [.fullPrivileges, .ambientFallback]):
                flags.remove(.noSetuid)
                flags.insert(.ambientFallback)
            default: return false
            }
            return true
        }
        return (flags, String(Substring(path)))
    }

    /// Why `path` cannot be a command's executable, or nil when it can.
    private static func pathProblem(_ path: String) -> String? {
        if path.isEmpty { return "Empty executable path in command line" }
        if !Words.isSafe(path) {
            return "Executable path contains quotes, backslashes or control characters"
        }
        if path.hasSuffix("/") { return "Executable path ends in '/', so it names a directory" }
        if path.hasPrefix("/") { return nil }
        let isFileName = !path.contains("/") && path != "." && path != ".." && path.utf8.count <= 255
        guard isFileName else {
            // Any prefix character still in front was refused by `prefixes`.
            return path.first.map("-@:+!".contains) ?? false
                ? "Repeated or conflicting prefix, the executable is neither an absolute path nor a file name"
                : "Executable is neither an absolute path nor a file name"
        }
        return nil
    }

    /// Drops repeated slashes and `.` components of an absolute path, as systemd's `path_simplify`.
    private static func simplified(_ path: String) -> String {
        guard path.hasPrefix("/") else { return path }
        let components = path.split(separator: "/").filter { $0 != "." }
        return "/" + components.joined(separator: "/")
    }

    /// One word with quotes and C escapes. An unknown escape is kept as written, with a warning,
    /// like systemd's `extract_first_word_and_warn`.
    private static func extractWord(_ rest: inout Substring, warnings: inout [ValueError]) throws(WordError) -> String?
    {
        let start = rest
        do {
            return try Words.extractFirstWord(&rest, flags: [.unquote, .cUnescape])
        } catch .invalidEscape, .trailingBackslash {
            rest = start
            let word = try Words.extractFirstWord(&rest, flags: [.unquote, .cUnescape, .unescapeRelax])
            if let word { warnings.append(ValueError("Unknown escape sequences kept as written in \"\(word)\"")) }
            return word
        }
    }

    /// If `rest` starts with `token` followed by whitespace or the end, the text after that whitespace.
    private static func afterToken(_ token: String, in rest: Substring) -> Substring? {
        let bytes = rest.utf8
        guard bytes.starts(with: token.utf8) else { return nil }
        var index = bytes.index(bytes.startIndex, offsetBy: token.utf8.count)
        guard index == bytes.endIndex || whitespace.contains(bytes[index]) else { return nil }
        while index < bytes.endIndex, whitespace.contains(bytes[index]) { index = bytes.index(after: index) }
        return rest[index...]
    }

    private static let whitespace = Array(Words.whitespace.utf8)

    /// systemd's `env_assignment_is_valid`: a name of letters, digits and `_` not starting with a
    /// digit, then `=`. The value may be anything (it is valid UTF-8 by construction).
    private static func isValidAssignment(_ word: String) -> Bool {
        guard let equals = word.utf8.firstIndex(of: UInt8(ascii: "=")) else { return false }
        let name = word.utf8[..<equals]
        guard let first = name.first, !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else { return false }
        return name.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"):
                true
            default: false
            }
        }
    }
}
