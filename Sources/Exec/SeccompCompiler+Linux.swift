import CSeccomp
import ExecSandbox
import Glibc
import Synchronization
import SystemCall

/// Compiles a sandbox plan's seccomp programs to classic BPF with libseccomp, in the parent, so the
/// spawn's child only loads them.
public enum SeccompCompiler {
    public struct Failure: Error, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// Programs compiled before: a unit's programs are the same at each of its spawns, and
    /// libseccomp takes milliseconds for a large allow list. Emptied when it reaches `cacheLimit`.
    private static let compiled = Mutex<[SeccompProgram: [BPFInstruction]]>([:])
    static let cacheLimit = 256

    /// The program as classic BPF, from the cache when it was compiled before.
    public static func compile(_ program: SeccompProgram) throws(Failure) -> [BPFInstruction] {
        if let known = compiled.withLock({ $0[program] }) { return known }
        let instructions = try compileAnew(program)
        compiled.withLock { cache in
            if cache.count >= cacheLimit { cache.removeAll() }
            cache[program] = instructions
        }
        return instructions
    }

    private static func compileAnew(_ program: SeccompProgram) throws(Failure) -> [BPFInstruction] {
        guard let context = seccomp_init(action(program.defaultAction)) else {
            throw Failure(description: "seccomp_init failed")
        }
        defer { seccomp_release(context) }
        func check(_ result: Int32, _ what: String) throws(Failure) {
            if result < 0 { throw Failure(description: "\(what): \(Errno(-result))") }
        }
        try check(
            seccomp_attr_set(context, SCMP_FLTATR_ACT_BADARCH, action(program.otherArchitectures)), "bad-arch action")
        // corrald loads the program itself, after its own no_new_privs decision.
        try check(seccomp_attr_set(context, SCMP_FLTATR_CTL_NNP, 0), "no_new_privs attribute")
        let native = seccomp_arch_native()
        var architectures = Set<UInt32>()
        for name in program.architectures {
            let architecture = name == "native" ? native : seccomp_arch_resolve_name(name)
            if architecture != 0 { architectures.insert(architecture) }
        }
        if !architectures.contains(native) { try check(seccomp_arch_remove(context, native), "architecture native") }
        for architecture in architectures where architecture != native {
            let result = seccomp_arch_add(context, architecture)
            if result != -EEXIST { try check(result, "architecture \(architecture)") }
        }
        for rule in program.rules where rule.action != program.defaultAction {
            // A name this kernel's architectures do not have is skipped, as systemd skips it.
            let number = seccomp_syscall_resolve_name(rule.systemCall)
            guard number != __NR_SCMP_ERROR else { continue }
            let conditions = rule.conditions.map { condition in
                switch condition.comparison {
                case .equal: scmp_arg_cmp(arg: condition.index, op: SCMP_CMP_EQ, datum_a: condition.value, datum_b: 0)
                case .notEqual:
                    scmp_arg_cmp(arg: condition.index, op: SCMP_CMP_NE, datum_a: condition.value, datum_b: 0)
                case .greaterOrEqual:
                    scmp_arg_cmp(arg: condition.index, op: SCMP_CMP_GE, datum_a: condition.value, datum_b: 0)
                case .maskedEqual(let mask):
                    scmp_arg_cmp(arg: condition.index, op: SCMP_CMP_MASKED_EQ, datum_a: mask, datum_b: condition.value)
                }
            }
            let result = seccomp_rule_add_array(
                context, action(rule.action), number, UInt32(conditions.count), conditions)
            // libseccomp refuses a call some added architecture cannot filter (EINVAL): skip it there.
            if result != -EINVAL { try check(result, "rule for \(rule.systemCall)") }
        }
        let bytes: [UInt8]
        do throws(Errno) {
            let memory = try FileDescriptor.memory(name: "seccomp")
            let exported = seccomp_export_bpf(context, memory.rawValue)
            if exported < 0 { throw Errno(-exported) }
            try memory.rewind()
            bytes = try memory.readToEnd()
        } catch {
            throw Failure(description: "export: \(error)")
        }
        // struct sock_filter, in the machine's (little-endian) byte order.
        return stride(from: 0, to: bytes.count - 7, by: 8).map { (offset: Int) -> BPFInstruction in
            let code = UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8
            var operand: UInt32 = 0
            for index in 0..<4 { operand |= UInt32(bytes[offset + 4 + index]) << UInt32(8 * index) }
            return BPFInstruction(
                code: code, jumpIfTrue: bytes[offset + 2], jumpIfFalse: bytes[offset + 3], operand: operand)
        }
    }

    private static func action(_ action: SeccompAction) -> UInt32 {
        switch action {
        case .allow: SCMP_ACT_ALLOW
        case .errno(let code): 0x0005_0000 | (UInt32(code) & 0xffff)  // SCMP_ACT_ERRNO(code)
        case .log: SCMP_ACT_LOG
        case .killProcess: SCMP_ACT_KILL_PROCESS
        }
    }
}
