import Foundation
import Testing
import UnitModel

@testable import Cgroups

/// Facts about this machine, checked against independent readings (Foundation, coreutils).
@Suite struct HostProbeTests {
    let facts = HostProbe.current()
    let devices = HostProbe.devices(for: ["/", "/dev/null", "/no/such/path"])

    private func kernelValue(_ path: String) throws -> String {
        try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private func meminfo(_ key: String) throws -> UInt64 {
        let lines = try kernelValue("/proc/meminfo").components(separatedBy: "\n")
        let line = try #require(lines.first { $0.hasPrefix(key + ":") })
        return try #require(UInt64(line.components(separatedBy: " ").filter { !$0.isEmpty }[1])) * 1024
    }

    private func run(_ arguments: [String]) throws -> String {
        let process = Process()
        let pipe = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func memoryAndSwapComeFromMeminfo() throws {
        #expect(facts.memory == (try meminfo("MemTotal")))
        #expect(facts.swap == (try meminfo("SwapTotal")))
        #expect(facts.pageSize == UInt64(try run(["getconf", "PAGESIZE"])))
    }

    @Test func kernelTaskLimits() throws {
        #expect(facts.pidMax == UInt64(try kernelValue("/proc/sys/kernel/pid_max")))
        #expect(facts.threadsMax == UInt64(try kernelValue("/proc/sys/kernel/threads-max")))
    }

    @Test func cpusAreTheOnlineOnes() throws {
        #expect(facts.cpus == Int(try run(["getconf", "_NPROCESSORS_ONLN"])))
    }

    @Test func controllersAreThoseOfTheCgroup2Mount() throws {
        let mount = try #require(HostProbe.cgroup2Mount())
        let listed = try run(["findmnt", "-n", "-t", "cgroup2", "-o", "TARGET"]).components(separatedBy: "\n")
        #expect(mount == listed.first)
        let names = try kernelValue(mount + "/cgroup.controllers").split(separator: " ")
        #expect(facts.controllers == Set(names.compactMap { Controller(rawValue: String($0)) }))
    }

    @Test func mountinfoFieldsAreUnescaped() {
        let mountinfo = """
            31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
            41 31 0:38 / /mnt/with\\040space rw,relatime shared:9 - cgroup2 cgroup2 rw
            """
        #expect(HostProbe.cgroup2Mount(mountinfo: mountinfo) == "/mnt/with space")
        #expect(HostProbe.cgroup2Mount(mountinfo: "31 23 0:28 / /sys/fs/cgroup rw - tmpfs tmpfs rw") == nil)
    }

    /// `/` lives on the device `stat -c %d /` names, resolved to the disk holding it.
    @Test func rootDirectoryResolvesToItsDisk() throws {
        let device = try #require(UInt64(try run(["stat", "-c", "%d", "/"])))
        let number = "\((device >> 8) & 0xfff):\((device & 0xff) | ((device >> 12) & ~0xff))"
        let sysfs = "/sys/dev/block/\(number)"
        let isPartition = FileManager.default.fileExists(atPath: sysfs + "/partition")
        let disk = isPartition ? try kernelValue(sysfs + "/../dev") : number
        let resolved = try #require(devices["/"])
        #expect(resolved.number == disk)
        let scheduler = (try? kernelValue("/sys/dev/block/\(disk)/queue/scheduler")) ?? ""
        #expect(resolved.supportsWeight == scheduler.contains("[bfq]"))
    }

    @Test func characterDevicesAndMissingPathsAreLeftOut() {
        #expect(devices["/dev/null"] == nil)
        #expect(devices["/no/such/path"] == nil)
    }

    /// A fake /sys/dev/block: 8:1 is a partition of 8:0, 253:0 a device-mapper device on 8:1.
    @Test func partitionsAndMappedDevicesResolveToTheWholeDisk() throws {
        let files = FileManager.default
        let base = files.temporaryDirectory.appendingPathComponent("hostprobe-\(getpid())").path
        defer { try? files.removeItem(atPath: base) }
        func make(_ path: String, _ contents: String) throws {
            let full = base + "/" + path
            try files.createDirectory(
                atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try contents.write(toFile: full, atomically: false, encoding: .utf8)
        }
        try make("devices/sda/dev", "8:0\n")
        try make("devices/sda/queue/scheduler", "mq-deadline [bfq] none\n")
        try make("devices/sda/sda1/dev", "8:1\n")
        try make("devices/sda/sda1/partition", "1\n")
        try make("devices/dm-0/dev", "253:0\n")
        try make("devices/dm-0/queue/scheduler", "none\n")
        try files.createDirectory(atPath: base + "/devices/dm-0/slaves", withIntermediateDirectories: true)
        try files.createSymbolicLink(
            atPath: base + "/devices/dm-0/slaves/sda1", withDestinationPath: base + "/devices/sda/sda1")
        try files.createDirectory(atPath: base + "/block", withIntermediateDirectories: true)
        for (number, target) in [("8:0", "sda"), ("8:1", "sda/sda1"), ("253:0", "dm-0")] {
            try files.createSymbolicLink(
                atPath: base + "/block/" + number, withDestinationPath: base + "/devices/" + target)
        }
        let sysBlock = base + "/block"
        #expect(HostProbe.wholeDisk(of: (8, 1), sysBlock: sysBlock) == (8, 0))
        #expect(HostProbe.wholeDisk(of: (8, 0), sysBlock: sysBlock) == (8, 0))
        #expect(HostProbe.singleSlave(of: (253, 0), sysBlock: sysBlock).map { [$0.0, $0.1] } == [8, 1])
        #expect(HostProbe.singleSlave(of: (8, 0), sysBlock: sysBlock) == nil)
    }

    /// A device filter's nodes and drivers: /dev/null is char 1:3 everywhere, /proc/devices has pts.
    @Test func deviceNodesAndDriversForAFilter() {
        var unit = Unit(name: "probe.service", type: .service)
        unit.resources.devicePolicy = .closed
        let found = HostProbe.facts(for: unit, base: facts)
        #expect(found.deviceNodes["/dev/null"] == DeviceNumber(isBlock: false, major: 1, minor: 3))
        #expect(found.deviceDrivers.contains(DeviceDriver(isBlock: false, major: 136, name: "pts")))
        #expect(HostProbe.facts(for: Unit(name: "plain.service", type: .service), base: facts).deviceNodes.isEmpty)
    }
}
