import Testing
import UnitInstall
import UnitModel

@Suite struct UnitFileWriterTests {
    static var service: Unit {
        var unit = Unit(name: "job.service", type: .service)
        unit.service.execStart = [
            ExecCommand(path: "/bin/sh", argv: ["/bin/sh", "-c", "echo \"$HOME\" 100% \\ done"])
        ]
        return unit
    }

    @Test func aTransientServiceIsWrittenSectionBySectionWithItsCommandQuoted() {
        let text = UnitFileWriter.transientService(
            Self.service, properties: ["Description=50% of it", "MemoryMax=64M", "User=nobody"])
        #expect(
            text == """
                # Transient unit made by "corralctl run"; corrald removes it when the unit is gone.
                [Unit]
                Description=50%% of it
                [Service]
                ExecStart="/bin/sh" "-c" "echo \\"$HOME\\" 100%% \\\\ done"
                MemoryMax=64M
                User=nobody

                """)
    }

    /// What the writer quotes, the parser reads back to the same command line (`%%` is undone by
    /// specifier expansion), so it runs the same after a restart.
    @Test func theCommandLineReadsBackUnchanged() throws {
        let text = UnitFileWriter.transientService(Self.service, properties: [])
        let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("ExecStart=") })
        let value = String(line.dropFirst("ExecStart=".count))
        let unescaped = value.replacing("%%", with: "%")
        let parsed = try ExecGrammar.parseCommands(unescaped)
        #expect(
            parsed.value.first?.argv == Self.service.service.execStart[0].argv)
    }

    @Test func aDropInNamesItsPropertyAndSection() {
        let dropIn = UnitFileWriter.dropIn("CPUQuota=20%", for: Self.service)
        #expect(dropIn.fileName == "50-CPUQuota.conf")
        #expect(
            dropIn.text == """
                # This is a drop-in unit file extension, created via "corralctl set-property"
                # or an equivalent operation. Do not edit.
                [Service]
                CPUQuota=20%

                """)
        #expect(
            UnitFileWriter.dropIn("MemoryMax=1G", for: Unit(name: "w.slice", type: .slice)).text.contains("[Slice]"))
    }
}
