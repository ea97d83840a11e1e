import ExecSandbox
import Glibc
import SystemCall
import UnitFile
import UnitModel

/// What a spawned process gets from the supervisor besides its unit's settings.
public struct LaunchContext {
    /// `O_PATH` descriptor of the unit's cgroup, for CLONE_INTO_CGROUP.
    public var cgroupDirectory: FileDescriptor
    /// Write end of the pipe that carries the unit's output to corrald.
    public var outputPipe: FileDescriptor?
    /// A journald stream (`sd_journal_stream_fd`) for output sent to the journal; nil: use the pipe.
    public var journalStream: FileDescriptor?
    public var notifySocket: String?
    public var invocationID: String
    /// `$MAINPID` for control processes once the main process is known.
    public var mainPID: Int32?
    /// The caller's stdin, stdout and stderr (`run --pipe`), overriding the unit's settings.
    public var pipedStandardIO: [FileDescriptor] = []
    /// The open-files limit a service gets without `LimitNOFILE=`: the one corrald was started
    /// with, before it raised its own (as systemd gives services 1024 whatever its own is).
    public var defaultFileLimit: ResourceLimit?
    /// `User=` and `Group=` looked up once for the whole run (`Credentials.resolve`).
    public var credentials: Result<Credentials?, Credentials.LookupError>
    /// Whether the program gets the write end of a readiness pipe (`ReadyNotificationFD=`).
    public var passesReadinessPipe: Bool
    /// The nodes inaccessible paths are covered with (`SpawnRequest.inaccessibleDirectory`).
    public var inaccessibleDirectory: String?
    /// The unit's own `/tmp` and `/var/tmp` for this run (`PrivateTmp=`).
    public var privateTemporary: (tmp: String, varTmp: String)?
    /// The network and IPC namespaces the unit's processes share; their types are not unshared.
    public var sharedNamespaces: [SharedNamespace] = []
    /// `$CREDENTIALS_DIRECTORY`, when the unit has credentials.
    public var credentialsDirectory: String?
    /// `$WATCHDOG_USEC` for the main process of a service with `WatchdogSec=`.
    public var watchdogMicroseconds: UInt64?

    public init(
        cgroupDirectory: FileDescriptor, outputPipe: FileDescriptor?, journalStream: FileDescriptor?,
        notifySocket: String?, invocationID: String, mainPID: Int32?, pipedStandardIO: [FileDescriptor],
        defaultFileLimit: ResourceLimit?, credentials: Result<Credentials?, Credentials.LookupError>,
        passesReadinessPipe: Bool
    ) {
        self.cgroupDirectory = cgroupDirectory
        self.outputPipe = outputPipe
        self.journalStream = journalStream
        self.notifySocket = notifySocket
        self.invocationID = invocationID
        self.mainPID = mainPID
        self.pipedStandardIO = pipedStandardIO
        self.defaultFileLimit = defaultFileLimit
        self.credentials = credentials
        self.passesReadinessPipe = passesReadinessPipe
    }
}

/// A process `ProcessLaunch.start` started.
public struct LaunchedProcess {
    public var pid: Int32
    public var pidfd: FileDescriptor
    /// The read end of the `ReadyNotificationFD=` pipe, when the context asked for one.
    public var readinessPipe: FileDescriptor?
}

/// Starts a unit's command: turns its command line and execution settings into a `SpawnRequest`,
/// opens what the program's standard streams name, and spawns it.
public enum ProcessLaunch {
    static let defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    public static func start(_ command: ExecCommand, unit: Unit, context: LaunchContext) throws(SpawnFailure)
        -> LaunchedProcess
    {
        var (request, opened) = try request(for: command, unit: unit, context: context)
        var readiness: (read: FileDescriptor, write: FileDescriptor)?
        if context.passesReadinessPipe, let target = unit.service.readyNotificationFD {
            do {
                readiness = try FileDescriptor.pipe()
            } catch {
                throw SpawnFailure(
                    step: .fds, message: "Failed at step FDS spawning \(command.path): readiness pipe: \(error)")
            }
            request.passedDescriptor = PassedDescriptor(source: readiness!.write.rawValue, target: target)
        }
        do {
            let process = try withExtendedLifetime((opened, readiness, context)) { () throws(SpawnError) in
                try Spawner.spawn(request)
            }
            return LaunchedProcess(pid: process.pid, pidfd: process.pidfd, readinessPipe: readiness?.read)
        } catch {
            throw SpawnFailure(step: error.stage.step, message: error.description)
        }
    }

