import Testing
import UnitModel

private func command(_ path: String, _ argv: [String]? = nil, _ flags: ExecFlags = []) -> ExecCommand {
    ExecCommand(path: path, argv: argv ?? [path], flags: flags)
}

private func accepted(_ commands: [ExecCommand], warnings: [String] = []) -> Result<
    ParsedValue<[ExecCommand]>, ValueError
> {
    .success(ParsedValue(commands, warnings: warnings.map { ValueError($0) }))
}

/// Refused with the unit left loadable: the value (or its rest) is ignored.
private func ignored(_ warning: String, keeping commands: [ExecCommand] = []) -> Result<
    ParsedValue<[ExecCommand]>, ValueError
> {
    accepted(commands, warnings: [warning])
}

/// Refused so that the unit cannot load (bad-setting).
private func bad(_ message: String) -> Result<ParsedValue<[ExecCommand]>, ValueError> {
    .failure(ValueError(message, severity: .error))
}

@Suite struct ExecGrammarTests {
    static let commandLines: [(String, Result<ParsedValue<[ExecCommand]>, ValueError>)] = [
        ("", accepted([])),
        ("/bin/true", accepted([command("/bin/true")])),
        // Plain names are accepted; they are looked up in a fixed search path when run.
        ("true", accepted([command("true")])),
        (
            "/bin/echo 'a b' \"c\\td\" e\\x20f \"\"",
            accepted([command("/bin/echo", ["/bin/echo", "a b", "c\td", "e f", ""])])
        ),
        ("/bin/a\"b c\"d x", accepted([command("/bin/ab cd", ["/bin/ab cd", "x"])])),
        // The path is simplified; argv[0] stays as written.
        ("//bin/./x//y", accepted([command("/bin/x/y", ["//bin/./x//y"])])),
        // Prefixes, in any order.
        ("-/bin/false", accepted([command("/bin/false", nil, .ignoreFailure)])),
        ("@/bin/sh mysh -c x", accepted([command("/bin/sh", ["mysh", "-c", "x"], .customArgv0)])),
        (":/bin/x", accepted([command("/bin/x", nil, .noEnvironmentExpansion)])),
        ("+/bin/x", accepted([command("/bin/x", nil, .fullPrivileges)])),
        ("!/bin/x", accepted([command("/bin/x", nil, .noSetuid)])),
        ("!!/bin/x", accepted([command("/bin/x", nil, .ambientFallback)])),
        (
            "-@:+/bin/x a",
            accepted([
                command("/bin/x", ["a"], [.ignoreFailure, .customArgv0, .noEnvironmentExpansion, .fullPrivileges])
            ])
        ),
        (
            ":-!!@/bin/x a",
            accepted([
                command("/bin/x", ["a"], [.noEnvironmentExpansion, .ignoreFailure, .ambientFallback, .customArgv0])
            ])
        ),
        // A refused prefix becomes part of the path; "!true" is still a valid file name (as in systemd 252).
        ("+!true", accepted([command("!true", nil, .fullPrivileges)])),
        (
            "+!/bin/true",
            bad(
                "Repeated or conflicting prefix, the executable is neither an absolute path nor a file name: !/bin/true"
            )
        ),
        (
            "!+/bin/true",
            bad(
                "Repeated or conflicting prefix, the executable is neither an absolute path nor a file name: +/bin/true"
            )
        ),
        (
            "!!!/bin/true",
            bad(
                "Repeated or conflicting prefix, the executable is neither an absolute path nor a file name: !/bin/true"
            )
        ),
        (
            "--/bin/true",
            ignored(
                "Repeated or conflicting prefix, the executable is neither an absolute path nor a file name, ignoring: -/bin/true"
            )
        ),
        (
            "-+!/bin/true",
            ignored(
                "Repeated or conflicting prefix, the executable is neither an absolute path nor a file name, ignoring: !/bin/true"
            )
        ),
        ("-", ignored("Empty executable path in command line, ignoring: '-'")),
        ("-@", ignored("Empty executable path in command line, ignoring: '-@'")),
        ("@", bad("Empty executable path in command line: '@'")),
        ("@/bin/true", bad("Missing argv[0] after the '@' prefix: @/bin/true")),
        ("-@/bin/true", ignored("Missing argv[0] after the '@' prefix, ignoring: -@/bin/true")),
        (String(repeating: "a", count: 255), accepted([command(String(repeating: "a", count: 255))])),
        (
            String(repeating: "a", count: 256),
            bad("Executable is neither an absolute path nor a file name: " + String(repeating: "a", count: 256))
        ),
        ("@/bin/true ; /bin/x", bad("Missing argv[0] after the '@' prefix: @/bin/true ; /bin/x")),
        (
            "/bin/a \\;x",
            accepted(
                [command("/bin/a", ["/bin/a", "\\;x"])],
                warnings: ["Unknown escape sequences kept as written in \"\\;x\""])
        ),
        ("/bin/x/", bad("Executable path ends in '/', so it names a directory: /bin/x/")),
        (".", bad("Executable is neither an absolute path nor a file name: .")),
        ("..", bad("Executable is neither an absolute path nor a file name: ..")),
        ("bin/x", bad("Executable is neither an absolute path nor a file name: bin/x")),
        ("/bin/x\\q", bad("Executable path contains quotes, backslashes or control characters: /bin/x\\q")),
        ("/bin/x\\ty", bad("Executable path contains quotes, backslashes or control characters: /bin/x\ty")),
        ("\"/bin/a\\\"b\"", bad("Executable path contains quotes, backslashes or control characters: /bin/a\"b")),
        // A first word that cannot be split ignores the line; a later word makes the unit bad unless "-".
        ("\"/bin/x", ignored("Unbalanced quotes, ignoring: \"/bin/x")),
        ("/bin/true \"a", bad("Unbalanced quotes: /bin/true \"a")),
        ("-/bin/true \"a", ignored("Unbalanced quotes, ignoring: -/bin/true \"a")),
        ("/bin/a \\xff", bad("Escape sequences produce invalid UTF-8: \u{FFFD}: /bin/a \\xff")),
        // Unknown escapes are kept as written, with a warning.
        (
            "/bin/a x\\qy b\\",
            accepted(
                [command("/bin/a", ["/bin/a", "x\\qy", "b\\"])],
                warnings: [
                    "Unknown escape sequences kept as written in \"x\\qy\"",
                    "Unknown escape sequences kept as written in \"b\\\"",
                ])
        ),
        // Several commands: a lone ";" separates, "\;" is a literal ";" argument.
        (
            "/bin/a x ; /bin/b ; ; /bin/c ;",
            accepted([command("/bin/a", ["/bin/a", "x"]), command("/bin/b"), command("/bin/c")])
        ),
        ("; /bin/a", accepted([command("/bin/a")])),
        ("\";\" /bin/a", accepted([command("/bin/a")])),
        ("/bin/a \\; b", accepted([command("/bin/a", ["/bin/a", ";", "b"])])),
        ("/bin/a \\\\; \";\" ;b", accepted([command("/bin/a", ["/bin/a", "\\;", ";", ";b"])])),
        (
            "/bin/a '\\;'",
            accepted(
                [command("/bin/a", ["/bin/a", "\\;"])],
                warnings: ["Unknown escape sequences kept as written in \"\\;\""])
        ),
        ("/bin/true;/bin/x", accepted([command("/bin/true;/bin/x")])),
        ("/bin/a ;\t-/bin/b", accepted([command("/bin/a"), command("/bin/b", nil, .ignoreFailure)])),
        // An ignored later command keeps the earlier ones, as systemd does.
        (
            "/bin/true ; -/bin/x \"y",
            ignored("Unbalanced quotes, ignoring: -/bin/x \"y", keeping: [command("/bin/true")])
        ),
        ("/bin/true ; /bin/x \"y", bad("Unbalanced quotes: /bin/x \"y")),
    ]

