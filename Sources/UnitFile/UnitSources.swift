/// The files one unit is made of, read and parsed: the fragment first, then each drop-in in order.
public struct UnitSources: Sendable {
    public var location: UnitLocation
    public var files: [ParsedUnitFile]
    /// Files that were found but could not be read.
    public var readErrors: [Diagnostic]
    /// The versions of the files read, taken before reading them; nil when one may still be changing.
    public var stamp: UnitSourceStamp?

    public init(location: UnitLocation, files: [ParsedUnitFile], readErrors: [Diagnostic], stamp: UnitSourceStamp?) {
        self.location = location
        self.files = files
        self.readErrors = readErrors
        self.stamp = stamp
    }
}

/// Where a unit's files are and which version of each: equal stamps mean that reading the unit
/// again would read the same bytes (`daemon-reload` skips such a unit).
public struct UnitSourceStamp: Equatable, Sendable {
    public var location: UnitLocation
    public var files: [UnitDiskAccess.Identity?]
}

extension UnitFileIndex {
    /// Locates `name` on the search path and parses its fragment and drop-ins.
    public func sources(of name: UnitName) -> UnitSources {
        let location = locate(name)
        let stamp = stamp(at: location)
        var files: [ParsedUnitFile] = []
        var readErrors: [Diagnostic] = []
        for path in [location.fragmentPath].compactMap({ $0 }) + location.dropInPaths {
            do {
                files.append(UnitFileParser.parse(try readFile(atPath: path), file: path))
            } catch {
                readErrors.append(Diagnostic(file: path, severity: .error, message: error.description))
            }
        }
        return UnitSources(location: location, files: files, readErrors: readErrors, stamp: stamp)
    }

    /// The unit's stamp as its files are now; nil when one of them changed within the last second,
    /// since file times come from the kernel's coarse clock and a second write may keep the time.
    public func stamp(of name: UnitName) -> UnitSourceStamp? {
        stamp(at: locate(name))
    }

    private func stamp(at location: UnitLocation) -> UnitSourceStamp? {
        let paths = [location.fragmentPath].compactMap { $0 } + location.dropInPaths
        let files = paths.map(UnitDiskAccess.identity(of:))
        let settled = UnitDiskAccess.currentTime() - 1_000_000_000
        guard files.allSatisfy({ ($0?.changed ?? 0) < settled && ($0?.modified ?? 0) < settled }) else { return nil }
        return UnitSourceStamp(location: location, files: files)
    }
}
