import Cgroups
import Exec
import Glibc
import Journal
import SystemCall
import UnitFile

/// Where the units of a corrald that systemd runs as a delegated service live: a scope of their
/// own beside the service, `NAME-units.scope` with `Delegate=yes`, asked of systemd over its private
/// socket.
///
/// They cannot live in the service's own cgroup. Once corrald enables controllers there for its
/// units, the kernel lets no process join that cgroup (EBUSY), and systemd 252 puts a restarted
/// service's main process exactly there: after a crash of corrald it could not start it again
/// (status 219/CGROUP) while the units ran on unsupervised. In a scope the units outlive the
/// service, and the restarted corrald finds the scope and takes them back. A placeholder process
/// (`corrald --placeholder`) holds the scope's leaf `corrald.scope`, so that systemd keeps the scope
/// while no unit runs; corrald ends it when it stops cleanly, and systemd then removes the scope.
enum PayloadScope {
    /// The scope's root when systemd runs corrald as a delegated service (`delegated`); nil
    /// otherwise. Throws when the scope cannot be made.
    static func root(mount: String, delegated: String) throws -> CgroupRoot? {
        let components = delegated.split(separator: "/")
        guard ServiceManager.isSystemd, let service = components.last, service.hasSuffix(".service") else {
            return nil
        }
        let slicePath = "/" + components.dropLast().joined(separator: "/")
        let slice = components.count > 1 ? String(components[components.count - 2]) : "-.slice"
        let scope = service.dropLast(".service".count) + "-units.scope"
        let cgroup = (slicePath == "/" ? "" : slicePath) + "/" + scope
        let root = CgroupRoot(
            path: mount + cgroup, mountPoint: mount, trackingOnly: false,
            reason: "scope \(scope), delegated by systemd for the units of \(service)", containsManager: false)
        let tree = try? CgroupTree(path: root.path)
        if let tree, (try? tree.isPopulated("")) == true { return root }

        let placeholder = try Spawner.spawn(
            SpawnRequest(path: "/proc/self/exe", arguments: ["corrald", "--placeholder"]))
        do {
            try ServiceManager.startDelegatedScope(
                String(scope), slice: slice, description: "Units of \(service)", pid: placeholder.pid)
            try waitUntil(placeholder.pid, isIn: cgroup)
            let tree = try CgroupTree(path: root.path)
            try tree.create(CgroupRoot.managerLeaf)
            try tree.attach(placeholder.pid, to: CgroupRoot.managerLeaf)
        } catch {
            kill(placeholder.pid, SIGKILL)
            _ = try? placeholder.waitForTermination()
            throw error
        }
        return root
    }

    /// systemd makes the scope when it runs the queued job: wait (at most 10 s) for the process to
    /// be moved into it.
    private static func waitUntil(_ pid: Int32, isIn cgroup: String) throws {
        for _ in 0..<1000 {
            if readTextFile(atPath: "/proc/\(pid)/cgroup")?.contains("0::\(cgroup)\n") == true { return }
            usleep(10_000)
        }
        throw PayloadScopeError(description: "systemd did not move the placeholder into \(cgroup) within 10 s")
    }

    /// The placeholder's life: nothing, until it is killed.
    static func hold() -> Never {
        while true { pause() }
    }
}

struct PayloadScopeError: Error, CustomStringConvertible {
    var description: String
}
