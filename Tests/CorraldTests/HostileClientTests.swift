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
        try daemon.waitUntil("corrald says it stops logging them") {
            daemon.log.contains("Too many refused notification")
        }
        let lines = daemon.log.split(separator: "\n").filter { $0.contains("Cannot find unit for notify message") }
        #expect(lines.count == 5, "\(lines)")
    }

    /// A notify datagram longer than sd_notify allows is refused whole, not read cut short.
    @Test func aTooLongNotificationIsRefused() throws {
        let unit = "[Service]\nNotifyAccess=all\nExecStart=/bin/sh SCRIPT\n"
        let daemon = try DaemonHarness(units: ["long.service": unit])
        let script = daemon.directory + "/long.sh"
        try daemon.write(
            "systemd-notify --pid=$$ \"STATUS=$(head -c 5000 /dev/zero | tr '\\0' x)\"\nexec sleep 600\n", to: script)
        try daemon.write(unit.replacing("SCRIPT", with: script), to: daemon.unitDirectory + "/long.service")
        #expect(daemon.ctl("start long.service").code == 0)
        try daemon.waitUntil("corrald refuses the datagram") {
            daemon.log.contains("Received notify message exceeded maximum size, ignoring.")
        }
        #expect(!daemon.ctl("status long.service").output.contains("Status: \"xxx"))
    }

    /// scripts/hostile-clients.py, run as root against the daemon's control socket.
    private func hostileClients(_ daemon: DaemonHarness, _ arguments: String) -> String {
        // Other users reach the socket, as in /run/corral.
        chmod(daemon.directory, 0o755)
        chmod(daemon.runtimeDirectory, 0o755)
        let projectRoot = #filePath.split(separator: "/").dropLast(3).joined(separator: "/")
        let command = "env CORRAL_RUNTIME_DIR='\(daemon.runtimeDirectory)' '\(DaemonHarness.binaries)/corralctl'"
        return DaemonHarness.shell(
            "/usr/bin/python3 '/\(projectRoot)/scripts/hostile-clients.py' '\(daemon.runtimeDirectory)/control' "
                + arguments.replacing("CORRALCTL", with: command) + " 2>&1"
        ).output
    }

    @Test func rootIsServedWhileOtherUsersHoldEveryConnectionTheyMay() throws {
        let daemon = try DaemonHarness(units: [:])
        let output = hostileClients(
            daemon, "hold 65534:20 65533:16 65532:16 65531:16 65530:4 -- CORRALCTL is-active x.service")
        #expect(
            output == """
                command exit 3: inactive
                held 64
                refused 4: Too many connections from user 65534 (at most 16 at a time).
                refused 4: Too many connections from users other than root (at most 64 at a time).

                """)
    }

    @Test func aClientThatDoesNotFinishItsRequestIsDroppedAfterTenSeconds() throws {
        let daemon = try DaemonHarness(units: [:])
        let output = hostileClients(daemon, "idle 65534")
        #expect(["closed after 10 s\n", "closed after 11 s\n"].contains(output), "\(output)")
    }

    @Test func clientsThatDoNotReadTheirAnswersDoNotHoldUpOthers() throws {
        let daemon = try DaemonHarness(units: [:])
        // Each answer is far more than a socket buffer takes: a loop that waited for each client in
        // turn would answer the command late and cut the answers short.
        let output = hostileClients(daemon, "unread 10 200 -- CORRALCTL is-active x.service")
        #expect(output == "command exit 3: inactive\nwhole answers 10 of 10\n")
    }

    /// A reload of thousands of units goes a slice at a time: clients are answered in between.
    @Test func aReloadOfTwoThousandUnitsLetsOtherClientsIn() throws {
        let names = (0..<2000).map { "t\($0).target" }
        let daemon = try DaemonHarness(
            units: Dictionary(uniqueKeysWithValues: names.map { ($0, "[Unit]\nDescription=T\n") }))
        for start in stride(from: 0, to: names.count, by: 1000) {
            #expect(daemon.ctl("start " + names[start..<start + 1000].joined(separator: " ")).code == 0)
        }
        // Changed files, so that the reload reads every unit again.
        for name in names { try daemon.write("[Unit]\nDescription=U\n", to: daemon.unitDirectory + "/" + name) }
        let output = hostileClients(daemon, "reload t1.target")
        #expect(
            output == """
                is-active t1.target: ['ActiveState=active']
                answered during the reload
                reload answer: b'corral=1\\nexit=0\\n\\n'

                """)
    }
}