    /// The request, and the descriptors opened for it, which must stay open until the child has started.
    static func request(
        for command: ExecCommand, unit: Unit, context: LaunchContext
    ) throws(SpawnFailure) -> (request: SpawnRequest, opened: [FileDescriptor]) {
        let exec = unit.exec
        var opened: [FileDescriptor] = []
        /// A spawn that failed before the child existed (user lookup, files to open).
        func fail(_ step: ExecStep, _ error: String) -> SpawnFailure {
            SpawnFailure(step: step, message: "Failed at step \(step.rawValue) spawning \(command.path): \(error)")
        }

        let credentials: Credentials?
        switch context.credentials {
        case .success(let found): credentials = found
        case .failure(let error): throw fail(error.step, error.message)
        }

        var environment = baseEnvironment(context: context, credentials: credentials, unit: unit)
        for file in exec.environmentFiles {
            guard let text = readTextFile(atPath: file.path) else {
                if file.missingOK { continue }
                throw fail(.exec, "Failed to load environment files: \(file.path): No such file or directory")
            }
            environment.merge(parseEnvironmentFile(text))
        }
        environment.merge(
            try exec.directories.prepare(
                owner: exec.user == nil ? (0, 0) : (credentials?.uid ?? 0, credentials?.gid ?? 0),
                dynamicUser: exec.dynamicUser))
        environment.merge(exec.environment)
        environment.unset(exec.unsetEnvironment)

        let arguments =
            command.flags.contains(.noEnvironmentExpansion)
            ? command.argv : expandVariables(in: command.argv, environment: environment)

        func open(_ path: String, _ flags: Int32, _ step: ExecStep) throws(SpawnFailure) -> Int32 {
            do {
                let file = try FileDescriptor.open(path, flags)
                opened.append(file)
                return file.rawValue
            } catch {
                throw fail(step, "\(path): \(error)")
            }
        }
        func output(_ stream: StandardStream, step: ExecStep) throws(SpawnFailure) -> Int32? {
            switch stream {
            case .null: return try open("/dev/null", O_WRONLY, step)
            case .file(let path): return try open(path, O_WRONLY | O_CREAT, step)
            case .append(let path): return try open(path, O_WRONLY | O_CREAT | O_APPEND, step)
            case .truncate(let path): return try open(path, O_WRONLY | O_CREAT | O_TRUNC, step)
            case .inherit, .tty: return nil
            case .journal: return (context.journalStream ?? context.outputPipe)?.rawValue ?? -1
            case .kmsg, .socket, .data: return context.outputPipe?.rawValue ?? -1
            }
        }
        var standardInput: Int32
        var standardOutput: Int32?
        var standardError: Int32?
        if context.pipedStandardIO.count == 3 {
            standardInput = context.pipedStandardIO[0].rawValue
            standardOutput = context.pipedStandardIO[1].rawValue
            standardError = context.pipedStandardIO[2].rawValue
        } else {
            switch exec.standardInput {
            case .file(let path): standardInput = try open(path, O_RDONLY, .standardInput)
            default: standardInput = try open("/dev/null", O_RDONLY, .standardInput)
            }
            standardOutput = try output(exec.standardOutput, step: .standardOutput)
            standardError =
                exec.standardError == .inherit ? standardOutput : try output(exec.standardError, step: .standardError)
        }

        var workingDirectory = "/"
        if let directory = exec.workingDirectory {
            let path = directory.home ? (credentials?.home ?? "/root") : directory.path
            if !(directory.missingOK && access(path, F_OK) != 0) { workingDirectory = path }
        }

        let fullPrivileges = command.flags.contains(.fullPrivileges)
        // `+` commands run without the sandbox (systemd.service(5), "Command lines").
        let plan = SandboxPlan(exec, privateTemporary: context.privateTemporary)
        let sandbox = fullPrivileges ? plan.withFullPrivileges() : plan
        var seccompPrograms: [[BPFInstruction]] = []
        for program in sandbox.seccompPrograms {
            do {
                seccompPrograms.append(try SeccompCompiler.compile(program))
            } catch {
                throw fail(.seccomp, "Failed to build the system call filter: \(error)")
            }
        }
        let userID = fullPrivileges || exec.user == nil ? nil : credentials?.uid
        // Loading a filter needs CAP_SYS_ADMIN or no_new_privs; a process that drops root loses the first.
        let noNewPrivileges = sandbox.noNewPrivileges || (!seccompPrograms.isEmpty && (userID ?? 0) != 0)
        var request = SpawnRequest(
            path: resolveExecutable(command.path),
            arguments: arguments,
            environment: environment.entries,
            standardInput: standardInput,
            standardOutput: standardOutput,
            standardError: standardError,
            cgroupDirectory: context.cgroupDirectory.rawValue,
            userID: userID,
            groupID: fullPrivileges ? nil : credentials?.gid,
            supplementaryGroups: fullPrivileges ? nil : credentials?.groups,
            resourceLimits: exec.limits.merging(context.defaultFileLimit.map { [.nofile: $0] } ?? [:]) { own, _ in own }
                .map { RLimit(resource: $0.key.rawValue, soft: $0.value.soft, hard: $0.value.hard) },
            unshareFlags: context.sharedNamespaces.reduce(sandbox.unshareFlags) { $0 & ~$1.kind.rawValue },
            capabilityBoundingSet: sandbox.capabilityBoundingSet?.mask,
            ambientCapabilities: sandbox.ambientCapabilities.mask,
            noNewPrivileges: noNewPrivileges,
            ignoreSIGPIPE: exec.ignoreSIGPIPE,
            workingDirectory: workingDirectory,
            seccompPrograms: seccompPrograms)
        request.umask = sandbox.umask
        request.oomScoreAdjust = sandbox.oomScoreAdjust
        request.nice = sandbox.nice
        request.scheduler = sandbox.scheduler
        request.ioPriority = sandbox.ioPriority
        request.cpuAffinity = sandbox.cpuAffinity
        request.personality = sandbox.personality
        request.secureBits = sandbox.secureBits
        request.keyringMode = sandbox.keyringMode
        if sandbox.privateUsers {
            // Root, and the unit's user and group, are themselves inside; anyone else is nobody.
            func map(_ id: UInt32?) -> String { "0 0 1\n" + (id.map { $0 == 0 ? "" : "\($0) \($0) 1\n" } ?? "") }
            request.userNamespaceMaps = UserNamespaceMaps(uid: map(request.userID), gid: map(request.groupID))
        }
        if !fullPrivileges { request.sharedNamespaces = context.sharedNamespaces }
        if let mounts = sandbox.mounts {
            // Paths are taken as the host resolves them; those inside a root directory as they are.
            let resolved = mounts.rootDirectory == nil ? mounts.resolvingPaths(resolvingSymbolicLinks) : mounts
            request.mounts = SpawnMount.entries(of: resolved)
            request.mountPropagation = resolved.propagation.flag
            request.rootDirectory = resolved.rootDirectory
            request.inaccessibleDirectory = context.inaccessibleDirectory
        }
        return (request, opened)
    }

