import ArgumentParser
import ControlProtocol

/// The verbs scripts call in loops, read before the argument parser is touched: building its
/// command tree and parsing costs more than the request itself (docs/benchmarks.md). Only a line
/// made of exactly these words is taken here; any other goes to the full parser, which reads the
/// same lines the same way.
///
///     corralctl --version
///     corralctl is-active|is-failed UNIT... [-q|--quiet]
///     corralctl start|stop|restart|reload UNIT... [--no-block]
///     corralctl run [--wait] [-P|--pipe] [-q|--quiet] [-G|--collect] [--no-block] [-u|--unit NAME]
///                   [-p|--property NAME=VALUE]... [--] COMMAND...
///
/// with `--runtime-dir DIR` and the options that change nothing here (`--no-pager`, `--no-legend`,
/// `--plain`, `-l/--full`, `--no-ask-password`) anywhere on the line (before `run`'s command).
enum QuickVerbs {
    /// The exit status, or nil when the line is not one of these.
    static func run(_ arguments: [String]) -> Int32? {
        if arguments == ["--version"] {
            print("corral \(corralVersion)")
            return 0
        }
        if arguments.first == "run" {
            guard let (run, connection) = quickRun(arguments.dropFirst()) else { return nil }
            return exitStatus { try run.perform(on: connection) }
        }
        guard let line = QuickLine(arguments) else { return nil }
        var known = true
        let status = exitStatus {
            switch line.verb {
            case .isActive where !line.noBlock, .isFailed where !line.noBlock:
                try line.connection.askState(line.verb, units: line.units, quiet: line.quiet)
            case .start, .stop, .restart, .reload:
                try line.connection.runJobs(line.verb, units: line.units, noBlock: line.noBlock)
            default:
                known = false
            }
        }
        return known ? status : nil
    }

    /// `body`'s exit status: 0, or what it threw.
    private static func exitStatus(_ body: () throws -> Void) -> Int32 {
        do {
            try body()
            return 0
        } catch let exit as ExitCode {
            return exit.rawValue
        } catch {
            printError("\(error)")
            return 1
        }
    }

    /// A plain `run` line (the words after `run`); nil for any other.
    private static func quickRun(_ words: ArraySlice<String>) -> (TransientRun, DaemonConnection)? {
        var run = TransientRun(command: [])
        var connection = DaemonConnection()
        var index = words.startIndex
        func value() -> String? {
            guard index < words.endIndex else { return nil }
            defer { index += 1 }
            return words[index]
        }
        while index < words.endIndex {
            let word = words[index]
            index += 1
            switch word {
            case "--wait": run.wait = true
            case "-P", "--pipe": run.pipe = true
            case "-q", "--quiet": run.quiet = true
            case "-G", "--collect": run.collect = true
            case "--no-block": run.noBlock = true
            case "-u", "--unit":
                guard let name = value() else { return nil }
                run.unit = name
            case "-p", "--property":
                guard let property = value() else { return nil }
                run.properties.append(property)
            case "--runtime-dir":
                guard let directory = value() else { return nil }
                connection.runtimeDirectory = directory
            case _ where word.hasPrefix("--unit="): run.unit = String(word.dropFirst("--unit=".count))
            case _ where word.hasPrefix("--property="):
                run.properties.append(String(word.dropFirst("--property=".count)))
            case _ where word.hasPrefix("--runtime-dir="):
                connection.runtimeDirectory = String(word.dropFirst("--runtime-dir=".count))
            case _ where QuickLine.ignoredOptions.contains(word): continue
            case "--": run.command = Array(words[index...])
            case _ where word.hasPrefix("-") || word.isEmpty: return nil
            default: run.command = Array(words[(index - 1)...])
            }
            if !run.command.isEmpty { break }
        }
        // The full parser explains a missing command or a scope's name.
        guard !run.command.isEmpty, !(run.unit ?? "").hasSuffix(".scope") else { return nil }
        return (run, connection)
    }
}

/// A line of one verb, its units and the options `QuickVerbs` knows.
private struct QuickLine {
    var verb: Verb
    var units: [String] = []
    var quiet = false
    var noBlock = false
    var connection = DaemonConnection()

    static let ignoredOptions: Set<String> = [
        "--no-pager", "--no-legend", "--plain", "-l", "--full", "--no-ask-password",
    ]

    init?(_ arguments: [String]) {
        var verb: Verb?
        var index = 0
        while index < arguments.count {
            let word = arguments[index]
            index += 1
            switch word {
            case "-q", "--quiet": quiet = true
            case "--no-block": noBlock = true
            case "--runtime-dir":
                guard index < arguments.count else { return nil }
                connection.runtimeDirectory = arguments[index]
                index += 1
            case _ where word.hasPrefix("--runtime-dir="):
                connection.runtimeDirectory = String(word.dropFirst("--runtime-dir=".count))
            case _ where Self.ignoredOptions.contains(word):
                continue
            case _ where word.hasPrefix("-") || word.isEmpty:
                return nil
            case _ where verb == nil:
                guard let known = Verb(rawValue: word) else { return nil }
                verb = known
            default:
                units.append(word)
            }
        }
        guard let verb, !units.isEmpty else { return nil }
        self.verb = verb
    }
}
