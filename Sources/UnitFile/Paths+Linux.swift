import Glibc

/// `path` made absolute against the working directory, with `.` components dropped.
public func absolutePath(_ path: String) -> String {
    guard !path.hasPrefix("/") else { return path }
    var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
    guard getcwd(&buffer, buffer.count) != nil else { return path }
    let directory = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    let components = path.split(separator: "/").filter { $0 != "." }
    return (directory == "/" ? "" : directory) + "/" + components.joined(separator: "/")
}
