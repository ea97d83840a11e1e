import Glibc
import Testing
import UnitFile
import UnitInstall

/// A configuration directory `etc` and a vendor directory `lib` under a scratch root, removed after.
final class InstallTree {
    let root: String

    init() throws {
        var template = Array("/tmp/corral-install-XXXXXX".utf8CString)
        let created = try #require(mkdtemp(&template))
        root = try #require(realpath(created, nil).map { String(cString: $0) })
        mkdir(root + "/etc", 0o755)
        mkdir(root + "/lib", 0o755)
    }

    deinit { _ = system("rm -rf '\(root)'") }

    func path(_ relative: String) -> String { root + "/" + relative }

    func file(_ relative: String, _ contents: String) {
        let stream = fopen(path(relative), "w")
        fputs(contents, stream)
        fclose(stream)
    }

    func link(_ relative: String, to target: String) {
        symlink(target, path(relative))
    }

    var installer: UnitInstaller {
        UnitInstaller(searchPath: UnitSearchPath(directories: [path("etc"), path("lib")]))
    }

    /// Every symbolic link under `etc`, as `relative path -> target` with the root shown as `R`.
    func links() -> [String] {
        let pipe = popen("cd '\(path("etc"))' && find . -type l -printf '%P -> %l\\n' | sort", "r")
        defer { pclose(pipe) }
        var lines: [String] = []
        var buffer = [CChar](repeating: 0, count: 4096)
        while fgets(&buffer, Int32(buffer.count), pipe) != nil {
            let line = String(
                decoding: buffer.prefix { $0 != 0 && $0 != 10 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            lines.append(line.replacingOccurrences(of: root, with: "R"))
        }
        return lines
    }

    /// The changes' messages with the root shown as `R`.
    func messages(_ outcome: InstallOutcome) -> [String] {
        outcome.changes.map { $0.description.replacingOccurrences(of: root, with: "R") }
    }
}

extension String {
    fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}

private let service = "[Service]\nExecStart=/bin/true\n"

/// The units of every test, as they were given to `systemctl --root=DIR` (systemd 252) with the files
/// in DIR/usr/lib/systemd/system; the expected links, messages and states are what it made and printed.
private func standardTree() throws -> InstallTree {
    let tree = try InstallTree()
    tree.file(
        "lib/a.service",
        service + "[Install]\nWantedBy=multi-user.target\nRequiredBy=b.target\nAlias=aa.service\nAlso=c.service\n")
    tree.file("lib/c.service", service + "[Install]\nWantedBy=multi-user.target\n")
    tree.file("lib/s.service", service)
    tree.file("lib/i.service", service + "[Install]\nAlso=c.service\n")
    tree.file("lib/t@.service", service + "[Install]\nWantedBy=multi-user.target\nDefaultInstance=default\n")
    for target in ["multi-user.target", "b.target", "graphical.target"] { tree.file("lib/\(target)", "[Unit]\n") }
    return tree
}

@Suite struct UnitInstallerTests {
    @Test func enableLinksAliasesWantsRequiresThenAlso() throws {
        let tree = try standardTree()
        var installer = tree.installer
        let outcome = installer.enable([try UnitName("a.service")])
        #expect(
            tree.messages(outcome) == [
                "Created symlink R/etc/aa.service → R/lib/a.service.",
                "Created symlink R/etc/multi-user.target.wants/a.service → R/lib/a.service.",
                "Created symlink R/etc/b.target.requires/a.service → R/lib/a.service.",
                "Created symlink R/etc/multi-user.target.wants/c.service → R/lib/c.service.",
            ])
        #expect(outcome.error == nil && outcome.unitsWithoutInstallSettings.isEmpty)
        #expect(
            tree.links() == [
                "aa.service -> R/lib/a.service", "b.target.requires/a.service -> R/lib/a.service",
                "multi-user.target.wants/a.service -> R/lib/a.service",
                "multi-user.target.wants/c.service -> R/lib/c.service",
            ])
        // Enabling again changes nothing.
        #expect(installer.enable([try UnitName("a.service")]) == InstallOutcome())
    }

