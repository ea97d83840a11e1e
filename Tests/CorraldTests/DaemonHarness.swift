import Glibc
import Testing

/// Runs the real `corrald` with a temporary unit directory, runtime directory and cgroup root
/// (a child of the host's cgroup2 mount), and drives it with the real `corralctl`.
final class DaemonHarness {
    static let binaries: String = {
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        let path = String(decoding: buffer.prefix(max(count, 0)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var directory = path.split(separator: "/", omittingEmptySubsequences: false).dropLast()
        // The test runner is either .build/debug/X.xctest or a file inside it.
        if directory.last?.hasSuffix(".xctest") == true { directory = directory.dropLast() }
        return directory.joined(separator: "/")
    }()

    static let cgroupMount: String? = {
        for candidate in ["/sys/fs/cgroup/unified", "/sys/fs/cgroup"]
        where access(candidate + "/cgroup.procs", W_OK) == 0 && access(candidate + "/cgroup.subtree_control", F_OK) == 0
        {
            return candidate
        }
        return nil
    }()

    let directory: String
    let unitDirectory: String
    let runtimeDirectory: String
    let cgroupRoot: String
    let logPath: String
    private(set) var pid: pid_t = 0

    /// corrald.conf's contents (`/dev/null` when not given).
    let configuration: String?

    /// Writes `units` (file name → contents), runs `prepare` (to write or enable more), and starts
    /// corrald with `--start` for each of `start`, reading `configuration` as its corrald.conf.
    init(
        units: [String: String], start: [String] = [], configuration: String? = nil, name: String = #function,
        prepare: (DaemonHarness) throws -> Void = { _ in }
    ) throws {
        self.configuration = configuration
        var template = Array("/tmp/corrald-test-XXXXXX".utf8CString)
        directory = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
        unitDirectory = directory + "/units"
        runtimeDirectory = directory + "/run"
        logPath = directory + "/corrald.log"
        let testName = name.prefix { $0.isLetter || $0.isNumber }
        guard let mount = Self.cgroupMount else { throw HarnessError("no writable cgroup2 mount on this host") }
        cgroupRoot = mount + "/corral-test-\(getpid())-\(testName)"
        mkdir(unitDirectory, 0o755)
        for (file, contents) in units { try write(contents, to: unitDirectory + "/" + file) }
        if let configuration { try write(configuration, to: directory + "/corrald.conf") }
        try prepare(self)
        try launch(start: start)
    }

    deinit {
        stop()
        // Anything left behind by a failing test is swept, deepest cgroups first.
        _ = system(
            "[ -d '\(cgroupRoot)' ] && { echo 1 > '\(cgroupRoot)/cgroup.kill'; sleep 0.2; find '\(cgroupRoot)' -depth -type d -exec rmdir {} + ; } 2>/dev/null"
        )
        if getenv("KEEP_HARNESS") == nil { _ = system("rm -rf '\(directory)'") }
    }

    func write(_ contents: String, to path: String) throws {
        if let slash = path.lastIndex(of: "/") { mkdir(String(path[..<slash]), 0o755) }
        guard let file = fopen(path, "w") else { throw HarnessError("cannot write \(path)") }
        fputs(contents, file)
        fclose(file)
    }

    /// A new directory under /tmp holding `files` (name → contents), for the offline verbs; the
    /// caller removes it.
    static func unitDirectory(_ files: [String: String]) throws -> String {
        var template = Array("/tmp/corral-units-XXXXXX".utf8CString)
        let directory = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
        for (name, contents) in files {
            guard let file = fopen(directory + "/" + name, "w") else { throw HarnessError("cannot write \(name)") }
            fputs(contents, file)
            fclose(file)
        }
        return directory
    }

    /// SIGKILL, as a crash: nothing of corrald's own shutdown runs.
    func crash() {
        guard pid > 0 else { return }
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        pid = 0
    }

    /// Starts corrald again on the same directories and cgroup root (the crashed one's socket file stays behind).
    func relaunch(start: [String] = []) throws {
        unlink(runtimeDirectory + "/control")
        try launch(start: start)
    }

    var daemonPID: pid_t { pid }

    private func launch(start: [String]) throws {
        let arguments =
            [
                Self.binaries + "/corrald", "--config",
                configuration == nil ? "/dev/null" : directory + "/corrald.conf",
                "--unit-path", unitDirectory,
                "--runtime-dir", runtimeDirectory, "--cgroup-root", cgroupRoot,
            ] + start.flatMap { ["--start", $0] }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        guard posix_spawn(&pid, arguments[0], &actions, nil, argv, environ) == 0 else {
            throw HarnessError("cannot start corrald")
        }
        try waitUntil("the control socket exists") { access(runtimeDirectory + "/control", F_OK) == 0 }
    }

    /// SIGTERM, and wait for corrald to stop every unit and exit; returns its exit status.
    @discardableResult
    func stop() -> Int32 {
        guard pid > 0 else { return -1 }
        kill(pid, SIGTERM)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        pid = 0
        return status
    }

    /// Waits for corrald to exit by itself; returns its exit status.
    func exitStatus(within seconds: Double = 10) throws -> Int32 {
        var status: Int32 = 0
        try waitUntil("corrald exits", seconds: seconds) { waitpid(pid, &status, WNOHANG) == pid }
        pid = 0
        return (status >> 8) & 0xff
    }

    /// Runs corralctl against this daemon: its exit code and everything it printed.
    /// `environment`: more `NAME=VALUE` words for corralctl's environment.
    func ctl(_ arguments: String, input: String? = nil, environment: String = "") -> (code: Int32, output: String) {
        let feed = input.map { "printf '%s' '\($0)' | " } ?? ""
        let command =
            "\(feed)CORRAL_RUNTIME_DIR='\(runtimeDirectory)' \(environment) '\(Self.binaries)/corralctl' \(arguments) 2>&1"
        return Self.shell(command)
    }

    /// `sh -c command`: its exit code and standard output. Spawned with every signal unblocked and at
    /// its default, as from a login shell: the test runner's threads block most signals, and a
    /// process started from one (`run --scope`) would inherit that mask.
    static func shell(_ command: String) -> (code: Int32, output: String) {
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { return (-1, "") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, ends[1], 1)
        posix_spawn_file_actions_addclose(&actions, ends[0])
        posix_spawn_file_actions_addclose(&actions, ends[1])
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let words = ["/bin/sh", "-c", command]
        let argv: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var child: pid_t = 0
        let spawned = posix_spawn(&child, "/bin/sh", &actions, &attributes, argv, environ)
        close(ends[1])
        defer { close(ends[0]) }
        guard spawned == 0 else { return (-1, "") }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while case let count = Glibc.read(ends[0], &buffer, buffer.count), count != 0 {
            if count < 0 {
                if errno == EINTR { continue }
                break
            }
            bytes += buffer[0..<count]
        }
        var status: Int32 = 0
        while waitpid(child, &status, 0) < 0 && errno == EINTR {}
        return ((status >> 8) & 0xff, String(decoding: bytes, as: UTF8.self))
    }

    var log: String { Self.read(logPath) ?? "" }

    /// A cgroup file of a unit's cgroup, relative to the test's root.
    func cgroupFile(_ relative: String) -> String? {
        Self.read(cgroupRoot + "/" + relative)
    }

    func cgroupExists(_ relative: String) -> Bool {
        access(cgroupRoot + "/" + relative, F_OK) == 0
    }

    static func read(_ path: String) -> String? {
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while case let count = fread(&buffer, 1, buffer.count, file), count > 0 { bytes += buffer[0..<count] }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Polls `condition` every 20 ms for up to `seconds`.
    func waitUntil(_ what: String, seconds: Double = 10, _ condition: () -> Bool) throws {
        let deadline = Double(time(nil)) + seconds
        while !condition() {
            guard Double(time(nil)) < deadline else { throw HarnessError("timed out waiting until \(what)\n\(log)") }
            usleep(20_000)
        }
    }
}

struct HarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
