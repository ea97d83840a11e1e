/// How journald names the unit of a process from its cgroup path (`_SYSTEMD_UNIT=`): leading
/// `*.slice` components are skipped and the next component is the unit, if it is a unit name
/// (systemd's cg_path_get_unit). corrald streams a service's output straight to journald only when
/// this names the service itself; otherwise journald would file the lines under another unit
/// (`corrald.service` when systemd delegated corrald's cgroup), and corrald forwards them instead.
public enum CgroupAttribution {
    /// `path` is relative to the cgroup2 root, e.g. `/corral.slice/workload.slice/web.service`.
    public static func unit(ofCgroup path: String) -> String? {
        let components = path.split(separator: "/")
        guard let unit = components.first(where: { !$0.hasSuffix(".slice") }) else { return nil }
        let suffixes = [
            ".service", ".scope", ".socket", ".mount", ".swap", ".target", ".timer", ".path", ".device", ".automount",
        ]
        guard let dot = unit.lastIndex(of: "."), suffixes.contains(String(unit[dot...])), dot != unit.startIndex else {
            return nil
        }
        return String(unit)
    }
}
