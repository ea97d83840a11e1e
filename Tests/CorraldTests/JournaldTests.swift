import Glibc
import Testing

/// Root, journald, unshare, journalctl and a writable cgroup2 mount.
let privateJournaldPossible =
    getuid() == 0 && access("/lib/systemd/systemd-journald", X_OK) == 0 && access("/usr/bin/unshare", X_OK) == 0
    && access("/usr/bin/journalctl", X_OK) == 0 && DaemonHarness.cgroupMount != nil

/// corrald with a real, private systemd-journald: a mount namespace gets its own tmpfs on
/// /run/systemd and /run/log (and /var/log/journal), so the host's logging is untouched.
@Suite(.serialized, .enabled(if: privateJournaldPossible))
struct JournaldTests {
    static let journald = "/lib/systemd/systemd-journald"

    static let hello = """
        [Unit]
        Description=Says hello

        [Service]
        ExecStart=/bin/sh -c 'echo hello from hello; echo "<3>an error line" >&2; exec sleep 600'
        """

    /// A Type=notify service that is ready one second after it starts.
    static let slow = """
        [Service]
        Type=notify
        ExecStart=/usr/bin/python3 -c "import os,socket,time; time.sleep(1); socket.socket(socket.AF_UNIX,socket.SOCK_DGRAM).sendto(b'READY=1',os.environ['NOTIFY_SOCKET']); time.sleep(600)"
        """

    /// Runs `body` (shell) in a private mount namespace with journald running; `$B` is the build
    /// directory, `$T` a temporary directory holding `units/`, `$ROOT` a fresh cgroup root named like a
    /// slice (so journald finds the unit in the cgroup path). Returns everything printed.
    func inNamespace(
        units: [String: String], withJournald: Bool = true, rootName: String = "corral-journal-$$.slice", _ body: String
    ) throws -> String {
        var template = Array("/tmp/corral-journal-XXXXXX".utf8CString)
        let directory = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
        defer { _ = system("rm -rf '\(directory)'") }
        mkdir(directory + "/units", 0o755)
        for (name, text) in units {
            let file = fopen(directory + "/units/" + name, "w")
            fputs(text + "\n", file)
            fclose(file)
        }
        let script = """
            set -e
            B='\(DaemonHarness.binaries)'; T='\(directory)'; ROOT='\(DaemonHarness.cgroupMount!)'/\(rootName)
            for d in /run/systemd /run/log /var/log/journal; do [ -d $d ] && mount -t tmpfs tmpfs $d; done
            mkdir -p /run/systemd/journal
            \(withJournald ? "\(Self.journald) & JOURNALD=$!" : "JOURNALD=")
            for i in $(seq 100); do [ -z "$JOURNALD" ] || [ -S /run/systemd/journal/socket ] && break; sleep 0.05; done
            corrald() { exec $B/corrald --config /dev/null --unit-path $T/units --runtime-dir $T/run --cgroup-root $ROOT "$@"; }
            ctl() { CORRAL_RUNTIME_DIR=$T/run $B/corralctl "$@"; }
            cleanup() { [ -z "$JOURNALD" ] || kill $JOURNALD; find $ROOT -depth -type d -exec rmdir {} + 2>/dev/null || true; }
            trap cleanup EXIT
            \(body)
            """
        let path = directory + "/script.sh"
        let file = fopen(path, "w")
        fputs(script, file)
        fclose(file)
        guard let pipe = popen("timeout -k 5 60 unshare -m --propagation private sh '\(path)' 2>&1", "r") else {
            return ""
        }
        var output = ""
        var buffer = [CChar](repeating: 0, count: 4096)
        while fgets(&buffer, Int32(buffer.count), pipe) != nil {
            output += String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        pclose(pipe)
        return output
    }

    @Test func corraldsEventsAndTheServicesOutputReachTheJournalUnderTheUnitsName() throws {
        let output = try inNamespace(
            units: ["hello.service": Self.hello],
            """
            corrald --start hello.service 2> $T/stderr & PID=$!
            for i in $(seq 100); do
                journalctl -q -u hello.service -o cat > $T/seen
                grep -q 'an error line' $T/seen && grep -q 'Started Says hello' $T/seen && break; sleep 0.05
            done
            echo "-u:"; journalctl -q -u hello.service -o cat | sort
            echo "started:"; journalctl -q CORRAL_UNIT=hello.service MESSAGE_ID=418b81d007cf4087a1e6fb8564d74d3b -o cat
            echo "errors:"; journalctl -q -u hello.service -p err -o cat
            echo "identifier:"; journalctl -q _SYSTEMD_UNIT=hello.service -o json | grep -o '"SYSLOG_IDENTIFIER":"[^"]*"' | sort -u
            echo "status:"; ctl status hello.service | grep -c ' sh\\[[0-9]*\\]: hello from hello$'
            $B/corralctl logs hello.service -n 0 -f > $T/follow & FOLLOW=$!
            sleep 0.2
            kill $PID; wait $PID
            for i in $(seq 100); do grep -qs 'Stopped Says hello' $T/follow && break; sleep 0.05; done
            kill $FOLLOW
            echo "follow:"; sed 's/^[A-Z][a-z][a-z] [0-9 ][0-9] [0-9:]* [^ ]* //; s/\\[[0-9]*\\]//' $T/follow
            echo "logs:"; $B/corralctl logs hello.service -n 2 | sed 's/^[A-Z][a-z][a-z] [0-9 ][0-9] [0-9:]* [^ ]* //; s/\\[[0-9]*\\]//'
            echo "stderr:"; cat $T/stderr
            """)
        #expect(
            output == """
                -u:
                Started Says hello.
                an error line
                hello from hello
                started:
                Started Says hello.
                errors:
                an error line
                identifier:
                "SYSLOG_IDENTIFIER":"sh"
                status:
                1
                follow:
                corrald: Deactivated successfully.
                corrald: Stopped Says hello.
                logs:
                corrald: Deactivated successfully.
                corrald: Stopped Says hello.
                stderr:

                """)
    }

