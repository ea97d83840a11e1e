import Glibc
import Testing

/// The exec sandbox on the host's own kernel (seccomp and capabilities need no cgroup controller):
/// each check runs a transient service that tries one forbidden thing, and reads the kernel's answer.
@Suite(.serialized)
struct SandboxTests {
    /// Output and exit code of `corralctl run --wait --pipe` with the given properties.
    static func run(_ daemon: DaemonHarness, _ properties: String, _ command: String, quiet: Bool = true) -> (
        code: Int32, output: String
    ) {
        daemon.ctl("run \(quiet ? "--quiet " : "")--wait --pipe --collect \(properties) -- \(command)")
    }

    /// The `Name:` line of the process's /proc/self/status, tabs squeezed.
    static func status(_ daemon: DaemonHarness, _ properties: String, _ field: String) -> String {
        run(daemon, properties, "/bin/sh -c 'grep ^\(field): /proc/self/status'").output
            .replacingTabs()
    }

    @Test func aDeniedSystemCallKillsWithSIGSYSOrFailsWithItsErrno() throws {
        let daemon = try DaemonHarness(units: [:])
        let killed = Self.run(daemon, "-p SystemCallFilter=~uname", "/bin/uname", quiet: false)
        #expect(killed.code != 0)
        #expect(killed.output.contains("Main processes terminated with: code=killed/signal=SYS"))
        let refused = Self.run(daemon, "-p SystemCallFilter=~uname -p SystemCallErrorNumber=EPERM", "/bin/uname")
        #expect(refused.code == 1)
        #expect(refused.output.contains("Operation not permitted"))
        let own = Self.run(daemon, "-p SystemCallFilter=~uname:EACCES -p SystemCallErrorNumber=EPERM", "/bin/uname")
        #expect(own.output.contains("Permission denied"))
        #expect(Self.run(daemon, "-p SystemCallFilter=~@mount", "/bin/uname -s") == (0, "Linux\n"))
    }

    @Test func anAllowListRunsAnOrdinaryProgramAndRefusesTheRest() throws {
        let daemon = try DaemonHarness(units: [:])
        #expect(Self.run(daemon, "-p SystemCallFilter=@system-service", "/bin/sh -c 'echo ok'") == (0, "ok\n"))
        // swapoff(2) of a path that does not exist fails with ENOENT unless the filter refuses it first.
        let swapoff = """
            /usr/bin/python3 -c 'import ctypes
            libc = ctypes.CDLL(None, use_errno=True)
            print(libc.swapoff(b"/nonexistent"), ctypes.get_errno())'
            """
        #expect(Self.run(daemon, "", swapoff) == (0, "-1 2\n"))
        #expect(
            Self.run(daemon, "-p SystemCallFilter=@system-service -p SystemCallErrorNumber=EPERM", swapoff) == (
                0, "-1 1\n"
            ))
        #expect(Self.status(daemon, "-p SystemCallFilter=@system-service", "Seccomp") == "Seccomp: 2\n")
        #expect(Self.status(daemon, "", "Seccomp") == "Seccomp: 0\n")
    }

    @Test func restrictAddressFamiliesRefusesOtherSockets() throws {
        let daemon = try DaemonHarness(units: [:])
        let probe = """
            /usr/bin/python3 -c 'import socket
            socket.socket(socket.AF_UNIX).close()
            try:
                socket.socket(socket.AF_INET)
            except OSError as error:
                print(error.errno)'
            """
        #expect(Self.run(daemon, "-p RestrictAddressFamilies=AF_UNIX", probe) == (0, "97\n"))
        #expect(Self.run(daemon, "-p RestrictAddressFamilies=~AF_INET6", probe) == (0, ""))
    }

    @Test func capabilitySetsAreTheKernelsOwn() throws {
        let daemon = try DaemonHarness(units: [:])
        #expect(
            Self.status(daemon, "-p CapabilityBoundingSet=CAP_NET_ADMIN", "CapBnd") == "CapBnd: 0000000000001000\n")
        #expect(
            Self.status(daemon, "-p User=nobody -p AmbientCapabilities=CAP_NET_BIND_SERVICE", "CapAmb")
                == "CapAmb: 0000000000000400\n")
        #expect(
            Self.status(daemon, "-p User=nobody -p AmbientCapabilities=CAP_NET_BIND_SERVICE", "CapEff")
                == "CapEff: 0000000000000400\n")
        #expect(Self.status(daemon, "-p User=nobody", "CapEff") == "CapEff: 0000000000000000\n")
    }

    /// A process that gives up root cannot load a filter without no_new_privs.
    @Test func aFilterForAnotherUserSetsNoNewPrivileges() throws {
        let daemon = try DaemonHarness(units: [:])
        #expect(
            Self.status(daemon, "-p User=nobody -p SystemCallFilter=@system-service", "NoNewPrivs")
                == "NoNewPrivs: 1\n")
        #expect(Self.status(daemon, "-p SystemCallFilter=@system-service", "NoNewPrivs") == "NoNewPrivs: 0\n")
    }
}

extension String {
    fileprivate func replacingTabs() -> String {
        split(separator: "\t", omittingEmptySubsequences: true).joined(separator: " ")
    }
}
