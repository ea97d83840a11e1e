import Glibc
import SystemCall
import UnitModel

/// A failed cgroupfs operation, naming the cgroup file and the value involved.
public struct CgroupError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Operation: Sendable, Equatable {
        case open, create, remove, read, attach, kill
        case write(String)
        /// Loading or attaching a BPF program (named: "device program"); the verifier's words, if any.
        case program(String, log: String)
    }

    public var operation: Operation
    /// Path relative to the tree's root.
    public var path: String
    public var errno: Errno

    public init(operation: Operation, path: String, errno: Errno) {
        self.operation = operation
        self.path = path
        self.errno = errno
    }

    public var description: String {
        let target = path.isEmpty ? "the cgroup root" : path
        switch operation {
        case .open: return "cannot open \(target): \(errno)"
        case .create: return "cannot create cgroup \(target): \(errno)"
        case .remove: return "cannot remove cgroup \(target): \(errno)"
        case .read: return "cannot read \(target): \(errno)"
        case .attach: return "cannot move a process into \(target): \(errno)"
        case .kill: return "cannot kill the processes of \(target): \(errno)"
        case .write(let value): return "cannot write '\(value)' to \(target): \(errno)"
        case .program(let name, let log):
            return "cannot attach the \(name) to \(target): \(errno)\(log.isEmpty ? "" : " (\(log))")"
        }
    }
}

/// Corral's part of the cgroup v2 hierarchy, reached only through a directory fd on its root.
/// Cgroup names are paths relative to that root (`""` is the root); they never contain `..`.
public final class CgroupTree: Sendable {
    /// Absolute path of the root, for messages and `/proc/PID/cgroup` comparisons.
    public let path: String
    private let root: FileDescriptor

    public init(path: String) throws(CgroupError) {
        self.path = path
        do throws(Errno) {
            root = try FileDescriptor.open(path, O_PATH | O_DIRECTORY)
        } catch {
            throw CgroupError(operation: .open, path: "", errno: error)
        }
    }

    /// The controllers `cgroup` may enable for its children (its `cgroup.controllers`).
    public func availableControllers(in cgroup: String = "") throws(CgroupError) -> Set<Controller> {
        let words = try read("cgroup.controllers", in: cgroup).split(separator: " ")
        return Set(words.compactMap { Controller(rawValue: String($0)) })
    }

    /// The controllers `cgroup` has enabled for its children (its `cgroup.subtree_control`).
    public func enabledControllers(in cgroup: String = "") throws(CgroupError) -> Set<Controller> {
        let words = try read("cgroup.subtree_control", in: cgroup).split(separator: " ")
        return Set(words.compactMap { Controller(rawValue: String($0)) })
    }

    /// Creates `cgroup` and any missing ancestors; returns the directories it made, top-down.
    /// On failure it removes what it made, so no half-made path is left behind.
    @discardableResult
    public func create(_ cgroup: String) throws(CgroupError) -> [String] {
        var made: [String] = []
        var prefix = ""
        for component in cgroup.split(separator: "/") {
            prefix += prefix.isEmpty ? String(component) : "/" + component
            do {
                try retryingInterrupts { mkdirat(root.rawValue, prefix, 0o755) }
                made.append(prefix)
            } catch  where error.code == EEXIST {
                continue
            } catch {
                for directory in made.reversed() { _ = unlinkat(root.rawValue, directory, AT_REMOVEDIR) }
                throw CgroupError(operation: .create, path: prefix, errno: error)
            }
        }
        return made
    }

    /// Removes `cgroup` and every cgroup below it, deepest first. Each must be empty of processes.
    public func remove(_ cgroup: String) throws(CgroupError) {
        for child in try children(of: cgroup) {
            try remove(cgroup + "/" + child)
        }
        do {
            try retryingInterrupts { unlinkat(root.rawValue, cgroup, AT_REMOVEDIR) }
        } catch  where error.code == ENOENT {
            return
        } catch {
            throw CgroupError(operation: .remove, path: cgroup, errno: error)
        }
    }

    /// Names of the child cgroups directly below `cgroup`.
    public func children(of cgroup: String) throws(CgroupError) -> [String] {
        do {
            let directory = try FileDescriptor.open(
                cgroup.isEmpty ? "." : cgroup, O_RDONLY | O_DIRECTORY, relativeTo: root)
            return try directory.subdirectoryNames().sorted()
        } catch  where error.code == ENOENT {
            return []
        } catch {
            throw CgroupError(operation: .read, path: cgroup, errno: error)
        }
    }

