import Glibc
import Testing

/// What a local user can do to the control and notify sockets is bounded.
@Suite(.serialized)
struct HostileClientTests {
    @Test func queriesForUnitsThatDoNotExistLeaveNothingLoaded() throws {
        let daemon = try DaemonHarness(units: [:])
        let names = (0..<300).map { "made-up-\($0).slice made-up-\($0).scope" }.joined(separator: " ")
        #expect(daemon.ctl("show \(names) -p ActiveState").code == 0)
        #expect(daemon.ctl("is-active \(names)").code == 3)
        #expect(daemon.ctl("status made-up-1.slice").code == 3)
        #expect(!daemon.ctl("list-units --all").output.contains("made-up-"))
    }

    @Test func oneRequestNamesAtMost1024Units() throws {
        let daemon = try DaemonHarness(units: [:])
        let names = (0..<1025).map { "u\($0).service" }.joined(separator: " ")
        #expect(daemon.ctl("show \(names)") == (1, "Too many units in one request (1025; at most 1024).\n"))
    }

    @Test func refusedNotificationsFromOneSenderAreLoggedAFewTimesOnly() throws {
        let daemon = try DaemonHarness(units: [:])
        let socket = daemon.runtimeDirectory + "/notify"
        // Forty senders in no unit (systemd-notify sends as itself and as the pid it is given).
        let sent = DaemonHarness.shell(
            "for i in $(seq 40); do NOTIFY_SOCKET='\(socket)' systemd-notify --pid=$$ STATUS=flood || exit 1; done")
        #expect(sent.code == 0)
        try daemon.waitUntil("corrald says it stops logging them") { daemon.log.contains("Too many refused notification") }
        let lines = daemon.log.split(separator: "\n").filter { $0.contains("Cannot find unit for notify message") }
        #expect(lines.count == 5, "\(lines)")
    }
}
