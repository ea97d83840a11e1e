import Glibc
import UnitFile

/// systemd.preset(5): `enable PATTERN` and `disable PATTERN` lines in `*.preset` files, read in
/// file-name order; the first line whose glob matches a unit decides, and a unit no line matches is
/// enabled. Each unit directory DIR of the search path has its presets in DIR-preset (Corral's
/// /etc/corral/system-preset beside /etc/corral/system, as systemd's system-preset beside
/// system); of two files with one name, the one beside the higher-priority directory is read.
public struct PresetPolicy: Sendable, Equatable {
    public enum Action: String, Sendable {
        case enable, disable
    }

    struct Rule: Sendable, Equatable {
        var action: Action
        var pattern: String
    }

    var rules: [Rule]

    /// From the rules' text (one file, or several joined in reading order); other lines are skipped.
    public init(text: String) {
        rules = text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).compactMap { line in
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard words.count >= 2, let action = Action(rawValue: String(words[0])) else { return nil }
            return Rule(action: action, pattern: String(words[1]))
        }
    }

    /// The preset files of the search path's directories.
    public init(searchPath: UnitSearchPath) {
        var files: [String: String] = [:]
        for directory in searchPath.directories.reversed() {
            let presets = directory + "-preset"
            for name in UnitDiskAccess.entries(of: presets) ?? [] where name.hasSuffix(".preset") {
                files[name] = presets + "/" + name
            }
        }
        let text = files.keys.sorted().compactMap { files[$0] }.map { path in
            String(decoding: (try? readFile(atPath: path)) ?? [], as: UTF8.self)
        }
        self.init(text: text.joined(separator: "\n"))
    }

    /// What the policy says for `name`: the first matching rule's action, else `enable`.
    public func action(for name: UnitName) -> Action {
        rules.first { fnmatch($0.pattern, name.description, FNM_NOESCAPE) == 0 }?.action ?? .enable
    }
}
