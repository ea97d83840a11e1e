import Glibc
import UnitFile
import UnitModel

/// Reads the facts `ResourceControl` needs from the running system. Read only: it never writes.
public enum HostProbe {
    /// - Parameters:
    ///   - cgroupRoot: the cgroup2 directory Corral manages; nil means the host's cgroup2 mount
    ///     (found in /proc/self/mountinfo, `/sys/fs/cgroup` when none is listed).
    /// The devices a unit names are added by `facts(for:base:)`.
    public static func current(cgroupRoot: String? = nil) -> HostFacts {
        let root = cgroupRoot ?? cgroup2Mount() ?? "/sys/fs/cgroup"
        let pageSize = UInt64(sysconf(Int32(_SC_PAGESIZE)))
        let meminfo = readTextFile(atPath: "/proc/meminfo").map(parseMeminfo) ?? [:]
        var memory = (meminfo["MemTotal"] ?? 0) * 1024
        // Like systemd's physical_memory(): a memory.max on our root caps the RAM we may use.
        if let limit = readTextFile(atPath: root + "/memory.max").flatMap({ UInt64(trimmed($0)) }) {
            memory = min(memory, limit / pageSize * pageSize)
        }
        return HostFacts(
            memory: memory,
            swap: (meminfo["SwapTotal"] ?? 0) * 1024,
            cpus: onlineCPUs(),
            pidMax: readNumber("/proc/sys/kernel/pid_max") ?? 0,
            threadsMax: readNumber("/proc/sys/kernel/threads-max") ?? 0,
            rootPidsMax: readNumber(root + "/pids.max"),
            controllers: Set(
                (readTextFile(atPath: root + "/cgroup.controllers") ?? "").split(whereSeparator: \.isWhitespace)
                    .compactMap { Controller(rawValue: String($0)) }),
            pageSize: pageSize)
    }

    /// `base` with what one unit's settings name looked up: the disks of its IO settings, and
    /// for a device filter the device nodes and /proc/devices.
    public static func facts(for unit: Unit, base: HostFacts) -> HostFacts {
        var facts = base
        // Devices already in `base` were given (`plan --host device=`) and stay.
        facts.devices = devices(for: unit.resources.devicePaths).merging(base.devices) { _, given in given }
        let resources = unit.resources
        if !resources.deviceAllow.isEmpty || resources.devicePolicy != .auto || unit.exec.namespaces.privateDevices {
            for path in resources.deviceNodePaths {
                var status = stat()
                guard stat(path, &status) == 0 else { continue }
                let type = status.st_mode & S_IFMT
                guard type == S_IFCHR || type == S_IFBLK else { continue }
                let (major, minor) = split(status.st_rdev)
                facts.deviceNodes[path] = DeviceNumber(isBlock: type == S_IFBLK, major: major, minor: minor)
            }
            facts.deviceDrivers = parseDevices(readTextFile(atPath: "/proc/devices") ?? "")
        }
        return facts
    }

    /// /proc/devices: "Character devices:" and "Block devices:" sections of "MAJOR NAME" lines.
    static func parseDevices(_ text: String) -> [DeviceDriver] {
        var isBlock = false
        var drivers: [DeviceDriver] = []
        for line in text.split(separator: "\n") {
            if line.hasPrefix("Character devices:") { isBlock = false; continue }
            if line.hasPrefix("Block devices:") { isBlock = true; continue }
            let fields = line.split(separator: " ", maxSplits: 1)
            guard fields.count == 2, let major = UInt32(fields[0]) else { continue }
            drivers.append(DeviceDriver(isBlock: isBlock, major: major, name: String(fields[1])))
        }
        return drivers
    }

    /// The whole disks behind `paths` (device nodes, partitions or any file); paths that do not
    /// lead to a block device are left out.
    public static func devices(for paths: [String]) -> [String: BlockDevice] {
        var devices: [String: BlockDevice] = [:]
        for path in paths {
            devices[path] = blockDevice(for: path)
        }
        return devices
    }

    /// The mount point of the first cgroup2 file system in /proc/self/mountinfo.
    static func cgroup2Mount(mountinfo: String? = readTextFile(atPath: "/proc/self/mountinfo")) -> String? {
        for line in (mountinfo ?? "").split(separator: "\n") {
            let fields = line.split(separator: " ")
            // ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTIONS
            guard fields.count > 4, let separator = fields.firstIndex(of: "-"), separator + 1 < fields.count,
                fields[separator + 1] == "cgroup2"
            else { continue }
            return unescapeOctal(fields[4])
        }
        return nil
    }

