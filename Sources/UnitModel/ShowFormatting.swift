/// The value formats `systemctl show` uses, reproduced from systemd 252's behaviour.
public enum ShowFormatting {
    private static let timespanUnits: [(suffix: String, usec: USec)] = [
        ("y", 31_557_600_000_000),
        ("month", 2_629_800_000_000),
        ("w", 604_800_000_000),
        ("d", 86_400_000_000),
        ("h", 3_600_000_000),
        ("min", 60_000_000),
        ("s", 1_000_000),
        ("ms", 1_000),
        ("us", 1),
    ]

    /// A time span as systemd's `format_timespan` prints it with accuracy 0, which is what
    /// `systemctl show` and `systemd-analyze timespan` use: `1min 30s`, `100ms`, `1.500000s`, `0`, `infinity`.
    /// Below one minute a remainder is written as a fraction of the largest unit that fits.
    public static func timespan(_ usec: USec) -> String {
        if usec == .infinity { return "infinity" }
        if usec == 0 { return "0" }
        var remaining = usec
        var parts: [String] = []
        for unit in timespanUnits where remaining > 0 && remaining >= unit.usec {
            let whole = remaining / unit.usec
            let fraction = remaining % unit.usec
            if remaining < 60_000_000 && fraction > 0 {
                let digits = String(unit.usec).count - 1
                let fractionText = String(fraction)
                let padding = String(repeating: "0", count: digits - fractionText.count)
                parts.append("\(whole).\(padding)\(fractionText)\(unit.suffix)")
                remaining = 0
            } else {
                parts.append("\(whole)\(unit.suffix)")
                remaining = fraction
            }
        }
        return parts.joined(separator: " ")
    }

    /// A word as systemd's `shell_maybe_quote` writes it: unchanged when it holds no whitespace, control
    /// character or shell-special character, otherwise in double quotes with `"`, `\`, `` ` `` and `$`
    /// backslash-escaped and control characters C-escaped.
    public static func shellQuoted(_ word: String) -> String {
        guard word.unicodeScalars.contains(where: needsQuotes) else { return word }
        var quoted = "\""
        for scalar in word.unicodeScalars {
            if isControl(scalar) {
                quoted += cEscaped(scalar)
            } else {
                if "\"\\`$".unicodeScalars.contains(scalar) { quoted += "\\" }
                quoted.unicodeScalars.append(scalar)
            }
        }
        return quoted + "\""
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || scalar.value == 0x7F
    }

    private static func needsQuotes(_ scalar: Unicode.Scalar) -> Bool {
        isControl(scalar) || " \t\n\r\"\\`$*?['()<>|&;!".unicodeScalars.contains(scalar)
    }

    /// systemd's `cescape_char` for a control character.
    private static func cEscaped(_ scalar: Unicode.Scalar) -> String {
        switch scalar {
        case "\u{07}": return "\\a"
        case "\u{08}": return "\\b"
        case "\u{0C}": return "\\f"
        case "\n": return "\\n"
        case "\r": return "\\r"
        case "\t": return "\\t"
        case "\u{0B}": return "\\v"
        default:
            let octal = String(scalar.value, radix: 8)
            return "\\" + String(repeating: "0", count: 3 - octal.count) + octal
        }
    }
}
