import Glibc
import Testing
import UnitFile
import UnitModel

/// Files systemd reads in a particular way, each loaded by Corral and by `systemd-analyze verify`
/// on this machine: the same load state, and a warning on each line systemd warns about.
@Suite struct SystemdReadingTests {
    struct Case: Sendable, CustomStringConvertible {
        var name: String
        var bytes: [UInt8]
        var description: String { name }

        init(_ name: String, _ text: String) {
            self.name = name
            bytes = Array(text.utf8)
        }

        init(_ name: String, bytes: [UInt8]) {
            self.name = name
            self.bytes = bytes
        }
    }

    static let service = "[Service]\nExecStart=/bin/true\n"

    static let cases: [Case] = [
        // Unknown and lower-case sections are reported at their headers, empty ones too.
        Case("sections.service", "[Unit]\nDescription=x\n\n[bogus]\nFoo=1\n\n[Empty]\n\n[service]\nA=1\n" + service),
        Case("header.service", "[Unit\nDescription=x\n" + service),
        Case(
            "utf8.service", bytes: Array("[Unit]\nDescription=x".utf8) + [0xFF] + Array("\n".utf8) + Array(service.utf8)
        ),
        Case("long.service", service + "Environment=A=" + String(repeating: "x", count: 1_048_576) + "\n"),
        Case("file.scope", "[Scope]\nTasksMax=5\n"),
        Case(
            "deprecated.service",
            service
                + "MemoryLimit=1G\nCPUShares=100\nStartupCPUShares=10\nBlockIODeviceWeight=/dev/sda 10\n"
                + "BlockIOReadBandwidth=/dev/sda 1M\nBlockIOWriteBandwidth=/dev/sda 1M\nKillMode=none\n"
                + "SysVStartPriority=3\nCapabilities=cap_chown\nBlockIOWeight=10\n"),
        Case("rootimage.service", service + "RootImage=relative.img\n"),
        Case("groups.service", service + "SupplementaryGroups=-1\n"),
        Case("dynamic.service", service + "DynamicUser=maybe\n"),
        Case("cpus.service", service + "AllowedCPUs=0-1 3-2\n"),
    ]

    /// systemd-analyze verify's load state for the file, and the lines it warns about.
    static func systemd(_ path: String, name: String) -> (state: LoadState, lines: Set<Int>) {
        guard let output = popen("/usr/bin/systemd-analyze verify '\(path)' 2>&1", "r") else { return (.error, []) }
        var text = ""
        var buffer = [CChar](repeating: 0, count: 65536)
        while fgets(&buffer, Int32(buffer.count), output) != nil {
            text += String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        pclose(output)
        var lines: Set<Int> = []
        for line in text.split(separator: "\n") where line.hasPrefix(path + ":") {
            let rest = line.dropFirst(path.count + 1)
            if let number = Int(rest.prefix { $0.isNumber }), !line.contains("is not executable") {
                lines.insert(number)
            }
        }
        let state: LoadState =
            text.contains("Unit \(name) not found.")
            ? .notFound
            : text.contains("has a bad unit file setting")
                ? .badSetting : text.contains("failed to load properly") ? .error : .loaded
        return (state, lines)
    }

    @Test(arguments: cases)
    func readsAsSystemd(_ testCase: Case) throws {
        var template = Array("/tmp/corral-reading-XXXXXX".utf8CString)
        let directory = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
        defer { _ = system("rm -rf '\(directory)'") }
        let path = directory + "/" + testCase.name
        let file = try #require(fopen(path, "w"))
        _ = testCase.bytes.withUnsafeBufferPointer { fwrite($0.baseAddress, 1, $0.count, file) }
        fclose(file)
        let unitName = try UnitName(testCase.name)
        let sources = UnitFileIndex(UnitSearchPath(directories: [directory])).sources(of: unitName)
        let loaded = UnitLoader.load(
            sources, context: SpecifierContext.current(for: unitName, fragmentPath: sources.location.fragmentPath))
        let expected = Self.systemd(path, name: testCase.name)
        #expect(loaded.loadState == expected.state)
        let warned = Set(loaded.diagnostics.filter { $0.file == path }.compactMap(\.line))
        // Every line systemd warns about is warned about (Corral may say more: "not supported").
        #expect(expected.lines.isSubset(of: warned), "systemd: \(expected.lines.sorted()), Corral: \(warned.sorted())")
    }

    @Test func theDeprecationsAreWordedAsSystemds() throws {
        let unit = try UnitName("d.service")
        let parsed = UnitFileParser.parse(
            Array((Self.service + "MemoryLimit=1G\nKillMode=none\nSysVStartPriority=3\n").utf8), file: "/d.service")
        let built = UnitBuilder.build(
            name: unit.description, type: .service, sections: parsed.sections, assignments: parsed.assignments,
            expandSpecifiers: { $0 })
        #expect(
            built.diagnostics.map(\.message) == [
                "Unit uses MemoryLimit=; please use MemoryMax= instead. Support for MemoryLimit= will be removed soon.",
                "Unit uses KillMode=none. This is unsafe, as it disables systemd's process lifecycle management for the service. Please update the service to use a safer KillMode=, such as 'mixed' or 'control-group'. Support for KillMode=none is deprecated and will eventually be removed.",
                "Support for option SysVStartPriority= has been removed and it is ignored",
            ])
    }
}

