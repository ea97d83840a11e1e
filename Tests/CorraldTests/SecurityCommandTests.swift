import Glibc
import Testing

/// `corralctl security`: its table, summary, JSON and threshold (the scores themselves are
/// compared with systemd-analyze in SecurityAssessmentTests).
@Suite struct SecurityCommandTests {
    /// corralctl security ARGUMENTS on units written as `files`: exit code and output.
    static func security(_ arguments: String, _ files: [String: String]) throws -> (code: Int32, output: String) {
        let directory = try DaemonHarness.unitDirectory(files)
        defer { _ = DaemonHarness.shell("rm -rf \(directory)") }
        return DaemonHarness.shell(
            "'\(DaemonHarness.binaries)/corralctl' security --unit-path \(directory) \(arguments) 2>&1")
    }

    static let empty = ["empty.service": "[Service]\nExecStart=/bin/true\n"]

    @Test func theTableListsTheWorstFirstAndEndsWithTheScore() throws {
        let (code, output) = try Self.security("empty.service", Self.empty)
        #expect(code == 0)
        let lines = output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.count == 1 + 81 + 3)
        #expect(lines[0].hasPrefix("  NAME ") && lines[0].hasSuffix(" EXPOSURE"))
        #expect(lines[1].hasPrefix("✗ PrivateNetwork= ") && lines[1].hasSuffix(" 0.5"))
        #expect(lines.contains { $0.hasPrefix("  SupplementaryGroups= ") })
        #expect(lines.contains { $0.hasPrefix("✓ KeyringMode= ") })
        #expect(lines.allSatisfy { !$0.hasSuffix(" ") })
        #expect(lines.suffix(3) == ["", "→ Overall exposure level for empty.service: 9.6 UNSAFE", ""])
    }

    /// As systemd-analyze's: above the threshold (in tenths) is exit status 1.
    @Test func theThresholdDecidesTheExitStatus() throws {
        #expect(try Self.security("--threshold 96 empty.service", Self.empty).code == 0)
        #expect(try Self.security("--threshold 95 empty.service", Self.empty).code == 1)
        #expect(try Self.security("--threshold 101 empty.service", Self.empty).code != 0)
    }

    @Test func jsonHasTheScoreAndEveryCheck() throws {
        let output = try Self.security("--json empty.service", Self.empty).output
        #expect(
            output.hasPrefix("{\n  \"unit\": \"empty.service\",\n  \"exposure\": \"9.6\",\n  \"verdict\": \"UNSAFE\","))
        #expect(output.split(separator: "\n").filter { $0.contains("\"json_field\"") }.count == 81)
        #expect(output.contains("\"json_field\": \"CapabilityBoundingSet_CAP_NET_BIND_SERVICE_BROADCAST_RAW)\""))
    }

    /// The drop-in loads cleanly (corralctl verify, systemd-analyze verify) and systemd-analyze gives
    /// the unit with it the score the suggestion predicted.
    @Test func theSuggestedDropInLoadsAndScoresAsPredicted() throws {
        let directory = try DaemonHarness.unitDirectory(["plain.service": "[Service]\nExecStart=/bin/true\n"])
        defer { _ = DaemonHarness.shell("rm -rf \(directory)") }
        let corralctl = "'\(DaemonHarness.binaries)/corralctl'"
        let suggestion = DaemonHarness.shell("\(corralctl) security --suggest --unit-path \(directory) plain.service")
        #expect(suggestion.code == 0)
        let predicted = try #require(
            suggestion.output.split(separator: "\n").first?.split(separator: " ").dropLast(3).suffix(2))
        #expect(predicted.joined(separator: " ") == "1.0 OK")
        _ = DaemonHarness.shell(
            "mkdir \(directory)/plain.service.d && \(corralctl) security --suggest --unit-path \(directory) plain.service > \(directory)/plain.service.d/hardening.conf"
        )
        #expect(
            DaemonHarness.shell("\(corralctl) verify --unit-path \(directory) plain.service") == (
                0, "plain.service: loaded\n"
            ))
        #expect(DaemonHarness.shell("systemd-analyze verify \(directory)/plain.service 2>&1") == (0, ""))
        let systemd = DaemonHarness.shell("systemd-analyze security --offline=true \(directory)/plain.service").output
        #expect(systemd.contains("Overall exposure level for plain.service: 1.0 OK"))
    }

    /// A unit that declares it uses the network keeps it.
    @Test func aNetworkUnitKeepsItsNetwork() throws {
        let output = try Self.security(
            "--suggest web.service",
            ["web.service": "[Unit]\nAfter=network-online.target\n[Service]\nExecStart=/bin/true\nUser=web\n"]
        ).output
        #expect(!output.contains("PrivateNetwork="))
        #expect(output.contains("\nRestrictAddressFamilies=AF_UNIX AF_INET AF_INET6\n"))
        #expect(
            output.contains("\nPrivateUsers=yes\n") && output.contains("\nSystemCallFilter=~@privileged @resources\n"))
    }
}
