import Testing
import UnitFile

/// What one `extractFirstWord` call gives: the word (nil when none is left) and the text left, or the error.
enum Extraction: Equatable {
    case word(String?, rest: String)
    case failure(WordError)
}

func extract(_ input: String, separators: String = Words.whitespace, flags: WordSplitFlags) -> Extraction {
    var rest = input[...]
    do {
        let word = try Words.extractFirstWord(&rest, separators: separators, flags: flags)
        return .word(word, rest: String(rest))
    } catch {
        return .failure(error)
    }
}

@Suite struct WordsTests {
    static let quotedEscaped: [(String, Extraction)] = [
        ("", .word(nil, rest: "")),
        (" \t ", .word(nil, rest: "")),
        ("  foo  bar ", .word("foo", rest: "bar ")),
        ("'a b' c", .word("a b", rest: "c")),
        ("\"a b\"c d", .word("a bc", rest: "d")),
        ("a\"b c\"d", .word("ab cd", rest: "")),
        ("\"\" x", .word("", rest: "x")),
        ("'a\\'b'", .word("a'b", rest: "")),
        ("\"it's\"", .word("it's", rest: "")),
        ("a\\sb\\tc", .word("a b\tc", rest: "")),
        ("\\x41\\101\\u00e9", .word("AAé", rest: "")),
        ("\\xc3\\xa9", .word("é", rest: "")),
        ("\"a", .failure(.unbalancedQuotes)),
        ("'a b", .failure(.unbalancedQuotes)),
        ("\"a\\", .failure(.unbalancedQuotes)),
        ("a\\", .failure(.trailingBackslash)),
        ("a\\q b", .failure(.invalidEscape("\\q"))),
        ("a\\x00", .failure(.invalidEscape("\\x"))),
        ("\\xff x", .failure(.invalidUTF8("\u{FFFD}"))),
    ]

    @Test(arguments: quotedEscaped)
    func extractsWithQuotesAndEscapes(input: String, expected: Extraction) {
        #expect(extract(input, flags: [.unquote, .cUnescape]) == expected)
    }

    static let otherFlags: [(String, String, WordSplitFlags, Extraction)] = [
        // Without flags a backslash makes the next character literal and quotes are ordinary.
        ("a\\ b c", Words.whitespace, [], .word("a b", rest: "c")),
        ("'a b'", Words.whitespace, [], .word("'a", rest: "b'")),
        ("a\\", Words.whitespace, [], .failure(.trailingBackslash)),
        ("a\\", Words.whitespace, [.relax], .word("a", rest: "")),
        ("\"a b", Words.whitespace, [.unquote, .relax], .word("a b", rest: "")),
        ("a\\q b", Words.whitespace, [.cUnescape, .unescapeRelax], .word("a\\q", rest: "b")),
        ("a\\", Words.whitespace, [.cUnescape, .unescapeRelax], .word("a\\", rest: "")),
        // Inside quotes a trailing backslash stays an error unless `.relax` is set too.
        ("\"a\\", Words.whitespace, [.unquote, .cUnescape, .unescapeRelax], .failure(.unbalancedQuotes)),
        ("\"a\\", Words.whitespace, [.unquote, .cUnescape, .unescapeRelax, .relax], .word("a\\", rest: "")),
        ("a\\ b", Words.whitespace, [.retainEscape], .word("a\\", rest: "b")),
        ("a::b", ":", [], .word("a", rest: "b")),
        ("a\\:b\\\\:c", ":", [.unescapeSeparators], .word("a:b\\", rest: "c")),
        ("a\\qb", ":", [.unescapeSeparators], .failure(.invalidEscape("\\q"))),
        ("a\\n:b", ":", [.unescapeSeparators, .cUnescape], .word("a\n", rest: "b")),
    ]

    @Test(arguments: otherFlags)
    func extractsWithOtherFlags(input: String, separators: String, flags: WordSplitFlags, expected: Extraction) {
        #expect(extract(input, separators: separators, flags: flags) == expected)
    }

