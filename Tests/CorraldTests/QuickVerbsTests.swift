import ControlProtocol
import Testing

/// The verbs corralctl reads before its argument parser (QuickVerbs) answer as the full parser
/// does: each line is also given with `--` before its units, which the quick reader leaves to the
/// full parser, and both must print and exit the same.
@Suite(.serialized) struct QuickVerbsTests {
    @Test func quickLinesAnswerAsTheFullParserDoes() throws {
        let daemon = try DaemonHarness(units: [
            "up.service": "[Service]\nExecStart=/bin/sleep 600\n",
            "down.service": "[Service]\nExecStart=/bin/sleep 600\n",
            "broken.service": "[Service]\nExecStart=relative\n",
        ])
        func both(_ verb: String, _ units: String, options: String = "") -> (code: Int32, output: String) {
            let quick = daemon.ctl("\(options) \(verb) \(units)")
            let full = daemon.ctl("\(options) \(verb) -- \(units)")
            #expect(quick == full, "\(verb) \(units)")
            return quick
        }
        #expect(both("start", "up.service") == (0, ""))
        #expect(both("is-active", "up.service down.service") == (0, "active\ninactive\n"))
        #expect(both("is-active", "down.service", options: "--no-pager -q") == (3, ""))
        #expect(both("is-failed", "up.service") == (1, "active\n"))
        #expect(both("restart", "up.service", options: "--no-block") == (0, ""))
        #expect(both("stop", "up.service") == (0, ""))
        #expect(both("reload", "down.service").code != 0)
        let failure = both("start", "broken.service")
        #expect(failure.code != 0 && failure.output.contains("broken.service"))
        let unreachable = both("is-active", "up.service", options: "--runtime-dir /nonexistent")
        #expect(unreachable == (1, "Failed to connect to corrald at /nonexistent/control: No such file or directory\n"))
        #expect(daemon.ctl("--version") == (0, "corral \(corralVersion)\n"))
    }
}
