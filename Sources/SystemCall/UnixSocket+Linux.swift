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

/// Unix-domain sockets for the control and notify endpoints. Every descriptor is close-on-exec.
public enum UnixSocket {
    /// A listening, non-blocking stream socket at `path` (an old socket file there is replaced).
    public static func listen(at path: String, mode: mode_t = 0o666) throws(Errno) -> FileDescriptor {
        let socket = try bound(type: SOCK_STREAM, path: path, mode: mode)
        try retryingInterrupts { Glibc.listen(socket.rawValue, 64) }
        return socket
    }

    /// A non-blocking datagram socket at `path` that receives its senders' credentials.
    public static func datagram(at path: String, mode: mode_t = 0o666) throws(Errno) -> FileDescriptor {
        let socket = try bound(type: SOCK_DGRAM, path: path, mode: mode)
        try retryingInterrupts { corral_enable_passcred(socket.rawValue) }
        return socket
    }

    /// A blocking stream socket connected to `path`. With `timeoutSeconds`, connecting (and every
    /// later write) gives up with EAGAIN after that long, as when the listener's backlog is full.
    public static func connect(to path: String, timeoutSeconds: Int? = nil) throws(Errno) -> FileDescriptor {
        let socket = FileDescriptor(
            adopting: try retryingInterrupts {
                Glibc.socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            })
        if let timeoutSeconds { setTimeout(socket, SO_SNDTIMEO, seconds: timeoutSeconds) }
        var address = try socketAddress(path)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(socket.rawValue, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        // Not retried on EINTR: the connection then goes on in the background, and a second
        // connect(2) would fail with EALREADY.
        if result < 0 { throw Errno.current }
        return socket
    }

    /// Makes blocking reads of `socket` give up with EAGAIN after `seconds`.
    public static func setReceiveTimeout(_ socket: FileDescriptor, seconds: Int) {
        setTimeout(socket, SO_RCVTIMEO, seconds: seconds)
    }

    private static func setTimeout(_ socket: FileDescriptor, _ option: Int32, seconds: Int) {
        var timeout = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(socket.rawValue, SOL_SOCKET, option, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Accepts a pending connection as a non-blocking descriptor; nil when none is pending.
    public static func accept(_ listener: FileDescriptor) throws(Errno) -> FileDescriptor? {
        let fd = corral_accept(listener.rawValue)
        if fd >= 0 { return FileDescriptor(adopting: fd) }
        if errno == EAGAIN || errno == EINTR { return nil }
        throw Errno.current
    }

    public static func peerCredentials(_ socket: FileDescriptor) throws(Errno) -> PeerCredentials {
        var pid: pid_t = 0
        var uid: uid_t = 0
        var gid: gid_t = 0
        if corral_peer_credentials(socket.rawValue, &pid, &uid, &gid) < 0 { throw Errno.current }
        return PeerCredentials(pid: pid, uid: uid, gid: gid)
    }

    /// One datagram (at most `capacity` bytes) and its sender's pid; nil when none is pending.
    public static func receive(_ socket: FileDescriptor, capacity: Int) throws(Errno) -> (
        bytes: [UInt8], sender: Int32
    )? {
        var buffer = [UInt8](repeating: 0, count: capacity)
        var sender: pid_t = 0
        let count = buffer.withUnsafeMutableBytes {
            corral_receive_with_credentials(socket.rawValue, $0.baseAddress, $0.count, &sender)
        }
        if count < 0 {
            if errno == EAGAIN || errno == EINTR { return nil }
            throw Errno.current
        }
        return (Array(buffer[0..<min(count, capacity)]), sender)
    }

    /// Sends `bytes` with copies of the descriptors numbered `descriptors` attached (all of it in one
    /// message, so keep it small); the caller keeps those open until this returns.
    public static func send(_ socket: FileDescriptor, _ bytes: [UInt8], passing descriptors: [Int32]) throws(Errno) {
        let sent = try retryingInterrupts {
            bytes.withUnsafeBytes {
                corral_send_with_fds(socket.rawValue, $0.baseAddress, $0.count, descriptors, Int32(descriptors.count))
            }
        }
        if sent != bytes.count { throw Errno(EMSGSIZE) }
    }

    /// Like `FileDescriptor.read(capacity:)`, also returning the descriptors the peer attached
    /// (close-on-exec).
    public static func readWithDescriptors(_ socket: FileDescriptor, capacity: Int = 65536) throws(Errno) -> (
        bytes: [UInt8], descriptors: [FileDescriptor]
    )? {
        var buffer = [UInt8](repeating: 0, count: capacity)
        var descriptors = [Int32](repeating: -1, count: 16)
        var count: Int32 = 0
        let received = buffer.withUnsafeMutableBytes {
            corral_receive_with_fds(
                socket.rawValue, $0.baseAddress, $0.count, &descriptors, Int32(descriptors.count), &count)
        }
        if received < 0 {
            if errno == EAGAIN || errno == EINTR { return nil }
            throw Errno.current
        }
        return (Array(buffer[0..<received]), descriptors[0..<Int(count)].map(FileDescriptor.init(adopting:)))
    }

    /// Writes what a non-blocking socket takes now of `bytes[offset...]`; returns how many it took (0
    /// when its buffer is full).
    public static func writeSome(_ socket: FileDescriptor, _ bytes: [UInt8], from offset: Int) throws(Errno) -> Int {
        let written = bytes.withUnsafeBytes {
            Glibc.send(socket.rawValue, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL))
        }
        if written < 0 {
            if errno == EAGAIN || errno == EINTR { return 0 }
            throw Errno.current
        }
        return written
    }

    private static func bound(type: __socket_type, path: String, mode: mode_t) throws(Errno) -> FileDescriptor {
        let flags = Int32(type.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue)
        let socket = FileDescriptor(adopting: try retryingInterrupts { Glibc.socket(AF_UNIX, flags, 0) })
        var address = try socketAddress(path)
        unlink(path)
        try retryingInterrupts {
            withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(socket.rawValue, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
        }
        chmod(path, mode)
        return socket
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
