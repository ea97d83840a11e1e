import Glibc
import ResourceControl
import SystemCall
import UnitModel

/// What became of one write of a plan.
public enum CgroupWriteOutcome: Sendable, Equatable {
    case written
    /// A default the kernel has no file for here (`io.bfq.weight` without bfq): systemd ignores
    /// those, and so does Corral.
    case skipped
    case failed(CgroupError)
}

extension CgroupTree {
    /// Makes a unit's cgroup as its plan says: creates it (and its slices'), enables the plan's
    /// controllers top-down where `available`, and makes its writes. Throws when the cgroup cannot
    /// be created (nothing is left half-made); otherwise returns what failed, one message each,
    /// naming the setting a write came from.
    public func apply(_ plan: CgroupPlan, available: Set<Controller>) throws(CgroupError) -> [String] {
        try create(plan.cgroup)
        var problems: [String] = []
        for step in plan.enable {
            do throws(CgroupError) {
                try enable(step.controllers.filter(available.contains), in: step.cgroup)
            } catch {
                problems.append(error.description)
            }
        }
        for (write, outcome) in self.write(plan.writes, in: plan.cgroup) {
            if case .failed(let error) = outcome { problems.append("\(error) (from \(write.from)=)") }
        }
        return problems
    }

    /// Writes each value into its file of `cgroup`, in order.
    public func write(_ writes: [CgroupWrite], in cgroup: String) -> [(CgroupWrite, CgroupWriteOutcome)] {
        writes.map { write in
            do throws(CgroupError) {
                try self.write(write.value, to: write.file, in: cgroup)
                return (write, .written)
            } catch  where [ENOENT, EROFS, EACCES, EPERM].contains(error.errno.code) && write.from == "default" {
                return (write, .skipped)
            } catch {
                return (write, CgroupWriteOutcome.failed(error))
            }
        }
    }
}