    private static func baseEnvironment(context: LaunchContext, credentials: Credentials?, unit: Unit) -> Environment {
        var environment = Environment()
        environment.set("PATH", defaultPath)
        environment.set("INVOCATION_ID", context.invocationID)
        if let socket = context.notifySocket { environment.set("NOTIFY_SOCKET", socket) }
        if let pid = context.mainPID { environment.set("MAINPID", String(pid)) }
        if let directory = context.credentialsDirectory { environment.set("CREDENTIALS_DIRECTORY", directory) }
        if let watchdog = context.watchdogMicroseconds { environment.set("WATCHDOG_USEC", String(watchdog)) }
        if let credentials, unit.exec.user != nil {
            environment.set("USER", credentials.userName)
            environment.set("LOGNAME", credentials.userName)
            environment.set("HOME", credentials.home)
            environment.set("SHELL", credentials.shell)
        }
        return environment
    }

    /// `path` with its symbolic links resolved, or as it is when it does not exist.
    static func resolvingSymbolicLinks(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// A plain program name (`ExecStart=sleep 5`) is looked up in the default PATH, as systemd does.
    static func resolveExecutable(_ path: String) -> String {
        guard !path.contains("/") else { return path }
        for directory in defaultPath.split(separator: ":") {
            let candidate = "\(directory)/\(path)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return path
    }

    /// `${NAME}` is replaced inside a word; a word that is exactly `$NAME` becomes the value's
    /// whitespace-separated words; `$$` is a literal `$` (systemd.service(5), "Command lines").
    static func expandVariables(in argv: [String], environment: Environment) -> [String] {
        var result: [String] = []
        for (index, word) in argv.enumerated() {
            let name = word.dropFirst()
            if index > 0, word.first == "$", !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" })
            {
                let value = environment[String(name)] ?? ""
                result += value.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).map(String.init)
                continue
            }
            result.append(expandBracedVariables(in: word, environment: environment))
        }
        return result
    }

    /// `${NAME}` replaced by its value (empty when unset), `$$` by `$`; any other `$` stays.
    private static func expandBracedVariables(in word: String, environment: Environment) -> String {
        var expanded = ""
        var rest = Substring(word)
        while let dollar = rest.firstIndex(of: "$") {
            expanded += rest[..<dollar]
            let after = rest[rest.index(after: dollar)...]
            if after.first == "$" {
                expanded += "$"
                rest = after.dropFirst()
            } else if after.first == "{", let close = after.firstIndex(of: "}") {
                expanded += environment[String(after[after.index(after: after.startIndex)..<close])] ?? ""
                rest = after[after.index(after: close)...]
            } else {
                expanded += "$"
                rest = after
            }
        }
        return expanded + rest
    }

    /// `KEY=VALUE` lines; `#`/`;` comments and blank lines skipped, one level of matching quotes removed.
    static func parseEnvironmentFile(_ text: String) -> [String] {
        var entries: [String] = []
        for rawLine in text.split(separator: "\n") {
            var line = rawLine.drop { $0 == " " || $0 == "\t" }
            if line.hasPrefix("export ") { line = line.dropFirst("export ".count) }
            guard let first = line.first, first != "#", first != ";", let equals = line.firstIndex(of: "=") else {
                continue
            }
            let key = line[..<equals].trimmingSuffix { $0 == " " || $0 == "\t" }
            var value = line[line.index(after: equals)...].drop { $0 == " " || $0 == "\t" }
            value = value.trimmingSuffix { $0 == " " || $0 == "\t" || $0 == "\r" }
            if value.count >= 2, let quote = value.first, quote == "\"" || quote == "'", value.last == quote {
                value = value.dropFirst().dropLast()
            }
            entries.append("\(key)=\(value)")
        }
        return entries
    }
}

/// An environment block where a later assignment of a name replaces the earlier one in place.
struct Environment {
    private(set) var entries: [String] = []

