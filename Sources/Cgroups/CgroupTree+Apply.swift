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
        do throws(CgroupError) {
            try attachIPAccessPrograms(plan.ipAccess, to: plan.cgroup)
        } catch {
            problems.append("\(error) (from IPAddressAllow=/IPAddressDeny=)")
        }
        return problems
    }

    /// Makes `filter`'s program the cgroup's device program (nil: none), replacing an earlier one.
    public func attachDeviceProgram(_ filter: DeviceFilter?, to cgroup: String) throws(CgroupError) {
        try replacePrograms(
            [(.device, filter.map { (.cgroupDevice, $0.program) })], in: cgroup, name: "device program")
    }

    /// Makes `filter`'s programs the cgroup's ingress and egress programs (nil: none), replacing
    /// earlier ones. The maps live as long as the programs that use them.
    public func attachIPAccessPrograms(_ filter: IPAccessFilter?, to cgroup: String) throws(CgroupError) {
        var maps: [IPAccessFilter.Map: FileDescriptor] = [:]
        if let filter {
            for map in IPAccessFilter.Map.allCases {
                let keys = filter.keys(of: map)
                guard !keys.isEmpty else { continue }
                do {
                    maps[map] = try FileDescriptor.prefixMap(keySize: map.keySize, keys: keys)
                } catch {
                    throw CgroupError(operation: .program("IP address filter", log: "map"), path: cgroup, errno: error)
                }
            }
        }
        let numbers = maps.mapValues(\.rawValue)
        try withExtendedLifetime(maps) { () throws(CgroupError) in
            try replacePrograms(
                [BPFAttachType.ingress, .egress].map { direction in
                    (
                        direction,
                        filter.map { (.cgroupSocketBuffer, $0.program(ingress: direction == .ingress, maps: numbers)) }
                    )
                }, in: cgroup, name: "IP address filter")
        }
    }

    /// Loads each program and attaches it in place of those attached there before (nil: detaches
    /// them). Where the kernel has no cgroup BPF, having none to take away is no error.
    private func replacePrograms(
        _ programs: [(BPFAttachType, (BPFProgramType, [EBPFInstruction])?)], in cgroup: String, name: String
    ) throws(CgroupError) {
        let directory = try openDirectory(cgroup, readable: true)
        for (attachType, program) in programs {
            var loaded: FileDescriptor?
            if let (type, instructions) = program {
                do {
                    loaded = try FileDescriptor.bpfProgram(type, instructions.flatMap(\.bytes))
                } catch {
                    throw CgroupError(operation: .program(name, log: error.log), path: cgroup, errno: error.errno)
                }
            }
            do {
                try directory.replaceCgroupPrograms(attachType, with: loaded)
            } catch {
                if program == nil && [EINVAL, ENOSYS, EPERM].contains(error.code) { continue }
                throw CgroupError(operation: .program(name, log: ""), path: cgroup, errno: error)
            }
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
