import ResourceControl
import Testing
import UnitModel

/// 2 GiB of RAM, pid_max 32768 (so DefaultTasksMax=15% of 32767 is 4915), every controller,
/// /dev/vda (and its partition and a directory on it) on mq-deadline, /dev/sdb on bfq.
private let host = HostFacts(
    memory: 2 << 30, swap: 1 << 30, cpus: 2, pidMax: 32768, threadsMax: 192_730, rootPidsMax: nil,
    controllers: Set(Controller.allCases),
    devices: [
        "/dev/vda": BlockDevice(major: 254, minor: 0),
        "/dev/vda1": BlockDevice(major: 254, minor: 0),
        "/srv": BlockDevice(major: 254, minor: 0),
        "/dev/sdb": BlockDevice(major: 8, minor: 16, supportsWeight: true),
    ])

private func write(_ file: String, _ value: String, _ from: String = "default") -> CgroupWrite {
    CgroupWrite(file: file, value: value, from: from)
}

/// systemd's memory writes when nothing is configured.
private let memoryDefaults = [
    write("memory.min", "0"), write("memory.low", "0"), write("memory.high", "max"), write("memory.max", "max"),
    write("memory.swap.max", "max"), write("memory.oom.group", "0"),
]
private let cpuDefaults = [write("cpu.idle", "0"), write("cpu.weight", "100"), write("cpu.max", "max 100000")]
private let ioDefaults = [write("io.bfq.weight", "100"), write("io.weight", "default 100")]
private let tasksDefault = write("pids.max", "4915")

/// `memoryDefaults` with some files replaced.
private func memory(_ changed: CgroupWrite...) -> [CgroupWrite] {
    memoryDefaults.map { old in changed.first { $0.file == old.file } ?? old }
}

/// The same controllers enabled in each listed ancestor.
private func enabled(_ ancestors: [String], _ controllers: [Controller]) -> [ControllerEnablement] {
    ancestors.map { ControllerEnablement(cgroup: $0, controllers: controllers) }
}

struct PlanFixture: Sendable, CustomTestStringConvertible {
    var label: String
    var unit: Unit
    var host: HostFacts
    var expected: CgroupPlan
    var testDescription: String { label }
}

private func fixture(
    _ label: String, _ name: String, _ type: UnitType = .service, host: HostFacts = host,
    cgroup: String? = nil, enable: [ControllerEnablement]? = nil, writes: [CgroupWrite],
    warnings: [String] = [], _ configure: (inout Unit) -> Void = { _ in }
) -> PlanFixture {
    var unit = Unit(name: name, type: type)
    configure(&unit)
    let path = cgroup ?? "system.slice/\(name)"
    return PlanFixture(
        label: label, unit: unit, host: host,
        expected: CgroupPlan(
            unit: name, cgroup: path, enable: enable ?? enabled(["", "system.slice"], [.memory, .pids]),
            writes: writes, warnings: warnings))
}

private let allControllers: [Controller] = [.cpu, .cpuset, .io, .memory, .pids]

