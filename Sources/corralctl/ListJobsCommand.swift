import ArgumentParser
import ControlProtocol

struct ListJobsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list-jobs", abstract: "List corrald's queued jobs: running, or waiting for their ordering.")

    @OptionGroup var common: CommonOptions

    @OptionGroup var daemon: DaemonOptions

    func run() throws {
        let response = try daemon.connection.run(Request(verb: .listJobs))
        let jobs = response.body.filter { $0.key == "Job" }.map { $0.value.split(separator: "\t").map(String.init) }
        guard !jobs.isEmpty else { return common.noLegend ? () : print("No jobs running.") }
        // Corral's jobs have no ids: JOB numbers the rows.
        let rows = jobs.enumerated().map { [String($0.offset + 1)] + $0.element }
        if common.noLegend { return formatTable(rows, rightAligned: [0]).forEach { print($0) } }
        formatTable([["JOB", "UNIT", "TYPE", "STATE"]] + rows, rightAligned: [0]).forEach { print($0) }
        print("\n\(jobs.count) jobs listed.")
    }
}
