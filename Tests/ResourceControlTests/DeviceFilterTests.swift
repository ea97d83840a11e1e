import ResourceControl
import Testing
import UnitModel

/// The device program's rules and instructions, compared whole.
@Suite struct DeviceFilterTests {
    static let host: HostFacts = {
        var host = HostFacts(
            memory: 1 << 30, swap: 0, cpus: 2, pidMax: 4_194_304, threadsMax: 100_000, rootPidsMax: nil, controllers: []
        )
        host.deviceNodes = [
            "/dev/null": DeviceNumber(isBlock: false, major: 1, minor: 3),
            "/dev/vda": DeviceNumber(isBlock: true, major: 254, minor: 0),
        ]
        host.deviceDrivers = [
            DeviceDriver(isBlock: false, major: 136, name: "pts"),
            DeviceDriver(isBlock: false, major: 137, name: "pts"),
            DeviceDriver(isBlock: true, major: 254, name: "virtblk"),
        ]
        return host
    }()

    static func plan(_ lines: [(String, String)]) throws -> CgroupPlan {
        var unit = Unit(name: "probe.service", type: .service)
        for (name, value) in lines { try PropertyTable.descriptor(named: name)!.assign(&unit, value) }
        return CgroupPlanner.plan(for: unit, host: host)
    }

    @Test func noFilterUnlessAPolicyOrAListAsksForOne() throws {
        #expect(try Self.plan([]).devices == nil)
        #expect(try Self.plan([("DevicePolicy", "auto")]).devices == nil)
    }

    /// closed (and auto with a list, and PrivateDevices=): the pseudo devices the host has, the
    /// inaccessible nodes 0:0, then the list; strict: only the list.
    @Test func rulesFollowThePolicy() throws {
        let closed = [
            DeviceFilter.Rule(isBlock: false, major: 1, minor: 3, access: .all),
            DeviceFilter.Rule(isBlock: false, major: 136, minor: nil, access: [.read, .write]),
            DeviceFilter.Rule(isBlock: false, major: 137, minor: nil, access: [.read, .write]),
            DeviceFilter.Rule(isBlock: false, major: 0, minor: 0, access: .all),
            DeviceFilter.Rule(isBlock: true, major: 0, minor: 0, access: .all),
        ]
        let disk = DeviceFilter.Rule(isBlock: true, major: 254, minor: 0, access: .read)
        #expect(try Self.plan([("DevicePolicy", "closed")]).devices == DeviceFilter(rules: closed))
        #expect(try Self.plan([("PrivateDevices", "yes")]).devices == DeviceFilter(rules: closed))
        #expect(try Self.plan([("DeviceAllow", "/dev/vda r")]).devices == DeviceFilter(rules: closed + [disk]))
        #expect(
            try Self.plan([("DevicePolicy", "strict"), ("DeviceAllow", "block-virt* r")]).devices
                == DeviceFilter(rules: [DeviceFilter.Rule(isBlock: true, major: 254, minor: nil, access: .read)]))
        let missing = try Self.plan([("DevicePolicy", "strict"), ("DeviceAllow", "/dev/nonexistent")])
        #expect(missing.devices == DeviceFilter(rules: []))
        #expect(missing.warnings == ["probe.service: DeviceAllow=/dev/nonexistent names no device"])
    }

    /// One read-only block device: the loads, one block (type, access, major, minor, allow), the deny.
    @Test func programOfOneRule() throws {
        let program = DeviceFilter(rules: [DeviceFilter.Rule(isBlock: true, major: 254, minor: 0, access: .read)])
            .program
        let encoded = program.map { "\(String($0.code, radix: 16)) \($0.registers) \($0.offset) \($0.immediate)" }
        #expect(
            encoded == [
                "61 18 0 0", "54 2 0 65535", "61 19 0 0", "74 3 0 16", "61 20 4 0", "61 21 8 0",
                "55 2 7 1", "bc 49 0 0", "54 1 0 65533", "55 1 4 0", "55 4 3 254", "55 5 2 0", "b4 0 0 1", "95 0 0 0",
                "b4 0 0 0", "95 0 0 0",
            ])
    }
}
