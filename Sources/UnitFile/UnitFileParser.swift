/// The syntax of one unit file: its assignments in file order, the sections it names, and what was wrong.
///
/// Sections and keys are not judged here: assignments in unknown sections are kept with their
/// section name, and the model decides what is valid. A diagnostic of severity `.error` means the
/// file cannot be loaded at all (systemd's load state `error`); parsing stopped at that line, and
/// `assignments` holds only what came before it.
public struct ParsedUnitFile: Sendable, Equatable {
    public var assignments: [Assignment]
    public var diagnostics: [Diagnostic]
    /// Every section header in file order, with its line (a repeated section is listed each time).
    public var sections: [SectionHeader]

    public init(assignments: [Assignment] = [], diagnostics: [Diagnostic] = [], sections: [SectionHeader] = []) {
        self.assignments = assignments
        self.diagnostics = diagnostics
        self.sections = sections
    }
}

/// A `[Name]` line of a unit file.
public struct SectionHeader: Sendable, Equatable {
    public var name: String
    public var file: String
    public var line: Int

    public init(_ name: String, file: String, line: Int) {
        self.name = name
        self.file = file
        self.line = line
    }
}

/// systemd's INI dialect (systemd.syntax(7)), as systemd 252's `config_parse` reads it.
public enum UnitFileParser {
    /// The longest physical line, without its line end; a longer one makes the file unloadable.
    public static let maximumLineLength = 1_048_575
    /// The longest line after continuation lines are joined.
    public static let maximumContinuedLength = 1_048_576

    /// Parses the bytes of a unit file. `file` is the path named in assignments and diagnostics.
    ///
    /// Lines end at `\n`, `\r`, `\r\n`, `\n\r` or NUL. A UTF-8 byte order mark is removed from the
    /// first line that starts with one. Lines starting with `#` or `;` are comments, also in the middle
    /// of a continued line. A line ending in an unescaped `\` continues on the next line, the backslash
    /// becoming a space; the joined assignment carries the number of its first line.
    public static func parse(_ bytes: [UInt8], file: String) -> ParsedUnitFile {
        var parser = LineParser(file: file)
        // The logical line being built, and the number of its first line while it is continued.
        var logical: [UInt8] = []
        var continuedFrom: Int?
        var byteOrderMarkSeen = false
        for (offset, range) in physicalLines(bytes).enumerated() {
            let lineNumber = offset + 1
            guard range.count <= maximumLineLength else {
                parser.fail(line: lineNumber, "Line is longer than \(maximumLineLength) bytes")
                return parser.result
            }
            var line = bytes[range]
            if let first = line.firstIndex(where: { !whitespace.contains($0) }),
                line[first] == UInt8(ascii: "#") || line[first] == UInt8(ascii: ";")
            {
                continue
            }
            if !byteOrderMarkSeen, line.starts(with: byteOrderMark) {
                line = line.dropFirst(byteOrderMark.count)
                byteOrderMarkSeen = true
            }
            if continuedFrom != nil {
                guard logical.count + line.count <= maximumContinuedLength else {
                    parser.fail(line: lineNumber, "Continued line is longer than \(maximumContinuedLength) bytes")
                    return parser.result
                }
                logical += line
            } else {
                logical = Array(line)
            }
            let firstLine = continuedFrom ?? lineNumber
            let trailingBackslashes = logical.reversed().prefix { $0 == UInt8(ascii: "\\") }.count
            if trailingBackslashes % 2 == 1 {
                logical[logical.count - 1] = UInt8(ascii: " ")
                continuedFrom = firstLine
                continue
            }
            continuedFrom = nil
            guard parser.parseLine(logical[...], line: firstLine) else { return parser.result }
        }
        if let continuedFrom {
            _ = parser.parseLine(logical[...], line: continuedFrom)
        }
        return parser.result
    }

