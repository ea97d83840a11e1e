import Glibc

/// An IP address and port as written in a configuration: `127.0.0.1:9558`, `[::1]:9558`.
public struct IPEndpoint: Sendable, Equatable, CustomStringConvertible {
    /// The address in network byte order: 4 bytes for IPv4, 16 for IPv6.
    public var address: [UInt8]
    public var port: UInt16

    /// nil unless `text` is a numeric IPv4 address or a bracketed IPv6 one, a colon and a port from 1 to 65535.
    public init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":"), let port = UInt16(text[text.index(after: colon)...]), port > 0
        else { return nil }
        var host = String(text[..<colon])
        let isIPv6 = host.hasPrefix("[") && host.hasSuffix("]")
        if isIPv6 { host = String(host.dropFirst().dropLast()) }
        var bytes = [UInt8](repeating: 0, count: isIPv6 ? 16 : 4)
        guard inet_pton(isIPv6 ? AF_INET6 : AF_INET, host, &bytes) == 1 else { return nil }
        address = bytes
        self.port = port
    }

    public var description: String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        inet_ntop(address.count == 16 ? AF_INET6 : AF_INET, address, &buffer, socklen_t(buffer.count))
        let host = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return address.count == 16 ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}

/// TCP listening sockets (the metrics endpoint's `MetricsListen=`). Every descriptor is close-on-exec.
public enum TCPSocket {
    /// A listening, non-blocking socket on `endpoint`, with SO_REUSEADDR so that a restarted
    /// corrald binds again at once.
    public static func listen(on endpoint: IPEndpoint) throws(Errno) -> FileDescriptor {
        let family = endpoint.address.count == 16 ? AF_INET6 : AF_INET
        let socket = FileDescriptor(
            adopting: try retryingInterrupts {
                Glibc.socket(
                    family,
                    Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
            })
        var on: Int32 = 1
        setsockopt(socket.rawValue, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
        let result: Int32
        if family == AF_INET6 {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = endpoint.port.bigEndian
            withUnsafeMutableBytes(of: &address.sin6_addr) { $0.copyBytes(from: endpoint.address) }
            result = bindSocket(socket, to: &address)
        } else {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = endpoint.port.bigEndian
            withUnsafeMutableBytes(of: &address.sin_addr) { $0.copyBytes(from: endpoint.address) }
            result = bindSocket(socket, to: &address)
        }
        if result < 0 { throw Errno.current }
        try retryingInterrupts { Glibc.listen(socket.rawValue, 64) }
        return socket
    }

    /// bind(2) to an address of either family's struct.
    private static func bindSocket<Address>(_ socket: FileDescriptor, to address: inout Address) -> Int32 {
        withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(socket.rawValue, $0, socklen_t(MemoryLayout<Address>.size))
            }
        }
    }
}
