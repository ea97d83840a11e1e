import ArgumentParser
import ControlProtocol
import UnitFile
import UnitInstall
import UnitModel

/// enable, disable, reenable: change the links, then tell a running corrald to reload and, with
/// `--now`, to start, stop or restart the units.
struct InstallVerbCommand<Verb: InstallVerb>: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: Verb.name, abstract: Verb.abstract)
    }

    @OptionGroup var common: CommonOptions

    @OptionGroup var path: UnitPathOptions
    @OptionGroup var daemon: DaemonOptions

    @Flag(help: "Also start (enable), stop (disable, mask) or restart (reenable) the units, through corrald.")
    var now = false

    @Argument(help: "Units.", completion: Completions.units)
    var units: [String]

    func run() throws {
        var installer = UnitInstaller(searchPath: path.searchPath)
        let outcomes = try Verb.change(units, &installer)
        try report(outcomes, failureVerb: Verb.failureVerb)
        guard now, let nowVerb = Verb.nowVerb else {
            if outcomes.contains(where: { !$0.changes.isEmpty }) {
                _ = daemon.connection.sendIfRunning(Request(verb: .daemonReload))
            }
            return
        }
        try daemon.connection.run(Request(verb: .daemonReload))
        try daemon.connection.run(Request(verb: nowVerb, units: try units.map(parseUnitName).map(\.description)))
    }
}

/// Prints the changes as systemctl does (on standard error), and the first error, exiting 1 with it.
func report(_ outcomes: [InstallOutcome], failureVerb: String) throws {
    for outcome in outcomes {
        for change in outcome.changes { printError(change.description) }
        for name in outcome.unitsWithoutInstallSettings {
            printError(
                "\(name) has no WantedBy=, RequiredBy=, Alias= or Also= in its [Install] section: nothing to enable.")
        }
    }
    if let error = outcomes.compactMap(\.error).first {
        printError(error.message(verb: failureVerb))
        throw ExitCode(1)
    }
}

extension UnitInstaller.PresetMode: ExpressibleByArgument {}

/// preset and preset-all: enable or disable units as the preset files say.
struct PresetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "preset",
        abstract: "Enable or disable units as the preset files (DIR-preset/*.preset beside each unit directory) say.")

    @OptionGroup var common: CommonOptions

    @OptionGroup var path: UnitPathOptions

    @Option(name: .customLong("preset-mode"), help: "full, enable-only or disable-only.")
    var mode: UnitInstaller.PresetMode = .full

    @Argument(help: "Units.", completion: Completions.units)
    var units: [String]

    func run() throws {
        var installer = UnitInstaller(searchPath: path.searchPath)
        let outcomes = installer.preset(try units.map(parseUnitName), mode: mode)
        try report(outcomes, failureVerb: "preset")
        if outcomes.contains(where: { !$0.changes.isEmpty }) {
            _ = DaemonConnection().sendIfRunning(Request(verb: .daemonReload))
        }
    }
}

struct PresetAllCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "preset-all", abstract: "Apply the preset files to every unit file on the search path.")

    @OptionGroup var common: CommonOptions

    @OptionGroup var path: UnitPathOptions

    @Option(name: .customLong("preset-mode"), help: "full, enable-only or disable-only.")
    var mode: UnitInstaller.PresetMode = .full

    func run() throws {
        var installer = UnitInstaller(searchPath: path.searchPath)
        let outcomes = installer.presetAll(mode: mode)
        try report(outcomes, failureVerb: "preset")
        if outcomes.contains(where: { !$0.changes.isEmpty }) {
            _ = DaemonConnection().sendIfRunning(Request(verb: .daemonReload))
        }
    }
}

protocol InstallVerb {
    static var name: String { get }
    static var abstract: String { get }
    /// The word in "Failed to ... unit".
    static var failureVerb: String { get }
    /// What `--now` asks corrald to do (nil: nothing, as systemctl's unmask).
    static var nowVerb: Verb? { get }
    /// Makes the change for the command line's arguments (unit names; paths for `link`).
    static func change(_ arguments: [String], _ installer: inout UnitInstaller) throws(ValidationError)
        -> [InstallOutcome]
}

enum EnableVerb: InstallVerb {
    static let name = "enable"
    static let abstract = "Create the links the units' [Install] sections ask for, in the first unit directory."
    static let failureVerb = "enable"
    static let nowVerb: Verb? = .start
    static func change(_ arguments: [String], _ installer: inout UnitInstaller) throws(ValidationError)
        -> [InstallOutcome]
    {
        let names = try arguments.map(parseUnitName)
        return [installer.enable(names)]
    }
}

enum DisableVerb: InstallVerb {
    static let name = "disable"
    static let abstract =
        "Remove the links to the units (and to those their Also= names) from the first unit directory."
    static let failureVerb = "disable"
    static let nowVerb: Verb? = .stop
    static func change(_ arguments: [String], _ installer: inout UnitInstaller) throws(ValidationError)
        -> [InstallOutcome]
    {
        let names = try arguments.map(parseUnitName)
        return [installer.disable(names)]
    }
}