    subscript(name: String) -> String? {
        entries.last { $0.hasPrefix(name + "=") }.map { String($0.dropFirst(name.count + 1)) }
    }

    mutating func set(_ name: String, _ value: String) {
        merge(["\(name)=\(value)"])
    }

    /// `UnsetEnvironment=`: a name takes out that variable, an assignment only that exact entry.
    mutating func unset(_ entries: [String]) {
        for entry in entries {
            if entry.contains("=") {
                self.entries.removeAll { $0 == entry }
            } else {
                self.entries.removeAll { $0.hasPrefix(entry + "=") }
            }
        }
    }

    mutating func merge(_ assignments: [String]) {
        for assignment in assignments {
            guard let equals = assignment.firstIndex(of: "=") else { continue }
            let prefix = assignment[...equals]
            if let index = entries.firstIndex(where: { $0.hasPrefix(prefix) }) {
                entries[index] = assignment
            } else {
                entries.append(assignment)
            }
        }
    }
}

/// The uid, gid and groups that `User=` and `Group=` name.
public struct Credentials {
    public var userName: String
    public var uid: uid_t
    public var gid: gid_t
    public var groups: [gid_t]
    public var home: String
    public var shell: String

    public struct LookupError: Error {
        public var step: ExecStep
        public var message: String
    }

