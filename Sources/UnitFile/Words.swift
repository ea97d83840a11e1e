/// How `Words.extractFirstWord` treats quotes and backslashes, after systemd's `EXTRACT_*` flags.
public struct WordSplitFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// `'…'` and `"…"` group separators into one word; the quotes are removed.
    public static let unquote = WordSplitFlags(rawValue: 1 << 0)
    /// A backslash starts a C escape (`Words.cUnescape`); unknown escapes are errors.
    public static let cUnescape = WordSplitFlags(rawValue: 1 << 1)
    /// Unknown escapes and an unquoted trailing backslash are kept as written instead of failing.
    public static let unescapeRelax = WordSplitFlags(rawValue: 1 << 2)
    /// An unterminated quote or a trailing backslash ends the word instead of failing.
    public static let relax = WordSplitFlags(rawValue: 1 << 3)
    /// A backslash before a separator or another backslash yields that character.
    public static let unescapeSeparators = WordSplitFlags(rawValue: 1 << 4)
    /// A backslash is an ordinary character.
    public static let retainEscape = WordSplitFlags(rawValue: 1 << 5)
}

/// Why a word could not be extracted or unescaped.
public enum WordError: Error, Sendable, Equatable {
    /// A quote was opened and never closed (a backslash at the very end inside quotes counts too).
    case unbalancedQuotes
    /// The text ends in a backslash with nothing to escape.
    case trailingBackslash
    /// A backslash sequence that is not a valid escape, such as `\q` or `\x00`; holds the backslash and the next character.
    case invalidEscape(String)
    /// Escapes produced bytes that are not UTF-8 (`\xff`, `\uD800`); holds the word with U+FFFD in their place.
    case invalidUTF8(String)

    public var message: String {
        switch self {
        case .unbalancedQuotes: "Unbalanced quotes"
        case .trailingBackslash: "Trailing backslash with nothing to escape"
        case .invalidEscape(let sequence): "Invalid escape sequence '\(sequence)'"
        case .invalidUTF8(let word): "Escape sequences produce invalid UTF-8: \(word)"
        }
    }
}

/// Word splitting and C escapes as systemd's unit-file parsers use them (systemd.syntax(7)).
public enum Words {
    /// systemd's default separators.
    public static let whitespace = " \t\n\r"