enum ReenableVerb: InstallVerb {
    static let name = "reenable"
    static let abstract = "Disable, then enable units."
    static let failureVerb = "reenable"
    static let nowVerb: Verb? = .restart
    static func change(_ arguments: [String], _ installer: inout UnitInstaller) throws(ValidationError)
        -> [InstallOutcome]
    {
        let names = try arguments.map(parseUnitName)
        let disabled = installer.disable(names)
        return disabled.error == nil ? [disabled, installer.enable(names)] : [disabled]
    }
}

enum MaskVerb: InstallVerb {
    static let name = "mask"
    static let abstract =
        "Link the units' names to /dev/null in the first unit directory, so that they cannot be started."
    static let failureVerb = "mask"
    static let nowVerb: Verb? = .stop
    static func change(_ arguments: [String], _ installer: inout UnitInstaller) throws(ValidationError)
        -> [InstallOutcome]
    {
        let names = try arguments.map(parseUnitName)
        return [installer.mask(names)]
    }
}

enum UnmaskVerb: InstallVerb {
    static let name = "unmask"
    static let abstract = "Remove the links to /dev/null that mask made."
    static let failureVerb = "unmask"
    static let nowVerb: Verb? = nil
    static func change(_ arguments: [String], _ installer: inout UnitInstaller) throws(ValidationError)
        -> [InstallOutcome]
    {
        let names = try arguments.map(parseUnitName)
        return [installer.unmask(names)]
    }
}

enum LinkVerb: InstallVerb {
    static let name = "link"
    static let abstract = "Link unit files from outside the search path into the first unit directory."
    static let failureVerb = "link"
    static let nowVerb: Verb? = nil
    static func change(_ arguments: [String], _ installer: inout UnitInstaller) throws(ValidationError)
        -> [InstallOutcome]
    {
        [installer.link(arguments.map(absolutePath))]
    }
}

struct IsEnabledCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "is-enabled",
        abstract: "Print how units are enabled; exit 0 if any of them is enabled, static, alias or indirect.")

    @OptionGroup var common: CommonOptions

    @OptionGroup var path: UnitPathOptions

    @Argument(help: "Units.", completion: Completions.units)
    var units: [String]

    func run() throws {
        let installer = UnitInstaller(searchPath: path.searchPath)
        var enabled = false
        for name in try units.map(parseUnitName) {
            guard let state = try? installer.state(of: name) else {
                printError("Failed to get unit file state for \(name): No such file or directory")
                throw ExitCode(1)
            }
            if !common.quiet { print(state.rawValue) }
            enabled = enabled || state.countsAsEnabled
        }
        if !enabled { throw ExitCode(1) }
    }
}

struct ListUnitFilesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list-unit-files", abstract: "List the unit files on the search path and how each is enabled.")

    @OptionGroup var common: CommonOptions

    @OptionGroup var options: OfflineOptions

    func run() throws {
        let entries = UnitInstaller(searchPath: options.searchPath).unitFiles()
        if options.json {
            let objects = entries.map { entry in
                JSONValue.object([
                    ("unit_file", .string(entry.name.description)), ("state", .string(entry.state.rawValue)),
                    ("preset", entry.preset.map(JSONValue.string) ?? .null),
                ])
            }
            print(JSONValue.array(objects).rendered(indent: 2))
            return
        }
        let rows = entries.map { [$0.name.description, $0.state.rawValue, $0.preset ?? "-"] }
        if common.noLegend { return formatTable(rows).forEach { print($0) } }
        formatTable([["UNIT FILE", "STATE", "PRESET"]] + rows).forEach { print($0) }
        print("\n\(entries.count) unit files listed.")
    }
}

struct GetDefaultCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "get-default", abstract: "Print the target default.target leads to.")

    @OptionGroup var common: CommonOptions

    @OptionGroup var path: UnitPathOptions

    func run() throws {
        guard let target = UnitInstaller(searchPath: path.searchPath).defaultTarget() else {
            printError("Failed to get default target: No such file or directory")
            throw ExitCode(1)
        }
        print(target)
    }
}

struct SetDefaultCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set-default", abstract: "Point default.target in the first unit directory at a target.")

    @OptionGroup var common: CommonOptions

    @OptionGroup var path: UnitPathOptions

    @Argument(help: "The target.")
    var target: String

    func run() throws {
        var installer = UnitInstaller(searchPath: path.searchPath)
        let outcome = installer.setDefault(try parseUnitName(target))
        for change in outcome.changes { printError(change.description) }
        if let error = outcome.error {
            printError(error.message(verb: "set default"))
            throw ExitCode(1)
        }
    }
}

func parseUnitName(_ text: String) throws(ValidationError) -> UnitName {
    do {
        return try UnitName(text)
    } catch {
        throw ValidationError("\(text): \(error)")
    }
}
