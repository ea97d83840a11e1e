import ExecSandbox
import Testing
import UnitModel

/// The mount entries systemd 252's namespace.c would make, compared whole: path, kind, and what
/// each carries.
@Suite struct MountPlanTests {
    static func plan(_ assignments: [(String, String)], privateTemporary: (tmp: String, varTmp: String)? = nil)
        throws -> MountPlan?
    {
        SandboxPlan(try SandboxPlanTests.exec(assignments), privateTemporary: privateTemporary).mounts
    }

    /// (path, kind, read-only) of each entry.
    static func summary(_ plan: MountPlan?) -> [String] {
        (plan?.entries ?? []).map {
            "\($0.path) \($0.kind)\($0.isReadOnly ? " ro" : "")\($0.ignoreMissing ? " -" : "")"
        }
    }

    @Test func noNamespaceWithoutASettingThatAsksForOne() throws {
        #expect(try Self.plan([]) == nil)
        #expect(try Self.plan([("PrivateMounts", "yes")])?.entries == [])
        #expect(try Self.plan([("MountFlags", "slave")])?.propagation == .slave)
        #expect(try Self.plan([("PrivateMounts", "yes")])?.propagation == .shared)
    }

    /// strict: `/` read-only with the API file systems and the homes left as they are; a
    /// read-write path below opens again; a read-only path under `/` is redundant and dropped.
    @Test func protectSystemStrictWithExceptions() throws {
        let plan = try Self.plan([
            ("ProtectSystem", "strict"), ("ReadWritePaths", "/var/lib/app"), ("ReadOnlyPaths", "/etc"),
        ])
        #expect(
            Self.summary(plan) == [
                "/ readOnly ro", "/dev readWriteImplicit", "/home readWriteImplicit -", "/proc readWriteImplicit",
                "/root readWriteImplicit -", "/run/user readWriteImplicit -", "/sys readWriteImplicit",
                "/var/lib/app readWrite",
            ])
        #expect(plan?.anchors == [nil, 0, 0, 0, 0, 0, 0, 0])
    }

    /// Of two entries for one path the kind of higher priority stays and a read-only one makes it
    /// read-only; entries under an inaccessible path are dropped; sorting is by component.
    @Test func normalizationFollowsSystemd() throws {
        let plan = try Self.plan([
            ("ProtectSystem", "full"), ("InaccessiblePaths", "/etc/secret"), ("ReadWritePaths", "/etc/secret/x /etc-b"),
            ("BindPaths", "/src:/usr"), ("ProtectHome", "tmpfs"),
        ])
        #expect(
            Self.summary(plan) == [
                "/boot readOnly ro -", "/efi readOnly ro -", "/etc readOnly ro", "/etc/secret inaccessible ro",
                "/etc-b readWrite", "/home temporaryFileSystem ro -", "/root temporaryFileSystem ro -",
                "/run/user temporaryFileSystem ro -", "/usr bind ro",
            ])
        #expect(plan?.anchors == [nil, nil, nil, 2, nil, nil, nil, nil, nil])
        #expect(plan?.entries[5].options == "mode=0755,size=4m,nr_inodes=1k")
    }

    @Test func privateTmpDevicesAndKernelProtections() throws {
        let plan = try Self.plan(
            [("PrivateTmp", "yes"), ("PrivateDevices", "yes"), ("ProtectKernelLogs", "yes")],
            privateTemporary: ("/tmp/p/tmp", "/var/tmp/p/tmp"))
        #expect(
            Self.summary(plan) == [
                "/dev privateDevices ro", "/dev/kmsg inaccessible ro -", "/proc/kmsg inaccessible ro -",
                "/tmp privateTemporary", "/var/tmp privateTemporary",
            ])
        #expect(plan?.entries.map(\.source) == [nil, nil, nil, "/tmp/p/tmp", "/var/tmp/p/tmp"])
        #expect(plan?.entries[0].attributesAreRecursive == false)
    }

    /// `TemporaryFileSystem=` options: flag words become MS_* flags (ro makes the entry read-only),
    /// the rest is tmpfs's data after systemd's `mode=0755`.
    @Test func temporaryFileSystemOptions() throws {
        let entry = try #require(try Self.plan([("TemporaryFileSystem", "/srv:ro,nosuid,size=1M")])?.entries.first)
        #expect(entry.readOnly)
        #expect(entry.options == "mode=0755,size=1M")
        #expect(entry.flags == MountPlan.noSUID | MountPlan.noDevices | MountPlan.strictAccessTime)
    }

    /// Under `RootDirectory=` the entries are inside the root, a host path outside it is dropped, a
    /// `+` path is taken inside it, and the root is an entry of its own.
    @Test func rootDirectoryPrefixesTheEntries() throws {
        let plan = try Self.plan([
            ("RootDirectory", "/srv/r"), ("ReadOnlyPaths", "/srv/r/etc /elsewhere +/opt"), ("BindPaths", "/data"),
            ("MountAPIVFS", "yes"),
        ])
        #expect(
            Self.summary(plan) == [
                "/srv/r bind", "/srv/r/data bind", "/srv/r/dev bind", "/srv/r/etc readOnly ro",
                "/srv/r/opt readOnly ro", "/srv/r/proc procfs", "/srv/r/sys bind",
            ])
        #expect(plan?.rootDirectory == "/srv/r")
        #expect(plan?.entries.map(\.source) == ["/srv/r", "/data", "/dev", nil, nil, nil, "/sys"])
    }

    /// The implied parts of the protections: capabilities out of the bounding set and system calls
    /// refused with EPERM.
    @Test func protectionsDropCapabilitiesAndRefuseTheirCalls() throws {
        let plan = SandboxPlan(
            try SandboxPlanTests.exec([
                ("PrivateDevices", "yes"), ("ProtectClock", "yes"), ("ProtectKernelModules", "yes"),
            ]))
        let bounding = try #require(plan.capabilityBoundingSet)
        for name in ["CAP_MKNOD", "CAP_SYS_RAWIO", "CAP_SYS_TIME", "CAP_WAKE_ALARM", "CAP_SYS_MODULE"] {
            #expect(!bounding.contains(name))
        }
        #expect(bounding.contains("CAP_SYS_ADMIN"))
        let program = try #require(plan.seccompPrograms.last)
        let refused = Set(program.rules.map(\.systemCall))
        #expect(refused.isSuperset(of: ["ioperm", "clock_settime", "init_module", "delete_module"]))
        #expect(program.rules.allSatisfy { $0.action == .errno(1) })
        #expect(plan.unshareFlags == 0x0002_0000)
        #expect(SandboxPlan(try SandboxPlanTests.exec([("ProtectClock", "yes")])).mounts == nil)
    }
}
