import UnitFile

/// What `corralctl escape` does with each string, from its flags; `systemd-escape`'s rules.
struct EscapeMode {
    var path: Bool
    var unescape: Bool
    var template: String?
    var suffix: String?
    var instance: Bool

    /// Why a combination of flags is refused, worded as systemd-escape does.
    struct Refusal: Error, CustomStringConvertible {
        var description: String
    }

    func validate() throws(Refusal) {
        if instance && !unescape {
            throw Refusal(description: "--instance must be used in conjunction with --unescape.")
        }
        if unescape && suffix != nil { throw Refusal(description: "--suffix is not compatible with --unescape.") }
        if template != nil && suffix != nil {
            throw Refusal(description: "--suffix= and --template= may not be combined.")
        }
        if instance && template != nil { throw Refusal(description: "--instance may not be combined with --template.") }
        if let suffix, !UnitName.knownSuffixes.contains(suffix) {
            throw Refusal(description: "Invalid unit suffix type \"\(suffix)\".")
        }
    }

    func apply(to string: String) throws -> String {
        let templateName = try template.map { text in
            let name = try UnitName(text)
            guard name.isTemplate else { throw Refusal(description: "Template name \(text) is not valid.") }
            return name
        }
        if unescape {
            if instance || templateName != nil {
                return try UnitNameEscaping.unescapeInstance(of: UnitName(string), path: path, template: templateName)
            }
            return path ? try UnitNameEscaping.unescapePath(string) : try UnitNameEscaping.unescape(string)
        }
        if let templateName {
            return try UnitNameEscaping.instance(of: templateName, escaping: string, path: path).description
        }
        let escaped = path ? try UnitNameEscaping.escapePath(string) : UnitNameEscaping.escape(string)
        return suffix.map { escaped + "." + $0 } ?? escaped
    }
}
