import Glibc
import SystemCall
import UnitFile
import UnitModel

/// `DynamicUser=`'s users: a user and group of the same number from systemd's range, 61184–65519,
/// held while a unit runs by a file `DIRECTORY/NUMBER` holding the user's name (under corrald's
/// runtime directory, so that a corrald restarted after a crash finds the same numbers). A name
/// gets the number it hashes to when that is free, else the next free one.
public struct DynamicUsers: Sendable {
    public static let range: ClosedRange<UInt32> = 61184...65519
    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    /// The credentials of `name`: the host's user when it exists, else a dynamic one, claimed.
    public func credentials(for name: String) throws(Credentials.LookupError) -> Credentials {
        if let host = try? Credentials.resolve(user: name, group: nil) { return host }
        let number: UInt32
        do {
            number = try claim(name)
        } catch {
            throw Credentials.LookupError(step: .user, message: "Failed to allocate a dynamic user \(name): \(error)")
        }
        return Credentials(userName: name, uid: number, gid: number, groups: [], home: "/", shell: "/usr/sbin/nologin")
    }

    /// The number held for `name`, or a free one, now held.
    func claim(_ name: String) throws(Errno) -> UInt32 {
        if mkdir(directory, 0o755) != 0 && errno != EEXIST { throw Errno.current }
        if let held = number(of: name) { return held }
        let size = UInt32(Self.range.count)
        let start = UInt32(truncatingIfNeeded: UInt64(Grammar.fnv1aHex(name), radix: 16) ?? 0) % size
        for offset in 0..<size {
            let candidate = Self.range.lowerBound + (start + offset) % size
            guard getpwuid(candidate) == nil, getgrgid(candidate) == nil else { continue }
            let fd = open(directory + "/\(candidate)", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            if fd < 0 {
                if errno == EEXIST { continue }
                throw Errno.current
            }
            let bytes = Array(name.utf8)
            let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            close(fd)
            guard written == bytes.count else {
                unlink(directory + "/\(candidate)")
                throw Errno(EIO)
            }
            return candidate
        }
        throw Errno(EBUSY)
    }

    /// Gives `name`'s number back.
    public func release(_ name: String) {
        if let held = number(of: name) { unlink(directory + "/\(held)") }
    }

    /// The number a file of the directory holds for `name`.
    func number(of name: String) -> UInt32? {
        for entry in UnitDiskAccess.entries(of: directory) ?? [] {
            guard let number = UInt32(entry), Self.range.contains(number) else { continue }
            if readTextFile(atPath: directory + "/" + entry) == name { return number }
        }
        return nil
    }
}
