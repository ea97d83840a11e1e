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

    /// Plain `run` lines, quick and (with an option before the verb, which only the full parser
    /// moves) full.
    @Test func quickRunsAnswerAsTheFullParserDoes() throws {
        let daemon = try DaemonHarness(units: [:])
        func both(_ arguments: (String) -> String) -> (code: Int32, output: String) {
            let quick = daemon.ctl("run " + arguments("quick"))
            let full = daemon.ctl("--no-pager run " + arguments("full"))
            #expect(quick.code == full.code)
            #expect(quick.output.replacing("quick", with: "NAME") == full.output.replacing("full", with: "NAME"))
            return quick
        }
        #expect(both { _ in "-P -q /bin/echo hi" } == (0, "hi\n"))
        #expect(both { _ in "--wait -q -p MemoryMax=10M -- /bin/sh -c 'exit 3'" } == (3, ""))
        #expect(both { "--unit=\($0) -p Bogus=1 /bin/true" }.code == 1)
        let queued = both { "--no-block -u \($0)-run --property CPUWeight=50 /bin/sleep 600" }
        #expect(queued == (0, "Running as unit: quick-run.service\n"))
        #expect(daemon.ctl("is-active quick-run.service full-run.service") == (0, "active\nactive\n"))
        #expect(daemon.ctl("show -P CPUWeight quick-run.service") == (0, "50\n"))
    }
}
