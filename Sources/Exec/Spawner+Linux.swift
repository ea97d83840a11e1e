import CSpawn
import Glibc
import SystemCall
import UnitModel

/// Starts processes with clone3 and reports how they ended through their pidfd.
public enum Spawner {
    /// Starts `request.path` as described by `request` and returns once it has called execve.
    /// On failure the child has already been reaped and nothing is left open. The descriptors the
    /// request names must stay open until this returns.
    public static func spawn(_ request: SpawnRequest) throws(SpawnError) -> SpawnedProcess {
        func failure(_ stage: SpawnStage, _ error: Errno) -> SpawnError {
            SpawnError(stage: stage, error: error, path: request.path)
        }
        let status: (read: FileDescriptor, write: FileDescriptor)
        do throws(Errno) {
            status = try FileDescriptor.pipe()
        } catch {
            throw failure(.clone, error)
        }
        var pidfd: Int32 = -1
        let (pid, cloneError) = PreparedRequest(request, statusDescriptor: status.write).withCRequest { cRequest in
            (corral_spawn(cRequest, &pidfd), errno)
        }
        status.write.close()
        if pid < 0 {
            throw failure(.clone, Errno(cloneError))
        }
        let process = SpawnedProcess(pid: pid, pidfd: FileDescriptor(adopting: pidfd))

        var report = corral_spawn_failure()
        let received: Int
        do throws(Errno) {
            received = try readFully(status.read, into: &report)
        } catch {
            // The child cannot be told apart from a working one: stop it rather than leak it.
            // Its pid cannot be reused before it is reaped, so kill(pid) is safe.
            kill(pid, SIGKILL)
            _ = try? process.waitForTermination()
            throw failure(.clone, error)
        }
        // EOF before a full report: execve closed the pipe (or the child died before
        // it could report, which its termination will show).
        guard received == MemoryLayout<corral_spawn_failure>.size else {
            return process
        }
        _ = try? process.waitForTermination()
        var error = failure(SpawnStage(childValue: report.stage) ?? .clone, Errno(report.error))
        if request.mounts.indices.contains(Int(report.mount)) {
            error.mountPath = request.mounts[Int(report.mount)].path
        }
        throw error
    }

    /// Reads until `value` is full or EOF; returns the bytes read.
    private static func readFully<Value>(_ descriptor: FileDescriptor, into value: inout Value) throws(Errno) -> Int {
        try withUnsafeMutableBytes(of: &value) { (bytes) throws(Errno) -> Int in
            var filled = 0
            while filled < bytes.count {
                let count = try retryingInterrupts {
                    read(descriptor.rawValue, bytes.baseAddress! + filled, bytes.count - filled)
                }
                if count == 0 {
                    break
                }
                filled += count
            }
            return filled
        }
    }
}

/// A started process, with the pidfd that reaches it.
public struct SpawnedProcess {
    public let pid: pid_t
    public let pidfd: FileDescriptor

    /// Blocks until the process ends, and reaps it.
    public func waitForTermination() throws(Errno) -> ProcessExit {
        try wait(blocking: true)!
    }

    /// Reaps the process if it has ended; nil while it runs (for use when the pidfd polls readable).
    public func terminationIfEnded() throws(Errno) -> ProcessExit? {
        try wait(blocking: false)
    }

    private func wait(blocking: Bool) throws(Errno) -> ProcessExit? {
        var code: Int32 = 0
        var status: Int32 = 0
        try retryingInterrupts { corral_wait_pidfd(pidfd.rawValue, blocking ? 0 : 1, &code, &status) }
        switch code {
        case CORRAL_CLD_EXITED: return .exited(status)
        case CORRAL_CLD_KILLED: return .killed(signal: status, coreDumped: false)
        case CORRAL_CLD_DUMPED: return .killed(signal: status, coreDumped: true)
        default: return nil
        }
    }
}

/// The C view of a request: every string and array copied to memory that stays put
/// while the child reads it, freed when this value goes away.
private struct PreparedRequest: ~Copyable {
    private let path: UnsafeMutablePointer<CChar>
    private let workingDirectory: UnsafeMutablePointer<CChar>?
    private let arguments: CStringArray
    private let environment: CStringArray
    private let groups: UnsafeMutableBufferPointer<gid_t>
    private let limits: UnsafeMutableBufferPointer<corral_rlimit>
    private let seccompInstructions: [UnsafeMutableBufferPointer<corral_bpf_instruction>]
    private let seccompPrograms: UnsafeMutableBufferPointer<corral_seccomp_program>
    private let oomScoreAdjust: UnsafeMutablePointer<CChar>?
    private let cpuMask: UnsafeMutableBufferPointer<UInt64>?
    private let mounts: MountTable
    private let sharedNamespacePaths: [UnsafeMutablePointer<CChar>?]
    private let sharedNamespaces: UnsafeMutableBufferPointer<corral_shared_namespace>
    private let rootDirectory: UnsafeMutablePointer<CChar>?
    private let uidMap: UnsafeMutablePointer<CChar>?
    private let gidMap: UnsafeMutablePointer<CChar>?
    private let inaccessibleDirectory: UnsafeMutablePointer<CChar>?
    private let request: SpawnRequest
    private let statusDescriptor: FileDescriptor

