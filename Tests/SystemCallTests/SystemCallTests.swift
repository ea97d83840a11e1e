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
        defer { close(listener) }
        let poll = try EventPoll()
        try poll.watch(listener, token: 7)

        let client = try UnixSocket.connect(to: path)
        #expect(try poll.wait(timeoutMilliseconds: 1000) == [7])
        let server = try #require(try UnixSocket.accept(listener))
        defer { close(server) }
        #expect(try UnixSocket.accept(listener) == nil)

        try UnixSocket.writeAll(client, Array("hello".utf8))
        try poll.watch(server, token: 8)
        #expect(try poll.wait(timeoutMilliseconds: 1000) == [8])
        #expect(try UnixSocket.read(server) == Array("hello".utf8))
        #expect(try UnixSocket.read(server) == nil)
        #expect(try UnixSocket.peerCredentials(server) == PeerCredentials(pid: getpid(), uid: getuid(), gid: getgid()))
        close(client)
        // A child another test forks at this moment may hold the client end until its exec: wait for
        // the end of stream instead of expecting it at once.
        #expect(try poll.wait(timeoutMilliseconds: 5000) == [8])
        #expect(try UnixSocket.read(server) == [])
    }

    @Test func notifyStyleSocketReportsTheSenderPID() throws {
        let path = Self.temporaryPath("notify.sock")
        defer { unlink(path) }
        let receiver = try UnixSocket.datagram(at: path)
        defer { close(receiver) }
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
        try poll.watch(receiver.fd, token: 1)
        #expect(try poll.wait(timeoutMilliseconds: 1000) == [1])
        #expect(receiver.drain() == [SIGUSR1])
    }

    @Test func monotonicClockAdvances() {
        let before = monotonicMicroseconds()
        usleep(2000)
        #expect(monotonicMicroseconds() - before >= 2000)
    }
}
