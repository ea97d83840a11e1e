import Testing
import UnitFile

@Suite struct DiagnosticTests {
    @Test func rendersEveryKnownPart() {
        let full = Diagnostic(
            file: "/etc/corral/system/a.service", line: 7, severity: .warning,
            section: "Service", directive: "MemoryMax", message: "invalid size 'foo', ignoring.")
        #expect(
            full.description
                == "/etc/corral/system/a.service:7: warning: [Service] MemoryMax: invalid size 'foo', ignoring.")
        let fileless = Diagnostic(severity: .error, directive: "MemoryMax", message: "invalid size 'foo'")
        #expect(fileless.description == "error: MemoryMax: invalid size 'foo'")
    }
}
