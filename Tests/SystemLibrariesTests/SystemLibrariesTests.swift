import CSeccomp
import CSystemd
import Testing

/// The system libraries link and answer; the supervisor builds on both.
@Suite struct SystemLibrariesTests {
    @Test func libseccompReportsVersionTwo() {
        let version = seccomp_version()
        #expect(version?.pointee.major == 2)
    }

    @Test func libsystemdResolvesSyscallNames() throws {
        // sd_id128_randomize needs only the kernel; proves libsystemd is linked and callable.
        var id = sd_id128_t()
        #expect(sd_id128_randomize(&id) == 0)
        let bytes = withUnsafeBytes(of: id.bytes) { Array($0) }
        #expect(bytes.contains { $0 != 0 })
    }
}
