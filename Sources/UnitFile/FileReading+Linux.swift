#if canImport(Glibc)
    import Glibc
#endif

/// A file that could not be read, with the errno the kernel gave.
public struct FileReadError: Error, Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var errno: Int32

    public var description: String {
        "failed to read \(path): \(String(cString: strerror(errno)))"
    }
}

/// Reads a whole file. Unit files are small; drop-ins and fragments are read this way.
public func readFile(atPath path: String) throws(FileReadError) -> [UInt8] {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw FileReadError(path: path, errno: errno) }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 16384)
    while true {
        let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if count == 0 { return bytes }
        if count < 0 {
            if errno == EINTR { continue }
            throw FileReadError(path: path, errno: errno)
        }
        bytes.append(contentsOf: chunk[0..<count])
    }
}

/// A whole file as UTF-8 text (invalid bytes replaced); nil when it cannot be read.
public func readTextFile(atPath path: String) -> String? {
    (try? readFile(atPath: path)).map { String(decoding: $0, as: UTF8.self) }
}
