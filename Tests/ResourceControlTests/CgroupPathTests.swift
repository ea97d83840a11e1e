import Testing
import UnitModel

@testable import ResourceControl

@Suite struct CgroupPathTests {
    /// Expected values are `systemd-escape`'s output for the same text (systemd 252).
    @Test(arguments: [("foo-bar", "foo\\x2dbar"), (".dot/x", "\\x2edot-x"), ("a b", "a\\x20b"), ("getty", "getty")])
    func templatePrefixEscapedAsSystemdEscape(_ text: String, _ escaped: String) {
        #expect(CgroupPath.slice(of: Unit(name: "\(text)@x.service", type: .service)) == "system-\(escaped).slice")
    }

    @Test(arguments: [
        ("foo.service", "foo.service"), ("_foo.service", "__foo.service"), (".hidden.service", "_.hidden.service"),
        ("cgroup.procs.service", "_cgroup.procs.service"), ("tasks", "_tasks"), ("memory.slice", "_memory.slice"),
        ("bpf-firewall.service", "_bpf-firewall.service"), ("cpu.x.service", "cpu.x.service"),
        ("cpux.service", "cpux.service"),
    ])
    func cgEscape(_ name: String, _ escaped: String) {
        #expect(CgroupPath.escape(name) == escaped)
    }

    @Test(arguments: [
        ("-.slice", ""), ("a.slice", "a.slice"), ("a-b-c.slice", "a.slice/a-b.slice/a-b-c.slice"),
        ("cpu-x.slice", "_cpu.slice/cpu-x.slice"),
    ])
    func slicePaths(_ slice: String, _ path: String) {
        #expect(CgroupPath.path(ofSlice: slice) == path)
    }

    @Test(arguments: ["-a.slice", "a-.slice", "a--b.slice", "a.service"])
    func invalidSlicesHaveNoPath(_ slice: String) {
        #expect(CgroupPath.path(ofSlice: slice) == nil)
    }

    @Test func invalidSliceFallsBackToSystemSlice() {
        var unit = Unit(name: "foo.service", type: .service)
        unit.resources.slice = "a--b.slice"
        unit.resources.memoryAccounting = false
        unit.resources.tasksAccounting = false
        unit.resources.tasksMax = .infinity
        let host = HostFacts(
            memory: 1 << 30, swap: 0, cpus: 1, pidMax: 32768, threadsMax: 1000, rootPidsMax: nil, controllers: [])
        #expect(
            CgroupPlanner.plan(for: unit, host: host)
                == CgroupPlan(
                    unit: "foo.service", cgroup: "system.slice/foo.service", enable: [], writes: [],
                    warnings: ["Slice=a--b.slice is not a valid slice name; using system.slice"]))
    }
}