/// Specifiers as systemd 252 (PID 1 in the VM, `systemctl show`) read them: a `%` at the end or
/// before a character that is no letter or digit stays; an unknown letter drops a plain setting's
/// line and makes a command line fatal; what `%i` gives is not unescaped in a command line.
@Suite struct SpecifierReadingTests {
    static func load(_ name: String, _ text: String) throws -> LoadedUnit {
        var template = Array("/tmp/corral-specifiers-XXXXXX".utf8CString)
        let directory = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
        defer { _ = system("rm -rf '\(directory)'") }
        let unitName = try UnitName(name)
        let fileName = unitName.templateName?.description ?? name
        let file = try #require(fopen(directory + "/" + fileName, "w"))
        fputs(text, file)
        fclose(file)
        let sources = UnitFileIndex(UnitSearchPath(directories: [directory])).sources(of: unitName)
        return UnitLoader.load(
            sources, context: SpecifierContext.current(for: unitName, fragmentPath: sources.location.fragmentPath))
    }

    @Test func aPercentThatIsNoSpecifierStays() throws {
        let loaded = try Self.load(
            "trail.service",
            "[Unit]\nDescription=trail%\nDocumentation=man:t%(1)\n[Service]\nExecStart=/bin/echo x%\nEnvironment=A=x%\nSyslogIdentifier=x%\n"
        )
        #expect(loaded.loadState == .loaded)
        #expect(loaded.unit.unit.description == "trail%")
        #expect(loaded.unit.unit.documentation == ["man:t%(1)"])
        #expect(loaded.unit.service.execStart.map(\.argv) == [["/bin/echo", "x%"]])
        #expect(loaded.unit.exec.environment == ["A=x%"])
        #expect(loaded.unit.exec.syslogIdentifier == "x%")
    }

    @Test func anUnknownSpecifierDropsTheLineOrFailsTheCommand() throws {
        let plain = try Self.load("plain.service", "[Unit]\nDescription=D%Z\n[Service]\nExecStart=/bin/true\n")
        #expect(plain.loadState == .loaded && plain.unit.unit.description == nil)
        let command = try Self.load("command.service", "[Service]\nExecStart=/bin/echo %Z\n")
        #expect(command.loadState == .badSetting)
    }

    @Test func anInstanceStaysEscapedInACommandLine() throws {
        let loaded = try Self.load("spec@a\\x2db.service", "[Service]\nExecStart=/bin/echo %i %I\n")
        #expect(loaded.unit.service.execStart.map(\.argv) == [["/bin/echo", "a\\x2db", "a-b"]])
    }
}
