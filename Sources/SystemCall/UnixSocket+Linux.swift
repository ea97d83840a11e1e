import CLinux
import Glibc

/// The credentials of a Unix socket peer.
public struct PeerCredentials: Sendable, Equatable {
    public var pid: Int32
    public var uid: UInt32
    public var gid: UInt32

    public init(pid: Int32, uid: UInt32, gid: UInt32) {
        self.pid = pid
        self.uid = uid
        self.gid = gid
    }
}

/// Unix-domain sockets for the control and notify endpoints. Every fd is close-on-exec.
public enum UnixSocket {
    /// A listening, non-blocking stream socket at `path` (an old socket file there is replaced).
    public static func listen(at path: String, mode: mode_t = 0o666) throws(Errno) -> Int32 {
        let fd = try bound(type: SOCK_STREAM, path: path, mode: mode)
        do throws(Errno) {
            try retryingInterrupts { Glibc.listen(fd, 64) }
        } catch {
            close(fd)
            throw error
        }
        return fd
    }

    /// A non-blocking datagram socket at `path` that receives its senders' credentials.
    public static func datagram(at path: String, mode: mode_t = 0o666) throws(Errno) -> Int32 {
        let fd = try bound(type: SOCK_DGRAM, path: path, mode: mode)
        if corral_enable_passcred(fd) < 0 {
            let error = Errno.current
            close(fd)
            throw error
        }
        return fd
    }

    /// A blocking stream socket connected to `path`. With `timeoutSeconds`, connecting (and every
    /// later write) gives up with EAGAIN after that long, as when the listener's backlog is full.
    public static func connect(to path: String, timeoutSeconds: Int? = nil) throws(Errno) -> Int32 {
        let fd = try retryingInterrupts {
            socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        }
        if let timeoutSeconds { setTimeout(fd, SO_SNDTIMEO, seconds: timeoutSeconds) }
        var address = try socketAddress(path)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        if result < 0 {
            let error = Errno.current
            close(fd)
            throw error
        }
        return fd
    }

    /// Makes blocking reads of `fd` give up with EAGAIN after `seconds`.
    public static func setReceiveTimeout(_ fd: Int32, seconds: Int) {
        setTimeout(fd, SO_RCVTIMEO, seconds: seconds)
    }

    private static func setTimeout(_ fd: Int32, _ option: Int32, seconds: Int) {
        var timeout = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, option, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Accepts a pending connection as a non-blocking fd; nil when none is pending.
    public static func accept(_ listener: Int32) throws(Errno) -> Int32? {
        let fd = corral_accept(listener)
        if fd >= 0 { return fd }
        if errno == EAGAIN || errno == EINTR { return nil }
        throw Errno.current
    }

    public static func peerCredentials(_ fd: Int32) throws(Errno) -> PeerCredentials {
        var pid: pid_t = 0
        var uid: uid_t = 0
        var gid: gid_t = 0
        if corral_peer_credentials(fd, &pid, &uid, &gid) < 0 { throw Errno.current }
        return PeerCredentials(pid: pid, uid: uid, gid: gid)
    }

    /// One datagram (at most `capacity` bytes) and its sender's pid; nil when none is pending.
    public static func receive(_ fd: Int32, capacity: Int) throws(Errno) -> (bytes: [UInt8], sender: Int32)? {
        var buffer = [UInt8](repeating: 0, count: capacity)
        var sender: pid_t = 0
        let count = buffer.withUnsafeMutableBytes {
            corral_receive_with_credentials(fd, $0.baseAddress, $0.count, &sender)
        }
        if count < 0 {
            if errno == EAGAIN || errno == EINTR { return nil }
            throw Errno.current
        }
        return (Array(buffer[0..<min(count, capacity)]), sender)
    }

    /// Sends `bytes` with file descriptors attached (all of it in one message, so keep it small).
    public static func send(_ fd: Int32, _ bytes: [UInt8], passing descriptors: [Int32]) throws(Errno) {
        let sent = try retryingInterrupts {
            bytes.withUnsafeBytes {
                corral_send_with_fds(fd, $0.baseAddress, $0.count, descriptors, Int32(descriptors.count))
            }
        }
        if sent != bytes.count { throw Errno(EMSGSIZE) }
    }

    /// Like `read(_:capacity:)`, also returning file descriptors the peer attached (close-on-exec).
    public static func readWithDescriptors(_ fd: Int32, capacity: Int = 65536) throws(Errno) -> (
        bytes: [UInt8], descriptors: [Int32]
    )? {
        var buffer = [UInt8](repeating: 0, count: capacity)
        var descriptors = [Int32](repeating: -1, count: 16)
        var count: Int32 = 0
        let received = buffer.withUnsafeMutableBytes {
            corral_receive_with_fds(fd, $0.baseAddress, $0.count, &descriptors, Int32(descriptors.count), &count)
        }
        if received < 0 {
            if errno == EAGAIN || errno == EINTR { return nil }
            throw Errno.current
        }
        return (Array(buffer[0..<received]), Array(descriptors[0..<Int(count)]))
    }

    /// Writes all of `bytes` to a blocking fd.
    public static func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws(Errno) {
        var offset = 0
        while offset < bytes.count {
            let written = try retryingInterrupts {
                bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            }
            offset += written
        }
    }

    /// Writes what a non-blocking fd takes now of `bytes[offset...]`; returns how many it took (0 when
    /// its buffer is full).
    public static func writeSome(_ fd: Int32, _ bytes: [UInt8], from offset: Int) throws(Errno) -> Int {
        let written = bytes.withUnsafeBytes {
            Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL))
        }
        if written < 0 {
            if errno == EAGAIN || errno == EINTR { return 0 }
            throw Errno.current
        }
        return written
    }

    /// Reads what is available (up to `capacity` bytes); an empty result means end of stream, nil
    /// means nothing available now on a non-blocking fd.
    public static func read(_ fd: Int32, capacity: Int = 65536) throws(Errno) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: capacity)
        let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        if count < 0 {
            if errno == EAGAIN || errno == EINTR { return nil }
            throw Errno.current
        }
        return Array(buffer[0..<count])
    }

    private static func bound(type: __socket_type, path: String, mode: mode_t) throws(Errno) -> Int32 {
        let flags = Int32(type.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue)
        let fd = try retryingInterrupts { socket(AF_UNIX, flags, 0) }
        do throws(Errno) {
            var address = try socketAddress(path)
            unlink(path)
            let result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
            if result < 0 { throw Errno.current }
            chmod(path, mode)
        } catch {
            close(fd)
            throw error
        }
        return fd
    }

    private static func socketAddress(_ path: String) throws(Errno) -> sockaddr_un {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { throw Errno(ENAMETOOLONG) }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in bytes.enumerated() { raw[index] = byte }
        }
        return address
    }
}
