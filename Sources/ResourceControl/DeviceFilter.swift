import Glibc
import UnitModel

/// The devices a unit's processes may use, as a cgroup device program checks them
/// (`BPF_PROG_TYPE_CGROUP_DEVICE`, systemd 252's bpf-devices.c): the first matching rule allows,
/// anything else is refused.
public struct DeviceFilter: Sendable, Equatable, Codable {
    /// A type, major and minor (nil: any) and the access allowed.
    public struct Rule: Sendable, Equatable, Codable {
        public var isBlock: Bool?
        public var major: UInt32?
        public var minor: UInt32?
        /// `BPF_DEVCG_ACC_*` bits.
        public var access: UInt32

        public init(isBlock: Bool?, major: UInt32?, minor: UInt32?, access: DeviceAccess) {
            self.isBlock = isBlock
            self.major = major
            self.minor = minor
            self.access = access.rawValue
        }
    }

    public var rules: [Rule]

    public init(rules: [Rule]) {
        self.rules = rules
    }

    /// The rules for a unit's settings, nil when every device is allowed: `DevicePolicy=closed`
    /// (implied by `PrivateDevices=`, and by `auto` with a `DeviceAllow=` list) starts from the
    /// pseudo devices and the inaccessible nodes (0:0); `ProtectClock=` adds `char-rtc r`. Device
    /// paths and driver names are looked up in `host`; what is not found is reported.
    static func rules(for unit: Unit, host: HostFacts, warnings: inout [String]) -> DeviceFilter? {
        var policy = unit.resources.devicePolicy
        if unit.exec.namespaces.privateDevices && policy == .auto { policy = .closed }
        var allowed = unit.resources.deviceAllow
        if unit.exec.namespaces.protectClock { allowed.append(DeviceAllowance("char-rtc", .read)) }
        if policy == .auto && allowed.isEmpty { return nil }
        var rules: [Rule] = []
        if policy != .strict {
            for pseudo in DeviceAllowance.pseudoDevices {
                rules += resolve(pseudo, host: host)
            }
            rules += [false, true].map { Rule(isBlock: $0, major: 0, minor: 0, access: .all) }
        }
        for allowance in allowed {
            let resolved = resolve(allowance, host: host)
            if resolved.isEmpty { warnings.append("\(unit.name): DeviceAllow=\(allowance.pattern) names no device") }
            rules += resolved
        }
        return DeviceFilter(rules: rules)
    }

    private static func resolve(_ allowance: DeviceAllowance, host: HostFacts) -> [Rule] {
        if let number = host.deviceNodes[allowance.pattern] {
            return [Rule(isBlock: number.isBlock, major: number.major, minor: number.minor, access: allowance.access)]
        }
        for (prefix, isBlock) in [("char-", false), ("block-", true)] where allowance.pattern.hasPrefix(prefix) {
            let name = String(allowance.pattern.dropFirst(prefix.count))
            var majors: [UInt32] = []
            for driver in host.deviceDrivers where driver.isBlock == isBlock && fnmatch(name, driver.name, 0) == 0 {
                if !majors.contains(driver.major) { majors.append(driver.major) }
            }
            return majors.map { Rule(isBlock: isBlock, major: $0, minor: nil, access: allowance.access) }
        }
        return []
    }

    /// The eBPF program: the request's type, access, major and minor are loaded into r2–r5, each
    /// rule is one block that jumps to the next on a mismatch or returns 1, and the end returns 0.
    public var program: [EBPFInstruction] {
        var program: [EBPFInstruction] = [
            .loadWord(into: 2, from: 1, offset: 0), .andImmediate(2, 0xFFFF),
            .loadWord(into: 3, from: 1, offset: 0), .shiftRightImmediate(3, 16),
            .loadWord(into: 4, from: 1, offset: 4), .loadWord(into: 5, from: 1, offset: 8),
        ]
        for rule in rules {
            // Each test is built with the jump's target unknown, then patched to the block's end.
            var block: [EBPFInstruction] = []
            var jumps: [Int] = []
            if let isBlock = rule.isBlock {
                jumps.append(block.count)
                block.append(.jumpIfNotEqual(2, isBlock ? 1 : 2))  // BPF_DEVCG_DEV_BLOCK, _CHAR
            }
            if rule.access != DeviceAccess.all.rawValue {
                block += [.move(1, 3), .andImmediate(1, ~rule.access & 0xFFFF)]
                jumps.append(block.count)
                block.append(.jumpIfNotEqual(1, 0))
            }
            for (register, value) in [(UInt8(4), rule.major), (5, rule.minor)] {
                guard let value else { continue }
                jumps.append(block.count)
                block.append(.jumpIfNotEqual(register, Int32(bitPattern: value)))
            }
            block += [.moveImmediate(0, 1), .exit]
            for index in jumps { block[index].offset = Int16(block.count - index - 1) }
            program += block
        }
        return program + [.moveImmediate(0, 0), .exit]
    }
}

/// One eBPF instruction, as struct bpf_insn lays it out.
public struct EBPFInstruction: Sendable, Equatable {
    public var code: UInt8
    /// dst_reg in the low four bits, src_reg in the high four.
    public var registers: UInt8
    public var offset: Int16
    public var immediate: Int32

    init(code: UInt8, destination: UInt8, source: UInt8 = 0, offset: Int16 = 0, immediate: Int32 = 0) {
        self.code = code
        self.registers = destination | source << 4
        self.offset = offset
        self.immediate = immediate
    }

    /// dst = *(u32 *)(src + offset)
    static func loadWord(into destination: UInt8, from source: UInt8, offset: Int16) -> Self {
        Self(code: 0x61, destination: destination, source: source, offset: offset)
    }
    /// dst &= value (32-bit)
    static func andImmediate(_ destination: UInt8, _ value: UInt32) -> Self {
        Self(code: 0x54, destination: destination, immediate: Int32(bitPattern: value))
    }
    /// dst >>= value (32-bit)
    static func shiftRightImmediate(_ destination: UInt8, _ value: Int32) -> Self {
        Self(code: 0x74, destination: destination, immediate: value)
    }
    /// dst = src (32-bit)
    static func move(_ destination: UInt8, _ source: UInt8) -> Self {
        Self(code: 0xBC, destination: destination, source: source)
    }
    /// dst = value (32-bit)
    static func moveImmediate(_ destination: UInt8, _ value: Int32) -> Self {
        Self(code: 0xB4, destination: destination, immediate: value)
    }
    /// if dst != value goto +offset (patched by the caller)
    static func jumpIfNotEqual(_ destination: UInt8, _ value: Int32) -> Self {
        Self(code: 0x55, destination: destination, immediate: value)
    }
    static let exit = Self(code: 0x95, destination: 0)
}
