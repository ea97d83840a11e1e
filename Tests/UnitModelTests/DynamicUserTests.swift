import Glibc
import Testing
import UnitFile
import UnitModel

/// What `DynamicUser=` implies when a unit loads, as systemd 252's unit_patch_contexts.
@Suite struct DynamicUserTests {
    static func load(_ name: String, _ contents: String) throws -> LoadedUnit {
        var template = Array("/tmp/corral-dynamic-XXXXXX".utf8CString)
        let directory = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
        defer { _ = system("rm -rf '\(directory)'") }
        let file = try #require(fopen(directory + "/" + name, "w"))
        fputs(contents, file)
        fclose(file)
        let unitName = try UnitName(name)
        let sources = UnitFileIndex(UnitSearchPath(directories: [directory])).sources(of: unitName)
        return UnitLoader.load(
            sources, context: SpecifierContext.current(for: unitName, fragmentPath: sources.location.fragmentPath))
    }

    @Test func itImpliesWhatSystemdImplies() throws {
        let unit = try Self.load("web.service", "[Service]\nExecStart=/bin/true\nDynamicUser=yes\nProtectHome=tmpfs\n")
            .unit
        #expect(unit.exec.user == "web")
        #expect(unit.exec.namespaces.privateTmp && unit.exec.namespaces.protectSystem == .strict)
        #expect(unit.exec.namespaces.protectHome == .tmpfs)
        #expect(unit.exec.noNewPrivileges && unit.exec.restrictSUIDSGID && unit.exec.removeIPC)
        let plain = try Self.load("web.service", "[Service]\nExecStart=/bin/true\nDynamicUser=yes\n").unit
        #expect(plain.exec.namespaces.protectHome == .readOnly)
    }

    /// A unit name that is no valid user name gives a hashed one; `User=` is kept.
    @Test func theUserIsNamedAfterTheUnit() throws {
        let instance = try Self.load("a@b.service", "[Service]\nExecStart=/bin/true\nDynamicUser=yes\n").unit
        #expect(instance.exec.user == "_du" + Grammar.fnv1aHex("a@b"))
        let named = try Self.load("a.service", "[Service]\nExecStart=/bin/true\nDynamicUser=yes\nUser=worker\n").unit
        #expect(named.exec.user == "worker")
        #expect(try Self.load("a.service", "[Service]\nExecStart=/bin/true\n").unit.exec.user == nil)
    }

    /// systemd refuses the unit for a bad value (a fatal parse error).
    @Test func aBadValueMakesTheUnitABadSetting() throws {
        let loaded = try Self.load("a.service", "[Service]\nExecStart=/bin/true\nDynamicUser=maybe\n")
        #expect(loaded.loadState == .badSetting)
    }
}
