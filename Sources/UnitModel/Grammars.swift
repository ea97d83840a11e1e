/// Value grammars of unit-file directives, as systemd 252 parses them.
///
/// Each function either returns the typed value or throws a `ValueError` whose message names the
/// bad value. Messages never end in "ignoring": the severity says whether the line is ignored.
public enum Grammar {}

// MARK: - Booleans and numbers

extension Grammar {
    /// `1/yes/y/true/t/on` and `0/no/n/false/f/off`, in any case.
    public static func boolean(_ text: String) throws(ValueError) -> Bool {
        switch text.lowercased() {
        case "1", "yes", "y", "true", "t", "on": return true
        case "0", "no", "n", "false", "f", "off": return false
        default: throw ValueError("invalid boolean '\(text)'")
        }
    }

    /// An unsigned integer as C's `strtoull` with base 0 reads it, the whole text consumed:
    /// leading blanks and `+` allowed, `0x` hexadecimal, a leading `0` octal, no sign `-`.
    public static func unsigned(_ text: String) throws(ValueError) -> UInt64 {
        guard let value = parseUnsigned(text) else { throw ValueError("invalid number '\(text)'") }
        return value
    }

    static func parseUnsigned(_ text: String) -> UInt64? {
        let bytes = Array(text.utf8)
        var index = skipBlanks(bytes, from: 0)
        if index < bytes.count && bytes[index] == UInt8(ascii: "+") { index += 1 }
        var radix: UInt64 = 10
        if index + 1 < bytes.count && bytes[index] == UInt8(ascii: "0")
            && (bytes[index + 1] | 0x20) == UInt8(ascii: "x")
        {
            radix = 16
            index += 2
        } else if index + 1 < bytes.count && bytes[index] == UInt8(ascii: "0") {
            radix = 8
        }
        guard index < bytes.count else { return nil }
        var value: UInt64 = 0
        for byte in bytes[index...] {
            guard let digit = digitValue(byte), digit < radix else { return nil }
            let (shifted, overflow) = value.multipliedReportingOverflow(by: radix)
            let (sum, carry) = shifted.addingReportingOverflow(digit)
            if overflow || carry { return nil }
            value = sum
        }
        return value
    }