    @Test(arguments: commandLines)
    func parsesCommandLines(value: String, expected: Result<ParsedValue<[ExecCommand]>, ValueError>) {
        #expect(Result { () throws(ValueError) in try ExecGrammar.parseCommands(value) } == expected)
    }

    static let environments: [(String, [String], [String])] = [
        ("A=1", ["A=1"], []),
        ("'A=x' \"B=y z\" C=a'b c'd", ["A=x", "B=y z", "C=ab cd"], []),
        ("A=\\n\\t\\x01 D= _e=\\\"", ["A=\n\t\u{01}", "D=", "_e=\""], []),
        ("A=1 A=2", ["A=1", "A=2"], []),
        (
            "A=1 B C=3 =4 1X=5 X-Y=6 _a=7 Ä=8",
            ["A=1", "C=3", "_a=7"],
            [
                "Invalid environment assignment, ignoring: B",
                "Invalid environment assignment, ignoring: =4",
                "Invalid environment assignment, ignoring: 1X=5",
                "Invalid environment assignment, ignoring: X-Y=6",
                "Invalid environment assignment, ignoring: Ä=8",
            ]
        ),
        ("A=\\xff B=2", ["B=2"], ["Invalid environment assignment, ignoring: A=\u{FFFD}"]),
        // A syntax error stops the parse; the words before it still count.
        ("\"A=1 2\" B=\"x C=3", ["A=1 2"], ["Unbalanced quotes, ignoring: B=\"x C=3"]),
        ("A=\\x01b C=\\q D=1", ["A=\u{01}b"], ["Invalid escape sequence '\\q', ignoring: C=\\q D=1"]),
        ("A=1 B=\\", ["A=1"], ["Trailing backslash with nothing to escape, ignoring: B=\\"]),
    ]

