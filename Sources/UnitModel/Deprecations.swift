/// The warnings systemd 252 gives for directives it still reads but is phasing out, and for those
/// it no longer reads at all, worded as it words them (checked against `systemd-analyze verify`).
enum Deprecations {
    /// Directives systemd removed: accepted and ignored, with a warning, rather than unknown.
    static let removed: [String: Set<String>] = [
        "Unit": ["IgnoreOnSnapshot"],
        "Service": ["SysVStartPriority", "Capabilities", "BusPolicy"],
    ]

    /// The warning for a directive systemd still reads but wants replaced, if `value` earns one.
    static func note(for directive: String, value: String) -> String? {
        if directive == "KillMode" && value == "none" {
            return
                "Unit uses KillMode=none. This is unsafe, as it disables systemd's process lifecycle management for the service. Please update the service to use a safer KillMode=, such as 'mixed' or 'control-group'. Support for KillMode=none is deprecated and will eventually be removed."
        }
        guard !value.isEmpty, let replacement = replacements[directive] else { return nil }
        return
            "Unit uses \(directive)=; please use \(replacement) instead. Support for \(directive)= will be removed soon."
    }

    private static let replacements = [
        "MemoryLimit": "MemoryMax=", "CPUShares": "CPUWeight=", "StartupCPUShares": "CPUWeight=",
        "BlockIODeviceWeight": "IO*= settings", "BlockIOReadBandwidth": "IO*= settings",
        "BlockIOWriteBandwidth": "IO*= settings",
    ]
}