    /// Writes `value` to `file` of `cgroup` in one write(2), as cgroupfs requires.
    public func write(_ value: String, to file: String, in cgroup: String) throws(CgroupError) {
        let path = join(cgroup, file)
        let bytes = value.isEmpty ? [0x0A] : Array(value.utf8)
        do throws(Errno) {
            let written = try FileDescriptor.open(path, O_WRONLY, relativeTo: root).write(bytes)
            if written != bytes.count { throw Errno(EIO) }
        } catch {
            throw CgroupError(operation: .write(value), path: path, errno: error)
        }
    }

    /// Reads `file` of `cgroup`, without the trailing newline.
    public func read(_ file: String, in cgroup: String) throws(CgroupError) -> String {
        let path = join(cgroup, file)
        var bytes: [UInt8]
        do throws(Errno) {
            bytes = try FileDescriptor.open(path, O_RDONLY, relativeTo: root).readToEnd()
        } catch {
            throw CgroupError(operation: .read, path: path, errno: error)
        }
        if bytes.last == 0x0A { bytes.removeLast() }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Enables `controllers` for the children of `cgroup` (`+cpu +memory` into `cgroup.subtree_control`).
    public func enable(_ controllers: [Controller], in cgroup: String) throws(CgroupError) {
        guard !controllers.isEmpty else { return }
        try write(
            controllers.map { "+" + $0.rawValue }.joined(separator: " "), to: "cgroup.subtree_control", in: cgroup)
    }

    /// Hands `cgroup` to a user (`Delegate=`): the directory and the files a payload needs to manage
    /// its own subtree (`cgroup.procs`, `cgroup.subtree_control`, `cgroup.threads`) change owner.
    public func delegate(_ cgroup: String, to uid: UInt32, gid: UInt32) throws(CgroupError) {
        for path in [cgroup] + ["cgroup.procs", "cgroup.subtree_control", "cgroup.threads"].map({ join(cgroup, $0) }) {
            do {
                try retryingInterrupts { fchownat(root.rawValue, path, uid, gid, 0) }
            } catch {
                throw CgroupError(operation: .write("owner \(uid):\(gid)"), path: path, errno: error)
            }
        }
    }

    /// Moves process `pid` into `cgroup`.
    public func attach(_ pid: Int32, to cgroup: String) throws(CgroupError) {
        do {
            try write(String(pid), to: "cgroup.procs", in: cgroup)
        } catch {
            throw CgroupError(operation: .attach, path: cgroup, errno: error.errno)
        }
    }

    /// SIGKILLs every process in `cgroup` and below it at once (`cgroup.kill`).
    public func kill(_ cgroup: String) throws(CgroupError) {
        do {
            try write("1", to: "cgroup.kill", in: cgroup)
        } catch {
            throw CgroupError(operation: .kill, path: cgroup, errno: error.errno)
        }
    }

    /// Process IDs directly in `cgroup`.
    public func processes(in cgroup: String) throws(CgroupError) -> [Int32] {
        try read("cgroup.procs", in: cgroup).split(separator: "\n").compactMap { Int32($0) }
    }

    /// Whether any process lives in `cgroup` or below (`populated` of `cgroup.events`).
    public func isPopulated(_ cgroup: String) throws(CgroupError) -> Bool {
        KeyedValues(try read("cgroup.events", in: cgroup))["populated"] == 1
    }

    /// A directory descriptor on `cgroup`: `O_PATH`, enough for `clone3(CLONE_INTO_CGROUP)`, or
    /// `readable`, as bpf(2) takes a cgroup.
    public func openDirectory(_ cgroup: String, readable: Bool = false) throws(CgroupError) -> FileDescriptor {
        do {
            return try FileDescriptor.open(
                cgroup.isEmpty ? "." : cgroup, (readable ? O_RDONLY : O_PATH) | O_DIRECTORY, relativeTo: root)
        } catch {
            throw CgroupError(operation: .open, path: cgroup, errno: error)
        }
    }

    private func join(_ cgroup: String, _ file: String) -> String {
        cgroup.isEmpty ? file : cgroup + "/" + file
    }
}

/// A flat-keyed cgroup file such as `cgroup.events`, `memory.events` or `cpu.stat`: `key value` lines.
public struct KeyedValues: Sendable, Equatable {
    public var values: [String: UInt64]

    public init(_ text: String) {
        values = [:]
        for line in text.split(separator: "\n") {
            let words = line.split(separator: " ")
            if words.count == 2, let value = UInt64(words[1]) { values[String(words[0])] = value }
        }
    }

    public subscript(key: String) -> UInt64? { values[key] }
}
