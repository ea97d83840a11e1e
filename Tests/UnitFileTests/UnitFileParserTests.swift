import Testing
import UnitFile

private let file = "a.service"

private func assignment(_ section: String, _ key: String, _ value: String, line: Int) -> Assignment {
    Assignment(section: section, key: key, value: value, file: file, line: line)
}

private func warning(_ line: Int, _ section: String?, _ message: String) -> Diagnostic {
    Diagnostic(file: file, line: line, severity: .warning, section: section, message: message)
}

private func error(_ line: Int, _ section: String?, _ message: String) -> Diagnostic {
    Diagnostic(file: file, line: line, severity: .error, section: section, message: message)
}

private func header(_ name: String, _ line: Int) -> SectionHeader {
    SectionHeader(name, file: file, line: line)
}

private func parse(_ text: String) -> ParsedUnitFile {
    UnitFileParser.parse(Array(text.utf8), file: file)
}

@Suite struct UnitFileParserTests {
    static let texts: [(String, ParsedUnitFile)] = [
        ("", ParsedUnitFile()),
        (
            "[Unit]\nDescription=Hello world\n\n[Service]\nExecStart=/bin/true\n",
            ParsedUnitFile(
                assignments: [
                    assignment("Unit", "Description", "Hello world", line: 2),
                    assignment("Service", "ExecStart", "/bin/true", line: 5),
                ],
                sections: [header("Unit", 1), header("Service", 4)])
        ),
        // Whitespace around keys, values and section headers is trimmed; inside it is kept.
        (
            "  [Service]  \n\t Key \t=\t a  b \t\nEmpty=\nx y = z\nA==b",
            ParsedUnitFile(
                assignments: [
                    assignment("Service", "Key", "a  b", line: 2),
                    assignment("Service", "Empty", "", line: 3),
                    assignment("Service", "x y", "z", line: 4),
                    assignment("Service", "A", "=b", line: 5),
                ],
                sections: [header("Service", 1)])
        ),
        // Comments only at the start of a line; a '#' later is part of the value.
        (
            "# c\n; c\n[Service]\n  # indented\n\t;x\nKey=a # not a comment ;\n",
            ParsedUnitFile(
                assignments: [assignment("Service", "Key", "a # not a comment ;", line: 6)],
                sections: [header("Service", 3)])
        ),
        // A repeated section is merged; each header is listed and file order is kept.
        (
            "[Service]\nA=1\n[Unit]\nB=2\n[Service]\nC=3\n",
            ParsedUnitFile(
                assignments: [
                    assignment("Service", "A", "1", line: 2),
                    assignment("Unit", "B", "2", line: 4),
                    assignment("Service", "C", "3", line: 6),
                ],
                sections: [header("Service", 1), header("Unit", 3), header("Service", 5)])
        ),
        // Unknown and odd but valid section names are recorded, not judged.
        (
            "[X-Mine]\nA=1\n[ Service ]\nB=2\n[]\nC=3\n[Service]]\nD=4\n[[x]\n",
            ParsedUnitFile(
                assignments: [
                    assignment("X-Mine", "A", "1", line: 2),
                    assignment(" Service ", "B", "2", line: 4),
                    assignment("", "C", "3", line: 6),
                    assignment("Service]", "D", "4", line: 8),
                ],
                sections: [
                    header("X-Mine", 1), header(" Service ", 3), header("", 5), header("Service]", 7), header("[x", 9),
                ])
        ),
        // Continuation: the backslash becomes a space, comment lines inside are skipped,
        // an empty line ends it, and the assignment carries its first line.
        (
            "[Service]\nExecStart=/bin/echo a \\\n# comment\n  b\\\n; other\nc\nNext=1\\\n\nLast=x\\\\\nEnd=\\",
            ParsedUnitFile(
                assignments: [
                    assignment("Service", "ExecStart", "/bin/echo a    b c", line: 2),
                    assignment("Service", "Next", "1", line: 7),
                    assignment("Service", "Last", "x\\\\", line: 9),
                    assignment("Service", "End", "", line: 10),
                ],
                sections: [header("Service", 1)])
        ),
        // A continued line may itself be a section header.
        (
            "[Ser\\\nvice]\nA=1\n",
            ParsedUnitFile(assignments: [assignment("Ser vice", "A", "1", line: 3)], sections: [header("Ser vice", 1)])
        ),
        // Assignments before any section and lines without '=' are ignored with a warning.
        (
            "Foo=bar\nnoequals\n[Service]\nnoequals\n =x\nA=1\n",
            ParsedUnitFile(
                assignments: [assignment("Service", "A", "1", line: 6)],
                diagnostics: [
                    warning(1, nil, "Assignment outside of any section, ignoring"),
                    warning(2, nil, "Assignment outside of any section, ignoring"),
                    warning(4, "Service", "Missing '=', ignoring line"),
                    warning(5, "Service", "Missing key name before '=', ignoring line"),
                ],
                sections: [header("Service", 3)])
        ),
        // A broken section header makes the file unloadable; parsing stops there.
        (
            "[Service]\nA=1\n[Unit\nB=2\nnoequals\n",
            ParsedUnitFile(
                assignments: [assignment("Service", "A", "1", line: 2)],
                diagnostics: [error(3, "Service", "Section header does not end with ']': '[Unit'")],
                sections: [header("Service", 1)])
        ),
        (
            "[Service] # comment\nA=1\n",
            ParsedUnitFile(diagnostics: [error(1, nil, "Section header does not end with ']': '[Service] # comment'")])
        ),
        (
            "[a\"b]\n",
            ParsedUnitFile(
                diagnostics: [
                    error(1, nil, "Section header contains quotes, backslashes or control characters: '[a\"b]'")
                ])
        ),
        (
            "[Ser\tvice]\n",
            ParsedUnitFile(
                diagnostics: [
                    error(1, nil, "Section header contains quotes, backslashes or control characters: '[Ser\tvice]'")
                ])
        ),
        (
            "[a\\\\b]\n",
            ParsedUnitFile(
                diagnostics: [
                    error(1, nil, "Section header contains quotes, backslashes or control characters: '[a\\\\b]'")
                ])
        ),
    ]

