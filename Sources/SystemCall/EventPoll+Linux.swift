import CLinux
import Glibc

/// An epoll instance: file descriptors watched for readability (or writability), each with a
/// caller-chosen token.
public final class EventPoll {
    private let epoll: FileDescriptor

    public init() throws(Errno) {
        epoll = FileDescriptor(adopting: try retryingInterrupts { corral_epoll_create() })
    }

    public func watch(_ watched: FileDescriptor, token: UInt64) throws(Errno) {
        try retryingInterrupts { corral_epoll_watch(epoll.rawValue, watched.rawValue, token, 0, 0) }
    }

    /// Reports a watched descriptor when it can be written to instead of read from.
    public func watchForWriting(_ watched: FileDescriptor, token: UInt64) throws(Errno) {
        try retryingInterrupts { corral_epoll_watch(epoll.rawValue, watched.rawValue, token, 1, 1) }
    }

    /// Reports a watched descriptor when it can be read from again.
    public func watchForReading(_ watched: FileDescriptor, token: UInt64) throws(Errno) {
        try retryingInterrupts { corral_epoll_watch(epoll.rawValue, watched.rawValue, token, 1, 0) }
    }

    /// Stops watching; closing the descriptor stops it too.
    public func unwatch(_ watched: FileDescriptor) {
        _ = corral_epoll_unwatch(epoll.rawValue, watched.rawValue)
    }

    /// Tokens of the descriptors that are ready, waiting at most `timeoutMilliseconds` (-1: forever).
    public func wait(timeoutMilliseconds: Int32) throws(Errno) -> [UInt64] {
        var tokens = [UInt64](repeating: 0, count: 64)
        let count = corral_epoll_wait(epoll.rawValue, &tokens, Int32(tokens.count), timeoutMilliseconds)
        if count < 0 {
            if errno == EINTR { return [] }
            throw Errno.current
        }
        return Array(tokens[0..<Int(count)])
    }
}

/// Signals delivered through a signalfd; the signals must be blocked in every thread first
/// (`blockSignals(_:)` at the top of `main`).
public final class SignalReceiver {
    public let descriptor: FileDescriptor

    public init(_ signals: [Int32]) throws(Errno) {
        descriptor = FileDescriptor(
            adopting: try retryingInterrupts { corral_signalfd(signals, Int32(signals.count)) })
    }

    /// The pending signals, in arrival order.
    public func drain() -> [Int32] {
        var signals: [Int32] = []
        while case let signal = corral_signalfd_read(descriptor.rawValue), signal > 0 { signals.append(signal) }
        return signals
    }
}

/// Blocks `signals` for the calling thread and the threads it creates afterwards.
public func blockSignals(_ signals: [Int32]) {
    var set = sigset_t()
    sigemptyset(&set)
    for signal in signals { sigaddset(&set, signal) }
    pthread_sigmask(SIG_BLOCK, &set, nil)
}

/// Monotonic time in µs, for timers and start-limit accounting.
public func monotonicMicroseconds() -> UInt64 {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return UInt64(time.tv_sec) * 1_000_000 + UInt64(time.tv_nsec) / 1000
}

/// Wall-clock time in µs since the epoch, for "Active: active (running) since ...".
public func realtimeMicroseconds() -> UInt64 {
    var time = timespec()
    clock_gettime(CLOCK_REALTIME, &time)
    return UInt64(time.tv_sec) * 1_000_000 + UInt64(time.tv_nsec) / 1000
}