    private static func digitValue(_ byte: UInt8) -> UInt64? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt64(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt64(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt64(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }
}

// MARK: - Time spans

extension Grammar {
    public static let microsecondsPerSecond: USec = 1_000_000

    /// Unit words in the order they are tried: the first prefix that matches wins.
    private static let timeUnits: [(word: [UInt8], usec: USec)] = [
        ("seconds", 1_000_000), ("second", 1_000_000), ("sec", 1_000_000), ("s", 1_000_000),
        ("minutes", 60_000_000), ("minute", 60_000_000), ("min", 60_000_000),
        ("months", 2_629_800_000_000), ("month", 2_629_800_000_000), ("M", 2_629_800_000_000),
        ("msec", 1000), ("ms", 1000), ("m", 60_000_000),
        ("hours", 3_600_000_000), ("hour", 3_600_000_000), ("hr", 3_600_000_000), ("h", 3_600_000_000),
        ("days", 86_400_000_000), ("day", 86_400_000_000), ("d", 86_400_000_000),
        ("weeks", 604_800_000_000), ("week", 604_800_000_000), ("w", 604_800_000_000),
        ("years", 31_557_600_000_000), ("year", 31_557_600_000_000), ("y", 31_557_600_000_000),
        ("usec", 1), ("us", 1), ("\u{3BC}s", 1), ("\u{B5}s", 1),
    ].map { (Array($0.0.utf8), $0.1) }

    /// A time span such as `1min 30s`, `1.5h`, `100ms` or `infinity`; a number without a unit
    /// counts in `defaultUnit` (seconds unless said otherwise).
    public static func timeSpan(_ text: String, defaultUnit: USec = microsecondsPerSecond) throws(ValueError) -> USec {
        guard let value = parseTimeSpan(text, defaultUnit: defaultUnit) else {
            throw ValueError("invalid time span '\(text)'")
        }
        return value
    }

    static func parseTimeSpan(_ text: String, defaultUnit: USec) -> USec? {
        let bytes = Array(text.utf8)
        var position = skipBlanks(bytes, from: 0)
        if let end = match(Array("infinity".utf8), in: bytes, at: position) {
            return skipBlanks(bytes, from: end) == bytes.count ? .infinity : nil
        }
        var total: USec = 0
        var something = false
        while true {
            position = skipBlanks(bytes, from: position)
            if position == bytes.count { return something ? total : nil }
            if bytes[position] == UInt8(ascii: "-") { return nil }
            let number = decimalPrefix(bytes, from: position)
            guard let whole = number.value else { return nil }
            let numberEnd = number.end
            let hasFraction = numberEnd < bytes.count && bytes[numberEnd] == UInt8(ascii: ".")
            if hasFraction {
                position = skipDigits(bytes, from: numberEnd + 1)
            } else if numberEnd == position {
                return nil
            } else {
                position = numberEnd
            }
            var multiplier = defaultUnit
            var next = skipBlanks(bytes, from: position)
            if let unit = timeUnits.first(where: { match($0.word, in: bytes, at: next) != nil }) {
                multiplier = unit.usec
                next += unit.word.count
            }
            // "12.34.56" is refused, "12.34 .56" and "12.34s.56" are not.
            if next == position && next < bytes.count { return nil }
            position = next
            guard whole < USec.infinity / multiplier else { return nil }
            let part = whole * multiplier
            guard part < USec.infinity - total else { return nil }
            total += part
            something = true
            if hasFraction {
                var scale = multiplier / 10
                var digit = numberEnd + 1
                while digit < bytes.count, let value = decimalDigit(bytes[digit]) {
                    let part = value * scale
                    guard part < USec.infinity - total else { return nil }
                    total += part
                    scale /= 10
                    digit += 1
                }
                if digit == numberEnd + 1 { return nil }
            }
        }
    }
}

// MARK: - Sizes and percentages

extension Grammar {
    private static let sizeSuffixes: [[UInt8]] = ["E", "P", "T", "G", "M", "K", "B", ""].map { Array($0.utf8) }

    /// A size such as `512M`, `1.5G` or `1G 512M`, with suffixes K, M, G, T, P, E (powers of
    /// `base`: 1024 for memory, 1000 for IO) and B; suffixes are upper case and must decrease.
    public static func size(_ text: String, base: UInt64) throws(ValueError) -> UInt64 {
        guard let value = parseSize(text, base: base) else { throw ValueError("invalid size '\(text)'") }
        return value
    }

    static func parseSize(_ text: String, base: UInt64) -> UInt64? {
        let factors: [UInt64] = (0..<8).map { index in
            index >= 6 ? 1 : (0..<(6 - index)).reduce(1) { product, _ in product * base }
        }
        let bytes = Array(text.utf8)
        var position = 0
        var total: UInt64 = 0
        var firstSuffix = 0
        repeat {
            position = skipBlanks(bytes, from: position)
            if position < bytes.count && bytes[position] == UInt8(ascii: "-") { return nil }
            let number = decimalPrefix(bytes, from: position)
            guard let whole = number.value, number.end > position else { return nil }
            var end = number.end
            var fraction = 0.0
            if end < bytes.count && bytes[end] == UInt8(ascii: ".") {
                end += 1
                let fractionEnd = skipDigits(bytes, from: end)
                if fractionEnd > end {
                    guard let digits = UInt64(String(decoding: bytes[end..<fractionEnd], as: UTF8.self)) else {
                        return nil
                    }
                    fraction = Double(digits)
                    for _ in end..<fractionEnd { fraction /= 10 }
                    end = fractionEnd
                }
            }
            end = skipBlanks(bytes, from: end)
            guard
                let suffix = (firstSuffix..<sizeSuffixes.count).first(where: {
                    match(sizeSuffixes[$0], in: bytes, at: end) != nil
                })
            else { return nil }
            let factor = factors[suffix]
            guard whole + (fraction > 0 ? 1 : 0) <= UInt64.max / factor else { return nil }
            let part = whole * factor + UInt64(fraction * Double(factor))
            guard part <= UInt64.max - total else { return nil }
            total += part
            position = end + sizeSuffixes[suffix].count
            firstSuffix = suffix + 1
        } while position < bytes.count
        return total
    }

    /// Parts per 10 000 written as `12.34%`, `5.5‰` or `7‱`; nil when the text is not one of these
    /// forms. Values above 100% are returned as they are.
    static func parsePermyriad(_ text: String) -> UInt64? {
        let forms: [(symbol: String, decimals: Int, scale: UInt64)] = [
            ("\u{2031}", 0, 1), ("\u{2030}", 1, 10), ("%", 2, 100),
        ]
        guard let form = forms.first(where: { text.hasSuffix($0.symbol) }) else { return nil }
        let number = text.dropLast()
        let parts = number.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        var fraction: UInt64 = 0
        if parts.count == 2 {
            let decimals = Array(parts[1].utf8)
            guard (1...max(form.decimals, 1)).contains(decimals.count), form.decimals > 0,
                decimals.allSatisfy({ decimalDigit($0) != nil })
            else { return nil }
            fraction = decimals.reduce(0) { $0 * 10 + decimalDigit($1)! }
            for _ in decimals.count..<form.decimals { fraction *= 10 }
        }
        guard let whole = parseUnsigned(String(parts[0])) else { return nil }
        let (scaled, overflow) = whole.multipliedReportingOverflow(by: form.scale)
        guard !overflow, scaled + fraction <= UInt64(Int32.max) else { return nil }
        return scaled + fraction
    }
}

// MARK: - Byte scanning shared by the grammars

extension Grammar {
    static func isBlank(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\n")
            || byte == UInt8(ascii: "\r")
    }

    static func skipBlanks(_ bytes: [UInt8], from index: Int) -> Int {
        var index = index
        while index < bytes.count && isBlank(bytes[index]) { index += 1 }
        return index
    }

    static func skipDigits(_ bytes: [UInt8], from index: Int) -> Int {
        var index = index
        while index < bytes.count && decimalDigit(bytes[index]) != nil { index += 1 }
        return index
    }

    static func decimalDigit(_ byte: UInt8) -> UInt64? {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) ? UInt64(byte - UInt8(ascii: "0")) : nil
    }

    /// The end of `word` when `bytes` has it at `index`.
    static func match(_ word: [UInt8], in bytes: [UInt8], at index: Int) -> Int? {
        guard index + word.count <= bytes.count, bytes[index..<(index + word.count)].elementsEqual(word) else {
            return nil
        }
        return index + word.count
    }

    /// A decimal number with an optional `+`, as `strtoull` reads it. `end` is `index` when there is
    /// no digit; `value` is nil on overflow.
    static func decimalPrefix(_ bytes: [UInt8], from index: Int) -> (value: UInt64?, end: Int) {
        var digitStart = index
        if digitStart < bytes.count && bytes[digitStart] == UInt8(ascii: "+") { digitStart += 1 }
        let digitEnd = skipDigits(bytes, from: digitStart)
        guard digitEnd > digitStart else { return (0, index) }
        var value: UInt64 = 0
        for byte in bytes[digitStart..<digitEnd] {
            let (shifted, overflow) = value.multipliedReportingOverflow(by: 10)
            let (sum, carry) = shifted.addingReportingOverflow(decimalDigit(byte)!)
            if overflow || carry { return (nil, digitEnd) }
            value = sum
        }
        return (value, digitEnd)
    }
}
