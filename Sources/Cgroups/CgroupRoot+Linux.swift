import Glibc
import SystemCall
import UnitFile
import UnitModel

/// Where Corral's cgroup subtree lives, and whether limits can be enforced there.
public struct CgroupRoot: Sendable, Equatable {
    /// Absolute path of Corral's root cgroup.
    public var path: String
    /// Where the cgroup2 hierarchy is mounted; `path` below it is what /proc/PID/cgroup shows.
    public var mountPoint: String
    /// On a hybrid host the cgroup2 hierarchy has no controllers: corrald only places and tracks
    /// processes, and says once per unit which limits it cannot enforce.
    public var trackingOnly: Bool
    /// How the root was chosen, for the start-up log.
    public var reason: String
    /// Whether corrald itself lives below the root (in its leaf `corrald.scope`), rather than in a
    /// cgroup of its own beside it (`PayloadScope`: then a placeholder holds the leaf).
    public var containsManager: Bool

    public init(path: String, mountPoint: String, trackingOnly: Bool, reason: String, containsManager: Bool = true) {
        self.path = path
        self.mountPoint = mountPoint
        self.trackingOnly = trackingOnly
        self.reason = reason
        self.containsManager = containsManager
    }

    /// The leaf below the root that holds corrald (or the placeholder of a payload scope), so that
    /// the root itself holds no process and can enable controllers for the units.
    public static let managerLeaf = "corrald.scope"

    /// Chooses the root: `configured` (CgroupRoot= or --cgroup-root) if given; else, on a pure
    /// cgroup2 host, the cgroup corrald was started in when it was delegated to it (systemd marks
    /// delegated cgroups with the `trusted.delegate` attribute), otherwise `corral.slice` at the
    /// top; on a hybrid host, `corral.slice` inside the cgroup2 mount, tracking only.
    public static func detect(configured: String?) -> CgroupRoot? {
        guard let mount = HostProbe.cgroup2Mount() else { return nil }
        let hybrid = mount != "/sys/fs/cgroup"
        if let configured {
            return CgroupRoot(path: configured, mountPoint: mount, trackingOnly: hybrid, reason: "configured")
        }
        if hybrid {
            return CgroupRoot(
                path: mount + "/corral.slice", mountPoint: mount, trackingOnly: true,
                reason: "hybrid cgroup layout: cgroup2 at \(mount) has no controllers")
        }
        if let own = delegatedCgroup(mount: mount) {
            return CgroupRoot(
                path: mount + own, mountPoint: mount, trackingOnly: false, reason: "delegated cgroup \(own)")
        }
        return CgroupRoot(
            path: mount + "/corral.slice", mountPoint: mount, trackingOnly: false, reason: "pure cgroup2 host")
    }

    /// The cgroup corrald was started in when someone delegated it (after daemon-reexec corrald is
    /// in its leaf below it), relative to the mount.
    public static func delegatedCgroup(mount: String) -> String? {
        guard var own = ownCgroup(), own != "/" else { return nil }
        if own.hasSuffix("/" + managerLeaf) { own.removeLast(managerLeaf.count + 1) }
        return isDelegated(mount + own) ? own : nil
    }

    /// This process's cgroup2 path, from the `0::` line of /proc/self/cgroup.
    public static func ownCgroup() -> String? {
        guard let text = readTextFile(atPath: "/proc/self/cgroup") else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("0::") {
            return String(line.dropFirst(3))
        }
        return nil
    }

    /// Where corrald is the top manager (nobody delegated its root to it), it makes the root offer
    /// Corral's controllers, as systemd does from the top: each cgroup from the hierarchy's top (the
    /// mount's root, or the nearest delegated ancestor, which is ours to write) down to the root's
    /// parent enables those that it has. Returns why any of them is missing, one message each.
    public func offerControllers() -> [String] {
        guard !trackingOnly, !Self.isDelegated(path) else { return [] }
        var ancestors = [mountPoint]
        for component in path.dropFirst(mountPoint.count).split(separator: "/").dropLast() {
            ancestors.append(ancestors[ancestors.count - 1] + "/" + component)
        }
        if let delegated = ancestors.lastIndex(where: Self.isDelegated) { ancestors.removeFirst(delegated) }
        var problems: [String] = []
        for ancestor in ancestors {
            guard let tree = try? CgroupTree(path: ancestor), let offered = try? tree.availableControllers(),
                let enabled = try? tree.enabledControllers()
            else {
                problems.append("Cannot read the controllers of \(ancestor).")
                break
            }
            for controller in Controller.allCases where !enabled.contains(controller) {
                guard offered.contains(controller) else {
                    problems.append(
                        "The \(controller) controller is not offered in \(ancestor) (its cgroup.controllers).")
                    continue
                }
                do throws(CgroupError) {
                    try tree.enable([controller], in: "")
                } catch  where error.errno.code == EBUSY {
                    problems.append(
                        "Cannot enable the \(controller) controller in \(ancestor): processes live in it, and a cgroup with processes of its own cannot give controllers to its children."
                    )
                } catch {
                    problems.append("Cannot enable the \(controller) controller in \(ancestor): \(error.errno).")
                }
            }
        }
        return problems
    }

    private static func isDelegated(_ path: String) -> Bool {
        extendedAttributeIsSet("trusted.delegate", of: path)
    }
}