    init(_ request: SpawnRequest, statusDescriptor: FileDescriptor) {
        self.request = request
        self.statusDescriptor = statusDescriptor
        path = strdup(request.path)
        workingDirectory = request.workingDirectory.map { strdup($0) }
        arguments = CStringArray(request.arguments)
        environment = CStringArray(request.environment)
        groups = .copy(request.supplementaryGroups ?? [])
        limits = .copy(
            request.resourceLimits.map { corral_rlimit(resource: $0.resource, soft: $0.soft, hard: $0.hard) })
        seccompInstructions = request.seccompPrograms.map { program in
            .copy(
                program.map {
                    corral_bpf_instruction(code: $0.code, jt: $0.jumpIfTrue, jf: $0.jumpIfFalse, k: $0.operand)
                })
        }
        oomScoreAdjust = request.oomScoreAdjust.map { strdup(String($0)) }
        cpuMask = request.cpuAffinity.map { cpus in
            var words = [UInt64](repeating: 0, count: (cpus.max() ?? 0) / 64 + 1)
            for cpu in cpus { words[cpu / 64] |= 1 << UInt64(cpu % 64) }
            return .copy(words)
        }
        seccompPrograms = .copy(
            seccompInstructions.map { corral_seccomp_program(instructions: $0.baseAddress, length: $0.count) })
        mounts = MountTable(request.mounts)
        let namespacePaths = request.sharedNamespaces.map { strdup($0.path) }
        sharedNamespacePaths = namespacePaths
        sharedNamespaces = .copy(
            zip(request.sharedNamespaces, namespacePaths).map {
                corral_shared_namespace(type: Int32($0.kind.rawValue), path: $1, create: $0.create ? 1 : 0)
            })
        rootDirectory = request.rootDirectory.map { strdup($0) }
        uidMap = request.userNamespaceMaps.map { strdup($0.uid) }
        gidMap = request.userNamespaceMaps.map { strdup($0.gid) }
        inaccessibleDirectory = request.inaccessibleDirectory.map { strdup($0) }
    }

    func withCRequest<Result>(_ body: (UnsafePointer<corral_spawn_request>) -> Result) -> Result {
        let changesCredentials = request.userID != nil || request.groupID != nil
        var cRequest = corral_spawn_request(
            path: path,
            argv: arguments.pointers.baseAddress,
            envp: environment.pointers.baseAddress,
            stdin_fd: request.standardInput ?? -1,
            stdout_fd: request.standardOutput ?? -1,
            stderr_fd: request.standardError ?? -1,
            cgroup_fd: request.cgroupDirectory ?? -1,
            set_uid: request.userID == nil ? 0 : 1,
            set_gid: request.groupID == nil ? 0 : 1,
            set_groups: request.supplementaryGroups != nil || changesCredentials ? 1 : 0,
            uid: request.userID ?? 0,
            gid: request.groupID ?? 0,
            groups: groups.baseAddress,
            group_count: groups.count,
            rlimits: limits.baseAddress,
            rlimit_count: limits.count,
            umask: request.umask,
            oom_score_adjust: oomScoreAdjust,
            set_nice: request.nice == nil ? 0 : 1,
            nice: request.nice ?? 0,
            set_scheduler: request.scheduler == nil ? 0 : 1,
            sched_policy: request.scheduler?.policy ?? 0,
            sched_priority: request.scheduler?.priority ?? 0,
            set_io_priority: request.ioPriority == nil ? 0 : 1,
            io_priority: request.ioPriority ?? 0,
            cpu_mask: cpuMask?.baseAddress,
            cpu_mask_size: (cpuMask?.count ?? 0) * 8,
            set_personality: request.personality == nil ? 0 : 1,
            personality: request.personality ?? 0,
            set_secure_bits: request.secureBits == nil ? 0 : 1,
            secure_bits: request.secureBits ?? 0,
            keyring_mode: request.keyringMode == .inherit ? 0 : request.keyringMode == .private ? 1 : 2,
            shared_namespaces: sharedNamespaces.baseAddress,
            shared_namespace_count: sharedNamespaces.count,
            unshare_flags: request.unshareFlags,
            mounts: mounts.entries.baseAddress,
            mount_count: mounts.entries.count,
            mount_propagation: request.mountPropagation,
            root_directory: rootDirectory,
            inaccessible_directory: inaccessibleDirectory,
            uid_map: uidMap,
            gid_map: gidMap,
            set_bounding_set: request.capabilityBoundingSet == nil ? 0 : 1,
            bounding_set: request.capabilityBoundingSet ?? 0,
            ambient_set: request.ambientCapabilities,
            no_new_privileges: request.noNewPrivileges ? 1 : 0,
            ignore_sigpipe: request.ignoreSIGPIPE ? 1 : 0,
            working_directory: workingDirectory,
            seccomp_programs: seccompPrograms.baseAddress,
            seccomp_program_count: seccompPrograms.count,
            passed_fd: request.passedDescriptor?.source ?? -1,
            passed_fd_target: request.passedDescriptor?.target ?? -1,
            status_fd: statusDescriptor.rawValue
        )
        return body(&cRequest)
    }

