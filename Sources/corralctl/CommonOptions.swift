import ArgumentParser

/// systemctl's options that every verb takes, wherever they stand on the line
/// (`Corralctl.main` moves those written before the verb to after it).
struct CommonOptions: ParsableArguments {
    @Flag(name: .customLong("no-pager"), help: "Accepted for systemctl's sake: corralctl never pages.")
    var noPager = false

    @Flag(name: .customLong("no-legend"), help: "Print tables without their header and footer.")
    var noLegend = false

    @Flag(help: "Print tables without the ● column, and nothing in colour.")
    var plain = false

    @Flag(name: [.customShort("l"), .long], help: "Accepted for systemctl's sake: corralctl never shortens lines.")
    var full = false

    @Flag(
        name: [.customShort("q"), .long],
        help: "Print less: is-active, is-failed and is-enabled print nothing; run prints only the command's output.")
    var quiet = false

    @Flag(name: .customLong("no-ask-password"), help: "Accepted for systemctl's sake: corralctl never asks.")
    var noAskPassword = false

    @Option(
        name: [.customShort("o"), .long],
        help: "How log lines print (status, logs): short, short-iso, short-precise, cat, json or json-pretty.")
    var output: LogOutputMode = .short

    /// The options that take a value, for moving them with it.
    static let optionsWithValue: Set<String> = ["-o", "--output", "--runtime-dir", "--unit-path"]

    /// `corralctl --no-pager -q is-active x` as `corralctl is-active --no-pager -q x`: the options
    /// before the first word that is no option go after it when that word is one of `verbs`, so
    /// that the verb's parser sees them. (Anything else, such as `--generate-completion-script zsh`
    /// or the shells' `---completion VERB -- ...`, is left as it is.)
    static func movedAfterVerb(_ arguments: [String], verbs: Set<String>) -> [String] {
        if arguments.first == "---completion" { return arguments }
        var index = 0
        while index < arguments.count, arguments[index].hasPrefix("-"), arguments[index] != "--" {
            index += optionsWithValue.contains(arguments[index]) ? 2 : 1
        }
        guard index > 0, index < arguments.count, verbs.contains(arguments[index]) else { return arguments }
        return [arguments[index]] + arguments[..<index] + arguments[(index + 1)...]
    }
}

/// journalctl's output modes, for log lines.
enum LogOutputMode: String, CaseIterable, ExpressibleByArgument {
    case short
    case shortISO = "short-iso"
    case shortPrecise = "short-precise"
    case cat
    case json
    case jsonPretty = "json-pretty"
}