    /// Removes the first word from `input` and returns it, or nil when only separators are left.
    ///
    /// Leading separators are skipped, and so are the separators after the word, so `input` then
    /// starts at the next word. A word may be empty (`""`). When it throws, `input` is unchanged,
    /// except for `.invalidUTF8`, where the word has been consumed.
    public static func extractFirstWord(
        _ input: inout Substring, separators: String = whitespace, flags: WordSplitFlags = []
    ) throws(WordError) -> String? {
        let bytes = input.utf8
        let separatorBytes = Array(separators.utf8)
        var index = bytes.startIndex
        while index < bytes.endIndex, separatorBytes.contains(bytes[index]) {
            index = bytes.index(after: index)
        }
        guard index < bytes.endIndex else {
            input = input[input.endIndex...]
            return nil
        }

        var word: [UInt8] = []
        var quote: UInt8?
        var rest = bytes.endIndex
        scan: while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == backslash, !flags.contains(.retainEscape) {
                index = bytes.index(after: index)
                guard index < bytes.endIndex else {
                    if flags.contains(.unescapeRelax), quote == nil || flags.contains(.relax) {
                        word.append(backslash)
                        break scan
                    }
                    if flags.contains(.relax) { break scan }
                    throw quote == nil ? .trailingBackslash : .unbalancedQuotes
                }
                if !flags.isDisjoint(with: [.cUnescape, .unescapeSeparators]) {
                    if flags.contains(.cUnescape), let escape = decodeEscape(bytes, at: index) {
                        word += escape.bytes
                        index = escape.end
                    } else if flags.contains(.unescapeSeparators),
                        separatorBytes.contains(bytes[index]) || bytes[index] == backslash
                    {
                        word.append(bytes[index])
                        index = bytes.index(after: index)
                    } else if flags.contains(.unescapeRelax) {
                        word.append(backslash)
                        word.append(bytes[index])
                        index = bytes.index(after: index)
                    } else {
                        throw .invalidEscape(escapeText(bytes, at: index))
                    }
                } else {
                    word.append(bytes[index])
                    index = bytes.index(after: index)
                }
            } else if let open = quote {
                if byte == open { quote = nil } else { word.append(byte) }
                index = bytes.index(after: index)
            } else if flags.contains(.unquote), byte == singleQuote || byte == doubleQuote {
                quote = byte
                index = bytes.index(after: index)
            } else if separatorBytes.contains(byte) {
                rest = index
                while rest < bytes.endIndex, separatorBytes.contains(bytes[rest]) {
                    rest = bytes.index(after: rest)
                }
                break scan
            } else {
                word.append(byte)
                index = bytes.index(after: index)
            }
        }
        if quote != nil, index == bytes.endIndex, !flags.contains(.relax) {
            throw .unbalancedQuotes
        }
        input = input[rest...]
        guard let text = String(validating: word, as: UTF8.self) else {
            throw .invalidUTF8(String(decoding: word, as: UTF8.self))
        }
        return text
    }

    /// Splits all of `text` into words with `extractFirstWord`.
    public static func splitWords(
        _ text: String, separators: String = whitespace, flags: WordSplitFlags = []
    ) throws(WordError) -> [String] {
        var rest = text[...]
        var words: [String] = []
        while let word = try extractFirstWord(&rest, separators: separators, flags: flags) {
            words.append(word)
        }
        return words
    }

    /// Resolves C escapes: `\a \b \f \n \r \t \v \\ \" \' \s` (space), `\xNN`, `\NNN` (octal, at most
    /// 0377), `\uNNNN` and `\UNNNNNNNN`. Escapes that would yield NUL are invalid, and so is `\U` of a
    /// surrogate, a non-character or a value past U+10FFFF.
    ///
    /// With `relax`, an invalid escape or a trailing backslash keeps its backslash as an ordinary character.
    public static func cUnescape(_ text: String, relax: Bool = false) throws(WordError) -> String {
        let bytes = Substring(text).utf8
        var result: [UInt8] = []
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            index = bytes.index(after: index)
            guard byte == backslash else {
                result.append(byte)
                continue
            }
            if index < bytes.endIndex, let escape = decodeEscape(bytes, at: index) {
                result += escape.bytes
                index = escape.end
            } else if relax {
                result.append(backslash)
            } else if index == bytes.endIndex {
                throw .trailingBackslash
            } else {
                throw .invalidEscape(escapeText(bytes, at: index))
            }
        }
        guard let unescaped = String(validating: result, as: UTF8.self) else {
            throw .invalidUTF8(String(decoding: result, as: UTF8.self))
        }
        return unescaped
    }

    /// True when `text` has no control characters, DEL, quotes or backslashes (systemd's
    /// `string_is_safe`), as section names and executable paths must.
    public static func isSafe(_ text: String) -> Bool {
        !text.utf8.contains {
            $0 < 0x20 || $0 == 0x7F || $0 == singleQuote || $0 == doubleQuote || $0 == backslash
        }
    }

    private static let backslash = UInt8(ascii: "\\")
    private static let singleQuote = UInt8(ascii: "'")
    private static let doubleQuote = UInt8(ascii: "\"")

    /// Decodes the escape whose letter is at `index` (just after the backslash): the bytes it
    /// stands for and the index after it, or nil when it is not a valid escape.
    private static func decodeEscape(
        _ bytes: Substring.UTF8View, at index: Substring.UTF8View.Index
    ) -> (bytes: [UInt8], end: Substring.UTF8View.Index)? {
        let letter = bytes[index]
        let afterLetter = bytes.index(after: index)
        switch letter {
        case UInt8(ascii: "a"): return ([0x07], afterLetter)
        case UInt8(ascii: "b"): return ([0x08], afterLetter)
        case UInt8(ascii: "f"): return ([0x0C], afterLetter)
        case UInt8(ascii: "n"): return ([0x0A], afterLetter)
        case UInt8(ascii: "r"): return ([0x0D], afterLetter)
        case UInt8(ascii: "t"): return ([0x09], afterLetter)
        case UInt8(ascii: "v"): return ([0x0B], afterLetter)
        case UInt8(ascii: "s"): return ([UInt8(ascii: " ")], afterLetter)
        case backslash, singleQuote, doubleQuote: return ([letter], afterLetter)
        case UInt8(ascii: "x"):
            guard case let (value, end)? = number(bytes, from: afterLetter, digits: 2, radix: 16), value != 0 else {
                return nil
            }
            return ([UInt8(value)], end)
        case UInt8(ascii: "u"):
            // Like systemd, \u accepts surrogates; they then fail the UTF-8 check of the whole word.
            guard case let (value, end)? = number(bytes, from: afterLetter, digits: 4, radix: 16), value != 0 else {
                return nil
            }
            return (encodeUTF8(value), end)
        case UInt8(ascii: "U"):
            guard case let (value, end)? = number(bytes, from: afterLetter, digits: 8, radix: 16), value != 0,
                isValidCodePoint(value)
            else { return nil }
            return (encodeUTF8(value), end)
        case UInt8(ascii: "0")...UInt8(ascii: "7"):
            guard case let (value, end)? = number(bytes, from: index, digits: 3, radix: 8), value != 0, value <= 0xFF
            else {
                return nil
            }
            return ([UInt8(value)], end)
        default:
            return nil
        }
    }

    /// Reads exactly `digits` digits of `radix` starting at `start`.
    private static func number(
        _ bytes: Substring.UTF8View, from start: Substring.UTF8View.Index, digits: Int, radix: UInt32
    ) -> (UInt32, Substring.UTF8View.Index)? {
        var value: UInt32 = 0
        var index = start
        for _ in 0..<digits {
            guard index < bytes.endIndex, let digit = digitValue(bytes[index]), digit < radix else { return nil }
            value = value * radix + digit
            index = bytes.index(after: index)
        }
        return (value, index)
    }

    private static func digitValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    /// UTF-8 bytes of a value below 0x110000, surrogates included (they come out invalid, as in systemd).
    private static func encodeUTF8(_ value: UInt32) -> [UInt8] {
        switch value {
        case ..<0x80:
            return [UInt8(value)]
        case ..<0x800:
            return [UInt8(0xC0 | value >> 6), UInt8(0x80 | value & 0x3F)]
        case ..<0x10000:
            return [UInt8(0xE0 | value >> 12), UInt8(0x80 | value >> 6 & 0x3F), UInt8(0x80 | value & 0x3F)]
        default:
            return [
                UInt8(0xF0 | value >> 18), UInt8(0x80 | value >> 12 & 0x3F),
                UInt8(0x80 | value >> 6 & 0x3F), UInt8(0x80 | value & 0x3F),
            ]
        }
    }

    /// The backslash and the character after it, for messages.
    private static func escapeText(_ bytes: Substring.UTF8View, at index: Substring.UTF8View.Index) -> String {
        let character = Substring(bytes[index...]).first.map(String.init) ?? ""
        return "\\" + character
    }
}

/// systemd's notion of a valid code point: Unicode scalars except U+FDD0…U+FDEF and U+xxFFFE/U+xxFFFF.
func isValidCodePoint(_ value: UInt32) -> Bool {
    guard value < 0x11_0000, value & 0xFFFF_F800 != 0xD800 else { return false }
    return !(0xFDD0...0xFDEF).contains(value) && value & 0xFFFE != 0xFFFE
}