    deinit {
        free(path)
        free(workingDirectory)
        groups.deallocate()
        limits.deallocate()
        seccompInstructions.forEach { $0.deallocate() }
        free(oomScoreAdjust)
        cpuMask?.deallocate()
        seccompPrograms.deallocate()
        free(rootDirectory)
        free(uidMap)
        free(gidMap)
        free(inaccessibleDirectory)
        sharedNamespacePaths.forEach { free($0) }
        sharedNamespaces.deallocate()
    }
}

/// The C view of a request's mount entries, with their strings and option lists.
private struct MountTable: ~Copyable {
    let entries: UnsafeMutableBufferPointer<corral_mount>
    private let strings: [UnsafeMutablePointer<CChar>?]
    private let optionLists: [UnsafeMutableBufferPointer<UnsafePointer<CChar>?>]

    init(_ mounts: [SpawnMount]) {
        var strings: [UnsafeMutablePointer<CChar>?] = []
        var optionLists: [UnsafeMutableBufferPointer<UnsafePointer<CChar>?>] = []
        func copy(_ text: String?) -> UnsafeMutablePointer<CChar>? {
            guard let text else { return nil }
            let pointer = strdup(text)
            strings.append(pointer)
            return pointer
        }
        entries = .allocate(capacity: mounts.count)
        for (index, mount) in mounts.enumerated() {
            var options: UnsafeMutableBufferPointer<UnsafePointer<CChar>?>?
            if !mount.options.isEmpty {
                let list = UnsafeMutableBufferPointer<UnsafePointer<CChar>?>.allocate(
                    capacity: mount.options.count * 2 + 1)
                for (position, option) in mount.options.enumerated() {
                    list[position * 2] = UnsafePointer(copy(option.key))
                    list[position * 2 + 1] = UnsafePointer(copy(option.value))
                }
                list[mount.options.count * 2] = nil
                optionLists.append(list)
                options = list
            }
            entries[index] = corral_mount(
                kind: mount.kind.rawValue, path: copy(mount.path), source: copy(mount.source),
                fs_type: copy(mount.fileSystemType), options: options?.baseAddress,
                new_attributes: mount.newAttributes, set_attributes: mount.setAttributes,
                clear_attributes: mount.clearAttributes, recursive: mount.recursive ? 1 : 0,
                ignore_missing: mount.ignoreMissing ? 1 : 0, anchor: Int32(mount.anchor ?? -1))
        }
        self.strings = strings
        self.optionLists = optionLists
    }

    deinit {
        strings.forEach { free($0) }
        optionLists.forEach { $0.deallocate() }
        entries.deallocate()
    }
}

/// A NULL-terminated array of C strings, as argv and envp.
private struct CStringArray: ~Copyable {
    let pointers: UnsafeMutableBufferPointer<UnsafeMutablePointer<CChar>?>

    init(_ strings: [String]) {
        pointers = .allocate(capacity: strings.count + 1)
        for (index, string) in strings.enumerated() {
            pointers[index] = strdup(string)
        }
        pointers[strings.count] = nil
    }

    deinit {
        for pointer in pointers {
            free(pointer)
        }
        pointers.deallocate()
    }
}

extension UnsafeMutableBufferPointer {
    /// A heap copy of `elements`; the caller deallocates it.
    fileprivate static func copy(_ elements: [Element]) -> Self {
        let buffer = Self.allocate(capacity: elements.count)
        _ = buffer.initialize(from: elements)
        return buffer
    }
}