    @Test(arguments: texts)
    func parsesText(text: String, expected: ParsedUnitFile) {
        #expect(parse(text) == expected)
    }

    static let byteInputs: [([UInt8], ParsedUnitFile)] = [
        // CRLF, lone CR, LF CR and NUL all end lines; LF LF is two line ends.
        (
            Array("[Service]\r\nA=1\r\nB=2\rC=3\n\rD=4\u{0}E=5\n\nF=6\r\n\r\nG=7".utf8),
            ParsedUnitFile(
                assignments: [
                    assignment("Service", "A", "1", line: 2),
                    assignment("Service", "B", "2", line: 3),
                    assignment("Service", "C", "3", line: 4),
                    assignment("Service", "D", "4", line: 5),
                    assignment("Service", "E", "5", line: 6),
                    assignment("Service", "F", "6", line: 8),
                    assignment("Service", "G", "7", line: 10),
                ],
                sections: [header("Service", 1)])
        ),
        (
            Array("[Service]\nA=x\\\r\n  y\r\n".utf8),
            ParsedUnitFile(
                assignments: [assignment("Service", "A", "x   y", line: 2)], sections: [header("Service", 1)])
        ),
        // The byte order mark is removed once, from the first line that starts with it.
        (
            [0xEF, 0xBB, 0xBF] + Array("[Service]\n".utf8) + [0xEF, 0xBB, 0xBF] + Array("A=1\n".utf8),
            ParsedUnitFile(
                assignments: [assignment("Service", "\u{FEFF}A", "1", line: 2)], sections: [header("Service", 1)])
        ),
        (
            Array("[Service]\n".utf8) + [0xEF, 0xBB, 0xBF] + Array("A=1\n".utf8),
            ParsedUnitFile(assignments: [assignment("Service", "A", "1", line: 2)], sections: [header("Service", 1)])
        ),
        // Invalid UTF-8 is fine in a comment and makes any other line fail the file.
        (
            Array("[Service]\n".utf8) + [0x23, 0x20, 0xFF, 0x0A, 0x20, 0x3B, 0xFF],
            ParsedUnitFile(sections: [header("Service", 1)])
        ),
        (
            Array("[Service]\nA=1\nB=".utf8) + [0xFF] + Array("\nC=2\n".utf8),
            ParsedUnitFile(
                assignments: [assignment("Service", "A", "1", line: 2)],
                diagnostics: [error(3, "Service", "Line is not valid UTF-8")],
                sections: [header("Service", 1)])
        ),
        (
            [0xFF] + Array("=1\n[Service]\n".utf8),
            ParsedUnitFile(diagnostics: [error(1, nil, "Line is not valid UTF-8")])
        ),
        // systemd's UTF-8 check also refuses surrogates, overlong forms and non-characters.
        (Array("[Service]\nA=".utf8) + [0xED, 0xA0, 0x80], unloadable(line: 2)),
        (Array("[Service]\nA=".utf8) + [0xC0, 0x80], unloadable(line: 2)),
        (Array("[Service]\nA=".utf8) + [0xEF, 0xB7, 0x90], unloadable(line: 2)),
        (Array("[Service]\nA=".utf8) + [0xEF, 0xBF, 0xBE], unloadable(line: 2)),
        (Array("[Service]\nA=".utf8) + [0xF0, 0x9F, 0xBF, 0xBF], unloadable(line: 2)),
        (Array("[Service]\nA=".utf8) + [0xF4, 0x90, 0x80, 0x80], unloadable(line: 2)),
        (
            Array("[Service]\nA=é😀\u{7F}\u{1}".utf8),
            ParsedUnitFile(
                assignments: [assignment("Service", "A", "é😀\u{7F}\u{1}", line: 2)], sections: [header("Service", 1)])
        ),
    ]

