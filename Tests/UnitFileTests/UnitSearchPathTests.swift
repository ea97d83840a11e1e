import Glibc
import Testing
import UnitFile

/// A scratch directory tree, removed when the test ends. Paths are relative to `root`.
final class TemporaryTree {
    let root: String

    init() throws {
        var template = Array("/tmp/corral-units-XXXXXX".utf8CString)
        let created = try #require(mkdtemp(&template))
        root = try #require(realpath(created, nil).map { String(cString: $0) })
    }

    deinit { Self.remove(root) }

    func path(_ relative: String) -> String { root + "/" + relative }

    /// A unit file with a line naming it, so that it is not empty (empty files mask).
    func file(_ relative: String, _ contents: String = "[Unit]\n") {
        makeParent(of: relative)
        let stream = fopen(path(relative), "w")
        fputs(contents, stream)
        fclose(stream)
    }

    func link(_ relative: String, to target: String) {
        makeParent(of: relative)
        symlink(target, path(relative))
    }

    func directory(_ relative: String) {
        makeParent(of: relative)
        mkdir(path(relative), 0o755)
    }

    func searchPath(_ directories: String...) -> UnitFileIndex {
        UnitFileIndex(UnitSearchPath(directories: directories.map(path)))
    }

    private func makeParent(of relative: String) {
        var partial = root
        for component in relative.split(separator: "/").dropLast() {
            partial += "/" + component
            mkdir(partial, 0o755)
        }
    }

    private static func remove(_ path: String) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        if info.st_mode & S_IFMT == S_IFDIR, let stream = opendir(path) {
            while let entry = readdir(stream) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                    String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
                }
                if name != "." && name != ".." { remove(path + "/" + name) }
            }
            closedir(stream)
            rmdir(path)
        } else {
            unlink(path)
        }
    }
}

/// Every expectation here was first checked against systemd 252: the same tree, with `X=` lines in each
/// file, given to `SYSTEMD_UNIT_PATH=a:b systemd-analyze verify NAME`, which reports the fragment and the
/// drop-ins in the order it parses them (and "not found" or "masked").
@Suite struct UnitSearchPathTests {
    func location(
        _ tree: TemporaryTree, _ name: String, fragment: String?, masked: Bool = false, names: [String],
        dropIns: [String]
    ) throws -> UnitLocation {
        try UnitLocation(
            name: UnitName(name), fragmentPath: fragment.map { $0 == "/dev/null" ? $0 : tree.path($0) },
            isMasked: masked, names: names.map { try UnitName($0) }, dropInPaths: dropIns.map(tree.path))
    }

    @Test func dropInsMergeAcrossDirectoriesDashPrefixesAndTypeDirectories() throws {
        let tree = try TemporaryTree()
        tree.file("a/foo-bar.service")
        tree.file("a/foo-bar.service.d/1.conf")
        tree.file("b/foo-bar.service.d/1.conf")
        tree.file("b/foo-bar.service.d/0.conf")
        tree.file("a/foo-.service.d/0.conf")
        tree.file("b/foo-.service.d/1.conf")
        tree.file("b/foo-.service.d/3.conf")
        tree.file("a/service.d/3.conf")
        tree.file("b/service.d/2.conf")
        tree.file("a/service.d/1.conf")
        tree.file("a/foo-bar.service.d/.5.conf")
        tree.file("a/foo-bar.service.d/9.conf.bak")
        tree.file("a/socket.d/4.conf")

        let found = tree.searchPath("a", "b").locate(try UnitName("foo-bar.service"))
        let expected = try location(
            tree, "foo-bar.service", fragment: "a/foo-bar.service", names: ["foo-bar.service"],
            dropIns: [
                "a/foo-.service.d/0.conf", "a/foo-bar.service.d/1.conf", "b/service.d/2.conf",
                "b/foo-.service.d/3.conf",
            ])
        #expect(found == expected)
    }

