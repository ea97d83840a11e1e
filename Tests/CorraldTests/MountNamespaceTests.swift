import Glibc
import Testing

/// Mount namespaces on the host's own kernel: each check runs a transient service that looks at, or
/// tries to write to, what a setting protects, and is paired with the unprotected answer so that it
/// can fail. Writability is asked with `test -w` (access(2) answers EROFS for a read-only mount), so
/// no probe writes to the host's own directories.
@Suite(.serialized)
struct MountNamespaceTests {
    static func run(_ daemon: DaemonHarness, _ properties: String, _ script: String) -> (code: Int32, output: String) {
        SandboxTests.run(daemon, properties, "/bin/sh -c '\(script)'")
    }

    /// "w" or "ro" for each path.
    static func writable(_ paths: [String]) -> String {
        paths.map { "if test -w \($0); then echo w; else echo ro; fi" }.joined(separator: "; ")
    }

    @Test func protectSystemMakesTheSystemReadOnlyAndReadWritePathsOpensOnePart() throws {
        let daemon = try DaemonHarness(units: [:])
        let data = daemon.directory + "/data"
        mkdir(data, 0o755)
        let probe = Self.writable(["/usr", "/etc", data, "/dev/shm"])
        #expect(Self.run(daemon, "", probe) == (0, "w\nw\nw\nw\n"))
        #expect(Self.run(daemon, "-p ProtectSystem=yes", probe) == (0, "ro\nw\nw\nw\n"))
        #expect(Self.run(daemon, "-p ProtectSystem=full", probe) == (0, "ro\nro\nw\nw\n"))
        // strict leaves the API file systems as they were: the host's writable /proc stays so (the
        // last /proc line is the mount the process sees).
        #expect(Self.run(daemon, "-p ProtectSystem=strict", probe) == (0, "ro\nro\nro\nw\n"))
        #expect(Self.run(daemon, "-p ProtectSystem=strict -p ReadWritePaths=\(data)", probe) == (0, "ro\nro\nw\nw\n"))
        let procOptions = "grep \" /proc proc \" /proc/self/mounts | tail -n1 | cut -d\" \" -f4 | cut -d, -f1"
        #expect(Self.run(daemon, "-p ProtectSystem=strict", procOptions) == (0, "rw\n"))
    }

