/// Microseconds, systemd's unit of time; `USec.infinity` means no limit.
public typealias USec = UInt64

extension USec {
    public static let infinity = UInt64.max
}

/// The cgroup v2 controllers Corral manages.
public enum Controller: String, Sendable, Codable, CaseIterable, Comparable {
    // Declaration order is the order systemd enables them in.
    case cpu, cpuset, io, memory, pids

    public static func < (a: Controller, b: Controller) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// A memory size as written: bytes, a share of a host quantity, or no limit.
public enum MemoryLimit: Sendable, Equatable {
    case bytes(UInt64)
    /// Parts per 10 000 of physical RAM (for `MemorySwapMax=` too, as in systemd 252), resolved with `HostFacts`.
    case permyriad(UInt32)
    case infinity
}

/// `TasksMax=`: a count, a share of the host's task limit, or no limit.
public enum TasksLimit: Sendable, Equatable {
    case count(UInt64)
    /// Parts per 10 000 of `HostFacts.taskLimit`.
    case permyriad(UInt32)
    case infinity
}

/// `CPUWeight=`/`StartupCPUWeight=`: a weight 1…10000, or `idle`.
public enum CPUWeight: Sendable, Equatable {
    case weight(UInt64)
    case idle
}

/// A set of CPU (or NUMA node) indices, as in `AllowedCPUs=0-3,7`.
public struct CPUSet: Sendable, Equatable {
    /// Sorted, without duplicates.
    public var indices: [Int]

    public init(_ indices: some Sequence<Int>) {
        self.indices = Array(Set(indices)).sorted()
    }

    /// The kernel's list format: `0-3,7`; empty for an empty set.
    public var listFormat: String {
        var parts: [String] = []
        var index = 0
        while index < indices.count {
            var end = index
            while end + 1 < indices.count && indices[end + 1] == indices[end] + 1 { end += 1 }
            parts.append(end == index ? "\(indices[index])" : "\(indices[index])-\(indices[end])")
            index = end + 1
        }
        return parts.joined(separator: ",")
    }
}

/// Which IO limit a device line sets.
public enum IOLimitKind: String, Sendable, CaseIterable {
    case readBandwidth = "rbps", writeBandwidth = "wbps", readIOPS = "riops", writeIOPS = "wiops"
}

/// The per-device limits for one device path, `UInt64.max` meaning unlimited.
public struct IODeviceLimit: Sendable, Equatable {
    public var path: String
    public var limits: [IOLimitKind: UInt64]

    public init(path: String, limits: [IOLimitKind: UInt64] = [:]) {
        self.path = path
        self.limits = limits
    }
}

/// `IODeviceWeight=PATH WEIGHT`.
public struct IODeviceWeight: Sendable, Equatable {
    public var path: String
    public var weight: UInt64

    public init(path: String, weight: UInt64) {
        self.path = path
        self.weight = weight
    }
}

/// Resource control settings of a service, slice or scope (systemd.resource-control(5)).
/// `nil` means "not set": the mapping then applies systemd's default.
public struct ResourceSettings: Sendable, Equatable {
    public var cpuAccounting: Bool = false
    public var memoryAccounting: Bool = true
    public var ioAccounting: Bool = false
    public var tasksAccounting: Bool = true

    public var cpuWeight: CPUWeight?
    public var startupCPUWeight: CPUWeight?
    /// Legacy `CPUShares=`, converted to a weight when `CPUWeight=` is unset.
    public var cpuShares: UInt64?
    public var startupCPUShares: UInt64?
    /// `CPUQuota=` as CPU time per second of wall time.
    public var cpuQuotaPerSec: USec?
    public var cpuQuotaPeriod: USec?
    public var allowedCPUs: CPUSet?
    public var allowedMemoryNodes: CPUSet?

    public var memoryMin: MemoryLimit?
    public var memoryLow: MemoryLimit?
    public var memoryHigh: MemoryLimit?
    public var memoryMax: MemoryLimit?
    public var memorySwapMax: MemoryLimit?
    /// Legacy `MemoryLimit=`, used for `memory.max` when `MemoryMax=` is unset.
    public var memoryLimit: MemoryLimit?

