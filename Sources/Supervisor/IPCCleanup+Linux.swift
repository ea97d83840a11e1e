import Glibc
import SystemCall
import UnitFile

/// `RemoveIPC=`: what a user leaves behind in System V and POSIX IPC, removed as systemd's
/// clean_ipc() removes it once the last unit running as that user has stopped.
enum IPCCleanup {
    /// Removes every System V shared memory segment, semaphore set and message queue whose owner or
    /// creator is `uid` or whose group is `gid`, and the POSIX shared memory (`/dev/shm`) and message
    /// queues (`/dev/mqueue`) they own. Root's (uid or gid 0) are never touched. Returns how many
    /// objects went.
    @discardableResult
    static func remove(uid: uid_t, gid: gid_t) -> Int {
        var removed = 0
        guard uid != 0 else { return 0 }
        let gid: gid_t? = gid == 0 ? nil : gid
        // Each table's columns of uid, gid, cuid and cgid.
        let columns: [SystemVObject: [Int]] = [
            .sharedMemory: [7, 8, 9, 10], .semaphores: [4, 5, 6, 7], .messageQueue: [7, 8, 9, 10],
        ]
        for kind in SystemVObject.allCases {
            let columns = columns[kind]!
            for line in (readTextFile(atPath: "/proc/sysvipc/" + kind.rawValue) ?? "").split(separator: "\n")
                .dropFirst()
            {
                let fields = line.split(separator: " ")
                guard fields.count > columns.max()!, let id = Int32(fields[1]) else { continue }
                let owners = columns.map { UInt32(fields[$0]) }
                let ownedByUser = owners[0] == uid || owners[2] == uid
                let ownedByGroup = gid != nil && (owners[1] == gid || owners[3] == gid)
                if (ownedByUser || ownedByGroup) && kind.remove(id: id) { removed += 1 }
            }
        }
        for directory in ["/dev/shm", "/dev/mqueue"] {
            guard let entries = try? FileDescriptor.open(directory, O_RDONLY | O_DIRECTORY).entries() else { continue }
            for entry in entries {
                var status = stat()
                let path = directory + "/" + entry.name
                guard lstat(path, &status) == 0, status.st_uid == uid || gid == status.st_gid else { continue }
                if entry.isDirectory ? (try? removeTree(path)) != nil : unlink(path) == 0 { removed += 1 }
            }
        }
        return removed
    }
}
