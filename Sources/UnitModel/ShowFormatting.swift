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
    /// `accuracy` (µs, a power of ten) is systemd's: what is below it is left out, and a
    /// fraction has as many digits as it resolves (`systemd-run` shows times to the millisecond).
    public static func timespan(_ usec: USec, accuracy: USec = 1) -> String {
        if usec == .infinity { return "infinity" }
        let accuracy = max(accuracy, 1)
        var remaining = usec
        var parts: [String] = []
        for unit in timespanUnits where remaining > 0 && remaining >= accuracy && remaining >= unit.usec {
            let whole = remaining / unit.usec
            let rest = remaining % unit.usec
            let digits = String(unit.usec).count - String(accuracy).count
            if remaining < 60_000_000 && rest > 0 && digits > 0 {
                let fractionText = String(rest / accuracy)
                let padding = String(repeating: "0", count: digits - fractionText.count)
                parts.append("\(whole).\(padding)\(fractionText)\(unit.suffix)")
                remaining = 0
            } else {
                parts.append("\(whole)\(unit.suffix)")
                remaining = rest
            }
        }
        return parts.isEmpty ? "0" : parts.joined(separator: " ")
    }

    /// How long ago (or ahead) something is, as systemd's `format_timestamp_relative` words it for
    /// `status`: coarser the further it is (`950ms`, `42s`, `3min 2s`, `12min`, `2h 5min`, `7h`,
    /// `1 day 3h`, `4 days`, `2 weeks 3 days`, `5 months 2 days`, `1 years 2 months`).
    public static func relative(_ elapsed: USec) -> String {
        let second: USec = 1_000_000, minute = 60 * second, hour = 60 * minute, day = 24 * hour
        let week = 7 * day, month = 2_629_800 * second, year = 31_557_600 * second
        switch elapsed {
        case year...: return "\(elapsed / year) years \(elapsed % year / month) months"
        case month...: return "\(elapsed / month) months \(elapsed % month / day) days"
        case week...: return "\(elapsed / week) weeks \(elapsed % week / day) days"
        case (2 * day)...: return "\(elapsed / day) days"
        case (25 * hour)...: return "1 day \((elapsed - day) / hour)h"
        case (6 * hour)...: return "\(elapsed / hour)h"
        case hour...: return "\(elapsed / hour)h \(elapsed % hour / minute)min"
        case (5 * minute)...: return "\(elapsed / minute)min"
        case minute...: return "\(elapsed / minute)min \(elapsed % minute / second)s"
        case second...: return "\(elapsed / second)s"
        case 1000...: return "\(elapsed / 1000)ms"
        case 1...: return "\(elapsed)us"
        default: return "now"
        }
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
