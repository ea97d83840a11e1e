/// Value grammars for names, paths and URLs.
extension Grammar {
    /// Unit type suffixes systemd knows; a dependency may name any of them.
    static let unitSuffixes: Set<Substring> = [
        "service", "socket", "device", "mount", "automount", "swap", "target", "path", "timer", "slice", "scope",
    ]

    /// A unit name, instance or template (`foo.service`, `getty@tty1.service`, `getty@.service`).
    static func isValidUnitName(_ name: String) -> Bool {
        guard name.utf8.count < 256, let dot = name.lastIndex(of: "."),
            unitSuffixes.contains(name[name.index(after: dot)...])
        else { return false }
        let prefix = name[..<dot]
        guard let first = prefix.first, first != "@", prefix.filter({ $0 == "@" }).count <= 1 else { return false }
        return prefix.allSatisfy { character in
            character.isASCII && (character.isLetter || character.isNumber || ":-_.\\@".contains(character))
        }
    }

    /// Blank-separated unit names (`Requires=`, `After=` …), split into valid and invalid ones.
    static func unitNames(_ text: String) throws(ValueError) -> (valid: [String], invalid: [String]) {
        let all = try words(text, unquote: false)
        return (all.filter(isValidUnitName), all.filter { !isValidUnitName($0) })
    }

    /// `Documentation=` URLs: ASCII text after `http://`, `https://`, `info:` or `man:`, or after
    /// `file:/` (where it may be empty).
    static func isValidDocumentationURL(_ url: String) -> Bool {
        guard url.unicodeScalars.allSatisfy({ $0.isASCII && $0 != "\0" }) else { return false }
        if url.hasPrefix("file:/") { return true }
        return ["http://", "https://", "info:", "man:"].contains { url.hasPrefix($0) && url.count > $0.count }
    }

    /// An absolute path with `//`, `/./` and a trailing `/` simplified away; `..` is refused.
    public static func absolutePath(_ text: String) throws(ValueError) -> String {
        guard text.hasPrefix("/") else { throw ValueError("path '\(text)' is not absolute") }
        let components = text.split(separator: "/").filter { $0 != "." }
        guard !components.contains("..") else { throw ValueError("path '\(text)' is not normalized") }
        return "/" + components.joined(separator: "/")
    }

    /// An absolute path that needs no simplification (`ConditionPathExists=`): no `.` or `..`
    /// components and no `//`.
    static func normalizedPath(_ text: String) throws(ValueError) -> String {
        guard text.hasPrefix("/") else { throw ValueError("path '\(text)' is not absolute") }
        guard !text.contains("//"), !text.split(separator: "/").contains(where: { $0 == "." || $0 == ".." }) else {
            throw ValueError("path '\(text)' is not normalized")
        }
        return text
    }
}
