import UnitModel

/// One write to a cgroup attribute file, and the directive that asked for it.
public struct CgroupWrite: Sendable, Equatable, Codable {
    /// Attribute file name inside the unit's cgroup, e.g. `memory.max`.
    public var file: String
    public var value: String
    /// The directive the value comes from (`MemoryMax`), or `default` when systemd writes its default.
    public var from: String

    public init(file: String, value: String, from: String) {
        self.file = file
        self.value = value
        self.from = from
    }
}

/// Controllers to enable in one ancestor's `cgroup.subtree_control`.
public struct ControllerEnablement: Sendable, Equatable, Codable {
    /// Path relative to Corral's cgroup root; `""` is the root itself.
    public var cgroup: String
    public var controllers: [Controller]

    public init(cgroup: String, controllers: [Controller]) {
        self.cgroup = cgroup
        self.controllers = controllers
    }
}

/// Everything the supervisor will do to the cgroupfs for one unit, computed without I/O.
public struct CgroupPlan: Sendable, Equatable, Codable {
    public var unit: String
    /// The unit's cgroup relative to Corral's cgroup root, e.g. `system.slice/foo.service`.
    public var cgroup: String
    /// Top-down: the root first.
    public var enable: [ControllerEnablement]
    /// In the order they are to be written.
    public var writes: [CgroupWrite]
    /// What the host cannot enforce, in plain words.
    public var warnings: [String]
    /// The device program attached to the cgroup; nil: every device is allowed.
    public var devices: DeviceFilter?
    /// The IP address filter attached to the cgroup; nil: every address is allowed.
    public var ipAccess: IPAccessFilter?

    public init(
        unit: String, cgroup: String, enable: [ControllerEnablement], writes: [CgroupWrite], warnings: [String],
        devices: DeviceFilter? = nil, ipAccess: IPAccessFilter? = nil
    ) {
        self.unit = unit
        self.cgroup = cgroup
        self.enable = enable
        self.writes = writes
        self.warnings = warnings
        self.devices = devices
        self.ipAccess = ipAccess
    }
}
