import Testing
import UnitFile
import UnitModel

@Suite struct UnitBuilderTests {
    struct SpecifierFailure: Error {}

    /// Replaces `%n` with the unit name and refuses `%Z`.
    static func expand(_ value: String) throws -> String {
        if value.contains("%Z") { throw SpecifierFailure() }
        return value.replacing("%n", with: "a.slice")
    }

    static func line(_ number: Int, _ section: String, _ key: String, _ value: String, file: String = "/etc/a.slice")
        -> Assignment
    {
        Assignment(section: section, key: key, value: value, file: file, line: number)
    }

    @Test func buildsASliceAndReportsEveryProblemWithItsPlace() {
        let assignments = [
            Self.line(2, "Unit", "Description", "Slice %n"),
            Self.line(3, "Unit", "Foo", "bar"),
            Self.line(4, "Unit", "X-Custom", "kept quiet"),
            Self.line(5, "Unit", "Documentation", "man:%Z"),
            Self.line(6, "Unit", "StopWhenUnneeded", "yes"),
            Self.line(7, "Slice", "MemoryMax", "0"),
            Self.line(8, "Slice", "MemoryHigh", "foo"),
            Self.line(9, "Slice", "ExecStart", "/bin/true"),
            Self.line(10, "Slice", "Description", "misplaced"),
            Self.line(11, "Slice", "Delegate", "yes"),
            Self.line(12, "Slice", "CPUWeight", "idle"),
            Self.line(14, "Service", "MemoryMax", "1G"),
            Self.line(15, "Service", "CPUWeight", "5"),
            Self.line(17, "X-Vendor", "Anything", "goes"),
            Self.line(1, "Slice", "MemoryMax", "2G", file: "/etc/a.slice.d/10-max.conf"),
            Self.line(3, "Service", "TasksMax", "5", file: "/etc/a.slice.d/10-max.conf"),
        ]
        // Unknown sections are reported at their headers, an empty one too; X- ones are not.
        let sections = [
            SectionHeader("Unit", file: "/etc/a.slice", line: 1),
            SectionHeader("Service", file: "/etc/a.slice", line: 13),
            SectionHeader("X-Vendor", file: "/etc/a.slice", line: 16),
            SectionHeader("Empty", file: "/etc/a.slice", line: 18),
            SectionHeader("Service", file: "/etc/a.slice.d/10-max.conf", line: 2),
        ]
        let (unit, diagnostics) = UnitBuilder.build(
            name: "a.slice", type: .slice, sections: sections, assignments: assignments, expandSpecifiers: Self.expand)

        var expected = Unit(name: "a.slice", type: .slice)
        expected.unit.description = "Slice a.slice"
        expected.resources.cpuWeight = .idle
        expected.resources.memoryMax = .bytes(2 << 30)
        #expect(unit == expected)
        #expect(
            diagnostics.map(\.description) == [
                "/etc/a.slice:13: warning: [Service] unknown section",
                "/etc/a.slice:18: warning: [Empty] unknown section",
                "/etc/a.slice.d/10-max.conf:2: warning: [Service] unknown section",
                "/etc/a.slice:3: warning: [Unit] Foo: unknown directive",
                "/etc/a.slice:5: warning: [Unit] Documentation: failed to resolve specifiers in 'man:%Z'",
                "/etc/a.slice:6: warning: [Unit] StopWhenUnneeded: not supported by Corral",
                "/etc/a.slice:7: warning: [Slice] MemoryMax: memory limit '0' out of range",
                "/etc/a.slice:8: warning: [Slice] MemoryHigh: invalid size 'foo'",
                "/etc/a.slice:9: warning: [Slice] ExecStart: not valid in slice units",
                "/etc/a.slice:10: warning: [Slice] Description: belongs in [Unit]",
                "/etc/a.slice:11: warning: [Slice] Delegate: not valid in slice units",
            ])
    }

    @Test func errorsKeepTheirSeverity() {
        let (_, diagnostics) = UnitBuilder.build(
            name: "b.service", type: .service, sections: [],
            assignments: [Assignment(section: "Service", key: "User", value: "a:b", file: "/b.service", line: 4)],
            expandSpecifiers: { $0 })
        #expect(
            diagnostics == [
                Diagnostic(
                    file: "/b.service", line: 4, severity: .error, section: "Service", directive: "User",
                    message: "invalid user or group name 'a:b'")
            ])
    }

    @Test func specifiersAreExpandedOnlyWhereTheDirectiveTakesThem() {
        let (unit, diagnostics) = UnitBuilder.build(
            name: "b.service", type: .service, sections: [],
            assignments: [
                Assignment(section: "Unit", key: "Description", value: "%Z", file: "/b.service", line: 2),
                Assignment(section: "Service", key: "MemoryMax", value: "%Z", file: "/b.service", line: 3),
            ],
            expandSpecifiers: Self.expand)
        #expect(unit == Unit(name: "b.service", type: .service))
        #expect(
            diagnostics.map(\.description) == [
                "/b.service:2: warning: [Unit] Description: failed to resolve specifiers in '%Z'",
                "/b.service:3: warning: [Service] MemoryMax: invalid size '%Z'",
            ])
    }

    @Test(arguments: [
        ("MemoryMax=foo", UnitType.service, "error: MemoryMax: invalid size 'foo'"),
        ("MemoryMax", .service, "error: invalid property 'MemoryMax', expected NAME=VALUE"),
        ("=5", .service, "error: invalid property '=5', expected NAME=VALUE"),
        ("Frobnicate=1", .service, "error: Frobnicate: unknown property"),
        ("ExecStart=/bin/true", .slice, "error: ExecStart: not a property of slice units"),
        ("LimitNICE=41", .service, "error: LimitNICE: invalid resource limit '41'"),
    ])
    func refusedProperty(text: String, type: UnitType, expected: String) {
        var unit = Unit(name: "run-1.\(type)", type: type)
        #expect(UnitBuilder.applyProperty(text, to: &unit)?.description == expected)
        #expect(unit == Unit(name: "run-1.\(type)", type: type))
    }

    @Test func appliedPropertiesChangeTheUnit() {
        var unit = Unit(name: "run-1.scope", type: .scope)
        #expect(UnitBuilder.applyProperty("MemoryMax=50%", to: &unit) == nil)
        #expect(UnitBuilder.applyProperty("CPUQuota=20%", to: &unit) == nil)
        #expect(UnitBuilder.applyProperty("Description=x=y", to: &unit) == nil)
        var expected = Unit(name: "run-1.scope", type: .scope)
        expected.resources.memoryMax = .permyriad(5000)
        expected.resources.cpuQuotaPerSec = 200_000
        expected.unit.description = "x=y"
        #expect(unit == expected)
    }
}