    /// Masked and empty drop-ins hide their name and are listed (systemd 252, checked as PID 1 in the
    /// VM: `DropInPaths=` names them); unreadable ones hide it and are not.
    @Test func maskedEmptyAndUnreadableDropInsHideTheirName() throws {
        let tree = try TemporaryTree()
        tree.file("a/foo-bar.service")
        for number in 1...6 { tree.file("b/foo-bar.service.d/\(number).conf") }
        tree.directory("a/foo-bar.service.d/1.conf")
        tree.link("a/foo-bar.service.d/2.conf", to: "/dev/null")
        tree.file("a/foo-bar.service.d/3.conf", "")
        tree.link("a/foo-bar.service.d/4.conf", to: "/nonexistent")
        tree.link("a/foo-bar.service.d/5.conf", to: "../../b/foo-bar.service.d/6.conf")

        let found = tree.searchPath("a", "b").locate(try UnitName("foo-bar.service"))
        let expected = try location(
            tree, "foo-bar.service", fragment: "a/foo-bar.service", names: ["foo-bar.service"],
            dropIns: [
                "a/foo-bar.service.d/2.conf", "a/foo-bar.service.d/3.conf", "a/foo-bar.service.d/5.conf",
                "b/foo-bar.service.d/6.conf",
            ])
        #expect(found == expected)
    }

    func aliasTree() throws -> TemporaryTree {
        let tree = try TemporaryTree()
        tree.file("b/real.service")
        tree.link("b/alias1.service", to: "real.service")
        tree.link("a/alias2.service", to: "../b/real.service")
        tree.link("a/alias3.service", to: tree.path("b/alias1.service"))
        tree.file("out/linked.service")
        tree.link("a/linked.service", to: tree.path("out/linked.service"))
        tree.link("a/other.service", to: tree.path("out/linked.service"))
        tree.file("a/real.service.d/r.conf")
        tree.file("a/alias1.service.d/a1.conf")
        tree.file("b/alias2.service.d/a2.conf")
        tree.file("a/alias3.service.d/a3.conf")
        tree.file("a/linked.service.d/l.conf")
        tree.file("a/other.service.d/o.conf")
        return tree
    }

    @Test(arguments: ["real.service", "alias1.service", "alias2.service", "alias3.service"])
    func aliasesShareTheFragmentNamesAndDropIns(name: String) throws {
        let tree = try aliasTree()
        let found = tree.searchPath("a", "b").locate(try UnitName(name))
        let expected = try location(
            tree, name, fragment: "b/real.service",
            names: ["real.service", "alias1.service", "alias2.service", "alias3.service"],
            dropIns: [
                "a/alias1.service.d/a1.conf", "b/alias2.service.d/a2.conf", "a/alias3.service.d/a3.conf",
                "a/real.service.d/r.conf",
            ])
        #expect(found == expected)
    }

