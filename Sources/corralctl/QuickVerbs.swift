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
///
/// with `--runtime-dir DIR` and the options that change nothing here (`--no-pager`, `--no-legend`,
/// `--plain`, `-l/--full`, `--no-ask-password`) anywhere on the line.
enum QuickVerbs {
    /// The exit status, or nil when the line is not one of these.
    static func run(_ arguments: [String]) -> Int32? {
        if arguments == ["--version"] {
            print("corral \(corralVersion)")
            return 0
        }
        guard let line = QuickLine(arguments) else { return nil }
        do {
            switch line.verb {
            case .isActive, .isFailed:
                guard !line.noBlock else { return nil }
                try line.connection.askState(line.verb, units: line.units, quiet: line.quiet)
            case .start, .stop, .restart, .reload:
                try line.connection.runJobs(line.verb, units: line.units, noBlock: line.noBlock)
            default:
                return nil
            }
            return 0
        } catch let exit as ExitCode {
            return exit.rawValue
        } catch {
            printError("\(error)")
            return 1
        }
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
