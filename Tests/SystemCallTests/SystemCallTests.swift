import Glibc
import SystemCall
import Testing

@Suite struct SystemCallTests {
    static func temporaryPath(_ name: String) -> String {
        "/tmp/corral-test-\(getpid())-\(name)"
    }

    @Test func controlStyleSocketCarriesBytesAndPeerCredentials() throws {
        let path = Self.temporaryPath("stream.sock")
        defer { unlink(path) }
        let listener = try UnixSocket.listen(at: path)
        let poll = try EventPoll()
        try poll.watch(listener, token: 7)

        let client = try UnixSocket.connect(to: path)
        #expect(try poll.wait(timeoutMilliseconds: 1000) == [7])
        let server = try #require(try UnixSocket.accept(listener))
        #expect(try UnixSocket.accept(listener) == nil)

        try client.writeAll(Array("hello".utf8))
        try poll.watch(server, token: 8)
        #expect(try poll.wait(timeoutMilliseconds: 1000) == [8])
        #expect(try server.read() == Array("hello".utf8))
        #expect(try server.read() == nil)
        #expect(try UnixSocket.peerCredentials(server) == PeerCredentials(pid: getpid(), uid: getuid(), gid: getgid()))
        client.close()
        // A child another test forks at this moment may hold the client end until its exec: wait for
        // the end of stream instead of expecting it at once.
        #expect(try poll.wait(timeoutMilliseconds: 5000) == [8])
        #expect(try server.read() == [])
    }

    @Test func notifyStyleSocketReportsTheSenderPID() throws {
        let path = Self.temporaryPath("notify.sock")
        defer { unlink(path) }
        let receiver = try UnixSocket.datagram(at: path)
        #expect(try UnixSocket.receive(receiver, capacity: 64) == nil)
        // A child sends the datagram so the credentials name another process.
        let status = system(
            "printf 'READY=1' | /usr/bin/python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.sendto(sys.stdin.buffer.read(), \"\(path)\")'"
        )
        try #require(status == 0)
        let message = try #require(try UnixSocket.receive(receiver, capacity: 64))
        #expect(message.bytes == Array("READY=1".utf8))
        #expect(message.sender > 0 && message.sender != getpid())
    }

    @Test func blockedSignalsArriveThroughTheSignalReceiver() throws {
        blockSignals([SIGUSR1])
        let receiver = try SignalReceiver([SIGUSR1])
        #expect(receiver.drain() == [])
        pthread_kill(pthread_self(), SIGUSR1)  // only this thread has it blocked
        let poll = try EventPoll()
        try poll.watch(receiver.descriptor, token: 1)
        #expect(try poll.wait(timeoutMilliseconds: 1000) == [1])
        #expect(receiver.drain() == [SIGUSR1])
    }

    /// A descriptor closes when asked or when its last reference goes (the reader of a pipe sees the
    /// end of file either way), and is close-on-exec from the start.
    @Test func aFileDescriptorClosesWhenAskedOrWhenLastReferenced() throws {
        let first = try FileDescriptor.pipe()
        #expect(fcntl(first.write.rawValue, F_GETFD) & FD_CLOEXEC != 0)
        try first.write.writeAll([1, 2])
        first.write.close()
        first.write.close()
        #expect(try first.read.readToEnd() == [1, 2])

        var second: (read: FileDescriptor, write: FileDescriptor)? = try FileDescriptor.pipe()
        let reader = second!.read
        second = nil
        #expect(try reader.readToEnd() == [])
    }

    @Test func monotonicClockAdvances() {
        let before = monotonicMicroseconds()
        usleep(2000)
        #expect(monotonicMicroseconds() - before >= 2000)
    }
}