    @Test func linkedUnitFilesLoadFromTheirLinkAndAreNoAliases() throws {
        let tree = try aliasTree()
        let searchPath = tree.searchPath("a", "b")
        #expect(
            searchPath.locate(try UnitName("linked.service"))
                == (try location(
                    tree, "linked.service", fragment: "a/linked.service", names: ["linked.service"],
                    dropIns: ["a/linked.service.d/l.conf"])))
        #expect(
            searchPath.locate(try UnitName("other.service"))
                == (try location(
                    tree, "other.service", fragment: "a/other.service", names: ["other.service"],
                    dropIns: ["a/other.service.d/o.conf"])))
    }

    @Test func sameNamedDropInsOfDifferentNamesFavourTheUnitsOwnName() throws {
        let tree = try TemporaryTree()
        tree.file("b/real.service")
        tree.link("b/alias1.service", to: "real.service")
        tree.link("a/alias2.service", to: "../b/real.service")
        tree.file("b/real.service.d/x.conf")
        tree.file("a/alias1.service.d/x.conf")
        tree.file("a/alias1.service.d/y.conf")
        tree.file("a/alias2.service.d/y.conf")
        tree.file("a/service.d/z.conf")
        tree.file("b/alias2.service.d/z.conf")

        let found = tree.searchPath("a", "b").locate(try UnitName("alias1.service"))
        let expected = try location(
            tree, "alias1.service", fragment: "b/real.service",
            names: ["real.service", "alias1.service", "alias2.service"],
            dropIns: ["b/real.service.d/x.conf", "a/alias1.service.d/y.conf", "b/alias2.service.d/z.conf"])
        #expect(found == expected)
    }

    func validationTree() throws -> TemporaryTree {
        let tree = try TemporaryTree()
        tree.file("b/real.service")
        tree.file("b/tmpl@.service")
        tree.link("a/sock.socket", to: "real.service")
        tree.link("a/plain.service", to: "tmpl@.service")
        tree.link("a/tmpl2@.service", to: "real.service")
        tree.link("a/inst@x.service", to: "tmpl@.service")
        tree.link("a/tmpl@z.service", to: "tmpl@y.service")
        tree.link("a/t3@.service", to: "tmpl@.service")
        tree.link("a/t4@w.service", to: "real.service")
        tree.link("a/masked.service", to: "/dev/null")
        tree.file("a/empty.service", "")
        tree.link("a/tmpl@m.service", to: "/dev/null")
        tree.file("b/masked.service")
        tree.link("a/amask.service", to: "masked.service")
        return tree
    }

    @Test(arguments: ["sock.socket", "plain.service", "tmpl2@q.service", "t4@w.service"])
    func aliasesBetweenIncompatibleNamesAreIgnored(name: String) throws {
        let tree = try validationTree()
        let found = tree.searchPath("a", "b").locate(try UnitName(name))
        #expect(found == (try location(tree, name, fragment: nil, names: [name], dropIns: [])))
    }

    @Test(arguments: [
        ("inst@x.service", ["tmpl@x.service", "inst@x.service", "t3@x.service"]),
        ("tmpl@z.service", ["tmpl@z.service", "t3@z.service"]),
        ("t3@k.service", ["tmpl@k.service", "t3@k.service"]),
        ("tmpl@other.service", ["tmpl@other.service", "t3@other.service"]),
    ])
    func instancesFindTheirTemplate(name: String, names: [String]) throws {
        let tree = try validationTree()
        let found = tree.searchPath("a", "b").locate(try UnitName(name))
        #expect(found == (try location(tree, name, fragment: "b/tmpl@.service", names: names, dropIns: [])))
    }

    @Test(arguments: [
        ("masked.service", "/dev/null", ["masked.service"]),
        ("empty.service", "a/empty.service", ["empty.service"]),
        ("tmpl@m.service", "/dev/null", ["tmpl@m.service"]),
        ("amask.service", "/dev/null", ["masked.service", "amask.service"]),
    ])
    func maskedUnits(name: String, fragment: String, names: [String]) throws {
        let tree = try validationTree()
        tree.file("a/masked.service.d/ignored.conf")
        let found = tree.searchPath("a", "b").locate(try UnitName(name))
        #expect(found == (try location(tree, name, fragment: fragment, masked: true, names: names, dropIns: [])))
    }

    @Test(arguments: [
        "inst@x.service", "tmpl@x.service", "alias@x.service",
    ])
    func templateAliasesAndInstanceLinksShareDropIns(name: String) throws {
        let tree = try TemporaryTree()
        tree.file("b/tmpl@.service")
        tree.link("a/inst@x.service", to: "tmpl@.service")
        tree.link("a/alias@.service", to: "tmpl@.service")
        tree.link("a/alias@y.service", to: "tmpl@y.service")
        for directory in ["inst@x", "inst@", "tmpl@x", "tmpl@", "alias@x", "alias@", "tmpl@y", "alias@y"] {
            tree.file("a/\(directory).service.d/\(directory).conf")
        }
        let found = tree.searchPath("a", "b").locate(try UnitName(name))
        let expected = try location(
            tree, name, fragment: "b/tmpl@.service", names: ["tmpl@x.service", "alias@x.service", "inst@x.service"],
            dropIns: [
                "a/alias@.service.d/alias@.conf", "a/alias@x.service.d/alias@x.conf", "a/inst@.service.d/inst@.conf",
                "a/inst@x.service.d/inst@x.conf", "a/tmpl@.service.d/tmpl@.conf", "a/tmpl@x.service.d/tmpl@x.conf",
            ])
        #expect(found == expected)
    }

    func dashTree() throws -> TemporaryTree {
        let tree = try TemporaryTree()
        for unit in ["foo-bar-baz", "foo--bar", "foo-", "foo-bar@x-y", "foo-bar@"] {
            tree.file("b/\(unit).service")
        }
        for directory in [
            "foo-bar-baz", "foo-bar-", "foo-", "foo--", "-", "-foo", "foo-bar@x-y", "foo-bar@", "foo-bar",
            "foo-bar@x-", "foo-bar@x", "foo@", "foo-@", "foo-@x-y",
        ] {
            tree.file("a/\(directory).service.d/\(directory).conf")
        }
        return tree
    }

    @Test(arguments: [
        ("foo-bar-baz.service", "foo-bar-baz.service", ["foo-", "foo-bar-", "foo-bar-baz"]),
        ("foo--bar.service", "foo--bar.service", ["foo--", "foo-"]),
        ("foo-.service", "foo-.service", ["foo-"]),
        ("foo-bar@x-y.service", "foo-bar@x-y.service", ["foo-", "foo-@", "foo-@x-y", "foo-bar@", "foo-bar@x-y"]),
        ("foo-bar@z.service", "foo-bar@.service", ["foo-", "foo-@", "foo-bar@"]),
    ])
    func dashPrefixDropIns(name: String, fragment: String, directories: [String]) throws {
        let tree = try dashTree()
        let found = tree.searchPath("a", "b").locate(try UnitName(name))
        let expected = try location(
            tree, name, fragment: "b/\(fragment)", names: [name],
            dropIns: directories.map { "a/\($0).service.d/\($0).conf" })
        #expect(found == expected)
    }

    @Test func dropInPrecedenceFollowsDirectoryThenNameOrder() throws {
        let tree = try TemporaryTree()
        tree.file("b/foo-bar@.service")
        tree.file("a/foo-.service.d/p.conf")
        tree.file("a/foo-@x-y.service.d/p.conf")
        tree.file("a/foo-@x-y.service.d/q.conf")
        tree.file("a/foo-@.service.d/q.conf")
        tree.file("b/foo-bar@.service.d/r.conf")
        tree.file("a/foo-.service.d/r.conf")
        let found = tree.searchPath("a", "b").locate(try UnitName("foo-bar@x-y.service"))
        let expected = try location(
            tree, "foo-bar@x-y.service", fragment: "b/foo-bar@.service", names: ["foo-bar@x-y.service"],
            dropIns: ["a/foo-.service.d/p.conf", "a/foo-@x-y.service.d/q.conf", "a/foo-.service.d/r.conf"])
        #expect(found == expected)
    }

    func lookupTree() throws -> TemporaryTree {
        let tree = try TemporaryTree()
        tree.file("a/real.service")
        tree.file("b/real.service")
        tree.link("a/al.service", to: "../b/real.service")
        tree.file("b/same.service")
        tree.link("a/same.service", to: "../b/same.service")
        tree.file("b/sub/deep.service")
        tree.link("a/deep.service", to: "../b/sub/deep.service")
        tree.link("a/deep2.service", to: "../b/sub/deep.service")
        tree.link("a/loop1.service", to: "loop2.service")
        tree.link("a/loop2.service", to: "loop1.service")
        tree.link("a/dangling.service", to: "nothere.service")
        tree.link("a/dangout.service", to: "/nonexistent/x.service")
        tree.directory("a/dir.service")
        tree.file("a/.hidden.service")
        tree.file("a/foo@bar.service")
        tree.file("b/foo@.service")
        return tree
    }

    @Test(
        arguments: [
            ("al.service", "a/real.service", ["real.service", "al.service"]),
            ("same.service", "b/same.service", ["same.service"]),
            ("foo@bar.service", "a/foo@bar.service", ["foo@bar.service"]),
            ("foo@baz.service", "b/foo@.service", ["foo@baz.service"]),
        ] as [(String, String?, [String])])
    func lookup(name: String, fragment: String?, names: [String]) throws {
        let tree = try lookupTree()
        let found = tree.searchPath("a", "b").locate(try UnitName(name))
        #expect(found == (try location(tree, name, fragment: fragment, names: names, dropIns: [])))
    }

    @Test(arguments: [
        "deep.service", "deep2.service", "loop1.service", "dangling.service", "dangout.service", "dir.service",
        ".hidden.service", "missing.service",
    ])
    func notFound(name: String) throws {
        let tree = try lookupTree()
        let found = tree.searchPath("a", "b").locate(try UnitName(name))
        #expect(found == (try location(tree, name, fragment: nil, names: [name], dropIns: [])))
    }

    @Test func anInstanceWithItsOwnFileStillTakesTheTemplatesDropIns() throws {
        let tree = try TemporaryTree()
        tree.file("a/foo@bar.service")
        tree.file("b/foo@.service")
        tree.file("b/foo@.service.d/t.conf")
        tree.file("a/foo@bar.service.d/o.conf")
        let found = tree.searchPath("a", "b").locate(try UnitName("foo@bar.service"))
        let expected = try location(
            tree, "foo@bar.service", fragment: "a/foo@bar.service", names: ["foo@bar.service"],
            dropIns: ["a/foo@bar.service.d/o.conf", "b/foo@.service.d/t.conf"])
        #expect(found == expected)
    }

    @Test func unitsWithoutFragmentStillHaveDropIns() throws {
        let tree = try TemporaryTree()
        tree.file("a/user-.slice.d/10-defaults.conf")
        tree.file("b/slice.d/20-all.conf")
        tree.file("b/user-1000.slice.d/30-mine.conf")
        let found = tree.searchPath("a", "b").locate(try UnitName("user-1000.slice"))
        let expected = try location(
            tree, "user-1000.slice", fragment: nil, names: ["user-1000.slice"],
            dropIns: ["a/user-.slice.d/10-defaults.conf", "b/slice.d/20-all.conf", "b/user-1000.slice.d/30-mine.conf"])
        #expect(found == expected)
    }

    @Test func dropInDirectoriesAreFollowedAndReadOnce() throws {
        let tree = try TemporaryTree()
        tree.file("a/foo.service")
        tree.file("shared/x.conf")
        tree.link("a/foo.service.d", to: "../shared")
        tree.link("b/foo.service.d", to: "../shared")
        tree.file("b/service.d/x.conf")
        let found = tree.searchPath("a", "b").locate(try UnitName("foo.service"))
        let expected = try location(
            tree, "foo.service", fragment: "a/foo.service", names: ["foo.service"], dropIns: ["shared/x.conf"])
        #expect(found == expected)
    }

    @Test func allUnitNamesListsEveryAcceptedEntry() throws {
        let tree = try lookupTree()
        tree.file("a/notes.txt")
        tree.file("a/real.service.d/x.conf")
        let names = tree.searchPath("a", "b").allUnitNames().map(\.description)
        #expect(
            names == [
                "al.service", "dangling.service", "dangout.service", "deep.service", "deep2.service",
                "foo@.service", "foo@bar.service", "loop1.service", "loop2.service", "real.service",
                "same.service",
            ])
    }

    @Test(arguments: [
        ("/x:/y", ["/x", "/y"]),
        ("/x::/y/", ["/x", "/y"]),
        ("/x:/y:/x", ["/x", "/y"]),
        ("", []),
        ("/x:", ["/x"] + UnitSearchPath.default),
        ("/etc/corral/system:", UnitSearchPath.default),
    ])
    func colonSeparated(list: String, expected: [String]) {
        #expect(UnitSearchPath(colonSeparated: list).directories == expected)
    }
}

