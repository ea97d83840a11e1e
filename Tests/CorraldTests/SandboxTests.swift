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

    /// `PrivateUsers=`: a user namespace mapping root and the unit's user to themselves; root in it
    /// has no privilege over the host (raising its priority needs CAP_SYS_NICE there).
    @Test func privateUsersMapsRootAndTheUnitsUserOnly() throws {
        let daemon = try DaemonHarness(units: [:])
        let maps = "/bin/sh -c 'cat /proc/self/uid_map /proc/self/gid_map | tr -s \" \" | tr \"\\n\" \"|\"'"
        #expect(Self.run(daemon, "-p PrivateUsers=yes", maps).output == " 0 0 1| 0 0 1|")
        #expect(
            Self.run(daemon, "-p PrivateUsers=yes -p User=nobody -p Group=nogroup", maps).output
                == " 0 0 1| 65534 65534 1| 0 0 1| 65534 65534 1|")
        let namespace = "readlink /proc/self/ns/user"
        let host = DaemonHarness.shell(namespace).output
        let own = Self.run(daemon, "-p PrivateUsers=yes", namespace).output
        #expect(own.hasPrefix("user:[") && own != host)
        // The bounding set is dropped inside the namespace (entering it fills the set again).
        #expect(
            Self.status(
                daemon,
                "-p PrivateUsers=yes -p ProtectSystem=strict -p CapabilityBoundingSet=CAP_NET_BIND_SERVICE -p SystemCallFilter=@system-service",
                "CapBnd") == "CapBnd: 0000000000000400\n")
        // GNU nice runs the command anyway, after a warning.
        #expect(Self.run(daemon, "", "/usr/bin/nice -n -5 /bin/true").output == "")
        #expect(
            Self.run(daemon, "-p PrivateUsers=yes", "/usr/bin/nice -n -5 /bin/true").output.contains(
                "cannot set niceness: Permission denied"))
    }

    /// The cgroup's egress program drops a datagram to a denied address: sending fails with EPERM.
    /// An allowed address inside a denied range passes.
    @Test func aDeniedAddressCannotBeSentTo() throws {
        let daemon = try DaemonHarness(units: [:])
        let send = "/bin/bash -c 'echo > /dev/udp/127.0.0.2/9 && echo sent'"
        #expect(Self.run(daemon, "", send).output == "sent\n")
        let denied = Self.run(daemon, "-p IPAddressDeny=127.0.0.0/8", send)
        #expect(denied.output.contains("Operation not permitted"), "\(denied)")
        #expect(Self.run(daemon, "-p IPAddressDeny=any -p IPAddressAllow=127.0.0.2", send).output == "sent\n")
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
        // With other filters too: the allow list, which does not allow seccomp(2), is loaded last.
        #expect(
            Self.run(
                daemon, "-p SystemCallFilter=@system-service -p RestrictAddressFamilies=AF_UNIX -p PrivateDevices=yes",
                "/bin/sh -c 'echo ok'") == (0, "ok\n"))
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

    /// A python3 probe: `code` runs with `libc` (errno kept) and prints its findings.
    static func python(_ code: String) -> String {
        "/usr/bin/python3 -c 'import ctypes, mmap, os, tempfile\nlibc = ctypes.CDLL(None, use_errno=True)\n\(code)'"
    }

    @Test func restrictionsRefuseWhatTheyForbidWithEPERM() throws {
        let daemon = try DaemonHarness(units: [:])
        let personality = Self.python("print(libc.personality(8), ctypes.get_errno())")  // PER_LINUX32
        #expect(Self.run(daemon, "-p LockPersonality=yes", personality) == (0, "-1 1\n"))
        #expect(Self.run(daemon, "", personality) == (0, "0 0\n"))

        let writableCode = Self.python(
            """
            try:
                mmap.mmap(-1, 4096, prot=mmap.PROT_WRITE | mmap.PROT_EXEC); print("mapped")
            except OSError as error:
                print(error.errno)
            """)
        #expect(Self.run(daemon, "-p MemoryDenyWriteExecute=yes", writableCode) == (0, "1\n"))
        #expect(Self.run(daemon, "", writableCode) == (0, "mapped\n"))

        let realtime = Self.python(
            """
            try:
                os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(1)); print("fifo")
            except OSError as error:
                print(error.errno)
            os.sched_setscheduler(0, os.SCHED_BATCH, os.sched_param(0)); print("batch")
            """)
        #expect(Self.run(daemon, "-p RestrictRealtime=yes", realtime) == (0, "1\nbatch\n"))

        let setuid = Self.python(
            """
            path = tempfile.mkstemp()[1]
            try:
                os.chmod(path, 0o4755); print("set-uid")
            except OSError as error:
                print(error.errno)
            os.chmod(path, 0o755); print("plain")
            os.unlink(path)
            """)
        #expect(Self.run(daemon, "-p RestrictSUIDSGID=yes", setuid) == (0, "1\nplain\n"))
        #expect(Self.run(daemon, "", setuid) == (0, "set-uid\nplain\n"))
    }

    @Test func restrictNamespacesRefusesTheTypesNotAllowed() throws {
        let daemon = try DaemonHarness(units: [:])
        // CLONE_NEWNET, CLONE_NEWUTS; each in the probe's own process only.
        let probe = Self.python(
            "print(libc.unshare(0x40000000), ctypes.get_errno()); print(libc.unshare(0x04000000), ctypes.get_errno())")
        #expect(Self.run(daemon, "-p RestrictNamespaces=net", probe) == (0, "0 0\n-1 1\n"))
        #expect(Self.run(daemon, "-p RestrictNamespaces=yes", probe) == (0, "-1 1\n-1 1\n"))
        #expect(Self.run(daemon, "-p RestrictNamespaces=~uts", probe) == (0, "0 0\n-1 1\n"))
        #expect(Self.run(daemon, "", probe) == (0, "0 0\n0 0\n"))
    }

    @Test func protectHostnameGivesAUTSNamespaceWhoseNameCannotChange() throws {
        let daemon = try DaemonHarness(units: [:])
        let hostNamespace = DaemonHarness.shell("readlink /proc/self/ns/uts").output.dropLast()
        // The probe tries to rename only a namespace that is not the host's.
        let probe =
            "/bin/sh -c '[ \"$(readlink /proc/self/ns/uts)\" = \"\(hostNamespace)\" ] && echo shared && exit 0; hostname corral-probe 2>/dev/null && echo renamed || echo refused'"
        #expect(Self.run(daemon, "-p ProtectHostname=yes", probe) == (0, "refused\n"))
        #expect(Self.run(daemon, "", probe) == (0, "shared\n"))
    }

    @Test func processSettingsReachTheProcess() throws {
        let daemon = try DaemonHarness(units: [:])
        #expect(Self.run(daemon, "-p UMask=0027", "/bin/sh -c umask") == (0, "0027\n"))
        #expect(Self.run(daemon, "", "/bin/sh -c umask") == (0, "0022\n"))
        #expect(Self.run(daemon, "-p Nice=7", "/bin/sh -c 'cut -d\" \" -f19 /proc/self/stat'") == (0, "7\n"))
        #expect(Self.run(daemon, "-p OOMScoreAdjust=321", "/bin/cat /proc/self/oom_score_adj") == (0, "321\n"))
        let scheduler = Self.python("print(os.sched_getscheduler(0) & 0xff, os.sched_getparam(0).sched_priority)")
        #expect(Self.run(daemon, "-p CPUSchedulingPolicy=batch", scheduler) == (0, "3 0\n"))
        #expect(Self.run(daemon, "-p CPUSchedulingPolicy=idle", scheduler) == (0, "5 0\n"))
        #expect(Self.run(daemon, "-p IOSchedulingClass=idle", "/usr/bin/ionice") == (0, "idle\n"))
        #expect(
            Self.run(daemon, "-p IOSchedulingPriority=7", "/usr/bin/ionice") == (0, "best-effort: prio 7\n"))
        #expect(Self.status(daemon, "-p CPUAffinity=0", "Cpus_allowed_list") == "Cpus_allowed_list: 0\n")
        #expect(
            Self.run(daemon, "-p User=nobody -p SupplementaryGroups=adm", "/usr/bin/id -G") == (0, "65534 4\n"))
    }

    @Test func environmentPersonalitySecureBitsAndKeyring() throws {
        let daemon = try DaemonHarness(units: [:])
        // The shell would make up a PATH of its own: env(1) shows what the process got.
        let env = "/bin/sh -c '/usr/bin/env | grep -E \"^(PATH|A|B)=\" | sort'"
        #expect(
            Self.run(daemon, "-p Environment=A=1 -p Environment=B=2", env)
                == (0, "A=1\nB=2\nPATH=\(Self.defaultPath)\n"))
        #expect(
            Self.run(daemon, "-p Environment=A=1 -p Environment=B=2 -p \"UnsetEnvironment=PATH A=1 B=3\"", env)
                == (0, "B=2\n"))
        #expect(Self.run(daemon, "-p Personality=x86", "/bin/uname -m") == (0, "i686\n"))
        #expect(Self.run(daemon, "", "/bin/uname -m") == (0, "x86_64\n"))
        // SECBIT_NOROOT: root gains no capabilities by executing a program.
        #expect(Self.status(daemon, "-p SecureBits=noroot", "CapEff") == "CapEff: 0000000000000000\n")
        #expect(Self.status(daemon, "", "CapEff") != "CapEff: 0000000000000000\n")
        // KEYCTL_GET_KEYRING_ID of the session keyring: a new one each run, unless inherited.
        let keyring = Self.python("print(libc.syscall(250, 0, -3, 0))")
        let (first, second) = (Self.run(daemon, "", keyring).output, Self.run(daemon, "", keyring).output)
        #expect(first != second)
        #expect(
            Self.run(daemon, "-p KeyringMode=inherit", keyring).output
                == Self.run(daemon, "-p KeyringMode=inherit", keyring).output)
    }

    /// The device program on the unit's cgroup answers open(2) of a device node (EPERM when refused).
    @Test func devicePolicyRefusesDevicesNotAllowed() throws {
        let daemon = try DaemonHarness(units: [:])
        let probe = Self.python(
            """
            for path, flags in (("/dev/null", os.O_WRONLY), ("/dev/kmsg", os.O_RDONLY), ("/dev/kmsg", os.O_WRONLY)):
                try:
                    os.close(os.open(path, flags)); print("ok")
                except OSError as error:
                    print(error.errno)
            """)
        #expect(Self.run(daemon, "", probe) == (0, "ok\nok\nok\n"))
        #expect(Self.run(daemon, "-p DevicePolicy=closed", probe) == (0, "ok\n1\n1\n"))
        #expect(Self.run(daemon, "-p DeviceAllow=\"/dev/kmsg r\"", probe) == (0, "ok\nok\n1\n"))
        #expect(Self.run(daemon, "-p DevicePolicy=strict -p DeviceAllow=\"/dev/kmsg r\"", probe) == (0, "1\nok\n1\n"))
        #expect(Self.run(daemon, "-p DevicePolicy=closed -p DeviceAllow=char-mem", probe) == (0, "ok\nok\nok\n"))
    }

    /// A service that stops feeding its watchdog is aborted; one past its runtime limit is stopped.
    @Test func watchdogAndRuntimeLimit() throws {
        let daemon = try DaemonHarness(units: [:])
        let starved = Self.run(
            daemon, "-p Type=notify -p NotifyAccess=all -p WatchdogSec=1",
            "/bin/sh -c 'systemd-notify --ready; echo $$WATCHDOG_USEC; exec sleep 600'", quiet: false)
        #expect(starved.output.contains("1000000\n"))
        #expect(starved.output.contains("Finished with result: watchdog"))
        // Fed every 0.3 s for 3 s, longer than its 2 s watchdog.
        let fed = Self.run(
            daemon, "-p Type=notify -p NotifyAccess=all -p WatchdogSec=2",
            "/bin/sh -c 'systemd-notify --ready; for i in 1 2 3 4 5 6 7 8 9 10; do sleep 0.3; systemd-notify WATCHDOG=1; done'",
            quiet: false)
        #expect(fed.output.contains("Finished with result: success"))
        let limited = Self.run(daemon, "-p RuntimeMaxSec=1", "/bin/sleep 600", quiet: false)
        #expect(limited.output.contains("Finished with result: timeout"))
    }

    /// RemoveIPC=: the System V objects and POSIX shared memory of the user go when its unit stops.
    @Test func removeIPCTakesTheUsersObjectsWhenItsUnitStops() throws {
        let daemon = try DaemonHarness(units: [:])
        let marker = "/dev/shm/corral-ipc-\(getpid())"
        defer { unlink(marker) }
        // nobody's shared memory, message queues and semaphore sets (uid columns of /proc/sysvipc).
        func objects() -> Int {
            let count = DaemonHarness.shell(
                "{ awk 'NR > 1 && $8 == 65534' /proc/sysvipc/shm /proc/sysvipc/msg; awk 'NR > 1 && $5 == 65534' /proc/sysvipc/sem; } | wc -l"
            ).output
            return Int(count.filter(\.isNumber)) ?? -1
        }
        let before = objects()
        let make = "/bin/sh -c 'ipcmk -M 4096 && ipcmk -Q && ipcmk -S 1 && touch \(marker)'"
        #expect(Self.run(daemon, "-p User=nobody", make).code == 0)
        #expect(objects() == before + 3 && access(marker, F_OK) == 0)
        #expect(Self.run(daemon, "-p User=nobody -p RemoveIPC=yes", make).code == 0)
        try daemon.waitUntil("nobody's IPC objects are removed") { objects() == 0 && access(marker, F_OK) != 0 }
    }

    static let defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    @Test func aSettingTheKernelRefusesFailsTheStartAtItsStep() throws {
        let daemon = try DaemonHarness(units: [:])
        let unknownGroup = Self.run(
            daemon, "-p SupplementaryGroups=corral-no-such-group", "/bin/true", quiet: false)
        #expect(unknownGroup.code != 0)
        #expect(unknownGroup.output.contains("216"))
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