    /// Below a cgroup that is not a slice (as under systemd's delegation, where it is corrald.service),
    /// journald would not file the output under the unit: corrald forwards it with the unit's fields.
    @Test func outputIsForwardedWhenJournaldWouldNotFileItUnderTheUnit() throws {
        let output = try inNamespace(
            units: ["hello.service": Self.hello], rootName: "corral-journal-$$",
            """
            corrald --start hello.service 2> $T/stderr & PID=$!
            for i in $(seq 100); do journalctl -q -u hello.service -o cat | grep -q 'an error line' && break; sleep 0.05; done
            kill $PID; wait $PID
            echo "-u:"; journalctl -q -u hello.service -o cat | sort
            echo "output:"; journalctl -q CORRAL_UNIT=hello.service SYSLOG_IDENTIFIER=sh -o cat | sort
            echo "logs:"; $B/corralctl logs hello.service -n 1 | sed 's/^[A-Z][a-z][a-z] [0-9 ][0-9] [0-9:]* [^ ]* //; s/\\[[0-9]*\\]//'
            """)
        #expect(
            output == """
                -u:
                <3>an error line
                Deactivated successfully.
                Started Says hello.
                Stopped Says hello.
                hello from hello
                output:
                <3>an error line
                hello from hello
                logs:
                corrald: Stopped Says hello.

                """)
    }

    @Test func withoutJournaldLogsSaysSoAndCorraldWritesToStandardError() throws {
        let output = try inNamespace(
            units: ["hello.service": Self.hello], withJournald: false,
            """
            corrald --start hello.service 2> $T/stderr & PID=$!
            for i in $(seq 100); do grep -qs 'an error line' $T/stderr && break; sleep 0.05; done
            # Without a journal, logs shows corrald's ring: time, host, corrald[PID] or the program.
            ctl logs hello.service > $T/ring
            kill $PID; wait $PID
            sort $T/stderr | grep hello.service
            sed -E "s/^[A-Z][a-z]{2} [0-9]{2} [0-9:]{8} $(hostname) //; s/^corrald\\[$PID\\]/corrald[PID]/" $T/ring
            """)
        #expect(
            output == """
                corrald: hello.service: <3>an error line
                corrald: hello.service: Deactivated successfully.
                corrald: hello.service: Started Says hello.
                corrald: hello.service: Stopped Says hello.
                corrald: hello.service: hello from hello
                corrald[PID]: Started Says hello.
                sh: hello from hello
                sh: <3>an error line

                """)
    }

    @Test func readyIsSentOnlyOnceTheStartUpUnitsAreUp() throws {
        let output = try inNamespace(
            units: ["slow.service": Self.slow], withJournald: false,
            """
            python3 -c '
            import socket, sys, time
            s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(sys.argv[1]); print("bound", flush=True)
            start = time.monotonic()
            s.settimeout(3)
            try:
                while True:
                    m = s.recv(4096).decode()
                    if m.startswith("EXTEND_TIMEOUT_USEC="):
                        # Until the start timeout of the unit (90 s) fires, plus the 5 s interval.
                        m = "EXTEND_TIMEOUT_USEC within 90-95 s" if 90000000 <= int(m[20:]) <= 95000000 else m
                    print(m + (" after 1s" if m == "READY=1" and time.monotonic() - start >= 1 else ""), flush=True)
            except socket.timeout:
                pass
            ' $T/notify > $T/heard & LISTENER=$!
            for i in $(seq 100); do [ -S $T/notify ] && break; sleep 0.05; done
            NOTIFY_SOCKET=$T/notify corrald --start slow.service 2>/dev/null & PID=$!
            for i in $(seq 100); do grep -qs READY $T/heard && break; sleep 0.05; done
            ctl is-active slow.service
            kill $PID; wait $PID; wait $LISTENER
            cat $T/heard
            """)
        #expect(
            output == """
                active
                bound
                EXTEND_TIMEOUT_USEC within 90-95 s
                READY=1 after 1s
                STATUS=1 service active
                STOPPING=1
                STATUS=0 services active

                """)
    }

    @Test func watchdogIsFedEveryHalfInterval() throws {
        let output = try inNamespace(
            units: [:], withJournald: false,
            """
            python3 -c '
            import socket, sys
            s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(sys.argv[1]); s.settimeout(1)
            try:
                while True: print(s.recv(4096).decode(), flush=True)
            except socket.timeout:
                pass
            ' $T/notify > $T/heard & LISTENER=$!
            for i in $(seq 100); do [ -S $T/notify ] && break; sleep 0.05; done
            NOTIFY_SOCKET=$T/notify WATCHDOG_USEC=200000 corrald 2>/dev/null & PID=$!
            sleep 1.5
            kill $PID; wait $PID; wait $LISTENER
            count=$(grep -c '^WATCHDOG=1$' $T/heard)
            [ $count -ge 5 ] && [ $count -le 20 ] && echo "watchdog ok" || echo "watchdog $count"
            """)
        #expect(output == "watchdog ok\n")
    }
}
