import ArgumentParser

@main
struct Corralctl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "corralctl",
        abstract: "Inspect and control Corral units.",
        discussion: "The offline verbs (verify, cat, show, plan, escape) read unit files directly; no daemon is needed.",
        subcommands: [VerifyCommand.self, CatCommand.self, ShowCommand.self, PlanCommand.self, EscapeCommand.self])
}
