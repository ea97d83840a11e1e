import Glibc
import Testing
import UnitModel

/// The exit-status table against `systemd-analyze exit-status` on this machine, row for row.
struct ExitStatusNamesTests {
    @Test func theTableIsSystemds() throws {
        let output = try #require(popen("/usr/bin/systemd-analyze exit-status 2>&1", "r"))
        var text = ""
        var buffer = [CChar](repeating: 0, count: 4096)
        while fgets(&buffer, Int32(buffer.count), output) != nil {
            text += String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        pclose(output)
        let rows = text.split(separator: "\n").dropFirst().map { $0.split(separator: " ").map(String.init) }
        let classes: [ExitStatusNames.Class: String] = [.libc: "libc", .lsb: "LSB", .bsd: "BSD", .systemd: "systemd"]
        #expect(rows == ExitStatusNames.table.map { [$0.name, String($0.status), classes[$0.class]!] })
    }

    @Test func statusLinesNameOnlyTheLibcAndSystemdOnes() {
        #expect(ExitStatusNames.name(of: 0) == "SUCCESS")
        #expect(ExitStatusNames.name(of: 203) == "EXEC")
        #expect(ExitStatusNames.name(of: 2) == nil)
        #expect(ExitStatusNames.name(of: 75) == nil)
    }

    /// systemd takes any class's names in SuccessExitStatus=.
    @Test func successExitStatusTakesNames() throws {
        var set = ExitStatusSet()
        try Grammar.addExitStatuses("TEMPFAIL 42 SIGUSR1 NOTINSTALLED", to: &set)
        #expect(set.statuses == [75, 42, 5])
        #expect(set.signals == [SIGUSR1])
    }
}