    @Test func readOnlyAndInaccessiblePathsAndTheirMissingForms() throws {
        let daemon = try DaemonHarness(units: [:])
        let data = daemon.directory + "/data"
        mkdir(data, 0o755)
        try daemon.write("secret\n", to: data + "/file")
        #expect(
            Self.run(daemon, "-p ReadOnlyPaths=\(data)", Self.writable([data, daemon.directory])) == (0, "ro\nw\n"))
        let look = "ls -A \(data); stat -c %a \(data); stat -c %a:%s \(data)/file 2>&1"
        #expect(Self.run(daemon, "", look) == (0, "file\n755\n644:7\n"))
        #expect(Self.run(daemon, "-p InaccessiblePaths=\(data)", look).output.hasPrefix("0\n"))
        #expect(Self.run(daemon, "-p InaccessiblePaths=\(data)/file", look) == (0, "file\n755\n0:0\n"))
        #expect(Self.run(daemon, "-p InaccessiblePaths=-\(data)/missing", "echo ran") == (0, "ran\n"))
        let missing = SandboxTests.run(
            daemon, "-p InaccessiblePaths=\(data)/missing", "/bin/echo ran", quiet: false)
        #expect(missing.code != 0)
        #expect(missing.output.contains("status=226"))
    }

    @Test func privateTmpIsTheUnitsOwnAndGoesWithIt() throws {
        let daemon = try DaemonHarness(units: [:])
        let marker = daemon.directory + "/marker"
        try daemon.write("", to: marker)
        let probe = "ls -A /tmp /var/tmp | wc -l; touch /tmp/own && echo wrote; stat -c %a /tmp"
        // Two headers and a blank line: both directories empty.
        #expect(Self.run(daemon, "-p PrivateTmp=yes", probe) == (0, "3\nwrote\n1777\n"))
        #expect(Self.run(daemon, "", "test -e \(marker) && echo seen") == (0, "seen\n"))
        try daemon.waitUntil("the private directories are removed") {
            DaemonHarness.shell("ls -d /tmp/corral-private-* /var/tmp/corral-private-* 2>/dev/null").output == ""
        }
    }

    @Test func temporaryFileSystemsAndBinds() throws {
        let daemon = try DaemonHarness(units: [:])
        let source = daemon.directory + "/source", target = daemon.directory + "/target"
        mkdir(source, 0o755)
        mkdir(target, 0o755)
        try daemon.write("hello\n", to: source + "/greeting")
        try daemon.write("old\n", to: target + "/old")
        let look = "ls -A \(target); \(Self.writable([target]))"
        #expect(Self.run(daemon, "-p TemporaryFileSystem=\(target)", look) == (0, "w\n"))
        #expect(Self.run(daemon, "-p TemporaryFileSystem=\(target):ro", look) == (0, "ro\n"))
        #expect(Self.run(daemon, "-p BindPaths=\(source):\(target)", look) == (0, "greeting\nw\n"))
        #expect(Self.run(daemon, "-p BindReadOnlyPaths=\(source):\(target)", look) == (0, "greeting\nro\n"))
        #expect(Self.run(daemon, "-p BindPaths=-\(source)/missing:\(target)", look) == (0, "old\nw\n"))
        // A bind inside a temporary file system gets its mount point made there.
        #expect(
            Self.run(daemon, "-p TemporaryFileSystem=\(target) -p BindPaths=\(source):\(target)/in", "ls \(target)/in")
                == (0, "greeting\n"))
        #expect(DaemonHarness.shell("ls -A \(target)").output == "old\n")
    }

    @Test func privateDevicesLeavesOnlyThePseudoDevices() throws {
        let daemon = try DaemonHarness(units: [:])
        let probe =
            "ls /dev | grep -c -v -x -e null -e zero -e full -e random -e urandom -e tty -e ptmx -e pts -e shm -e mqueue -e hugepages -e char -e log -e fd -e stdin -e stdout -e stderr -e core; echo x > /dev/null && echo null-ok; \(Self.writable(["/dev/shm"]))"
        #expect(Self.run(daemon, "-p PrivateDevices=yes", probe) == (0, "0\nnull-ok\nw\n"))
        #expect(Self.run(daemon, "", probe).output != "0\nnull-ok\nw\n")
        #expect(
            SandboxTests.status(daemon, "-p PrivateDevices=yes", "CapBnd") != SandboxTests.status(daemon, "", "CapBnd"))
    }

    @Test func kernelProtectionsAndHome() throws {
        let daemon = try DaemonHarness(units: [:])
        let probe = Self.writable(["/proc/sys/kernel/domainname", "/sys/fs/cgroup/unified"])
        #expect(Self.run(daemon, "", probe) == (0, "w\nw\n"))
        #expect(Self.run(daemon, "-p ProtectKernelTunables=yes", probe) == (0, "ro\nw\n"))
        #expect(Self.run(daemon, "-p ProtectControlGroups=yes", probe) == (0, "w\nro\n"))
        let proc = "test -e /proc/1 && echo pid1; test -e /proc/meminfo && echo meminfo; true"
        #expect(Self.run(daemon, "-p User=nobody", proc) == (0, "pid1\nmeminfo\n"))
        #expect(Self.run(daemon, "-p User=nobody -p ProtectProc=invisible", proc) == (0, "meminfo\n"))
        #expect(Self.run(daemon, "-p ProcSubset=pid", proc) == (0, "pid1\n"))
        #expect(Self.run(daemon, "-p ProtectHome=yes", "stat -c %a /root") == (0, "0\n"))
        #expect(Self.run(daemon, "-p ProtectHome=read-only", Self.writable(["/root"])) == (0, "ro\n"))
        #expect(Self.run(daemon, "-p ProtectHome=tmpfs", "ls -A /root | wc -l; stat -c %a /root") == (0, "0\n700\n"))
    }

    @Test func noExecPathsRefuseProgramsThere() throws {
        let daemon = try DaemonHarness(units: [:])
        let bin = daemon.directory + "/bin"
        mkdir(bin, 0o755)
        try daemon.write("#!/bin/sh\necho ran\n", to: bin + "/hello")
        chmod(bin + "/hello", 0o755)
        #expect(Self.run(daemon, "", "\(bin)/hello") == (0, "ran\n"))
        #expect(
            Self.run(daemon, "-p NoExecPaths=\(bin)", "\(bin)/hello 2>/dev/null || echo refused") == (0, "refused\n"))
        #expect(
            Self.run(daemon, "-p NoExecPaths=\(daemon.directory) -p ExecPaths=\(bin)", "\(bin)/hello") == (0, "ran\n"))
    }

    @Test func privateMountsAndNetworkAreTheirOwnNamespaces() throws {
        let daemon = try DaemonHarness(units: [:])
        let host = DaemonHarness.shell("readlink /proc/self/ns/mnt /proc/self/ns/net /proc/self/ns/ipc").output
        let probe = "readlink /proc/self/ns/mnt /proc/self/ns/net /proc/self/ns/ipc"
        #expect(Self.run(daemon, "", probe).output == host)
        let own = Self.run(daemon, "-p PrivateMounts=yes -p PrivateNetwork=yes -p PrivateIPC=yes", probe).output
            .split(separator: "\n")
        let hostLines = host.split(separator: "\n")
        #expect(own.count == 3 && zip(own, hostLines).allSatisfy { $0 != $1 })
        let interfaces = SandboxTests.run(
            daemon, "-p PrivateNetwork=yes",
            "/usr/bin/python3 -c 'import socket; print(socket.if_nameindex()); s = socket.socket(); s.bind((\"127.0.0.1\", 0)); s.listen(); c = socket.create_connection(s.getsockname()); print(\"connected\")'"
        )
        #expect(interfaces == (0, "[(1, 'lo')]\nconnected\n"))
        // The unit's processes share one network and one IPC namespace, as in systemd.
        let record = daemon.directory + "/namespaces"
        let shared = SandboxTests.run(
            daemon,
            "-p PrivateNetwork=yes -p PrivateIPC=yes -p ExecStartPre=\"/bin/sh -c \\\"readlink /proc/self/ns/net /proc/self/ns/ipc > \(record)\\\"\"",
            "/bin/sh -c 'readlink /proc/self/ns/net /proc/self/ns/ipc | cmp -s - \(record) && echo same'")
        #expect(shared == (0, "same\n"))
        try daemon.waitUntil("the kept namespaces are released") {
            DaemonHarness.shell("ls -A \(daemon.runtimeDirectory)/namespaces").output == ""
        }
    }

    /// The directories are made before the process starts, owned by its user, named in its
    /// environment, writable under ProtectSystem=strict; the runtime one goes with the run.
    @Test func execDirectoriesAreMadeForTheUser() throws {
        let daemon = try DaemonHarness(units: [:])
        let name = "corral-test-\(getpid())"
        defer { _ = DaemonHarness.shell("rm -rf /var/lib/\(name) /run/\(name) /var/lib/\(name)-link") }
        let probe =
            "echo $$STATE_DIRECTORY $$RUNTIME_DIRECTORY; stat -c %U:%a /var/lib/\(name) /run/\(name); readlink /var/lib/\(name)-link; \(Self.writable(["/var/lib/\(name)", "/var/lib"]))"
        #expect(
            Self.run(
                daemon,
                "-p User=nobody -p StateDirectory=\(name):\(name)-link -p RuntimeDirectory=\(name) -p StateDirectoryMode=0750 -p ProtectSystem=strict",
                probe)
                == (
                    0,
                    "/var/lib/\(name) /run/\(name)\nnobody:750\nnobody:755\n/var/lib/\(name)\nw\nro\n"
                ))
        try daemon.waitUntil("the runtime directory is removed") { access("/run/\(name)", F_OK) != 0 }
        #expect(access("/var/lib/\(name)", F_OK) == 0)
        #expect(
            Self.run(daemon, "-p RuntimeDirectory=\(name) -p RuntimeDirectoryPreserve=yes", "true") == (0, ""))
        #expect(access("/run/\(name)", F_OK) == 0)
    }

    /// `DynamicUser=`: a user from systemd's dynamic range, its state directory in
    /// /var/lib/private (root's, 0700) behind a link, the only one to be seen there; the user is
    /// given back when the run ends.
    @Test func aDynamicUserGetsANumberAndAPrivateStateDirectory() throws {
        let daemon = try DaemonHarness(units: [:])
        let name = "corral-test-dynamic-\(getpid())"
        defer { _ = DaemonHarness.shell("rm -rf /var/lib/private/\(name) /var/lib/\(name)") }
        let probe = "id -u; echo $$STATE_DIRECTORY; touch $$STATE_DIRECTORY/file && echo written; ls /var/lib/private"
        let (code, output) = Self.run(daemon, "-p DynamicUser=yes -p StateDirectory=\(name)", probe)
        let lines = output.split(separator: "\n").map(String.init)
        #expect(code == 0, "\(output)")
        let uid = try #require(lines.first.flatMap { UInt32($0) })
        #expect((61184...65519).contains(uid))
        #expect(lines.dropFirst() == ["/var/lib/\(name)", "written", name])
        var status = stat()
        #expect(stat("/var/lib/private", &status) == 0 && status.st_mode & 0o777 == 0o700 && status.st_uid == 0)
        #expect(stat("/var/lib/private/\(name)/file", &status) == 0 && status.st_uid == uid)
        #expect(DaemonHarness.shell("readlink /var/lib/\(name)").output == "private/\(name)\n")
        let adm = try #require(getgrnam("adm")).pointee.gr_gid
        let groups = Self.run(daemon, "-p DynamicUser=yes -p SupplementaryGroups=adm", "id -G").output
        #expect(groups.split(whereSeparator: \.isWhitespace).dropFirst().map(String.init) == ["\(adm)"], "\(groups)")
        try daemon.waitUntil("the dynamic user is given back") {
            DaemonHarness.shell("ls -A \(daemon.runtimeDirectory)/dynamic-uid").output.isEmpty
        }
    }

    /// Credentials are files of the unit's user, 0400, on a read-only ramfs named by
    /// $CREDENTIALS_DIRECTORY, gone with the run; a missing file fails the start at CREDENTIALS.
    @Test func credentialsAreTheUsersReadOnlyFiles() throws {
        let daemon = try DaemonHarness(units: [:])
        // The user must reach the runtime directory, as /run/corral.
        chmod(daemon.directory, 0o755)
        chmod(daemon.runtimeDirectory, 0o755)
        let source = daemon.directory + "/source"
        mkdir(source, 0o755)
        try daemon.write("one", to: source + "/a")
        try daemon.write("two", to: source + "/b")
        let probe =
            "cd $$CREDENTIALS_DIRECTORY && echo $$(ls) && cat greeting && cmp -s host /etc/hostname && echo same; stat -c %U:%a greeting; touch new 2>/dev/null || echo ro; df . | tail -n1 | cut -d\" \" -f1"
        let properties =
            "-p User=nobody -p LoadCredential=host:/etc/hostname -p LoadCredential=dir:\(source) -p SetCredential=greeting:hi\\\\x21 -p SetCredential=host:ignored"
        #expect(
            Self.run(daemon, properties, probe)
                == (0, "dir_a dir_b greeting host\nhi!same\nnobody:400\nro\nramfs\n"))
        try daemon.waitUntil("the credentials are removed") {
            DaemonHarness.shell("ls -A \(daemon.runtimeDirectory)/credentials").output == ""
        }
        let missing = SandboxTests.run(daemon, "-p LoadCredential=x:/nonexistent", "/bin/true", quiet: false)
        #expect(missing.code != 0)
        #expect(missing.output.contains("status=243"))
        #expect(DaemonHarness.shell("ls -A \(daemon.runtimeDirectory)/credentials").output == "")
    }

    @Test func rootDirectoryIsTheProcessesRoot() throws {
        let daemon = try DaemonHarness(units: [:])
        let root = daemon.directory + "/root"
        mkdir(root, 0o755)
        for link in ["bin", "lib", "lib64", "sbin"] { symlink("usr/" + link, root + "/" + link) }
        #expect(
            Self.run(daemon, "-p RootDirectory=\(root) -p BindReadOnlyPaths=/usr", "ls /; \(Self.writable(["/usr"]))")
                == (0, "bin\nlib\nlib64\nsbin\nusr\nro\n"))
    }
}

