import Testing
import UnitFile
import UnitInstall
import UnitModel

@Suite struct WantsLoadingTests {
    /// `enable` makes links the loader reads back as dependencies of the target, after the file's own.
    @Test func enabledUnitsBecomeTheTargetsWantsAndRequires() throws {
        let tree = try InstallTree()
        tree.file("lib/multi-user.target", "[Unit]\nWants=own.service\n")
        tree.file("lib/web.service", "[Service]\nExecStart=/bin/true\n[Install]\nWantedBy=multi-user.target\n")
        tree.file("lib/db.service", "[Service]\nExecStart=/bin/true\n[Install]\nRequiredBy=multi-user.target\n")
        var installer = tree.installer
        #expect(installer.enable([try UnitName("web.service"), try UnitName("db.service")]).error == nil)

        let name = try UnitName("multi-user.target")
        let sources = UnitFileIndex(installer.searchPath).sources(of: name)
        let loaded = UnitLoader.load(sources, context: SpecifierContext(unitName: name, fragmentPath: nil))
        #expect(loaded.unit.unit.wants == ["own.service", "web.service"])
        #expect(loaded.unit.unit.requires == ["db.service"])
    }
}
