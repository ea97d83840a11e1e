import Glibc
import Testing
import UnitFile

/// Expected values are what systemd 252 expanded for the same unit (read back from the
/// `systemd-analyze verify` message about an `ExecStart=` using the specifiers).
@Suite struct SpecifierTests {
    static func context(_ name: String, fragment: String? = nil) throws -> SpecifierContext {
        try SpecifierContext(unitName: UnitName(name), fragmentPath: fragment)
    }

    @Test(
        arguments: [
            (
                #"foo-bar-baz@a-b\x2dc.service"#, #"/srv/u/foo-bar-baz@a-b\x2dc.service"#,
                "n=%n/N=%N/p=%p/P=%P/i=%i/I=%I/j=%j/J=%J/f=%f/y=%y/Y=%Y/d=%d",
                #"n=foo-bar-baz@a-b\x2dc.service/N=foo-bar-baz@a-b\x2dc/p=foo-bar-baz/P=foo/bar/baz/i=a-b\x2dc/I=a/b-c/j=baz/J=baz/f=/a/b-c/y=/srv/u/foo-bar-baz@a-b\x2dc.service/Y=/srv/u/d=/run/credentials/foo-bar-baz@a-b\x2dc.service"#
            ),
            (
                "nodash.service", nil, "i=%i/I=%I/j=%j/J=%J/f=%f/P=%P/N=%N/p=%p",
                "i=/I=/j=nodash/J=nodash/f=/nodash/P=nodash/N=nodash/p=nodash"
            ),
            ("-.service", nil, "f=%fX/j=%jX/N=%N", "f=/X/j=X/N=-"),
            (#"a-\x2d.service"#, nil, "f=%f/J=%J/j=%j", #"f=/a/-/J=-/j=\x2d"#),
            ("t@i.service", "/srv/u/t@.service", "f=%f/y=%y", "f=/i/y=/srv/u/t@.service"),
            ("pct.service", nil, "a%%b%%%n", "a%b%pct.service"),
            ("trail.service", nil, "a%", "a%"),
            ("x.service", nil, "", ""),
            ("x.service", nil, "no specifiers: 100", "no specifiers: 100"),
            ("x.service", nil, "ünï%ncode", "ünïx.servicecode"),
        ] as [(String, String?, String, String)])
    func unitSpecifiers(name: String, fragment: String?, text: String, expected: String) throws {
        let expanded = try expandSpecifiers(text, context: Self.context(name, fragment: fragment))
        #expect(expanded == expected)
    }

    @Test func hostAndManagerSpecifiers() throws {
        var context = try Self.context("x.service")
        context.hostname = "vm"
        context.machineID = "3d1219c7c4c5404aaa1f6d2a48adfda4"
        context.bootID = "8ecdc47ca87b4db7979fb9b3e452aa81"
        context.architecture = "x86-64"
        context.kernelRelease = "6.18.44-fc-v657"
        context.osID = "debian"
        context.osVersionID = "12"
        context.shell = "/bin/bash"
        let text =
            "u=%u/U=%U/h=%h/s=%s/g=%g/G=%G/H=%H/l=%l/m=%m/b=%b/t=%t/S=%S/C=%C/L=%L/E=%E/T=%T/V=%V/a=%a/v=%v/o=%o/w=%w/W=%W/M=%M/A=%A/B=%B/q=%q/pct=%%"
        #expect(
            try expandSpecifiers(text, context: context)
                == "u=root/U=0/h=/root/s=/bin/bash/g=root/G=0/H=vm/l=vm/m=3d1219c7c4c5404aaa1f6d2a48adfda4/b=8ecdc47ca87b4db7979fb9b3e452aa81/t=/run/S=/var/lib/C=/var/cache/L=/var/log/E=/etc/T=/tmp/V=/var/tmp/a=x86-64/v=6.18.44-fc-v657/o=debian/w=12/W=/M=/A=/B=/q=vm/pct=%"
        )
    }

    @Test func hostnameParts() throws {
        var context = try Self.context("x.service")
        context.hostname = "web1.example.com"
        #expect(try expandSpecifiers("%H %l %q", context: context) == "web1.example.com web1 web1")
        context.prettyHostname = "Web server"
        #expect(try expandSpecifiers("%q", context: context) == "Web server")
    }

    @Test(arguments: [
        ("unk.service", "a%x", SpecifierError.unknown("x")),
        ("unk.service", "%c", .unknown("c")),
        ("unk.service", "%r", .unknown("r")),
        ("unk.service", "%R", .unknown("R")),
        ("unk.service", "%Z%", .unknown("Z")),
        ("a-.service", "%f", .unescaping(specifier: "f", .notAnEscapedPath("a-"))),
        (#"i@\xzz.service"#, "%I", .unescaping(specifier: "I", .invalidEscapeSequence(#"\xzz"#))),
        (#"a\x2.service"#, "%P", .unescaping(specifier: "P", .invalidEscapeSequence(#"a\x2"#))),
        (#"a-b\x2.service"#, "%J", .unescaping(specifier: "J", .invalidEscapeSequence(#"b\x2"#))),
        ("nofragment.service", "%y", .unavailable("y")),
        ("nofragment.service", "%Y", .unavailable("Y")),
        ("nofragment.service", "%m", .unavailable("m")),
        ("nofragment.service", "%b", .unavailable("b")),
    ])
    func refuses(name: String, text: String, expected: SpecifierError) throws {
        let context = try Self.context(name)
        #expect(throws: expected) { try expandSpecifiers(text, context: context) }
    }

    @Test(arguments: [
        (SpecifierError.unknown("x"), "unknown specifier '%x'"),
        (
            .unescaping(specifier: "f", .notAnEscapedPath("a-")),
            "cannot resolve '%f': 'a-' does not unescape to a normalized absolute path"
        ),
        (.unavailable("y"), "specifier '%y' has no value for this unit"),
    ])
    func errorsReadPlainly(error: SpecifierError, expected: String) {
        #expect(error.description == expected)
    }

    @Test func currentResolvesTheFragmentAndReadsTheHost() throws {
        var template = Array("/tmp/corral-specifiers-XXXXXX".utf8CString)
        let directory = String(cString: try #require(mkdtemp(&template)))
        defer {
            unlink(directory + "/real.service")
            unlink(directory + "/link.service")
            rmdir(directory)
        }
        let file = fopen(directory + "/real.service", "w")
        fclose(file)
        symlink("real.service", directory + "/link.service")

        let context = SpecifierContext.current(
            for: try UnitName("link.service"), fragmentPath: directory + "/link.service")
        #expect(context.fragmentPath == directory + "/real.service")
        #expect(context.userID == getuid())
        #expect(!context.hostname.isEmpty)
        #expect(context.machineID.map { $0.count == 32 && $0.allSatisfy(\.isHexDigit) } ?? true)
        #expect(context.bootID.map { $0.count == 32 && $0.allSatisfy(\.isHexDigit) } ?? true)
        #if arch(x86_64)
            #expect(context.architecture == "x86-64")
        #endif
    }
}
