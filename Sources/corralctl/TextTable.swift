import Glibc

/// Rows as systemctl's tables print them: columns one space apart, each as wide as its widest cell
/// (`rightAligned` ones padded on the left), the last column unpadded. Widths count characters.
func formatTable(_ rows: [[String]], rightAligned: Set<Int> = []) -> [String] {
    let columns = rows.map(\.count).max() ?? 0
    let widths = (0..<columns).map { column in rows.map { $0.count > column ? $0[column].count : 0 }.max() ?? 0 }
    return rows.map { row in
        row.enumerated().map { column, cell in
            let padding = String(repeating: " ", count: widths[column] - cell.count)
            if rightAligned.contains(column) { return padding + cell }
            return column == row.count - 1 ? cell : cell + padding
        }.joined(separator: " ")
    }
}

/// Whether to print in colour: standard output is a terminal, `NO_COLOR` is not set,
/// `SYSTEMD_COLORS` does not say no, `TERM` is not `dumb`, and `--plain` was not given.
func colorsEnabled(plain: Bool) -> Bool {
    if plain || getenv("NO_COLOR") != nil { return false }
    if let setting = getenv("SYSTEMD_COLORS").map({ String(cString: $0) }) {
        return !["0", "no", "false", "off"].contains(setting)
    }
    if getenv("TERM").map({ String(cString: $0) }) == "dumb" { return false }
    return isatty(1) == 1
}

/// ANSI escapes for the few colours corralctl uses.
enum ANSI {
    static let highlightRed = "\u{1B}[0;1;31m"
    static let highlightGreen = "\u{1B}[0;1;32m"
    static let highlightYellow = "\u{1B}[0;1;33m"
    static let normal = "\u{1B}[0m"
}