/// `corralctl plan` shows a service's sandbox and IP address filter beside its cgroup plan.
@Suite struct SandboxPlanOutputTests {
    /// What `corralctl plan UNIT` prints for units written as `files` (name → contents).
    static func plan(_ unit: String, _ files: [String: String]) throws -> [String] {
        let directory = try DaemonHarness.unitDirectory(files)
        defer { _ = DaemonHarness.shell("rm -rf \(directory)") }
        return DaemonHarness.shell("'\(DaemonHarness.binaries)/corralctl' plan --unit-path \(directory) \(unit)").output
            .split(separator: "\n").map(String.init)
    }

    @Test func planListsNamespacesMountsAndCapabilities() throws {
        let unit =
            "[Service]\nExecStart=/bin/true\nProtectSystem=strict\nPrivateTmp=yes\nCapabilityBoundingSet=CAP_NET_BIND_SERVICE\nSystemCallFilter=@system-service\n"
        let sandbox = try Self.plan("hardened.service", ["hardened.service": unit]).drop { $0 != "Sandbox:" }
        #expect(
            sandbox.filter { !$0.hasPrefix("  Seccomp:") } == [
                "Sandbox:", "  Namespaces: mnt", "  Mount: / read-only ro", "  Mount: /dev read-write-implicit",
                "  Mount: /home read-write-implicit", "  Mount: /proc read-write-implicit",
                "  Mount: /root read-write-implicit", "  Mount: /run/user read-write-implicit",
                "  Mount: /sys read-write-implicit",
                "  Mount: /tmp private-tmp from /tmp/corral-private-INVOCATION/tmp",
                "  Mount: /var/tmp private-tmp from /var/tmp/corral-private-INVOCATION/tmp",
                "  CapabilityBoundingSet: CAP_NET_BIND_SERVICE",
            ])
        #expect(
            sandbox.last?.hasPrefix("  Seccomp: ") == true && sandbox.last?.hasSuffix("rules, otherwise kill") == true)
    }

    @Test func aPlainServiceHasNoSandbox() throws {
        #expect(
            try Self.plan("plain.service", ["plain.service": "[Service]\nExecStart=/bin/true\n"])
                == ["Unit: plain.service", "CGroup: /system.slice/plain.service"])
    }

    /// A service's filter joins its lists with those of every slice above it; a slice has none.
    @Test func theIPAddressFilterJoinsTheSlicesLists() throws {
        let files = [
            "-.slice": "[Slice]\nIPAddressDeny=192.168.0.0/16\n",
            "web.slice": "[Slice]\nIPAddressDeny=any\n",
            "web-front.slice": "[Slice]\nIPAddressAllow=10.1.2.3/8\n",
            "a.service": "[Service]\nSlice=web-front.slice\nExecStart=/bin/true\nIPAddressAllow=localhost\n",
        ]
        #expect(
            try Self.plan("a.service", files).drop { !$0.hasPrefix("IP addresses:") } == [
                "IP addresses: (ingress and egress programs; allowed first, then denied, else allowed)",
                "  allow 10.0.0.0/8", "  allow 127.0.0.0/8", "  allow ::1/128", "  deny 0.0.0.0/0",
                "  deny 192.168.0.0/16", "  deny ::/0",
            ])
        #expect(!(try Self.plan("web.slice", files)).contains { $0.hasPrefix("IP addresses:") })
    }
}
