import ArgumentParser
import ControlProtocol
import Glibc
import UnitFile
import UnitModel

/// `--unit-path`, shared by every verb that reads unit files itself.
struct UnitPathOptions: ParsableArguments {
    @Option(
        name: .customLong("unit-path"),
        help:
            "Unit directories, highest priority first, separated by ':' (default: the running corrald's, else the default search path)."
    )
    var unitPath: String?

    /// `--unit-path`; without it the directories the running corrald reads, so that these verbs see
    /// its units; without corrald the default search path. Relative directories are made absolute,
    /// so every reported path is.
    var searchPath: UnitSearchPath {
        var path =
            unitPath.map { UnitSearchPath(colonSeparated: $0) } ?? Self.daemonSearchPath() ?? UnitSearchPath()
        path.directories = path.directories.map(absolutePath)
        return path
    }

    private static func daemonSearchPath() -> UnitSearchPath? {
        guard let response = DaemonConnection().sendIfRunning(Request(verb: .searchPath)),
            response.exitCode == 0
        else {
            return nil
        }
        let directories = response.body.filter { $0.key == "Directory" }.map(\.value)
        return directories.isEmpty ? nil : UnitSearchPath(directories: directories)
    }
}

/// `--unit-path` and `--json`, shared by the offline verbs that inspect units.
struct OfflineOptions: ParsableArguments {
    @OptionGroup var path: UnitPathOptions

    @Flag(help: "Print JSON instead of text.")
    var json = false

    var unitPath: String? { path.unitPath }
    var searchPath: UnitSearchPath { path.searchPath }
}

/// Loads units for the offline verbs.
struct OfflineUnits {
    let searchPath: UnitSearchPath
    /// Read once per command, however many units it names.
    let index: UnitFileIndex

    init(searchPath: UnitSearchPath) {
        self.searchPath = searchPath
        index = UnitFileIndex(searchPath)
    }

    /// Loads `argument`: a unit name, or a path to a unit file whose directory then takes precedence.
    func load(_ argument: String) throws(ValidationError) -> LoadedUnit {
        var path = searchPath
        var nameText = argument
        if let slash = argument.lastIndex(of: "/") {
            path.directories.insert(
                absolutePath(slash == argument.startIndex ? "/" : String(argument[..<slash])), at: 0)
            nameText = String(argument[argument.index(after: slash)...])
        }
        let name: UnitName
        do {
            name = try UnitName(nameText)
        } catch {
            throw ValidationError("\(argument): \(error)")
        }
        let sources = (path == searchPath ? index : UnitFileIndex(path)).sources(of: name)
        let context = SpecifierContext.current(for: name, fragmentPath: sources.location.fragmentPath)
        return UnitLoader.load(sources, context: context)
    }
}

/// Writes a line to standard error, for diagnostics.
func printError(_ text: String) {
    let bytes = Array((text + "\n").utf8)
    var offset = 0
    while offset < bytes.count {
        let written = bytes.withUnsafeBytes { write(2, $0.baseAddress! + offset, $0.count - offset) }
        if written <= 0 { return }
        offset += written
    }
}
