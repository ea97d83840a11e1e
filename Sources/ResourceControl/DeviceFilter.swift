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
