import Glibc

/// An inotify instance watching files for modification (cgroup.events, memory.events): which
/// watches fired is all it reports.
public final class FileWatch {
    public let descriptor: FileDescriptor

    public init() throws(Errno) {
        descriptor = FileDescriptor(adopting: try retryingInterrupts { inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC)) })
    }

    /// Starts watching `path` for writes; returns the watch's descriptor.
    public func watchModifications(of path: String) throws(Errno) -> Int32 {
        try retryingInterrupts { inotify_add_watch(descriptor.rawValue, path, UInt32(IN_MODIFY)) }
    }

    public func remove(_ watch: Int32) {
        inotify_rm_watch(descriptor.rawValue, watch)
    }

    /// The watches that fired since the last call, each once; empty when none did.
    public func drain() -> Set<Int32> {
        var fired: Set<Int32> = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        let header = MemoryLayout<inotify_event>.size
        while case let count = buffer.withUnsafeMutableBytes({ read(descriptor.rawValue, $0.baseAddress, $0.count) }),
            count > 0
        {
            var offset = 0
            while offset + header <= count {
                let event = buffer.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: inotify_event.self) }
                fired.insert(event.wd)
                offset += header + Int(event.len)
            }
        }
        return fired
    }
}