    /// The whole disk behind `path`: a block device node itself, else the device of the file system
    /// holding it; through device-mapper layers with one slave and from a partition to its disk
    /// (systemd's lookup_block_device). `sysBlock` is `/sys/dev/block` except in tests.
    static func blockDevice(for path: String, sysBlock: String = "/sys/dev/block") -> BlockDevice? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        var device: (UInt32, UInt32)
        switch info.st_mode & S_IFMT {
        case S_IFBLK: device = split(info.st_rdev)
        case S_IFCHR: return nil
        default:
            device = split(info.st_dev)
            guard device.0 != 0 else { return nil }
        }
        while let origin = singleSlave(of: device, sysBlock: sysBlock) {
            device = origin
        }
        device = wholeDisk(of: device, sysBlock: sysBlock)
        let scheduler = readTextFile(atPath: "\(sysBlock)/\(device.0):\(device.1)/queue/scheduler") ?? ""
        return BlockDevice(major: device.0, minor: device.1, supportsWeight: scheduler.contains("[bfq]"))
    }

    /// A device with a request queue is a disk; a partition's disk is its parent directory in sysfs.
    static func wholeDisk(of device: (UInt32, UInt32), sysBlock: String) -> (UInt32, UInt32) {
        let directory = "\(sysBlock)/\(device.0):\(device.1)"
        guard access(directory + "/queue", F_OK) != 0, access(directory + "/partition", F_OK) == 0,
            let parent = readTextFile(atPath: directory + "/../dev").flatMap(parseDeviceNumber),
            access("\(sysBlock)/\(parent.0):\(parent.1)/queue", F_OK) == 0
        else { return device }
        return parent
    }

    /// The device a device-mapper device stacks on, when it stacks on exactly one.
    static func singleSlave(of device: (UInt32, UInt32), sysBlock: String) -> (UInt32, UInt32)? {
        let slaves = "\(sysBlock)/\(device.0):\(device.1)/slaves"
        guard let directory = opendir(slaves) else { return nil }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        guard names.count == 1 else { return nil }
        return readTextFile(atPath: "\(slaves)/\(names[0])/dev").flatMap(parseDeviceNumber)
    }

    /// The count of CPUs in /sys/devices/system/cpu/online (`0-3,6`), else sysconf's.
    static func onlineCPUs() -> Int {
        let ranges = trimmed(readTextFile(atPath: "/sys/devices/system/cpu/online") ?? "").split(separator: ",")
        let count = ranges.reduce(0) { total, range in
            let bounds = range.split(separator: "-").compactMap { Int($0) }
            return total + (bounds.count == 2 ? bounds[1] - bounds[0] + 1 : bounds.count)
        }
        return count > 0 ? count : sysconf(Int32(_SC_NPROCESSORS_ONLN))
    }
}

/// `KEY:   VALUE kB` lines as numbers.
private func parseMeminfo(_ text: String) -> [String: UInt64] {
    var values: [String: UInt64] = [:]
    for line in text.split(separator: "\n") {
        let parts = line.split(whereSeparator: { $0 == ":" || $0 == " " })
        if parts.count >= 2, let value = UInt64(parts[1]) { values[String(parts[0])] = value }
    }
    return values
}

/// `MAJ:MIN`.
private func parseDeviceNumber(_ text: String) -> (UInt32, UInt32)? {
    let parts = trimmed(text).split(separator: ":")
    guard parts.count == 2, let major = UInt32(parts[0]), let minor = UInt32(parts[1]) else { return nil }
    return (major, minor)
}

/// glibc's encoding of dev_t.
private func split(_ device: dev_t) -> (UInt32, UInt32) {
    let value = UInt64(device)
    let major = ((value >> 8) & 0xfff) | ((value >> 32) & ~0xfff)
    let minor = (value & 0xff) | ((value >> 12) & ~0xff)
    return (UInt32(truncatingIfNeeded: major), UInt32(truncatingIfNeeded: minor))
}

/// mountinfo escapes space, tab, newline and backslash as `\NNN`.
private func unescapeOctal(_ field: Substring) -> String {
    var bytes: [UInt8] = []
    var rest = field.utf8[...]
    while let byte = rest.first {
        let digits = rest.dropFirst().prefix(3)
        if byte == UInt8(ascii: "\\"), digits.count == 3,
            let value = UInt8(String(decoding: digits, as: UTF8.self), radix: 8)
        {
            bytes.append(value)
            rest = rest.dropFirst(4)
        } else {
            bytes.append(byte)
            rest = rest.dropFirst()
        }
    }
    return String(decoding: bytes, as: UTF8.self)
}

private func trimmed(_ text: String) -> String {
    String(text.drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
}

/// A number file such as `pid_max`; nil when absent or `max`.
private func readNumber(_ path: String) -> UInt64? {
    readTextFile(atPath: path).flatMap { UInt64(trimmed($0)) }
}
