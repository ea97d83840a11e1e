import ArgumentParser
import Glibc
import SystemCall

/// `run --pty`: a pseudo-terminal whose other side the service gets as its standard input, output
/// and error, and the relay between it and corralctl's own while corralctl waits for the service.
/// The pseudo-terminal is not the service's controlling terminal (no job control).
final class PTYRelay {
    private let masterEnd: FileDescriptor
    /// Passed to corrald with the request, then closed here.
    private let peerEnd: FileDescriptor
    private var savedTerminal: termios?
    private var readsInput = true
    /// False once every copy of the peer is closed (the master then reads EIO, and polls as hung up).
    private var readsTerminal = true

    init() throws {
        do {
            (masterEnd, peerEnd) = try PseudoTerminal.open()
        } catch {
            printError("Failed to allocate a pseudo-terminal: \(error)")
            throw ExitCode(1)
        }
        // The service sees this terminal's size.
        var size = winsize()
        if ioctl(0, UInt(TIOCGWINSZ), &size) == 0 || ioctl(1, UInt(TIOCGWINSZ), &size) == 0 {
            _ = ioctl(master, UInt(TIOCSWINSZ), &size)
        }
    }

    var master: Int32 { masterEnd.rawValue }
    /// The end the service gets.
    var peer: Int32 { peerEnd.rawValue }

    /// Once corrald has the peer: keys go to the service as they are typed.
    func begin() {
        peerEnd.close()
        var settings = termios()
        if isatty(0) == 1, tcgetattr(0, &settings) == 0 {
            savedTerminal = settings
            cfmakeraw(&settings)
            tcsetattr(0, TCSANOW, &settings)
        }
    }

    /// The descriptors to wait on: standard input and the pseudo-terminal, each until its end.
    var watched: [Int32] { (readsInput ? [0] : []) + (readsTerminal ? [master] : []) }

    /// Copies what `fd` has: standard input to the service, the service's output to standard output.
    func pump(_ fd: Int32) {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = read(fd, &buffer, buffer.count)
        if count <= 0 {
            if fd == 0 { readsInput = false } else { readsTerminal = false }
            return
        }
        writeAll(buffer[..<count], to: fd == 0 ? master : 1)
    }

    /// After the service ended: what it wrote last, then the terminal as it was.
    func finish() {
        _ = fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK)
        var buffer = [UInt8](repeating: 0, count: 4096)
        while case let count = read(master, &buffer, buffer.count), count > 0 { writeAll(buffer[..<count], to: 1) }
        masterEnd.close()
        if var saved = savedTerminal { tcsetattr(0, TCSANOW, &saved) }
    }

    private func writeAll(_ bytes: ArraySlice<UInt8>, to fd: Int32) {
        var offset = bytes.startIndex
        while offset < bytes.endIndex {
            let written = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            if written <= 0 { return }
            offset += written
        }
    }
}