    @Test func statesAfterEnable() throws {
        let tree = try standardTree()
        var installer = tree.installer
        _ = installer.enable([try UnitName("a.service")])
        let names = ["a.service", "aa.service", "c.service", "s.service", "i.service", "t@.service", "t@x.service"]
        let states = try names.map { try installer.state(of: UnitName($0)) }
        #expect(states == [.enabled, .alias, .enabled, .static, .indirect, .disabled, .disabled])
        #expect(throws: InstallError.notFound(try UnitName("nothere.service"))) {
            try installer.state(of: UnitName("nothere.service"))
        }
    }

    @Test func templatesEnableTheirDefaultInstanceOrTheNamedOne() throws {
        let tree = try standardTree()
        var installer = tree.installer
        let outcome = installer.enable([try UnitName("t@.service"), try UnitName("t@bar.service")])
        #expect(
            tree.messages(outcome) == [
                "Created symlink R/etc/multi-user.target.wants/t@default.service → R/lib/t@.service.",
                "Created symlink R/etc/multi-user.target.wants/t@bar.service → R/lib/t@.service.",
            ])
        let states = try ["t@.service", "t@bar.service", "t@x.service"].map { try installer.state(of: UnitName($0)) }
        #expect(states == [.enabled, .enabled, .disabled])
        // Disabling an instance removes its link only; disabling the template removes every instance's.
        #expect(
            tree.messages(installer.disable([try UnitName("t@bar.service")])) == [
                "Removed \"R/etc/multi-user.target.wants/t@bar.service\"."
            ])
        #expect(
            tree.messages(installer.disable([try UnitName("t@.service")])) == [
                "Removed \"R/etc/multi-user.target.wants/t@default.service\"."
            ])
    }

    @Test func disableRemovesEveryLinkToTheUnitAndItsAlso() throws {
        let tree = try standardTree()
        var installer = tree.installer
        _ = installer.enable([try UnitName("a.service")])
        let outcome = installer.disable([try UnitName("a.service")])
        // systemctl lists them in directory order; here they come sorted by path.
        #expect(
            tree.messages(outcome) == [
                "Removed \"R/etc/aa.service\".", "Removed \"R/etc/b.target.requires/a.service\".",
                "Removed \"R/etc/multi-user.target.wants/a.service\".",
                "Removed \"R/etc/multi-user.target.wants/c.service\".",
            ])
        #expect(tree.links() == [])
        #expect(try installer.state(of: UnitName("a.service")) == .disabled)
    }

    @Test func listUnitFilesOrdersByTypeThenName() throws {
        let tree = try standardTree()
        tree.link("etc/m.service", to: "/dev/null")
        var installer = tree.installer
        _ = installer.enable([try UnitName("c.service"), try UnitName("t@bar.service")])
        _ = installer.setDefault(try UnitName("multi-user.target"))
        let listed = installer.unitFiles().map { "\($0.name) \($0.state.rawValue) \($0.preset ?? "-")" }
        #expect(
            listed == [
                "a.service disabled enabled", "c.service enabled enabled", "i.service indirect enabled",
                "m.service masked enabled", "s.service static -", "t@.service enabled enabled",
                "b.target static -", "default.target alias -", "graphical.target static -",
                "multi-user.target indirect enabled",
            ])
    }

    @Test func setDefaultReplacesTheLinkAndGetDefaultFollowsIt() throws {
        let tree = try standardTree()
        var installer = tree.installer
        #expect(installer.defaultTarget() == nil)
        #expect(
            tree.messages(installer.setDefault(try UnitName("multi-user.target"))) == [
                "Created symlink R/etc/default.target → R/lib/multi-user.target."
            ])
        #expect(installer.setDefault(try UnitName("multi-user.target")) == InstallOutcome())
        #expect(
            tree.messages(installer.setDefault(try UnitName("graphical.target"))) == [
                "Removed \"R/etc/default.target\".",
                "Created symlink R/etc/default.target → R/lib/graphical.target.",
            ])
        #expect(installer.defaultTarget() == (try UnitName("graphical.target")))
        let missing = installer.setDefault(try UnitName("nothere.target"))
        #expect(missing == InstallOutcome(error: .notFound(try UnitName("nothere.target"))))
        #expect(
            "Failed to set default unit, \(missing.error!)."
                == "Failed to set default unit, unit nothere.target does not exist.")
    }

    @Test func errorsAreWordedAsSystemctl() throws {
        let tree = try standardTree()
        tree.link("etc/m.service", to: "/dev/null")
        tree.link("etc/aa.service", to: tree.path("lib/c.service"))
        tree.file("lib/u@.service", service + "[Install]\nWantedBy=multi-user.target\n")
        var installer = tree.installer
        let masked = installer.enable([try UnitName("m.service")])
        #expect(masked.error?.description == "unit \(tree.path("etc/m.service")) is masked")
        let conflict = installer.enable([try UnitName("a.service")])
        #expect(
            conflict.error?.description
                == "file \"\(tree.path("etc/aa.service"))\" already exists and is a symlink to \"\(tree.path("lib/c.service"))\""
        )
        #expect(
            installer.disable([try UnitName("nothere.service")]).error?.description
                == "unit nothere.service does not exist")
        let template = installer.enable([try UnitName("u@.service")])
        #expect(
            template.error?.message(verb: "enable")
                == "Failed to enable u@.service, destination unit multi-user.target is a non-template unit.")
        #expect(
            conflict.error?.message(verb: "enable")
                == "Failed to enable unit, file \"\(tree.path("etc/aa.service"))\" already exists and is a symlink to \"\(tree.path("lib/c.service"))\"."
        )
        let staticUnit = installer.enable([try UnitName("s.service")])
        #expect(staticUnit == InstallOutcome(unitsWithoutInstallSettings: [try UnitName("s.service")]))
    }

    @Test func linksStateTheirOwnWay() throws {
        let tree = try standardTree()
        // A static unit linked into a .wants/ of the configuration directory counts as enabled; a link
        // to a unit under a name its [Install] section does not give makes it indirect.
        mkdir(tree.path("etc/multi-user.target.wants"), 0o755)
        tree.link("etc/multi-user.target.wants/s.service", to: tree.path("lib/s.service"))
        tree.link("etc/cc.service", to: tree.path("lib/c.service"))
        let installer = tree.installer
        #expect(try installer.state(of: UnitName("s.service")) == .enabled)
        #expect(try installer.state(of: UnitName("c.service")) == .indirect)
    }
}
