import UnitModel

/// `corralctl security --suggest`: hardening settings a service can take without losing what it
/// declares it needs, as `[Service]` assignments for a drop-in. A setting the unit sets already is
/// left to it. Declared needs: network units in its dependencies or address families (network
/// access), `AmbientCapabilities=` (those capabilities), `DeviceAllow=` (devices), `Delegate=`
/// (its cgroup tree), realtime `CPUSchedulingPolicy=`, and running as root (the privileged system
/// calls and the host's user namespace).
public enum SecuritySuggestion {
    public static func assignments(for unit: Unit) -> [(directive: String, value: String)] {
        let exec = unit.exec
        let namespaces = exec.namespaces
        let dependencies = unit.unit.after + unit.unit.wants + unit.unit.requires + unit.unit.bindsTo
        let families = exec.restrictAddressFamilies.map { list in
            list.allowList ? list.items.contains { $0 == 2 || $0 == 10 } : true
        }
        let usesNetwork =
            families ?? dependencies.contains { $0.hasPrefix("network") }
            || !unit.resources.ipAddressAllow.isEmpty
        let root = exec.user.map { $0.isEmpty || $0 == "root" || $0 == "0" } ?? true
        var suggested: [(String, String)] = []
        func suggest(_ directive: String, _ value: String, unless alreadySet: Bool) {
            if !alreadySet { suggested.append((directive, value)) }
        }
        suggest("NoNewPrivileges", "yes", unless: exec.noNewPrivileges)
        suggest("PrivateTmp", "yes", unless: namespaces.privateTmp)
        suggest("PrivateMounts", "yes", unless: namespaces.privateMounts)
        if unit.resources.deviceAllow.isEmpty {
            suggest("PrivateDevices", "yes", unless: namespaces.privateDevices)
        } else {
            suggest("DevicePolicy", "closed", unless: unit.resources.devicePolicy != .auto)
        }
        if !usesNetwork { suggest("PrivateNetwork", "yes", unless: namespaces.privateNetwork) }
        if !root { suggest("PrivateUsers", "yes", unless: namespaces.privateUsers) }
        suggest("ProtectSystem", "strict", unless: namespaces.protectSystem != .no)
        suggest("ProtectHome", "yes", unless: namespaces.protectHome != .no)
        suggest("ProtectKernelTunables", "yes", unless: namespaces.protectKernelTunables)
        suggest("ProtectKernelModules", "yes", unless: namespaces.protectKernelModules)
        suggest("ProtectKernelLogs", "yes", unless: namespaces.protectKernelLogs)
        suggest("ProtectControlGroups", "yes", unless: namespaces.protectControlGroups || unit.resources.delegate)
        suggest("ProtectClock", "yes", unless: namespaces.protectClock)
        suggest("ProtectHostname", "yes", unless: exec.protectHostname)
        suggest("ProtectProc", "invisible", unless: namespaces.protectProc != .default)
        suggest("LockPersonality", "yes", unless: exec.lockPersonality)
        suggest("MemoryDenyWriteExecute", "yes", unless: exec.memoryDenyWriteExecute)
        let realtime = [.fifo, .rr].contains(exec.schedulingPolicy)
        suggest("RestrictRealtime", "yes", unless: exec.restrictRealtime || realtime)
        suggest("RestrictSUIDSGID", "yes", unless: exec.restrictSUIDSGID)
        suggest("RestrictNamespaces", "yes", unless: exec.restrictNamespaces != nil)
        suggest(
            "RestrictAddressFamilies", usesNetwork ? "AF_UNIX AF_INET AF_INET6" : "AF_UNIX",
            unless: exec.restrictAddressFamilies != nil)
        suggest(
            "CapabilityBoundingSet", exec.ambientCapabilities?.description ?? "",
            unless: exec.capabilityBoundingSet != nil)
        suggest("SystemCallArchitectures", "native", unless: !exec.systemCallArchitectures.isEmpty)
        if exec.systemCallFilter == nil {
            suggested.append(("SystemCallFilter", "@system-service"))
            suggested.append(("SystemCallFilter", root ? "~@resources" : "~@privileged @resources"))
        }
        if !root { suggest("RemoveIPC", "yes", unless: exec.removeIPC) }
        return suggested
    }
}
