import Exec
import Glibc
import SystemCall
import Testing

@Suite("Spawner")
struct SpawnTests {
    @Test("/bin/true exits 0, seen through its pidfd")
    func trueExitsZero() throws {
        let process = try Spawner.spawn(SpawnRequest(path: "/bin/true"))
        #expect(process.pid > 0)
        #expect(try process.waitForTermination() == .exited(0))
    }

    @Test(
        "exit codes and signals come back",
        arguments: [
            ("exit 3", ProcessExit.exited(3)),
            ("exit 255", .exited(255)),
            ("kill -TERM $$", .killed(signal: SIGTERM, coreDumped: false)),
            ("kill -KILL $$", .killed(signal: SIGKILL, coreDumped: false)),
        ])
    func terminations(script: String, expected: ProcessExit) throws {
        let process = try Spawner.spawn(SpawnRequest(path: "/bin/sh", arguments: ["sh", "-c", script]))
        #expect(try process.waitForTermination() == expected)
    }

    @Test("a running process is not reported as ended")
    func stillRunning() throws {
        let process = try Spawner.spawn(SpawnRequest(path: "/bin/sleep", arguments: ["sleep", "10"]))
        #expect(try process.terminationIfEnded() == nil)
        kill(process.pid, SIGKILL)
        #expect(try process.waitForTermination() == .killed(signal: SIGKILL, coreDumped: false))
    }

