import ArgumentParser
import ControlProtocol
import Glibc

@main
struct Corralctl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "corralctl",
        abstract: "Inspect and control Corral units.",
        discussion:
            "The offline verbs (verify, cat, show, plan, escape, and the enablement verbs) read unit files directly; the others talk to corrald.",
        version: "corral \(corralVersion)",
        subcommands: [
            UnitVerbCommand<StartVerb>.self, UnitVerbCommand<StopVerb>.self, UnitVerbCommand<RestartVerb>.self,
            UnitVerbCommand<ReloadVerb>.self, KillCommand.self, StatusCommand.self, LogsCommand.self,
            ListUnitsCommand.self,
            StateQueryCommand<IsActiveVerb>.self, StateQueryCommand<IsFailedVerb>.self,
            UnitVerbCommand<ResetFailedVerb>.self, DaemonReloadCommand.self, DaemonReexecCommand.self,
            ListJobsCommand.self,
            RunCommand.self, SetPropertyCommand.self, RevertCommand.self,
            InstallVerbCommand<EnableVerb>.self, InstallVerbCommand<DisableVerb>.self,
            InstallVerbCommand<ReenableVerb>.self, InstallVerbCommand<MaskVerb>.self,
            InstallVerbCommand<UnmaskVerb>.self, InstallVerbCommand<LinkVerb>.self, PresetCommand.self,
            PresetAllCommand.self, IsEnabledCommand.self,
            ListUnitFilesCommand.self,
            GetDefaultCommand.self, SetDefaultCommand.self,
            VerifyCommand.self, CatCommand.self, EditCommand.self, ShowCommand.self, PlanCommand.self,
            SecurityCommand.self,
            EscapeCommand.self, TopCommand.self, MetricsCommand.self,
        ])

    /// systemctl takes its options anywhere on the line; the verb's parser wants them after the verb.
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if let status = QuickVerbs.run(arguments) { Glibc.exit(status) }
        let verbs = Set(configuration.subcommands.compactMap { $0.configuration.commandName } + ["help"])
        main(CommonOptions.movedAfterVerb(arguments, verbs: verbs))
    }
}
