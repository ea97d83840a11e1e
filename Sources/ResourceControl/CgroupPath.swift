import UnitModel

/// Where systemd 252 places a unit in the cgroup tree, relative to the manager's cgroup root.
enum CgroupPath {
    static let rootSlice = "-.slice"

    /// The slice a unit sits in (see `Unit.sliceName`); the root slice for units without one.
    static func slice(of unit: Unit) -> String {
        unit.sliceName ?? rootSlice
    }

    /// The unit's cgroup: a slice's path comes from its name alone, other units sit in their slice.
    /// nil when the slice name has a leading, trailing or doubled dash.
    static func path(of unit: Unit) -> String? {
        if unit.type == .slice {
            return path(ofSlice: unit.name)
        }
        guard let slicePath = path(ofSlice: slice(of: unit)) else { return nil }
        return slicePath.isEmpty ? escape(unit.name) : slicePath + "/" + escape(unit.name)
    }

    /// The cgroup path of a slice (`a-b.slice` → `a.slice/a-b.slice`, `-.slice` → `""`), or nil when
    /// the name has a leading, trailing or doubled dash (systemd's `cg_slice_to_path`).
    static func path(ofSlice slice: String) -> String? {
        guard slice != rootSlice else { return "" }
        guard slice.hasSuffix(".slice") else { return nil }
        let parts = slice.dropLast(".slice".count).split(separator: "-", omittingEmptySubsequences: false)
        guard !parts.contains(where: \.isEmpty) else { return nil }
        return parts.indices.map { escape(parts[...$0].joined(separator: "-") + ".slice") }
            .joined(separator: "/")
    }

    /// systemd's `cg_escape`: names that could clash with kernel files (a leading `_` or `.`,
    /// `cgroup.*`, `tasks`, or `CONTROLLER.suffix`) get a `_` prefix.
    static func escape(_ name: String) -> String {
        let kernelNames: Set<String> = ["notify_on_release", "release_agent", "tasks"]
        let controllerNames: Set<String> = [
            "cpu", "cpuacct", "cpuset", "io", "blkio", "memory", "devices", "pids", "bpf-firewall",
            "bpf-devices", "bpf-foreign", "bpf-socket-bind", "bpf-restrict-network-interfaces",
        ]
        var needsPrefix = name.isEmpty || name.hasPrefix("_") || name.hasPrefix(".")
        needsPrefix = needsPrefix || kernelNames.contains(name) || name.hasPrefix("cgroup.")
        if !needsPrefix, let dot = name.lastIndex(of: ".") {
            needsPrefix = controllerNames.contains(String(name[..<dot]))
        }
        return needsPrefix ? "_" + name : name
    }
}