    public var ioWeight: UInt64?
    public var startupIOWeight: UInt64?
    public var ioDeviceWeights: [IODeviceWeight] = []
    /// In order of first mention of each device path.
    public var ioDeviceLimits: [IODeviceLimit] = []
    /// Legacy `BlockIOWeight=` and friends, converted to io.* when the IO* forms are unset.
    public var blockIOWeight: UInt64?
    public var startupBlockIOWeight: UInt64?
    public var blockIODeviceWeights: [IODeviceWeight] = []
    /// `BlockIOReadBandwidth=`/`BlockIOWriteBandwidth=`: only `rbps`/`wbps` are set.
    public var blockIODeviceBandwidths: [IODeviceLimit] = []

    public var tasksMax: TasksLimit?

    public var delegate: Bool = false
    /// Controllers named by `Delegate=`; `Delegate=yes` delegates every supported controller.
    public var delegateControllers: Set<Controller> = []
    public var disableControllers: Set<Controller> = []

    /// `Slice=`; nil means the type's default (`system.slice` for services and scopes).
    public var slice: String?

    public var devicePolicy: DevicePolicy = .auto
    public var deviceAllow: [DeviceAllowance] = []

    /// `IPAddressAllow=`, `IPAddressDeny=`: sorted, without repeats.
    public var ipAddressAllow: [IPAddressPrefix] = []
    public var ipAddressDeny: [IPAddressPrefix] = []

    public init() {}
}

/// `DevicePolicy=`.
public enum DevicePolicy: String, Sendable {
    /// Everything, unless `DeviceAllow=` lists something: then as `closed`.
    case auto
    /// The pseudo devices (`/dev/null`, `/dev/zero` ...) and what `DeviceAllow=` lists.
    case closed
    /// Only what `DeviceAllow=` lists.
    case strict
}

/// What a device may be used for (the kernel's `BPF_DEVCG_ACC_*` bits).
public struct DeviceAccess: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let mknod = DeviceAccess(rawValue: 1)
    public static let read = DeviceAccess(rawValue: 2)
    public static let write = DeviceAccess(rawValue: 4)
    public static let all: DeviceAccess = [.read, .write, .mknod]

    /// `rwm`, the letters present, as `DeviceAllow=` writes them.
    public var letters: String {
        [(DeviceAccess.read, "r"), (.write, "w"), (.mknod, "m")].filter { contains($0.0) }.map(\.1).joined()
    }
}

/// `DeviceAllow=PATTERN [rwm]`: a device node path (`/dev/...`), or `char-NAME`/`block-NAME`
/// naming a driver of /proc/devices (a glob).
public struct DeviceAllowance: Sendable, Equatable {
    public var pattern: String
    public var access: DeviceAccess

    /// What `DevicePolicy=closed` allows besides its list (systemd 252's static list).
    public static let pseudoDevices =
        ["/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty", "/dev/ptmx"]
        .map { DeviceAllowance($0) } + [DeviceAllowance("char-pts", [.read, .write])]

    public init(_ pattern: String, _ access: DeviceAccess = .all) {
        self.pattern = pattern
        self.access = access
    }
}

extension ResourceSettings {
    /// The device nodes the device filter may name (`DeviceAllow=` paths and the pseudo devices
    /// `DevicePolicy=closed` allows), for the host probe to resolve.
    public var deviceNodePaths: [String] {
        DeviceAllowance.pseudoDevices.map(\.pattern) + deviceAllow.map(\.pattern).filter { $0.hasPrefix("/") }
    }

    /// Every device path an IO directive names, for the host probe to resolve.
    public var devicePaths: [String] {
        ioDeviceWeights.map(\.path) + ioDeviceLimits.map(\.path) + blockIODeviceWeights.map(\.path)
            + blockIODeviceBandwidths.map(\.path)
    }
}
