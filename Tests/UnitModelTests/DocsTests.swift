import Glibc
import Testing
import UnitModel

/// The directive reference cannot fall behind the property table: every directive Corral accepts
/// must appear in `docs/directives.md` as `` `NAME=` ``.
@Suite struct DocsTests {
    /// `docs/directives.md` of the checkout this file belongs to, found from its own path.
    static let directivesPath: String = {
        let file = #filePath
        guard let tests = file.firstRange(of: "/Tests/") else { return "docs/directives.md" }
        return String(file[..<tests.lowerBound]) + "/docs/directives.md"
    }()

    /// The file's text, or nil when it cannot be opened.
    static func read(_ path: String) -> String? {
        guard let handle = fopen(path, "rb") else { return nil }
        defer { fclose(handle) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = fread(&chunk, 1, chunk.count, handle)
            bytes += chunk[..<count]
            if count < chunk.count { break }
        }
        return ferror(handle) == 0 ? String(decoding: bytes, as: UTF8.self) : nil
    }

    static let directives = read(directivesPath)

    @Test func directivesPageExists() {
        #expect(Self.directives != nil, "cannot read \(Self.directivesPath)")
    }

    @Test(arguments: PropertyTable.all.map(\.name))
    func directiveIsDocumented(name: String) throws {
        let text = try #require(Self.directives, "cannot read \(Self.directivesPath)")
        let documented = text.contains("`\(name)=`")
        #expect(documented, "docs/directives.md does not document `\(name)=`")
    }
}