    private static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]
    private static let whitespace: [UInt8] = Array(Words.whitespace.utf8)

    /// Ranges of the lines in `bytes`, line ends excluded. A line end is one NUL, or at most one `\n`
    /// and one `\r` in either order, optionally followed by one NUL.
    private static func physicalLines(_ bytes: [UInt8]) -> [Range<Int>] {
        var lines: [Range<Int>] = []
        var start = 0
        var index = 0
        while index < bytes.count {
            guard let first = lineEnd(bytes[index]) else {
                index += 1
                continue
            }
            lines.append(start..<index)
            index += 1
            var seen = first
            while index < bytes.count, !seen.contains(.nul), let next = lineEnd(bytes[index]),
                seen.isDisjoint(with: next)
            {
                seen.formUnion(next)
                index += 1
            }
            start = index
        }
        if start < bytes.count { lines.append(start..<bytes.count) }
        return lines
    }

    private struct LineEnd: OptionSet {
        let rawValue: UInt8
        static let newline = LineEnd(rawValue: 1 << 0)
        static let carriageReturn = LineEnd(rawValue: 1 << 1)
        static let nul = LineEnd(rawValue: 1 << 2)
    }

    private static func lineEnd(_ byte: UInt8) -> LineEnd? {
        switch byte {
        case UInt8(ascii: "\n"): .newline
        case UInt8(ascii: "\r"): .carriageReturn
        case 0: .nul
        default: nil
        }
    }

    /// The state carried from one logical line to the next.
    private struct LineParser {
        let file: String
        var section: String?
        var result = ParsedUnitFile()

        init(file: String) { self.file = file }

        /// Handles one logical line; returns false when the file cannot be loaded and parsing must stop.
        mutating func parseLine(_ raw: ArraySlice<UInt8>, line: Int) -> Bool {
            let bytes = trimmed(raw)
            guard let first = bytes.first, first != UInt8(ascii: "#"), first != UInt8(ascii: ";") else { return true }
            guard let text = systemdValidUTF8(bytes) else {
                fail(line: line, "Line is not valid UTF-8")
                return false
            }
            if first == UInt8(ascii: "[") {
                guard bytes.last == UInt8(ascii: "]") else {
                    fail(line: line, "Section header does not end with ']': '\(text)'")
                    return false
                }
                let name = String(decoding: bytes.dropFirst().dropLast(), as: UTF8.self)
                guard Words.isSafe(name) else {
                    fail(line: line, "Section header contains quotes, backslashes or control characters: '\(text)'")
                    return false
                }
                section = name
                result.sections.append(SectionHeader(name, file: file, line: line))
                return true
            }
            guard let section else {
                warn(line: line, "Assignment outside of any section, ignoring")
                return true
            }
            guard let equals = bytes.firstIndex(of: UInt8(ascii: "=")) else {
                warn(line: line, "Missing '=', ignoring line")
                return true
            }
            guard equals != bytes.startIndex else {
                warn(line: line, "Missing key name before '=', ignoring line")
                return true
            }
            let key = String(decoding: trimmed(bytes[..<equals]), as: UTF8.self)
            let value = String(decoding: trimmed(bytes[(equals + 1)...]), as: UTF8.self)
            result.assignments.append(Assignment(section: section, key: key, value: value, file: file, line: line))
            return true
        }

        mutating func fail(line: Int, _ message: String) {
            result.diagnostics.append(
                Diagnostic(file: file, line: line, severity: .error, section: section, message: message))
        }

        mutating func warn(line: Int, _ message: String) {
            result.diagnostics.append(
                Diagnostic(file: file, line: line, severity: .warning, section: section, message: message))
        }

        private func trimmed(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
            guard let start = bytes.firstIndex(where: { !whitespace.contains($0) }) else { return [] }
            let end = bytes.lastIndex(where: { !whitespace.contains($0) })!
            return bytes[start...end]
        }

        /// The text, if it is UTF-8 as systemd's `utf8_is_valid` sees it (no non-characters either).
        private func systemdValidUTF8(_ bytes: ArraySlice<UInt8>) -> String? {
            guard let text = String(validating: bytes, as: UTF8.self),
                text.unicodeScalars.allSatisfy({ isValidCodePoint($0.value) })
            else { return nil }
            return text
        }
    }
}
