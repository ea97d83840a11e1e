import Cgroups
import Glibc
import SystemCall
import Testing
import UnitModel

/// A temporary directory standing in for a cgroup root; the kernel's files are made by the test.
final class FakeCgroupRoot {
    let path: String

    init() {
        var template = Array("/tmp/corral-fake-cgroup-XXXXXX".utf8CString)
        path = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
    }

    deinit {
        _ = system("rm -rf '\(path)'")
    }

    func makeFile(_ relative: String, _ contents: String = "") {
        let fd = open(path + "/" + relative, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        precondition(fd >= 0, "cannot create \(relative)")
        _ = contents.utf8CString.withUnsafeBytes { write(fd, $0.baseAddress, $0.count - 1) }
        close(fd)
    }

    func contents(_ relative: String) -> String? {
        guard let file = fopen(path + "/" + relative, "r") else { return nil }
        defer { fclose(file) }
        var text = ""
        while case let c = fgetc(file), c != EOF { text.unicodeScalars.append(Unicode.Scalar(UInt8(c))) }
        return text
    }

    func exists(_ relative: String) -> Bool {
        access(path + "/" + relative, F_OK) == 0
    }
}

@Suite struct CgroupTreeFakeRootTests {
    @Test func createMakesEveryMissingAncestorTopDownAndReportsThem() throws {
        let root = FakeCgroupRoot()
        let tree = try CgroupTree(path: root.path)
        #expect(
            try tree.create("a.slice/a-b.slice/x.service") == [
                "a.slice", "a.slice/a-b.slice", "a.slice/a-b.slice/x.service",
            ])
        #expect(try tree.create("a.slice/a-c.slice") == ["a.slice/a-c.slice"])
        #expect(try tree.children(of: "a.slice") == ["a-b.slice", "a-c.slice"])
    }

    @Test func failedCreateLeavesNothingHalfMade() throws {
        let root = FakeCgroupRoot()
        let tree = try CgroupTree(path: root.path)
        try tree.create("kept.slice")
        let tooLong = String(repeating: "x", count: 300) + ".service"
        #expect(
            throws: CgroupError(operation: .create, path: "kept.slice/new.slice/\(tooLong)", errno: Errno(ENAMETOOLONG))
        ) {
            try tree.create("kept.slice/new.slice/\(tooLong)")
        }
        #expect(root.exists("kept.slice"))
        #expect(!root.exists("kept.slice/new.slice"))
    }

    @Test func writesEnableAndReads() throws {
        let root = FakeCgroupRoot()
        let tree = try CgroupTree(path: root.path)
        try tree.create("system.slice/a.service")
        root.makeFile("cgroup.controllers", "cpuset cpu io memory hugetlb pids rdma misc\n")
        root.makeFile("cgroup.subtree_control")
        root.makeFile("system.slice/a.service/memory.max")
        try tree.enable([.cpu, .memory, .pids], in: "")
        try tree.write("268435456", to: "memory.max", in: "system.slice/a.service")
        #expect(root.contents("cgroup.subtree_control") == "+cpu +memory +pids")
        #expect(root.contents("system.slice/a.service/memory.max") == "268435456")
        #expect(try tree.availableControllers() == [.cpuset, .cpu, .io, .memory, .pids])
    }

    @Test func aMissingAttributeFileIsReportedWithFileValueAndErrno() throws {
        let root = FakeCgroupRoot()
        let tree = try CgroupTree(path: root.path)
        try tree.create("system.slice/a.service")
        let error = try #require(throws: CgroupError.self) {
            try tree.write("50000 100000", to: "cpu.max", in: "system.slice/a.service")
        }
        #expect(
            error.description
                == "cannot write '50000 100000' to system.slice/a.service/cpu.max: No such file or directory")
    }

    @Test func removeTakesChildrenFirst() throws {
        let root = FakeCgroupRoot()
        let tree = try CgroupTree(path: root.path)
        try tree.create("a.slice/b.service/payload/inner")
        try tree.remove("a.slice")
        #expect(!root.exists("a.slice"))
        try tree.remove("never-made.slice")
    }

    @Test func keyedValuesParseFlatKeyedFiles() {
        let events = KeyedValues("low 0\nhigh 3\nmax 7\noom 1\noom_kill 1\noom_group_kill 0\n")
        #expect(events.values == ["low": 0, "high": 3, "max": 7, "oom": 1, "oom_kill": 1, "oom_group_kill": 0])
    }
}

/// Placement against the host's real cgroup2 mount, which has no controllers but supports child
/// cgroups, `cgroup.procs`, `cgroup.events` and `cgroup.kill`. Only test-made cgroups are touched.
@Suite(
    .enabled(
        if: access("/sys/fs/cgroup/unified/cgroup.procs", W_OK) == 0 || access("/sys/fs/cgroup/cgroup.procs", W_OK) == 0
    ))
struct CgroupTreeKernelTests {
    static var mountPoint: String {
        access("/sys/fs/cgroup/unified/cgroup.procs", F_OK) == 0 ? "/sys/fs/cgroup/unified" : "/sys/fs/cgroup"
    }

    /// Starts `sleep 600` as a child of the test process, outside any cgroup of ours.
    static func spawnSleeper() throws -> pid_t {
        var pid: pid_t = 0
        let words: [String] = ["/bin/sleep", "600"]
        let argv: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let result = posix_spawn(&pid, "/bin/sleep", nil, nil, argv, environ)
        guard result == 0 else { throw Errno(result) }
        return pid
    }

    @Test func attachPopulatesAndKillEmptiesTheCgroup() throws {
        let tree = try CgroupTree(path: Self.mountPoint)
        let name = "corral-test-\(getpid())/leaf.service"
        try tree.create(name)
        defer { try? tree.remove("corral-test-\(getpid())") }
        #expect(try tree.isPopulated(name) == false)

        let pid = try Self.spawnSleeper()
        try tree.attach(pid, to: name)
        #expect(try tree.processes(in: name) == [pid])
        #expect(try tree.isPopulated("corral-test-\(getpid())") == true)

        try tree.kill(name)
        var status: Int32 = 0
        #expect(waitpid(pid, &status, 0) == pid)
        #expect(status & 0x7f == SIGKILL)
        // cgroup.events updates asynchronously after the exit; give the kernel a moment.
        for _ in 0..<100 where try tree.isPopulated(name) { usleep(10_000) }
        #expect(try tree.isPopulated(name) == false)
        try tree.remove("corral-test-\(getpid())")
        #expect(try tree.children(of: "").contains("corral-test-\(getpid())") == false)
    }
}
