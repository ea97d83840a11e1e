import CLinux
import Glibc

/// A pseudo-terminal pair (`run --pty`): what is written to one end is read at the other, with
/// the terminal line discipline between them.
public enum PseudoTerminal {
    /// Opens a new pair: the master end, and the peer a program uses as its terminal.
    public static func open() throws(Errno) -> (master: FileDescriptor, peer: FileDescriptor) {
        var peer: Int32 = -1
        let master = corral_open_pty(&peer)
        guard master >= 0 else { throw Errno.current }
        return (FileDescriptor(adopting: master), FileDescriptor(adopting: peer))
    }
}