private let fixtures: [PlanFixture] = [
    // Defaults: MemoryAccounting= and TasksAccounting= are on, DefaultTasksMax=15%.
    fixture("plain service", "foo.service", writes: memoryDefaults + [tasksDefault]),
    fixture("scope", "run-r1.scope", .scope, writes: memoryDefaults + [tasksDefault]),
    fixture(
        "accounting off still enforces DefaultTasksMax", "foo.service",
        enable: enabled(["", "system.slice"], [.pids]), writes: [tasksDefault]
    ) {
        $0.resources.memoryAccounting = false
        $0.resources.tasksAccounting = false
    },

    // memory
    fixture(
        "MemoryMax bytes", "foo.service", writes: memory(write("memory.max", "67108864", "MemoryMax")) + [tasksDefault]
    ) {
        $0.resources.memoryMax = .bytes(64 << 20)
    },
    fixture(
        "memory percentages round down to pages", "foo.service",
        writes: memory(
            write("memory.low", "429494272", "MemoryLow"), write("memory.high", "715755520", "MemoryHigh"),
            write("memory.max", "2147483648", "MemoryMax")) + [tasksDefault]
    ) {
        $0.resources.memoryLow = .permyriad(2000)
        $0.resources.memoryHigh = .permyriad(3333)
        $0.resources.memoryMax = .permyriad(10_000)
    },
    fixture(
        "MemorySwapMax percentage is of RAM", "foo.service",
        writes: memory(write("memory.swap.max", "214745088", "MemorySwapMax")) + [tasksDefault]
    ) {
        $0.resources.memorySwapMax = .permyriad(1000)
    },
    fixture(
        "MemoryMin MemorySwapMax zero", "foo.service",
        writes: memory(write("memory.min", "10485760", "MemoryMin"), write("memory.swap.max", "0", "MemorySwapMax"))
            + [tasksDefault]
    ) {
        $0.resources.memoryMin = .bytes(10 << 20)
        $0.resources.memorySwapMax = .bytes(0)
    },
    fixture(
        "legacy MemoryLimit as memory.max", "foo.service",
        writes: memory(write("memory.max", "1073741824", "MemoryLimit")) + [tasksDefault]
    ) {
        $0.resources.memoryLimit = .bytes(1 << 30)
    },
    fixture(
        "MemoryLimit ignored beside any unified memory limit", "foo.service",
        writes: memory(write("memory.high", "536870912", "MemoryHigh")) + [tasksDefault]
    ) {
        $0.resources.memoryLimit = .bytes(1 << 30)
        $0.resources.memoryHigh = .bytes(512 << 20)
    },
    fixture(
        "MemoryMax=infinity lets MemoryLimit through", "foo.service",
        writes: memory(write("memory.max", "1073741824", "MemoryLimit")) + [tasksDefault]
    ) {
        $0.resources.memoryMax = .infinity
        $0.resources.memoryLimit = .bytes(1 << 30)
    },
    fixture(
        "OOMPolicy=kill", "foo.service", writes: memory(write("memory.oom.group", "1", "OOMPolicy")) + [tasksDefault]
    ) {
        $0.service.oomPolicy = .kill
    },

    // cpu
    fixture(
        "CPUWeight", "foo.service", enable: enabled(["", "system.slice"], [.cpu, .memory, .pids]),
        writes: [
            write("cpu.idle", "0", "CPUWeight"), write("cpu.weight", "500", "CPUWeight"),
            write("cpu.max", "max 100000"),
        ]
            + memoryDefaults + [tasksDefault]
    ) {
        $0.resources.cpuWeight = .weight(500)
    },
    fixture(
        "CPUWeight=idle", "foo.service", enable: enabled(["", "system.slice"], [.cpu, .memory, .pids]),
        writes: [write("cpu.idle", "1", "CPUWeight"), write("cpu.max", "max 100000")] + memoryDefaults + [tasksDefault]
    ) {
        $0.resources.cpuWeight = .idle
    },
    fixture(
        "StartupCPUWeight alone writes the default weight", "foo.service",
        enable: enabled(["", "system.slice"], [.cpu, .memory, .pids]),
        writes: cpuDefaults + memoryDefaults + [tasksDefault]
    ) {
        $0.resources.startupCPUWeight = .weight(50)
        $0.resources.cpuShares = 4096
    },
    fixture(
        "CPUShares converted", "foo.service", enable: enabled(["", "system.slice"], [.cpu, .memory, .pids]),
        writes: [
            write("cpu.idle", "0", "CPUShares"), write("cpu.weight", "200", "CPUShares"),
            write("cpu.max", "max 100000"),
        ]
            + memoryDefaults + [tasksDefault]
    ) {
        $0.resources.cpuShares = 2048
    },
    fixture(
        "tiny CPUShares clamped to weight 1", "foo.service",
        enable: enabled(["", "system.slice"], [.cpu, .memory, .pids]),
        writes: [
            write("cpu.idle", "0", "CPUShares"), write("cpu.weight", "1", "CPUShares"), write("cpu.max", "max 100000"),
        ]
            + memoryDefaults + [tasksDefault]
    ) {
        $0.resources.cpuShares = 2
    },
    fixture(
        "CPUQuota", "foo.service", enable: enabled(["", "system.slice"], [.cpu, .memory, .pids]),
        writes: [write("cpu.idle", "0"), write("cpu.weight", "100"), write("cpu.max", "20000 100000", "CPUQuota")]
            + memoryDefaults + [tasksDefault]
    ) {
        $0.resources.cpuQuotaPerSec = 200_000
    },
    fixture(
        "CPUQuota with a period", "foo.service", enable: enabled(["", "system.slice"], [.cpu, .memory, .pids]),
        writes: [write("cpu.idle", "0"), write("cpu.weight", "100"), write("cpu.max", "15000 10000", "CPUQuota")]
            + memoryDefaults + [tasksDefault]
    ) {
        $0.resources.cpuQuotaPerSec = 1_500_000
        $0.resources.cpuQuotaPeriod = 10_000
    },
    fixture(
        "small CPUQuota stretches the period", "foo.service",
        enable: enabled(["", "system.slice"], [.cpu, .memory, .pids]),
        writes: [write("cpu.idle", "0"), write("cpu.weight", "100"), write("cpu.max", "1000 200000", "CPUQuota")]
            + memoryDefaults + [tasksDefault],
        warnings: ["CPUQuota=0.5%: cpu.max period clamped to 200ms"]
    ) {
        $0.resources.cpuQuotaPerSec = 5000
    },
    fixture(
        "CPUQuotaPeriodSec clamped to 1s", "foo.service",
        enable: enabled(["", "system.slice"], [.cpu, .memory, .pids]),
        writes: [write("cpu.idle", "0"), write("cpu.weight", "100"), write("cpu.max", "500000 1000000", "CPUQuota")]
            + memoryDefaults + [tasksDefault],
        warnings: ["CPUQuota=50%: cpu.max period clamped to 1s"]
    ) {
        $0.resources.cpuQuotaPerSec = 500_000
        $0.resources.cpuQuotaPeriod = 5_000_000
    },
    fixture("CPUQuotaPeriodSec alone needs no cpu controller", "foo.service", writes: memoryDefaults + [tasksDefault]) {
        $0.resources.cpuQuotaPeriod = 10_000
        $0.resources.cpuAccounting = true
    },

    // cpuset
    fixture(
        "AllowedCPUs", "foo.service", enable: enabled(["", "system.slice"], [.cpuset, .memory, .pids]),
        writes: [write("cpuset.cpus", "0-3 7", "AllowedCPUs"), write("cpuset.mems", "")] + memoryDefaults + [
            tasksDefault
        ]
    ) {
        $0.resources.allowedCPUs = CPUSet([7, 0, 1, 2, 3])
    },

    // io
    fixture(
        "IOWeight on a disk without bfq", "foo.service", enable: enabled(["", "system.slice"], [.io, .memory, .pids]),
        writes: [write("io.bfq.weight", "109", "IOWeight"), write("io.weight", "default 200", "IOWeight")]
            + memoryDefaults + [tasksDefault],
        warnings: ["IOWeight=200 not enforced on 254:0 (/dev/vda): its scheduler has no weight support"]
    ) {
        $0.resources.ioWeight = 200
    },
    fixture(
        "IOWeight=1 and IODeviceWeight", "foo.service", enable: enabled(["", "system.slice"], [.io, .memory, .pids]),
        writes: [
            write("io.bfq.weight", "1", "IOWeight"), write("io.weight", "default 1", "IOWeight"),
            write("io.bfq.weight", "8:16 1000", "IODeviceWeight"), write("io.weight", "8:16 10000", "IODeviceWeight"),
        ] + memoryDefaults + [tasksDefault],
        warnings: ["IOWeight=1 not enforced on 254:0 (/dev/vda): its scheduler has no weight support"]
    ) {
        $0.resources.ioWeight = 1
        $0.resources.ioDeviceWeights = [IODeviceWeight(path: "/dev/sdb", weight: 10_000)]
    },
    fixture(
        "IODeviceWeight on a disk without bfq", "foo.service",
        enable: enabled(["", "system.slice"], [.io, .memory, .pids]),
        writes: ioDefaults + [
            write("io.bfq.weight", "254:0 50", "IODeviceWeight"), write("io.weight", "254:0 50", "IODeviceWeight"),
        ] + memoryDefaults + [tasksDefault],
        warnings: ["IODeviceWeight=/srv 50 not enforced: the scheduler of 254:0 has no weight support"]
    ) {
        $0.resources.ioDeviceWeights = [IODeviceWeight(path: "/srv", weight: 50)]
    },
    fixture(
        "io.max writes all four keys", "foo.service", enable: enabled(["", "system.slice"], [.io, .memory, .pids]),
        writes: ioDefaults + [
            write("io.max", "254:0 rbps=1048576 wbps=max riops=max wiops=100", "IOReadBandwidthMax, IOWriteIOPSMax")
        ] + memoryDefaults + [tasksDefault]
    ) {
        $0.resources.ioDeviceLimits = [
            IODeviceLimit(path: "/dev/vda1", limits: [.readBandwidth: 1 << 20, .writeIOPS: 100])
        ]
    },
    fixture(
        "unknown devices are skipped", "foo.service", enable: enabled(["", "system.slice"], [.io, .memory, .pids]),
        writes: ioDefaults + memoryDefaults + [tasksDefault],
        warnings: [
            "unknown block device /dev/nope: IODeviceWeight=/dev/nope 100 skipped",
            "unknown block device /dev/nope: IOWriteBandwidthMax=/dev/nope skipped",
        ]
    ) {
        $0.resources.ioDeviceWeights = [IODeviceWeight(path: "/dev/nope", weight: 100)]
        $0.resources.ioDeviceLimits = [IODeviceLimit(path: "/dev/nope", limits: [.writeBandwidth: 1000])]
    },
    fixture(
        "BlockIO converted", "foo.service", enable: enabled(["", "system.slice"], [.io, .memory, .pids]),
        writes: [
            write("io.bfq.weight", "109", "BlockIOWeight"), write("io.weight", "default 200", "BlockIOWeight"),
            write("io.bfq.weight", "8:16 50", "BlockIODeviceWeight"),
            write("io.weight", "8:16 50", "BlockIODeviceWeight"),
            write("io.max", "8:16 rbps=10485760 wbps=max riops=max wiops=max", "BlockIOReadBandwidth"),
        ] + memoryDefaults + [tasksDefault],
        warnings: ["BlockIOWeight=1000 not enforced on 254:0 (/dev/vda): its scheduler has no weight support"]
    ) {
        $0.resources.blockIOWeight = 1000
        $0.resources.blockIODeviceWeights = [IODeviceWeight(path: "/dev/sdb", weight: 250)]
        $0.resources.blockIODeviceBandwidths = [IODeviceLimit(path: "/dev/sdb", limits: [.readBandwidth: 10 << 20])]
    },
    fixture(
        "BlockIO ignored beside any IO setting, IOAccounting included", "foo.service",
        enable: enabled(["", "system.slice"], [.io, .memory, .pids]),
        writes: ioDefaults + memoryDefaults + [tasksDefault]
    ) {
        $0.resources.ioAccounting = true
        $0.resources.blockIOWeight = 800
        $0.resources.blockIODeviceBandwidths = [IODeviceLimit(path: "/dev/sdb", limits: [.readBandwidth: 1000])]
    },

    // pids
    fixture("TasksMax count", "foo.service", writes: memoryDefaults + [write("pids.max", "100", "TasksMax")]) {
        $0.resources.tasksMax = .count(100)
    },
    fixture("TasksMax percentage", "foo.service", writes: memoryDefaults + [write("pids.max", "16383", "TasksMax")]) {
        $0.resources.tasksMax = .permyriad(5000)
    },
    fixture("TasksMax=infinity", "foo.service", writes: memoryDefaults + [write("pids.max", "max", "TasksMax")]) {
        $0.resources.tasksMax = .infinity
    },

    // Placement and slices.
    fixture(
        "slice unit has no DefaultTasksMax", "a-b.slice", .slice, cgroup: "a.slice/a-b.slice",
        enable: enabled(["", "a.slice"], [.memory, .pids]), writes: memoryDefaults + [write("pids.max", "max")]),
    fixture("root slice writes nothing", "-.slice", .slice, cgroup: "", enable: [], writes: []) {
        $0.resources.memoryMax = .bytes(1 << 30)
    },
    fixture(
        "slice without accounting needs no controller", "quiet.slice", .slice, cgroup: "quiet.slice", enable: [],
        writes: []
    ) {
        $0.resources.memoryAccounting = false
        $0.resources.tasksAccounting = false
    },
    fixture(
        "Slice=", "foo.service", cgroup: "a.slice/a-b.slice/foo.service",
        enable: enabled(["", "a.slice", "a.slice/a-b.slice"], [.memory, .pids]), writes: memoryDefaults + [tasksDefault]
    ) {
        $0.resources.slice = "a-b.slice"
    },
    fixture(
        "Slice=-.slice", "foo.service", cgroup: "foo.service", enable: enabled([""], [.memory, .pids]),
        writes: memoryDefaults + [tasksDefault]
    ) {
        $0.resources.slice = "-.slice"
    },
    fixture(
        "template instance gets a per-template slice", "getty@tty1.service",
        cgroup: "system.slice/system-getty.slice/getty@tty1.service",
        enable: enabled(["", "system.slice", "system.slice/system-getty.slice"], [.memory, .pids]),
        writes: memoryDefaults + [tasksDefault]),
    fixture(
        "dashes in a template prefix are escaped", "foo-bar@x.service",
        cgroup: "system.slice/system-foo\\x2dbar.slice/foo-bar@x.service",
        enable: enabled(["", "system.slice", "system.slice/system-foo\\x2dbar.slice"], [.memory, .pids]),
        writes: memoryDefaults + [tasksDefault]),
    fixture(
        "Slice= wins over the template slice", "getty@tty1.service", cgroup: "user.slice/getty@tty1.service",
        enable: enabled(["", "user.slice"], [.memory, .pids]), writes: memoryDefaults + [tasksDefault]
    ) {
        $0.resources.slice = "user.slice"
    },
    fixture(
        "controller-like names get a _ prefix", "cpu.service", cgroup: "system.slice/_cpu.service",
        writes: memoryDefaults + [tasksDefault]),
    fixture(
        "leading underscore is doubled", "_x.service", cgroup: "system.slice/__x.service",
        writes: memoryDefaults + [tasksDefault]),
    fixture(
        "slice paths escape each level", "io-a.slice", .slice, cgroup: "_io.slice/io-a.slice",
        enable: enabled(["", "_io.slice"], [.memory, .pids]), writes: memoryDefaults + [write("pids.max", "max")]),

    // What the host cannot enforce.
    fixture(
        "no controllers on the host", "foo.service",
        host: HostFacts(
            memory: 2 << 30, swap: 0, cpus: 2, pidMax: 32768, threadsMax: 192_730, rootPidsMax: nil, controllers: []),
        enable: [], writes: [],
        warnings: [
            "cpu controller not available: CPUWeight=50 not enforced",
            "cpu controller not available: CPUQuota=12.5% not enforced",
            "memory controller not available: MemoryLow=5% not enforced",
            "memory controller not available: MemoryMax=64M not enforced",
            "pids controller not available: TasksMax=10 not enforced",
        ]
    ) {
        $0.resources.cpuWeight = .weight(50)
        $0.resources.cpuQuotaPerSec = 125_000
        $0.resources.memoryLow = .permyriad(500)
        $0.resources.memoryMax = .bytes(64 << 20)
        $0.resources.tasksMax = .count(10)
    },
    fixture(
        "DisableControllers drops the writes, not the ancestors' enablement", "foo.service",
        writes: [tasksDefault],
        warnings: ["memory controller disabled by DisableControllers=: MemoryMax=1G not enforced"]
    ) {
        $0.resources.memoryMax = .bytes(1 << 30)
        $0.resources.disableControllers = [.memory]
    },
    fixture(
        "Delegate=yes enables and writes every controller", "foo.service",
        enable: enabled(["", "system.slice"], allControllers),
        writes: cpuDefaults + [write("cpuset.cpus", ""), write("cpuset.mems", "")] + ioDefaults + memoryDefaults
            + [tasksDefault]
    ) {
        $0.resources.delegate = true
        $0.resources.delegateControllers = Set(Controller.allCases)
    },
    fixture(
        "Delegate= of a controller the host lacks", "foo.service",
        host: HostFacts(
            memory: 2 << 30, swap: 0, cpus: 2, pidMax: 32768, threadsMax: 192_730, rootPidsMax: nil,
            controllers: [.memory, .pids]),
        writes: memoryDefaults + [tasksDefault], warnings: ["io controller not available: not delegated"]
    ) {
        $0.resources.delegate = true
        $0.resources.delegateControllers = [.io]
    },
]

@Suite struct CgroupPlannerTests {
    @Test(arguments: fixtures)
    func plan(_ fixture: PlanFixture) {
        #expect(CgroupPlanner.plan(for: fixture.unit, host: fixture.host) == fixture.expected)
    }

    @Test func targetsHaveNoControlGroup() {
        #expect(
            CgroupPlanner.plan(for: Unit(name: "multi-user.target", type: .target), host: host)
                == CgroupPlan(
                    unit: "multi-user.target", cgroup: "", enable: [], writes: [],
                    warnings: ["multi-user.target: target units have no control group"]))
    }

    @Test func rootPidsMaxAndPidMaxBoundDefaultTasksMax() {
        var limited = host
        limited.rootPidsMax = 1000
        #expect(
            CgroupPlanner.plan(for: Unit(name: "foo.service", type: .service), host: limited).writes.last
                == write("pids.max", "150"))
    }
}