    @Test("argv arrives exactly")
    func arguments() throws {
        let result = try run(
            SpawnRequest(
                path: "/bin/sh",
                arguments: ["sh", "-c", #"printf '[%s]' "$0" "$@""#, "zero", "two words", "", "ü", "*"]))
        #expect(result == Output(termination: .exited(0), text: "[zero][two words][][ü][*]"))
    }

    @Test("envp arrives exactly, nothing inherited")
    func environment() throws {
        let result = try run(
            SpawnRequest(path: "/usr/bin/env", arguments: ["env"], environment: ["A=1", "B=two words", "C="]))
        #expect(result == Output(termination: .exited(0), text: "A=1\nB=two words\nC=\n"))
    }

    @Test("stdout and stderr may share one descriptor")
    func sharedOutput() throws {
        let result = try run(
            SpawnRequest(path: "/bin/sh", arguments: ["sh", "-c", "echo out; echo err >&2"]), stderrToo: true)
        #expect(result == Output(termination: .exited(0), text: "out\nerr\n"))
    }

    @Test("stdin comes from the given descriptor")
    func standardInput() throws {
        var input: [Int32] = [-1, -1]
        #expect(pipe(&input) == 0)
        _ = "piped\n".utf8CString.withUnsafeBufferPointer { write(input[1], $0.baseAddress, 6) }
        close(input[1])
        defer { close(input[0]) }
        let result = try run(SpawnRequest(path: "/bin/cat", standardInput: input[0]))
        #expect(result == Output(termination: .exited(0), text: "piped\n"))
    }

    static let allowAll = [BPFInstruction(code: 0x06, operand: 0x7fff_0000)]  // BPF_RET|BPF_K, SECCOMP_RET_ALLOW
    static let noFile = Int32(RLIMIT_NOFILE.rawValue)

    @Test(
        "each failing step is reported with its errno",
        arguments: [
            (SpawnRequest(path: "/usr/bin/nope"), SpawnStage.exec, ENOENT),
            (SpawnRequest(path: "/etc/passwd"), .exec, EACCES),
            (SpawnRequest(path: "/bin/true", standardInput: 999), .standardInput, EBADF),
            (SpawnRequest(path: "/bin/true", standardOutput: 999), .standardOutput, EBADF),
            (SpawnRequest(path: "/bin/true", standardError: 999), .standardError, EBADF),
            (
                SpawnRequest(path: "/bin/true", resourceLimits: [RLimit(resource: noFile, soft: 9, hard: 8)]),
                .resourceLimits, EINVAL
            ),
            (SpawnRequest(path: "/bin/true", workingDirectory: "/nonexistent/corral"), .workingDirectory, ENOENT),
            (SpawnRequest(path: "/bin/true", workingDirectory: "/etc/passwd"), .workingDirectory, ENOTDIR),
            (
                SpawnRequest(path: "/bin/true", seccompPrograms: [[BPFInstruction(code: 0xffff, operand: 0)]]),
                .seccomp, EINVAL
            ),
            // Without no_new_privs, loading a filter needs CAP_SYS_ADMIN, gone after the uid change.
            (
                SpawnRequest(path: "/bin/true", userID: 65534, groupID: 65534, seccompPrograms: [allowAll]), .seccomp,
                EACCES
            ),
            (SpawnRequest(path: "/bin/true", cgroupDirectory: 999), .clone, EBADF),
        ])
    func failures(request: SpawnRequest, stage: SpawnStage, code: Int32) {
        #expect(throws: SpawnError(stage: stage, error: Errno(code), path: request.path)) {
            try Spawner.spawn(request)
        }
    }

    @Test(
        "failures read like systemd's",
        arguments: [
            (
                SpawnError(stage: .exec, error: Errno(ENOENT), path: "/usr/bin/nope"),
                "Failed at step EXEC spawning /usr/bin/nope: No such file or directory"
            ),
            (
                SpawnError(stage: .workingDirectory, error: Errno(ENOENT), path: "/bin/true"),
                "Failed at step CHDIR spawning /bin/true: No such file or directory"
            ),
            (
                SpawnError(stage: .userID, error: Errno(EPERM), path: "/bin/true"),
                "Failed at step USER spawning /bin/true: Operation not permitted"
            ),
            (
                SpawnError(stage: .resourceLimits, error: Errno(EINVAL), path: "/bin/true"),
                "Failed at step LIMITS spawning /bin/true: Invalid argument"
            ),
        ])
    func messages(error: SpawnError, message: String) {
        #expect(error.description == message)
    }

    @Test("a failure from the child reaches the caller whole")
    func missingBinaryMessage() throws {
        let error = try #require(throws: SpawnError.self) { try Spawner.spawn(SpawnRequest(path: "/usr/bin/nope")) }
        #expect(error.description == "Failed at step EXEC spawning /usr/bin/nope: No such file or directory")
    }

    @Test("the working directory is applied")
    func workingDirectory() throws {
        let result = try run(SpawnRequest(path: "/bin/pwd", workingDirectory: "/usr/share"))
        #expect(result == Output(termination: .exited(0), text: "/usr/share\n"))
    }

    @Test("uid, gid and supplementary groups change; groups are dropped unless given")
    func credentials() throws {
        let script = SpawnRequest(
            path: "/bin/sh", arguments: ["sh", "-c", "id -u; id -g; id -G"], userID: 65534, groupID: 65534)
        #expect(try run(script) == Output(termination: .exited(0), text: "65534\n65534\n65534\n"))

        var withGroups = script
        withGroups.supplementaryGroups = [100]
        #expect(try run(withGroups) == Output(termination: .exited(0), text: "65534\n65534\n65534 100\n"))
    }

    @Test("id -u as uid 65534")
    func userID() throws {
        let request = SpawnRequest(path: "/usr/bin/id", arguments: ["id", "-u"], userID: 65534, groupID: 65534)
        #expect(try run(request) == Output(termination: .exited(0), text: "65534\n"))
    }

    @Test("resource limits are applied")
    func resourceLimits() throws {
        let request = SpawnRequest(
            path: "/bin/sh", arguments: ["sh", "-c", "ulimit -n; ulimit -Hn"],
            resourceLimits: [RLimit(resource: Self.noFile, soft: 123, hard: 456)])
        #expect(try run(request) == Output(termination: .exited(0), text: "123\n456\n"))
    }

    @Test("no_new_privs is set only when asked", arguments: [(true, "1"), (false, "0")])
    func noNewPrivileges(enabled: Bool, shown: String) throws {
        let request = SpawnRequest(
            path: "/bin/grep", arguments: ["grep", "^NoNewPrivs:", "/proc/self/status"], noNewPrivileges: enabled)
        #expect(try run(request) == Output(termination: .exited(0), text: "NoNewPrivs:\t\(shown)\n"))
    }

    @Test("signal dispositions and mask are reset")
    func signalsReset() throws {
        signal(SIGPIPE, SIG_IGN)  // so the child has an ignored signal to reset
        let request = SpawnRequest(path: "/bin/grep", arguments: ["grep", "-E", "^Sig(Blk|Ign):", "/proc/self/status"])
        #expect(
            try run(request)
                == Output(termination: .exited(0), text: "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n"))
    }

    @Test("IgnoreSIGPIPE= leaves SIGPIPE (13, bit 12) ignored and nothing else")
    func sigpipeIgnored() throws {
        let request = SpawnRequest(
            path: "/bin/grep", arguments: ["grep", "^SigIgn:", "/proc/self/status"], ignoreSIGPIPE: true)
        #expect(try run(request) == Output(termination: .exited(0), text: "SigIgn:\t0000000000001000\n"))
    }

    @Test("every descriptor but 0, 1 and 2 is closed")
    func descriptorsClosed() throws {
        let inheritable = open("/dev/null", O_RDONLY)  // deliberately without O_CLOEXEC
        #expect(inheritable > 2)
        defer { close(inheritable) }
        // ls opens the directory itself as 3.
        let result = try run(SpawnRequest(path: "/bin/ls", arguments: ["ls", "/proc/self/fd"]))
        #expect(result == Output(termination: .exited(0), text: "0\n1\n2\n3\n"))
    }

    @Test("a passed descriptor arrives at its number, and only it")
    func passedDescriptor() throws {
        var ends: [Int32] = [-1, -1]
        #expect(pipe(&ends) == 0)
        defer { close(ends[0]) }
        let request = SpawnRequest(
            path: "/bin/sh", arguments: ["sh", "-c", "echo ready >&7; ls /proc/self/fd | tr '\\n' ' '"],
            passedDescriptor: PassedDescriptor(source: ends[1], target: 7))
        let result = try run(request)
        close(ends[1])
        var chunk = [UInt8](repeating: 0, count: 64)
        let count = read(ends[0], &chunk, chunk.count)
        #expect(String(decoding: chunk.prefix(max(count, 0)), as: UTF8.self) == "ready\n")
        // 0-2, 7, and the directory ls itself opens.
        #expect(result == Output(termination: .exited(0), text: "0 1 2 3 7 "))
    }

    @Test("a seccomp filter is loaded")
    func seccompFilter() throws {
        let request = SpawnRequest(
            path: "/bin/grep", arguments: ["grep", "-E", "^(NoNewPrivs|Seccomp):", "/proc/self/status"],
            noNewPrivileges: true, seccompPrograms: [Self.allowAll])
        #expect(try run(request) == Output(termination: .exited(0), text: "NoNewPrivs:\t1\nSeccomp:\t2\n"))
    }

    @Test("the child starts inside the given cgroup")
    func intoCgroup() throws {
        let cgroup = try TestCgroup(name: "into")
        defer { cgroup.remove() }
        let request = SpawnRequest(
            path: "/bin/cat", arguments: ["cat", "/proc/self/cgroup"], cgroupDirectory: cgroup.descriptor)
        let result = try run(request)
        #expect(result.termination == .exited(0))
        #expect(result.text.split(separator: "\n").filter { $0.hasPrefix("0::") } == ["0::/\(cgroup.name)"])
    }
}

/// What a child wrote to its stdout (and, if asked, stderr) and how it ended.
struct Output: Equatable {
    var termination: ProcessExit
    var text: String
}

/// Spawns `request` with stdout (and stderr if asked) on a pipe, reads to EOF and reaps.
func run(_ request: SpawnRequest, stderrToo: Bool = false) throws -> Output {
    var ends: [Int32] = [-1, -1]
    #expect(pipe(&ends) == 0)
    var request = request
    request.standardOutput = ends[1]
    if stderrToo {
        request.standardError = ends[1]
    }
    let process: SpawnedProcess
    do {
        defer { close(ends[1]) }
        process = try Spawner.spawn(request)
    }
    defer { close(ends[0]) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    while true {
        let count = read(ends[0], &chunk, chunk.count)
        if count < 0 && errno == EINTR { continue }
        if count <= 0 { break }
        bytes += chunk[..<count]
    }
    return Output(termination: try process.waitForTermination(), text: String(decoding: bytes, as: UTF8.self))
}

/// A child cgroup of the host's cgroup2 mount, named after this process.
struct TestCgroup {
    static let root = "/sys/fs/cgroup/unified"
    let name: String
    let descriptor: Int32

    init(name suffix: String) throws {
        name = "corral-test-\(getpid())-\(suffix)"
        let path = "\(Self.root)/\(name)"
        try #require(mkdir(path, 0o755) == 0, "mkdir \(path): errno \(errno)")
        descriptor = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC)
        try #require(descriptor >= 0, "open \(path): errno \(errno)")
    }

    /// Kills every process in the cgroup (cgroup.kill).
    func killAll() {
        let file = open("\(Self.root)/\(name)/cgroup.kill", O_WRONLY | O_CLOEXEC)
        defer { close(file) }
        #expect(write(file, "1", 1) == 1, "cgroup.kill: errno \(errno)")
    }

    /// Removes the cgroup once its processes are reaped.
    func remove() {
        close(descriptor)
        let removed = rmdir("\(Self.root)/\(name)")
        #expect(removed == 0, "rmdir \(name): errno \(errno)")
    }
}
