import Testing
import UnitFile

/// Expected values are `systemd-escape` 252's output for the same input.
@Suite struct EscapingTests {
    @Test(arguments: [
        (#"foo"#, #"foo"#),
        (#"foo/bar"#, #"foo-bar"#),
        (#"/foo//bar/"#, #"-foo--bar-"#),
        (#"a-b"#, #"a\x2db"#),
        (#".hidden"#, #"\x2ehidden"#),
        (#"a.b"#, #"a.b"#),
        (#".."#, #"\x2e."#),
        (#"ä"#, #"\xc3\xa4"#),
        (#"with space"#, #"with\x20space"#),
        (#"x\y"#, #"x\x5cy"#),
        (#""#, #""#),
        (#"@"#, #"\x40"#),
        (#"a@b"#, #"a\x40b"#),
        (#"/"#, #"-"#),
        (#"-"#, #"\x2d"#),
        (#"a:b_c"#, #"a:b_c"#),
        ("tab\tx", #"tab\x09x"#),
        (#"~user"#, #"\x7euser"#),
        (#"back`tick"#, #"back\x60tick"#),
        (#"a=b,c;d"#, #"a\x3db\x2cc\x3bd"#),
        (#"%n"#, #"\x25n"#),
        (#"日本"#, #"\xe6\x97\xa5\xe6\x9c\xac"#),
        (#"dash-at-end-"#, #"dash\x2dat\x2dend\x2d"#),
        (#"."#, #"\x2e"#),
        (#"it's"#, #"it\x27s"#),
        (#"a/.b"#, #"a-.b"#),
        (#"x."#, #"x."#),
        (#"__init__"#, #"__init__"#),
        (#"Z9"#, #"Z9"#),
    ])
    func escape(input: String, expected: String) {
        #expect(UnitNameEscaping.escape(input) == expected)
    }

    @Test(arguments: [
        (#"/"#, #"-"#),
        (#"//"#, #"-"#),
        (#""#, #"-"#),
        (#"/foo//bar/"#, #"foo-bar"#),
        (#"/a/./b"#, #"a-b"#),
        (#"/.hidden"#, #"\x2ehidden"#),
        (#"/a-b/c"#, #"a\x2db-c"#),
        (#"/a/b/."#, #"a-b"#),
        (#"/./"#, #"-"#),
        (#"/a//"#, #"a"#),
        (#"/a/.hidden"#, #"a-.hidden"#),
        (#"/-"#, #"\x2d"#),
        (#"/a b/ü"#, #"a\x20b-\xc3\xbc"#),
        (#"/dev/sda1"#, #"dev-sda1"#),
        (#"/home/user name/x-y"#, #"home-user\x20name-x\x2dy"#),
        (#"foo"#, #"foo"#),
        (#"rel/path"#, #"rel-path"#),
        (#"./a"#, #"a"#),
        (#"a/./b/"#, #"a-b"#),
        (#"/x.y/z"#, #"x.y-z"#),
    ])
    func escapePath(input: String, expected: String) throws {
        #expect(try UnitNameEscaping.escapePath(input) == expected)
    }

    static let longComponent = "/" + String(repeating: "a", count: 256)

    @Test(arguments: [
        ("/a/../b", EscapingError.unnormalizedPath("/a/../b")),
        ("..", .relativePath("..")),
        ("/..", .unnormalizedPath("/..")),
        ("/a/..", .unnormalizedPath("/a/..")),
        (".", .relativePath(".")),
        ("./", .relativePath("./")),
        ("a/..", .relativePath("a/..")),
        (longComponent, .invalidPath(longComponent)),
    ])
    func escapePathRefuses(input: String, expected: EscapingError) {
        #expect(throws: expected) { try UnitNameEscaping.escapePath(input) }
    }

    @Test func escapePathErrorsReadPlainly() {
        #expect(
            EscapingError.unnormalizedPath("/a/../b").description == "'/a/../b' is not a normalized file system path")
        #expect(EscapingError.relativePath("..").description == "'..' is not an absolute file system path")
        #expect(EscapingError.invalidPath("/x").description == "'/x' is not a valid file system path")
        #expect(
            EscapingError.notAnEscapedPath("a-").description == "'a-' does not unescape to a normalized absolute path")
    }

    @Test(arguments: [
        (#"foo"#, #"foo"#),
        (#"foo-bar"#, #"foo/bar"#),
        (#"a\x2db"#, #"a-b"#),
        (#"\x2ehidden"#, #".hidden"#),
        (#"a\x00b"#, #"a"#),
        (#""#, #""#),
        (#"-"#, #"/"#),
        (#"--"#, #"//"#),
        (#"a\x2Db"#, #"a-b"#),
        (#"a\x2d\x2f"#, #"a-/"#),
        (#"x.service"#, #"x.service"#),
        (#"\xc3\xa4"#, #"ä"#),
        (#"with\x20space"#, #"with space"#),
        (#"\x40"#, #"@"#),
    ])
    func unescape(input: String, expected: String) throws {
        #expect(try UnitNameEscaping.unescape(input) == expected)
    }

    @Test(arguments: [#"\x"#, #"\xzz"#, #"\x4"#, #"\"#, #"a\nb"#, #"a\\x20"#, #"\X41"#])
    func unescapeRefuses(input: String) {
        #expect(throws: EscapingError.invalidEscapeSequence(input)) { try UnitNameEscaping.unescape(input) }
    }

    @Test func unescapeErrorReadsPlainly() {
        #expect(
            EscapingError.invalidEscapeSequence(#"\xzz"#).description == #"'\xzz' contains an invalid escape sequence"#)
    }

    @Test(arguments: [
        (#"-"#, #"/"#),
        (#"foo"#, #"/foo"#),
        (#"foo-bar"#, #"/foo/bar"#),
        (#"a\x2fb"#, #"/a/b"#),
        (#"\x2d"#, #"/-"#),
        (#"a\x00b"#, #"/a"#),
        (#"home-user\x20name-x\x2dy"#, #"/home/user name/x-y"#),
        (#"dev-sda1"#, #"/dev/sda1"#),
        (#"\x2ehidden"#, #"/.hidden"#),
        (#"a-.hidden"#, #"/a/.hidden"#),
    ])
    func unescapePath(input: String, expected: String) throws {
        #expect(try UnitNameEscaping.unescapePath(input) == expected)
    }

    @Test(arguments: [
        ("", EscapingError.notAnEscapedPath("")),
        ("-a", .notAnEscapedPath("-a")),
        ("a-", .notAnEscapedPath("a-")),
        ("a--b", .notAnEscapedPath("a--b")),
        ("--", .notAnEscapedPath("--")),
        ("a-.-b", .notAnEscapedPath("a-.-b")),
        (#"a-\x2e\x2e"#, .notAnEscapedPath(#"a-\x2e\x2e"#)),
        (#"\x2e"#, .notAnEscapedPath(#"\x2e"#)),
        (".", .notAnEscapedPath(".")),
        ("a-.", .notAnEscapedPath("a-.")),
        (#"\xzz"#, .invalidEscapeSequence(#"\xzz"#)),
    ])
    func unescapePathRefuses(input: String, expected: EscapingError) {
        #expect(throws: expected) { try UnitNameEscaping.unescapePath(input) }
    }

    // systemd-escape --template=T [--path] VALUE
    @Test(arguments: [
        ("foo@.service", "a/b", false, "foo@a-b.service"),
        ("foo@.service", "/a/b", true, "foo@a-b.service"),
        ("foo@.service", "/", true, "foo@-.service"),
        ("foo@.service", "", true, "foo@-.service"),
        ("getty@.service", "tty1", false, "getty@tty1.service"),
        ("foo@.socket", "x-y z", false, #"foo@x\x2dy\x20z.socket"#),
        (
            "foo@.service", String(repeating: "x", count: 243), false,
            "foo@\(String(repeating: "x", count: 243)).service"
        ),
    ])
    func instanceOfTemplate(template: String, value: String, path: Bool, expected: String) throws {
        let name = try UnitNameEscaping.instance(of: UnitName(template), escaping: value, path: path)
        #expect(name.description == expected)
    }

    @Test func instanceOfTemplateRefuses() throws {
        let template = try UnitName("foo@.service")
        let long = String(repeating: "x", count: 244)
        #expect(throws: EscapingError.invalidUnitName(.emptyInstance(template))) {
            try UnitNameEscaping.instance(of: template, escaping: "")
        }
        #expect(throws: EscapingError.invalidUnitName(.tooLong("foo@\(long).service"))) {
            try UnitNameEscaping.instance(of: template, escaping: long)
        }
        #expect(throws: EscapingError.notATemplate(try UnitName("foo.service"))) {
            try UnitNameEscaping.instance(of: UnitName("foo.service"), escaping: "x")
        }
        #expect(throws: EscapingError.notATemplate(try UnitName("foo@bar.service"))) {
            try UnitNameEscaping.instance(of: UnitName("foo@bar.service"), escaping: "x")
        }
        #expect(throws: EscapingError.unnormalizedPath("/a/..")) {
            try UnitNameEscaping.instance(of: template, escaping: "/a/..", path: true)
        }
        let plain = try UnitName("foo.service")
        #expect(EscapingError.notATemplate(plain).description == "'foo.service' is not a template name")
    }

    // systemd-escape --unescape --instance [--path] NAME, and --template=T instead of --instance
    @Test(
        arguments: [
            ("foo@a-b.service", false, nil, "a/b"),
            ("foo@a-b.service", true, nil, "/a/b"),
            ("foo@a-b.service", false, "foo@.service", "a/b"),
            ("foo@a-b.service", true, "foo@.service", "/a/b"),
            ("foo@-.service", true, "foo@.service", "/"),
            ("foo@x@y.service", false, nil, "x@y"),
            ("foo@x@y.service", true, nil, "/x@y"),
            ("foo@x@.service", false, nil, "x@"),
            (#"a@b\x2d.service"#, false, nil, "b-"),
            ("a@b.service.service", false, nil, "b.service"),
        ] as [(String, Bool, String?, String)])
    func unescapeInstance(name: String, path: Bool, template: String?, expected: String) throws {
        let instance = try UnitNameEscaping.unescapeInstance(
            of: UnitName(name), path: path, template: template.map { try UnitName($0) })
        #expect(instance == expected)
    }

    @Test func unescapeInstanceRefuses() throws {
        let plain = try UnitName("foo.service")
        let template = try UnitName("foo@.service")
        let other = try UnitName("bar@a-b.service")
        #expect(throws: EscapingError.missingInstance(plain)) { try UnitNameEscaping.unescapeInstance(of: plain) }
        #expect(throws: EscapingError.missingInstance(template)) {
            try UnitNameEscaping.unescapeInstance(of: template, template: template)
        }
        #expect(throws: EscapingError.templateMismatch(name: other, template: template)) {
            try UnitNameEscaping.unescapeInstance(of: other, template: template)
        }
        let instance = try UnitName("foo@x.service")
        let socketTemplate = try UnitName("foo@.socket")
        #expect(throws: EscapingError.templateMismatch(name: instance, template: socketTemplate)) {
            try UnitNameEscaping.unescapeInstance(of: instance, template: socketTemplate)
        }
        #expect(throws: EscapingError.notAnEscapedPath("a-")) {
            try UnitNameEscaping.unescapeInstance(of: UnitName("foo@a-.service"), path: true)
        }
        #expect(throws: EscapingError.invalidEscapeSequence(#"b\x2"#)) {
            try UnitNameEscaping.unescapeInstance(of: UnitName(#"a@b\x2.service"#))
        }
        #expect(EscapingError.missingInstance(plain).description == "unit foo.service has no instance name")
        #expect(
            EscapingError.templateMismatch(name: other, template: template).description
                == "unit bar@a-b.service is not an instance of template foo@.service")
    }
}