    static func unloadable(line: Int) -> ParsedUnitFile {
        ParsedUnitFile(
            diagnostics: [error(line, "Service", "Line is not valid UTF-8")], sections: [header("Service", 1)])
    }

    @Test(arguments: byteInputs)
    func parsesBytes(bytes: [UInt8], expected: ParsedUnitFile) {
        #expect(UnitFileParser.parse(bytes, file: file) == expected)
    }

    @Test func acceptsLinesUpToTheLimit() {
        let value = String(repeating: "a", count: UnitFileParser.maximumLineLength - 2)
        #expect(
            parse("[Service]\nA=\(value)\r\nB=1")
                == ParsedUnitFile(
                    assignments: [
                        assignment("Service", "A", value, line: 2), assignment("Service", "B", "1", line: 3),
                    ],
                    sections: [header("Service", 1)]))
    }

    @Test func refusesALongerLine() {
        let value = String(repeating: "a", count: UnitFileParser.maximumLineLength - 1)
        #expect(
            parse("[Service]\nA=1\nB=\(value)\nC=1")
                == ParsedUnitFile(
                    assignments: [assignment("Service", "A", "1", line: 2)],
                    diagnostics: [error(3, "Service", "Line is longer than 1048575 bytes")],
                    sections: [header("Service", 1)]))
    }

    @Test(arguments: [(448_569, true), (448_570, false)])
    func limitsContinuedLines(secondLength: Int, fits: Bool) {
        // As measured with systemd 252: 600007 bytes plus a continuation of 448569 still load.
        let first = "A=" + String(repeating: "a", count: 600_004)
        let second = String(repeating: "b", count: secondLength)
        let parsed = parse("[Service]\n\(first)\\\n\(second)\nB=1\n")
        let expected =
            fits
            ? ParsedUnitFile(
                assignments: [
                    assignment("Service", "A", String(first.dropFirst(2)) + " " + second, line: 2),
                    assignment("Service", "B", "1", line: 4),
                ],
                sections: [header("Service", 1)])
            : ParsedUnitFile(
                diagnostics: [error(3, "Service", "Continued line is longer than 1048576 bytes")],
                sections: [header("Service", 1)]
            )
        #expect(parsed == expected)
    }

    @Test func rendersDiagnostics() {
        let parsed = parse("A=1\n[Service]\nB\n")
        #expect(
            parsed.diagnostics.map(\.description) == [
                "a.service:1: warning: Assignment outside of any section, ignoring",
                "a.service:3: warning: [Service] Missing '=', ignoring line",
            ])
    }
}

@Suite struct UnitFileParserScaleTests {
    /// Joining by copying the whole line each time would take minutes here.
    @Test func joinsManyContinuationLines() {
        let pieces = 200_000
        let text = "[Service]\nA=" + String(repeating: "x\\\n", count: pieces) + "y\n"
        let value = String(repeating: "x ", count: pieces) + "y"
        #expect(
            UnitFileParser.parse(Array(text.utf8), file: "a.service")
                == ParsedUnitFile(
                    assignments: [Assignment(section: "Service", key: "A", value: value, file: "a.service", line: 2)],
                    sections: [header("Service", 1)]))
    }
}