/// `.wants/` and `.requires/` directories are searched like drop-in directories (load-dropin.c).
@Suite struct DependencyDirectoryTests {
    @Test func entriesOfEveryNamesDirectoriesBecomeDependencies() throws {
        let tree = try TemporaryTree()
        tree.file("a/foo-bar.service")
        tree.link("a/alias.service", to: "foo-bar.service")
        tree.link("a/foo-bar.service.wants/one.service", to: "/anywhere/one.service")
        tree.file("b/foo-bar.service.wants/two.service")
        tree.link("a/alias.service.wants/three.target", to: "/anywhere/three.target")
        tree.link("b/foo-.service.wants/four.service", to: "/anywhere/four.service")
        tree.link("a/service.wants/five.service", to: "/anywhere/five.service")
        tree.link("a/foo-bar.service.wants/masked.service", to: "/dev/null")
        tree.file("a/foo-bar.service.wants/empty.service", "")
        tree.file("a/foo-bar.service.wants/not-a-unit")
        tree.link("a/foo-bar.service.wants/template@.service", to: "/anywhere/template@.service")
        tree.link("b/foo-bar.service.requires/six.service", to: "/anywhere/six.service")

        let found = tree.searchPath("a", "b").locate(try UnitName("foo-bar.service"))
        let expected = try UnitLocation(
            name: UnitName("foo-bar.service"), fragmentPath: tree.path("a/foo-bar.service"), isMasked: false,
            names: [UnitName("foo-bar.service"), UnitName("alias.service")], dropInPaths: [],
            wantedUnits: ["five.service", "four.service", "one.service", "three.target", "two.service"].map(
                UnitName.init),
            requiredUnits: [UnitName("six.service")])
        #expect(found == expected)
    }

