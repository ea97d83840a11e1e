import Glibc
import Testing
import UnitFile
import UnitModel

/// Loads every unit Debian ships under /lib/systemd/system: nothing crashes, and every unit either
/// loads or says precisely why not.
@Suite struct ShippedUnitsTests {
    static let directory = "/lib/systemd/system"

    static func shippedUnitNames() -> [String] {
        guard let dir = opendir(directory) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            if !name.hasPrefix("."), (try? UnitName(name)) != nil { names.append(name) }
        }
        return names.sorted()
    }

    @Test func everyShippedUnitLoadsOrExplainsWhy() throws {
        let names = Self.shippedUnitNames()
        try #require(names.count > 100, "systemd's units should be installed in \(Self.directory)")
        let searchPath = UnitFileIndex(UnitSearchPath(directories: [Self.directory]))
        var counts: [LoadState: Int] = [:]
        for text in names {
            let name = try UnitName(text)
            let sources = searchPath.sources(of: name)
            let loaded = UnitLoader.load(
                sources, context: SpecifierContext.current(for: name, fragmentPath: sources.location.fragmentPath))
            counts[loaded.loadState, default: 0] += 1
            if loaded.loadState != .loaded {
                let errors = loaded.diagnostics.filter { $0.severity == .error }
                #expect(
                    !errors.isEmpty || loaded.loadState == .masked, "\(text) is \(loaded.loadState) without an error")
            }
            for diagnostic in loaded.diagnostics where diagnostic.line != nil {
                #expect(diagnostic.file != nil && diagnostic.section != nil, "\(diagnostic)")
            }
        }
        let summary = counts.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key.rawValue): \($0.value)" }
        print("shipped units: \(names.count) (\(summary.joined(separator: ", ")))")
        // Every service, slice and target Debian ships is valid for systemd; Corral loads each of them,
        // or refuses it only because it relies on a directive Corral does not support.
        let supported = names.filter {
            [".service", ".slice", ".target"].contains(where: $0.hasSuffix) && !$0.contains("@.")
        }
        for text in supported {
            let name = try UnitName(text)
            let sources = searchPath.sources(of: name)
            let loaded = UnitLoader.load(
                sources, context: SpecifierContext.current(for: name, fragmentPath: sources.location.fragmentPath))
            let explained = loaded.diagnostics.contains { $0.message == "not supported by Corral" }
            #expect(
                [.loaded, .masked].contains(loaded.loadState) || explained,
                "\(text): \(loaded.diagnostics.map(\.description))")
        }
    }
}
