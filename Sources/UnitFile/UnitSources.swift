/// The files one unit is made of, read and parsed: the fragment first, then each drop-in in order.
public struct UnitSources: Sendable {
    public var location: UnitLocation
    public var files: [ParsedUnitFile]
    /// Files that were found but could not be read.
    public var readErrors: [Diagnostic]

    public init(location: UnitLocation, files: [ParsedUnitFile], readErrors: [Diagnostic]) {
        self.location = location
        self.files = files
        self.readErrors = readErrors
    }
}

extension UnitFileIndex {
    /// Locates `name` on the search path and parses its fragment and drop-ins.
    public func sources(of name: UnitName) -> UnitSources {
        let location = locate(name)
        var files: [ParsedUnitFile] = []
        var readErrors: [Diagnostic] = []
        for path in [location.fragmentPath].compactMap({ $0 }) + location.dropInPaths {
            do {
                files.append(UnitFileParser.parse(try readFile(atPath: path), file: path))
            } catch {
                readErrors.append(Diagnostic(file: path, severity: .error, message: error.description))
            }
        }
        return UnitSources(location: location, files: files, readErrors: readErrors)
    }
}