    @Test func splitsAllWords() throws {
        let words = try Words.splitWords(" a 'b c'  \"d\\te\" '' f\\x20g ", flags: [.unquote, .cUnescape])
        #expect(words == ["a", "b c", "d\te", "", "f g"])
        #expect(throws: WordError.unbalancedQuotes) { try Words.splitWords("a 'b", flags: [.unquote]) }
    }

    static let escapes: [(String, Result<String, WordError>)] = [
        ("plain", .success("plain")),
        ("\\a\\b\\f\\n\\r\\t\\v\\\\\\\"\\'\\s", .success("\u{07}\u{08}\u{0C}\n\r\t\u{0B}\\\"' ")),
        ("\\x41\\x6a\\x6A", .success("Ajj")),
        ("\\101\\377x", .failure(.invalidUTF8("A\u{FFFD}x"))),
        ("\\303\\251", .success("é")),
        ("\\u00e9\\U0001F600", .success("é😀")),
        // \u takes any 16-bit value, non-characters included; \U refuses them.
        ("\\uFFFE", .success("\u{FFFE}")),
        ("\\U0000FFFE", .failure(.invalidEscape("\\U"))),
        ("\\U0000FDD0", .failure(.invalidEscape("\\U"))),
        ("\\U0000D800", .failure(.invalidEscape("\\U"))),
        ("\\U00110000", .failure(.invalidEscape("\\U"))),
        ("\\uD800", .failure(.invalidUTF8("\u{FFFD}\u{FFFD}\u{FFFD}"))),
        ("\\xff", .failure(.invalidUTF8("\u{FFFD}"))),
        // NUL is never produced.
        ("\\x00", .failure(.invalidEscape("\\x"))),
        ("\\000", .failure(.invalidEscape("\\0"))),
        ("\\u0000", .failure(.invalidEscape("\\u"))),
        ("\\U00000000", .failure(.invalidEscape("\\U"))),
        ("\\400", .failure(.invalidEscape("\\4"))),
        ("\\x4", .failure(.invalidEscape("\\x"))),
        ("\\x4g", .failure(.invalidEscape("\\x"))),
        ("\\12", .failure(.invalidEscape("\\1"))),
        ("\\u12", .failure(.invalidEscape("\\u"))),
        ("\\q", .failure(.invalidEscape("\\q"))),
        ("\\é", .failure(.invalidEscape("\\é"))),
        ("a\\", .failure(.trailingBackslash)),
    ]

    @Test(arguments: escapes)
    func unescapes(input: String, expected: Result<String, WordError>) {
        #expect(Result { () throws(WordError) in try Words.cUnescape(input) } == expected)
    }

    static let relaxedEscapes: [(String, String)] = [
        ("a\\", "a\\"),
        ("\\q\\n", "\\q\n"),
        ("\\x0g", "\\x0g"),
        ("\\x00", "\\x00"),
    ]

    @Test(arguments: relaxedEscapes)
    func unescapesRelaxed(input: String, expected: String) throws {
        #expect(try Words.cUnescape(input, relax: true) == expected)
    }

    static let messages: [(WordError, String)] = [
        (.unbalancedQuotes, "Unbalanced quotes"),
        (.trailingBackslash, "Trailing backslash with nothing to escape"),
        (.invalidEscape("\\q"), "Invalid escape sequence '\\q'"),
        (.invalidUTF8("a\u{FFFD}"), "Escape sequences produce invalid UTF-8: a\u{FFFD}"),
    ]

    @Test(arguments: messages)
    func describesErrors(error: WordError, message: String) {
        #expect(error.message == message)
    }
}

@Suite struct SafeStringTests {
    @Test(arguments: [
        ("Service", true), ("a b/é-😀", true), ("", true),
        ("a\"b", false), ("a'b", false), ("a\\b", false), ("a\tb", false), ("a\u{7F}", false), ("\u{1}", false),
    ])
    func judgesSafety(text: String, safe: Bool) {
        #expect(Words.isSafe(text) == safe)
    }
}