    /// `User=`, `Group=` and `SupplementaryGroups=` of `exec`; nil when none is set.
    public static func resolve(for exec: ExecSettings) throws(LookupError) -> Credentials? {
        // Supplementary groups alone are root's groups and those.
        let user = exec.user ?? (exec.group == nil && !exec.supplementaryGroups.isEmpty ? "root" : nil)
        guard let credentials = try resolve(user: user, group: exec.group) else { return nil }
        return try credentials.adding(supplementaryGroups: exec.supplementaryGroups)
    }

    /// These credentials with the groups of `names` (names or numbers) added.
    public func adding(supplementaryGroups names: [String]) throws(LookupError) -> Credentials {
        var credentials = self
        for name in names {
            guard let entry = UInt32(name).flatMap({ getgrgid($0) }) ?? getgrnam(name) else {
                throw LookupError(
                    step: .group, message: "Failed to determine supplementary group \(name): No such process")
            }
            if !credentials.groups.contains(entry.pointee.gr_gid) { credentials.groups.append(entry.pointee.gr_gid) }
        }
        return credentials
    }

    /// nil when neither is set. Names or numeric IDs, as systemd accepts.
    static func resolve(user: String?, group: String?) throws(LookupError) -> Credentials? {
        guard user != nil || group != nil else { return nil }
        var credentials = Credentials(userName: "root", uid: 0, gid: 0, groups: [], home: "/root", shell: "/bin/sh")
        if let user {
            let entry = UInt32(user).flatMap { getpwuid($0) } ?? getpwnam(user)
            guard let entry else {
                throw LookupError(step: .user, message: "Failed to determine user credentials: No such process")
            }
            credentials.userName = String(cString: entry.pointee.pw_name)
            credentials.uid = entry.pointee.pw_uid
            credentials.gid = entry.pointee.pw_gid
            credentials.home = String(cString: entry.pointee.pw_dir)
            credentials.shell = String(cString: entry.pointee.pw_shell)
            var count: Int32 = 64
            var groups = [gid_t](repeating: 0, count: Int(count))
            if getgrouplist(entry.pointee.pw_name, credentials.gid, &groups, &count) >= 0 {
                credentials.groups = Array(groups[0..<Int(count)])
            }
        }
        if let group {
            let entry = UInt32(group).flatMap { getgrgid($0) } ?? getgrnam(group)
            guard let entry else {
                throw LookupError(step: .group, message: "Failed to determine group credentials: No such process")
            }
            credentials.gid = entry.pointee.gr_gid
            if user == nil { credentials.groups = [credentials.gid] }
        }
        return credentials
    }
}

extension Substring {
    fileprivate func trimmingSuffix(while predicate: (Character) -> Bool) -> Substring {
        var end = endIndex
        while end > startIndex, predicate(self[index(before: end)]) { end = index(before: end) }
        return self[startIndex..<end]
    }
}

extension MountPropagation {
    /// mount(2)'s `MS_SHARED`, `MS_SLAVE` or `MS_PRIVATE`.
    var flag: UInt {
        switch self {
        case .shared: 0x10_0000
        case .slave: 0x8_0000
        case .private: 0x4_0000
        }
    }
}
