#if canImport(Glibc)
    import Glibc
#endif

/// An errno from a failed system call, with the kernel's text for it.
public struct Errno: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: Int32

    public init(_ code: Int32) {
        self.code = code
    }

    public var description: String { String(cString: strerror(code)) }

    /// The calling thread's current errno.
    public static var current: Errno { Errno(errno) }
}

/// Runs a libc call that returns -1 and sets errno on failure, retrying on EINTR.
@discardableResult
public func retryingInterrupts<Result: BinaryInteger>(_ call: () -> Result) throws(Errno) -> Result {
    while true {
        let result = call()
        if result != -1 { return result }
        if errno != EINTR { throw Errno.current }
    }
}

/// `O_PATH`, which Swift's Glibc module does not import; the value is the same on every Linux architecture.
public let O_PATH: Int32 = 0o10000000
