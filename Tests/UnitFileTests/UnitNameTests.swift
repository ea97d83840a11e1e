import Testing
import UnitFile

@Suite struct UnitNameTests {
    struct Parts: Equatable, CustomStringConvertible {
        var prefix: String
        var instance: String?
        var suffix: String
        var isTemplate: Bool
        var isInstance: Bool
        var template: String?
        var withoutSuffix: String

        init(_ name: UnitName) {
            prefix = String(name.prefix)
            instance = name.instance.map(String.init)
            suffix = String(name.suffix)
            isTemplate = name.isTemplate
            isInstance = name.isInstance
            template = name.templateName?.description
            withoutSuffix = String(name.withoutSuffix)
        }

        init(
            _ prefix: String, _ instance: String?, _ suffix: String, template: Bool = false, instanceOf: String? = nil,
            without: String
        ) {
            self.prefix = prefix
            self.instance = instance
            self.suffix = suffix
            self.isTemplate = template
            self.isInstance = instance != nil
            self.template = instanceOf
            self.withoutSuffix = without
        }

        var description: String { "\(prefix)|\(instance ?? "nil")|\(suffix)|\(isTemplate)|\(template ?? "nil")" }
    }

    static let longest = "a@" + String(repeating: "x", count: 245) + ".service"

    @Test(arguments: [
        ("foo.service", Parts("foo", nil, "service", without: "foo")),
        ("getty@tty1.service", Parts("getty", "tty1", "service", instanceOf: "getty@.service", without: "getty@tty1")),
        (
            "getty@.service",
            Parts("getty", nil, "service", template: true, instanceOf: "getty@.service", without: "getty@")
        ),
        ("foo@x@y.service", Parts("foo", "x@y", "service", instanceOf: "foo@.service", without: "foo@x@y")),
        ("foo@x@.service", Parts("foo", "x@", "service", instanceOf: "foo@.service", without: "foo@x@")),
        ("a@b.service.service", Parts("a", "b.service", "service", instanceOf: "a@.service", without: "a@b.service")),
        (".a@b.service", Parts(".a", "b", "service", instanceOf: ".a@.service", without: ".a@b")),
        ("a@.b.service", Parts("a", ".b", "service", instanceOf: "a@.service", without: "a@.b")),
        ("-.slice", Parts("-", nil, "slice", without: "-")),
        ("system-getty.slice", Parts("system-getty", nil, "slice", without: "system-getty")),
        (
            #"dev-disk-by\x2duuid-1.device"#,
            Parts(#"dev-disk-by\x2duuid-1"#, nil, "device", without: #"dev-disk-by\x2duuid-1"#)
        ),
        ("a:b_c.target", Parts("a:b_c", nil, "target", without: "a:b_c")),
        ("x.y.scope", Parts("x.y", nil, "scope", without: "x.y")),
        (
            longest,
            Parts(
                "a", String(repeating: "x", count: 245), "service", instanceOf: "a@.service",
                without: String(longest.dropLast(8)))
        ),
    ])
    func parts(name: String, expected: Parts) throws {
        let unit = try UnitName(name)
        #expect(unit.description == name)
        #expect(Parts(unit) == expected)
    }

    @Test(arguments: [
        "service", "socket", "target", "device", "mount", "automount", "swap", "timer", "path", "slice", "scope",
    ])
    func everySystemdTypeIsKnown(suffix: String) throws {
        #expect(try UnitName("a.\(suffix)").suffix == suffix[...])
    }

    static let tooLong = "a@" + String(repeating: "x", count: 246) + ".service"

    @Test(arguments: [
        ("", UnitNameError.empty),
        (tooLong, .tooLong(tooLong)),
        ("foo", .missingSuffix("foo")),
        (".service", .missingSuffix(".service")),
        ("foo.bogus", .unknownSuffix(name: "foo.bogus", suffix: "bogus")),
        ("foo.", .unknownSuffix(name: "foo.", suffix: "")),
        ("foo.Service", .unknownSuffix(name: "foo.Service", suffix: "Service")),
        ("a b.service", .invalidCharacter(name: "a b.service", byte: 0x20)),
        ("ä.service", .invalidCharacter(name: "ä.service", byte: 0xc3)),
        ("a/b.service", .invalidCharacter(name: "a/b.service", byte: UInt8(ascii: "/"))),
        ("@x.service", .emptyPrefix("@x.service")),
        ("@.service", .emptyPrefix("@.service")),
    ])
    func refuses(name: String, expected: UnitNameError) {
        #expect(throws: expected) { try UnitName(name) }
    }

    @Test(arguments: [
        (UnitNameError.empty, "unit name is empty"),
        (.tooLong("x.service"), "unit name 'x.service' is longer than 255 bytes"),
        (.missingSuffix("foo"), "unit name 'foo' has no type suffix"),
        (.unknownSuffix(name: "foo.bogus", suffix: "bogus"), "unit name 'foo.bogus' has unknown type suffix 'bogus'"),
        (
            .invalidCharacter(name: "a b.service", byte: 0x20),
            "'a b.service' contains byte 0x20, which is not allowed in unit names"
        ),
        (
            .invalidCharacter(name: "a/b.service", byte: 0x2f),
            "'a/b.service' contains '/', which is not allowed in unit names"
        ),
        (.emptyPrefix("@x.service"), "unit name '@x.service' has nothing before '@'"),
    ])
    func errorsReadPlainly(error: UnitNameError, expected: String) {
        #expect(error.description == expected)
    }

    @Test func withInstance() throws {
        #expect(try UnitName("foo@.service").withInstance("bar") == UnitName("foo@bar.service"))
        #expect(try UnitName("foo@old.service").withInstance("new") == UnitName("foo@new.service"))
        #expect(try UnitName("foo@.service").withInstance("a@b") == UnitName("foo@a@b.service"))
        let plain = try UnitName("foo.service")
        #expect(throws: UnitNameError.notATemplate(plain)) { try plain.withInstance("x") }
        let template = try UnitName("foo@.service")
        #expect(throws: UnitNameError.emptyInstance(template)) { try template.withInstance("") }
        #expect(throws: UnitNameError.invalidCharacter(name: "a/b", byte: UInt8(ascii: "/"))) {
            try template.withInstance("a/b")
        }
        #expect(UnitNameError.notATemplate(plain).description == "'foo.service' is not a template or instance name")
        #expect(
            UnitNameError.emptyInstance(template).description
                == "an instance of 'foo@.service' needs a non-empty instance name")
    }

    @Test func equalityIsByName() throws {
        #expect(try UnitName("a.service") == UnitName("a.service"))
        #expect(try UnitName("a.service") != UnitName("a.socket"))
        #expect(try Set([UnitName("a.service"), UnitName("a.service")]).count == 1)
    }
}
