import ExecSandbox

extension SpawnMount {
    /// `MOUNT_ATTR_*` (mount_setattr(2)).
    static let readOnly: UInt64 = 0x1, noSUID: UInt64 = 0x2, noDevices: UInt64 = 0x4, noExec: UInt64 = 0x8

    /// The child's entries for a mount plan: kinds, attributes and anchors in its terms.
    public static func entries(of plan: MountPlan) -> [SpawnMount] {
        zip(plan.entries, plan.anchors).map { entry, anchor in
            var mount: SpawnMount
            switch entry.kind {
            case .inaccessible:
                mount = SpawnMount(.inaccessible, path: entry.path)
            case .bind, .privateTemporary:
                mount = SpawnMount(.bind, path: entry.path)
                mount.source = entry.source
                mount.recursive = entry.kind == .bind && entry.recursive
            case .privateDevices:
                mount = SpawnMount(.devices, path: entry.path)
                mount.fileSystemType = "tmpfs"
            case .procfs:
                mount = SpawnMount(.newFileSystem, path: entry.path)
                mount.fileSystemType = "proc"
            case .temporaryFileSystem, .messageQueues:
                mount = SpawnMount(.newFileSystem, path: entry.path)
                mount.fileSystemType = entry.kind == .messageQueues ? "mqueue" : "tmpfs"
            case .readOnly, .readWrite, .noExec, .exec, .readWriteImplicit:
                mount = SpawnMount(.existing, path: entry.path)
            }
            if mount.fileSystemType != nil {
                let (attributes, superblockFlags) = Self.attributes(ofMountFlags: entry.flags)
                mount.newAttributes = attributes
                mount.options =
                    entry.options.split(separator: ",").map { option in
                        let parts = option.split(separator: "=", maxSplits: 1).map(String.init)
                        return Option(parts[0], parts.count > 1 ? parts[1] : nil)
                    } + superblockFlags.map { Option($0, nil) }
            }
            if entry.isReadOnly { mount.setAttributes |= Self.readOnly }
            if entry.isNoExec { mount.setAttributes |= Self.noExec }
            if entry.kind == .inaccessible { mount.setAttributes |= Self.noSUID | Self.noDevices }
            if entry.kind == .exec { mount.clearAttributes = Self.noExec }
            if !entry.attributesAreRecursive { mount.recursive = false }
            mount.ignoreMissing = entry.ignoreMissing
            mount.anchor = anchor
            return mount
        }
    }

    /// `MS_*` flags as the per-mount `MOUNT_ATTR_*` of a new mount, and the names of those that
    /// belong to the file system instead (fsconfig flags).
    static func attributes(ofMountFlags flags: UInt64) -> (attributes: UInt64, superblockFlags: [String]) {
        let perMount: [(UInt64, UInt64)] = [
            (0x2, noSUID), (0x4, noDevices), (0x8, noExec), (0x400, 0x10), (0x800, 0x80), (0x100_0000, 0x20),
        ]
        let superblock: [(UInt64, String)] = [
            (0x10, "sync"), (0x40, "mand"), (0x80, "dirsync"), (0x8000, "silent"), (0x200_0000, "lazytime"),
        ]
        return (
            perMount.filter { flags & $0.0 != 0 }.reduce(0) { $0 | $1.1 },
            superblock.filter { flags & $0.0 != 0 }.map(\.1)
        )
    }
}
