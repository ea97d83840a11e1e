import ArgumentParser
import ControlProtocol
import UnitInstall
import UnitModel

/// What the shells complete beyond verbs and options; the generated bash, zsh and fish scripts
/// call corralctl back for the custom kinds.
enum Completions {
    /// Unit names: the units the running corrald has loaded and the unit files on the search path
    /// (the running corrald's, else the default one).
    static let units = CompletionKind.custom { _, _, prefix in
        var names = Set<String>()
        if let response = DaemonConnection().sendIfRunning(Request(verb: .listUnits, options: ["all": "yes"])) {
            for field in response.body where field.key == "Unit" {
                names.insert(String(field.value.prefix { $0 != "\t" }))
            }
        }
        if let path = try? UnitPathOptions.parse([]) {
            for entry in UnitInstaller(searchPath: path.searchPath).unitFiles() { names.insert(entry.name.description) }
        }
        return names.filter { $0.hasPrefix(prefix) }.sorted()
    }

    /// Signal names, as `kill -s` takes them.
    static let signals = CompletionKind.list((1..<32).map { "SIG" + Grammar.signalName(Int32($0)) })

    /// `NAME=` for every property of the unit table, as `-p` (run, show) and set-property take them.
    static let properties = CompletionKind.custom { _, _, prefix in
        PropertyTable.all.map { $0.name + "=" }.filter { $0.hasPrefix(prefix) }.sorted()
    }
}
