import Testing

@testable import Supervisor

/// The exposition text as Prometheus's format defines it (the whole scrape is also checked with
/// promtool in CorraldTests).
struct MetricsExpositionTests {
    @Test func aFamilyIsItsHelpTypeAndSamples() {
        var family = MetricFamily("corral_unit_restarts_total", .counter, "Automatic restarts.")
        family.add(3, ("unit", "web.service"))
        family.add(0, ("unit", "db.service"), ("state", "x"))
        #expect(
            family.text == """
                # HELP corral_unit_restarts_total Automatic restarts.
                # TYPE corral_unit_restarts_total counter
                corral_unit_restarts_total{unit="web.service"} 3
                corral_unit_restarts_total{unit="db.service",state="x"} 0

                """)
    }

    @Test func durationsAreSecondsWithMicrosecondDigits() {
        var family = MetricFamily("corral_cpu_seconds_total", .counter, "CPU.")
        family.add(microseconds: 1_500_002)
        family.add(microseconds: 7)
        #expect(family.samples.map(\.value) == ["1.500002", "0.000007"])
    }

    @Test func labelValuesAndHelpAreEscaped() {
        var family = MetricFamily("corral_x", .gauge, "A \\ and\na newline, \"quoted\".")
        family.add(1, ("unit", "a\"b\\c\nd.service"))
        #expect(
            family.text == """
                # HELP corral_x A \\\\ and\\na newline, "quoted".
                # TYPE corral_x gauge
                corral_x{unit="a\\"b\\\\c\\nd.service"} 1

                """)
    }

    @Test func aFamilyWithoutSamplesIsLeftOut() {
        #expect(MetricFamily("corral_x", .gauge, "Nothing.").text == "")
    }

    @Test func theRequestHeadEndsAtTheBlankLine() {
        #expect(
            Supervisor.requestHead(Array("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\nbody".utf8))
                == "GET /metrics HTTP/1.1\r\nHost: x\r\n")
        #expect(Supervisor.requestHead(Array("GET / HTTP/1.0\n\n".utf8)) == "GET / HTTP/1.0\n")
        #expect(Supervisor.requestHead(Array("GET /metrics HTTP/1.1\r\nHost: x\r\n".utf8)) == nil)
    }
}
