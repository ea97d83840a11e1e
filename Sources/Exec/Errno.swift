import Glibc

/// A failed system call's errno value.
public struct Errno: Error, Equatable, Hashable, Sendable, CustomStringConvertible {
    public var code: Int32

    public init(_ code: Int32) {
        self.code = code
    }

    /// The C library's text for the code, such as "No such file or directory".
    public var description: String {
        String(cString: strerror(code))
    }
}

/// Runs a system call until it stops failing with EINTR; a -1 result throws the errno.
@discardableResult
func systemCall<Result: BinaryInteger>(_ call: () -> Result) throws(Errno) -> Result {
    while true {
        let result = call()
        if result != -1 {
            return result
        }
        if errno != EINTR {
            throw Errno(errno)
        }
    }
}