    @Test func templateDirectoriesGiveInstancesTheirInstance() throws {
        let tree = try TemporaryTree()
        tree.file("a/t@.service")
        tree.link("a/t@.service.wants/helper@.service", to: "/anywhere/helper@.service")
        tree.link("a/t@one.service.requires/only-one.service", to: "/anywhere/only-one.service")

        let index = tree.searchPath("a")
        let one = index.locate(try UnitName("t@one.service"))
        #expect(one.wantedUnits == [try UnitName("helper@one.service")])
        #expect(one.requiredUnits == [try UnitName("only-one.service")])
        let two = index.locate(try UnitName("t@two.service"))
        #expect(two.wantedUnits == [try UnitName("helper@two.service")])
        #expect(two.requiredUnits == [])
    }

    /// A unit's stamp stays equal while its files do, and changes with a rewritten file or a new
    /// drop-in; a file changed within the last second gives no stamp (its time may not move again).
    @Test func stampsFollowTheFilesAUnitIsReadFrom() throws {
        let tree = try TemporaryTree()
        tree.file("a/s.service", "[Service]\nExecStart=/bin/true\n")
        tree.file("a/s.service.d/one.conf", "[Unit]\nDescription=One\n")
        let name = try UnitName("s.service")
        #expect(tree.searchPath("a").stamp(of: name) == nil)
        Self.waitUntilSettled()
        let settled = try #require(tree.searchPath("a").stamp(of: name))
        #expect(tree.searchPath("a").stamp(of: name) == settled)
        #expect(tree.searchPath("a").sources(of: name).stamp == settled)

        tree.file("a/s.service.d/two.conf", "[Unit]\nDescription=Two\n")
        Self.waitUntilSettled()
        let withDropIn = try #require(tree.searchPath("a").stamp(of: name))
        #expect(withDropIn != settled)
        #expect(
            withDropIn.location.dropInPaths == [
                tree.path("a/s.service.d/one.conf"), tree.path("a/s.service.d/two.conf"),
            ])

        tree.file("a/s.service", "[Service]\nExecStart=/bin/echo\n")
        #expect(tree.searchPath("a").stamp(of: name) == nil)
        Self.waitUntilSettled()
        let rewritten = try #require(tree.searchPath("a").stamp(of: name))
        #expect(rewritten != withDropIn && rewritten.location == withDropIn.location)
    }

    /// An index remembers its directories' listings, but a drop-in directory made after it was
    /// (the search directory then changed) is still found.
    @Test func dropInDirectoriesMadeAfterTheIndexAreFound() throws {
        let tree = try TemporaryTree()
        tree.file("a/s.service", "[Service]\nExecStart=/bin/true\n")
        Self.waitUntilSettled()
        let index = tree.searchPath("a")
        let name = try UnitName("s.service")
        #expect(index.locate(name).dropInPaths == [])
        tree.file("a/s.service.d/late.conf", "[Unit]\nDescription=Late\n")
        #expect(index.locate(name).dropInPaths == [tree.path("a/s.service.d/late.conf")])
    }

    /// Past the second within which a file just written counts as still changing.
    static func waitUntilSettled() {
        usleep(1_100_000)
    }
}
