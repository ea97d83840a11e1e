/// One eBPF instruction, as struct bpf_insn lays it out, and the few forms the cgroup programs
/// use (`DeviceFilter`, `IPAccessFilter`). Registers: r0 result, r1–r5 arguments, r10 the frame.
public struct EBPFInstruction: Sendable, Equatable {
    public var code: UInt8
    /// dst_reg in the low four bits, src_reg in the high four.
    public var registers: UInt8
    public var offset: Int16
    public var immediate: Int32

    init(code: UInt8, destination: UInt8, source: UInt8 = 0, offset: Int16 = 0, immediate: Int32 = 0) {
        self.code = code
        self.registers = destination | source << 4
        self.offset = offset
        self.immediate = immediate
    }

    /// dst = *(u32 *)(src + offset)
    static func loadWord(into destination: UInt8, from source: UInt8, offset: Int16) -> Self {
        Self(code: 0x61, destination: destination, source: source, offset: offset)
    }
    /// *(u32 *)(dst + offset) = value
    static func storeWord(_ value: Int32, into destination: UInt8, offset: Int16) -> Self {
        Self(code: 0x62, destination: destination, offset: offset, immediate: value)
    }
    /// dst &= value (32-bit)
    static func andImmediate(_ destination: UInt8, _ value: UInt32) -> Self {
        Self(code: 0x54, destination: destination, immediate: Int32(bitPattern: value))
    }
    /// dst |= value (32-bit)
    static func orImmediate(_ destination: UInt8, _ value: Int32) -> Self {
        Self(code: 0x44, destination: destination, immediate: value)
    }
    /// dst >>= value (32-bit)
    static func shiftRightImmediate(_ destination: UInt8, _ value: Int32) -> Self {
        Self(code: 0x74, destination: destination, immediate: value)
    }
    /// dst = src (32-bit)
    static func move(_ destination: UInt8, _ source: UInt8) -> Self {
        Self(code: 0xBC, destination: destination, source: source)
    }
    /// dst = src (64-bit: pointers)
    static func move64(_ destination: UInt8, _ source: UInt8) -> Self {
        Self(code: 0xBF, destination: destination, source: source)
    }
    /// dst += value (64-bit)
    static func add64Immediate(_ destination: UInt8, _ value: Int32) -> Self {
        Self(code: 0x07, destination: destination, immediate: value)
    }
    /// dst = value (32-bit)
    static func moveImmediate(_ destination: UInt8, _ value: Int32) -> Self {
        Self(code: 0xB4, destination: destination, immediate: value)
    }
    /// dst = the map whose descriptor is `fd` (two instructions: a 64-bit load, BPF_PSEUDO_MAP_FD).
    static func loadMap(_ destination: UInt8, fd: Int32) -> [Self] {
        [Self(code: 0x18, destination: destination, source: 1, immediate: fd), Self(code: 0, destination: 0)]
    }
    /// Calls kernel helper number `helper` (enum bpf_func_id) with r1–r5; the result is in r0.
    static func call(_ helper: Int32) -> Self {
        Self(code: 0x85, destination: 0, immediate: helper)
    }
    /// if dst != value goto +offset (patched by the caller)
    static func jumpIfNotEqual(_ destination: UInt8, _ value: Int32, offset: Int16 = 0) -> Self {
        Self(code: 0x55, destination: destination, offset: offset, immediate: value)
    }
    /// if dst == value goto +offset
    static func jumpIfEqual(_ destination: UInt8, _ value: Int32, offset: Int16) -> Self {
        Self(code: 0x15, destination: destination, offset: offset, immediate: value)
    }
    /// if dst & value goto +offset
    static func jumpIfAnySet(_ destination: UInt8, _ value: Int32, offset: Int16) -> Self {
        Self(code: 0x45, destination: destination, offset: offset, immediate: value)
    }
    static let exit = Self(code: 0x95, destination: 0)
}
