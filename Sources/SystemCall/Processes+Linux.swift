import CLinux
import Glibc

/// How a process ended, as `waitid` reports it.
public enum ProcessExit: Equatable, Sendable {
    case exited(Int32)
    case killed(signal: Int32, coreDumped: Bool)
}

/// A child that has ended, reaped.
public struct ReapedChild: Equatable, Sendable {
    public var pid: pid_t
    public var exit: ProcessExit
}

public enum Processes {
    /// Reaps one ended child without waiting; nil when none has ended.
    public static func reapChild() -> ReapedChild? {
        var pid: pid_t = 0
        var code: Int32 = 0
        var status: Int32 = 0
        guard corral_reap_child(&pid, &code, &status) == 1 else { return nil }
        let exit: ProcessExit =
            switch code {
            case 1: .exited(status)  // CLD_EXITED
            default: .killed(signal: status, coreDumped: code == 3)  // CLD_KILLED, CLD_DUMPED
            }
        return ReapedChild(pid: pid, exit: exit)
    }

    /// A pidfd for `pid`: it polls readable once the process has ended, and signals reach that
    /// process even after its pid has been reused.
    public static func open(_ pid: pid_t) throws(Errno) -> FileDescriptor {
        FileDescriptor(adopting: try retryingInterrupts { corral_pidfd_open(pid) })
    }

    /// Sends `signal` to the process behind a pidfd.
    public static func signal(_ process: FileDescriptor, _ signal: Int32) throws(Errno) {
        try retryingInterrupts { corral_pidfd_send_signal(process.rawValue, signal) }
    }

    /// Makes orphaned descendants this process's children (PR_SET_CHILD_SUBREAPER), so it reaps them.
    public static func becomeChildSubreaper() throws(Errno) {
        try retryingInterrupts { corral_set_child_subreaper() }
    }
}

/// The hypervisor's CPUID vendor signature (`KVMKVMKVM`, `TCGTCGTCGTCG` ...), or nil when the
/// CPU reports none.
public func hypervisorVendor() -> String? {
    var vendor = [CChar](repeating: 0, count: 13)
    guard corral_hypervisor_vendor(&vendor) != 0 else { return nil }
    return String(decoding: vendor.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// A System V IPC object's kind, as /proc/sysvipc names its table.
public enum SystemVObject: String, Sendable, CaseIterable {
    case sharedMemory = "shm"
    case semaphores = "sem"
    case messageQueue = "msg"

    /// IPC_RMID of the object with `id`; whether it went.
    public func remove(id: Int32) -> Bool {
        switch self {
        case .sharedMemory: shmctl(id, IPC_RMID, nil) == 0
        case .semaphores: corral_semaphores_remove(id) == 0
        case .messageQueue: msgctl(id, IPC_RMID, nil) == 0
        }
    }
}