    @Test(arguments: environments)
    func parsesEnvironment(value: String, assignments: [String], warnings: [String]) {
        #expect(
            ExecGrammar.parseEnvironment(value) == ParsedValue(assignments, warnings: warnings.map { ValueError($0) }))
    }
}

/// Stands in for the specifier table: `%I` is an instance with a space, `%Z` is unknown.
private func expandSpecifiers(_ word: String) throws(ValueError) -> String {
    if word.contains("%Z") { throw ValueError("Failed to resolve specifiers") }
    return word.replacing("%I", with: "a b")
}

@Suite struct ExecGrammarSpecifierTests {
    static let commandLines: [(String, Result<ParsedValue<[ExecCommand]>, ValueError>)] = [
        // Expansion comes after splitting: the space of an instance name stays inside its word.
        ("/bin/%I x%I", accepted([command("/bin/a b", ["/bin/a b", "xa b"])])),
        ("@/bin/x %I", accepted([command("/bin/x", ["a b"], .customArgv0)])),
        ("/bin/x \\; %Z", bad("Failed to resolve specifiers: %Z")),
        ("/bin/%Z", bad("Failed to resolve specifiers: /bin/%Z")),
        ("-/bin/x a%Z", ignored("Failed to resolve specifiers, ignoring: a%Z")),
    ]

    @Test(arguments: commandLines)
    func expandsEachWord(value: String, expected: Result<ParsedValue<[ExecCommand]>, ValueError>) {
        #expect(
            Result { () throws(ValueError) in
                try ExecGrammar.parseCommands(value, expandingSpecifiers: expandSpecifiers)
            }
                == expected)
    }

    @Test func expandsEachEnvironmentWord() {
        #expect(
            ExecGrammar.parseEnvironment("A=%I B=%Z C='%I'", expandingSpecifiers: expandSpecifiers)
                == ParsedValue(
                    ["A=a b", "C=a b"], warnings: [ValueError("Failed to resolve specifiers, ignoring: B=%Z")]))
    }
}
