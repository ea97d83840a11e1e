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
        do throws(CgroupError) {
            try attachDeviceProgram(plan.devices, to: plan.cgroup)
        } catch {
            problems.append("\(error) (from DeviceAllow=/DevicePolicy=)")
        }
        return problems
    }

    /// Makes `filter`'s program the cgroup's device program (nil: none), replacing an earlier one.
    public func attachDeviceProgram(_ filter: DeviceFilter?, to cgroup: String) throws(CgroupError) {
        let directory = try openDirectory(cgroup, readable: true)
        var program: FileDescriptor?
        if let filter {
            do {
                program = try FileDescriptor.deviceProgram(filter.program.flatMap(\.bytes))
            } catch {
                throw CgroupError(operation: .devices(error.log), path: cgroup, errno: error.errno)
            }
        }
        do {
            try directory.replaceDeviceProgram(with: program)
        } catch {
            // Without a filter there is nothing to take away where the kernel has no cgroup BPF.
            if filter == nil && [EINVAL, ENOSYS, EPERM].contains(error.code) { return }
            throw CgroupError(operation: .devices(""), path: cgroup, errno: error)
        }
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

extension EBPFInstruction {
    /// struct bpf_insn's 8 bytes, little-endian.
    var bytes: [UInt8] {
        let offset = UInt16(bitPattern: self.offset), immediate = UInt32(bitPattern: self.immediate)
        return [code, registers, UInt8(offset & 0xFF), UInt8(offset >> 8)]
            + (0..<4).map { UInt8((immediate >> (8 * $0)) & 0xFF) }
    }
}
