import Glibc
import Testing
import UnitFile
import UnitModel

/// The whole-service checks (systemd's service_verify), message for message as
/// `systemd-analyze verify` prints them on this machine.
@Suite struct ServiceVerifyTests {
    static let cases: [String] = [
        "[Service]\nType=oneshot\n",
        "[Unit]\nSuccessAction=exit\n",
        "[Unit]\nSuccessAction=exit\n[Service]\nType=oneshot\n",
        "[Unit]\nSuccessAction=exit\n[Service]\nType=simple\n",
        "[Service]\nExecStop=/bin/true\n",
        "[Service]\nType=simple\nExecStop=/bin/true\n",
        "[Service]\nType=oneshot\nExecStop=/bin/true\nRemainAfterExit=yes\n",
        "[Service]\nType=bogus\nExecStop=/bin/true\n",
        "[Unit]\nFailureAction=exit\n[Service]\nType=oneshot\n",
        "[Service]\nExecStart=/bin/true\nExecStart=/bin/true\n",
        "[Service]\nType=oneshot\nExecStart=/bin/true\nRestart=always\n",
    ]

    /// The "Refusing." line systemd-analyze prints for the unit in `path`, without its name; "" when none.
    static func systemdRefusal(_ path: String, name: String) -> String {
        guard let output = popen("/usr/bin/systemd-analyze verify '\(path)' 2>&1", "r") else { return "?" }
        var text = ""
        var buffer = [CChar](repeating: 0, count: 4096)
        while fgets(&buffer, Int32(buffer.count), output) != nil {
            text += String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        pclose(output)
        let line = text.split(separator: "\n").first { $0.hasSuffix("Refusing.") && $0.hasPrefix(name + ": ") }
        return line.map { String($0.dropFirst(name.count + 2)) } ?? ""
    }

    @Test(arguments: cases.indices)
    func refusesAsSystemd(index: Int) throws {
        var template = Array("/tmp/corral-verify-XXXXXX".utf8CString)
        let directory = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
        defer { _ = system("rm -rf '\(directory)'") }
        let name = "case\(index).service"
        let file = try #require(fopen(directory + "/" + name, "w"))
        fputs(Self.cases[index], file)
        fclose(file)
        let unitName = try UnitName(name)
        let sources = UnitFileIndex(UnitSearchPath(directories: [directory])).sources(of: unitName)
        let loaded = UnitLoader.load(
            sources, context: SpecifierContext.current(for: unitName, fragmentPath: sources.location.fragmentPath))
        let refusal = loaded.diagnostics.first { $0.severity == .error && $0.message.hasSuffix("Refusing.") }
        #expect(
            refusal?.message ?? "" == Self.systemdRefusal(directory + "/" + name, name: name), "\(Self.cases[index])")
        #expect((loaded.loadState == .badSetting) == (refusal != nil))
    }
}
