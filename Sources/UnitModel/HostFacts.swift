/// What the mapping needs to know about the machine, gathered by the caller (see `Cgroups.HostProbe`)
/// or given with `corralctl plan --host KEY=VALUE`.
public struct HostFacts: Sendable, Equatable {
    /// Physical RAM in bytes.
    public var memory: UInt64
    /// Total swap in bytes.
    public var swap: UInt64
    /// Online CPUs.
    public var cpus: Int
    /// `/proc/sys/kernel/pid_max`.
    public var pidMax: UInt64
    /// `/proc/sys/kernel/threads-max`.
    public var threadsMax: UInt64
    /// `pids.max` of the cgroup root; nil when it is `max` or absent.
    public var rootPidsMax: UInt64?
    /// Controllers available in the cgroup root (its `cgroup.controllers`).
    public var controllers: Set<Controller>
    /// Block devices by the path a unit names (a device node, a partition, or any file),
    /// already resolved to the whole disk.
    public var devices: [String: BlockDevice]
    /// Bytes per memory page; memory percentages are rounded down to whole pages.
    public var pageSize: UInt64
    /// The device numbers of the device nodes `DeviceAllow=` and `DevicePolicy=closed` name.
    public var deviceNodes: [String: DeviceNumber] = [:]
    /// The drivers of /proc/devices, for `DeviceAllow=char-NAME` and `block-NAME`.
    public var deviceDrivers: [DeviceDriver] = []

    public init(
        memory: UInt64, swap: UInt64, cpus: Int, pidMax: UInt64, threadsMax: UInt64,
        rootPidsMax: UInt64?, controllers: Set<Controller>, devices: [String: BlockDevice] = [:],
        pageSize: UInt64 = 4096
    ) {
        self.memory = memory
        self.swap = swap
        self.cpus = cpus
        self.pidMax = pidMax
        self.threadsMax = threadsMax
        self.rootPidsMax = rootPidsMax
        self.controllers = controllers
        self.devices = devices
        self.pageSize = pageSize
    }

    /// The limit `TasksMax=` percentages are taken of: min(pid_max - 1, threads-max, root pids.max),
    /// as systemd's `system_tasks_max()` (PIDs stay below pid_max and 0 is not a PID).
    public var taskLimit: UInt64 {
        min(pidMax > 0 ? pidMax - 1 : .max, threadsMax, rootPidsMax ?? .max)
    }
}

/// A whole disk, as the io controller names it.
public struct BlockDevice: Sendable, Equatable {
    public var major: UInt32
    public var minor: UInt32
    /// Whether its scheduler honours `io.weight` (bfq); weights are otherwise ignored by the kernel.
    public var supportsWeight: Bool

    public init(major: UInt32, minor: UInt32, supportsWeight: Bool = false) {
        self.major = major
        self.minor = minor
        self.supportsWeight = supportsWeight
    }

    /// `MAJ:MIN`, as in `io.max`.
    public var number: String { "\(major):\(minor)" }
}

/// A character or block device's number.
public struct DeviceNumber: Sendable, Equatable, Hashable, Codable {
    public var isBlock: Bool
    public var major: UInt32
    public var minor: UInt32

    public init(isBlock: Bool, major: UInt32, minor: UInt32) {
        self.isBlock = isBlock
        self.major = major
        self.minor = minor
    }
}

/// A line of /proc/devices: a driver and its major number.
public struct DeviceDriver: Sendable, Equatable {
    public var isBlock: Bool
    public var major: UInt32
    public var name: String

    public init(isBlock: Bool, major: UInt32, name: String) {
        self.isBlock = isBlock
        self.major = major
        self.name = name
    }
}
