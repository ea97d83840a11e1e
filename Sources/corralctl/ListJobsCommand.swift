import ArgumentParser
import ControlProtocol

struct ListJobsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list-jobs", abstract: "List corrald's queued jobs: running, or waiting for their ordering.")

    @OptionGroup var daemon: DaemonOptions

    func run() throws {
        let response = try daemon.run(Request(verb: .listJobs))
        let jobs = response.body.filter { $0.key == "Job" }.map { $0.value.split(separator: "\t").map(String.init) }
        guard !jobs.isEmpty else { return print("No jobs running.") }
        // Corral's jobs have no ids: JOB numbers the rows.
        let table = [["JOB", "UNIT", "TYPE", "STATE"]] + jobs.enumerated().map { [String($0.offset + 1)] + $0.element }
        let widths = (0..<3).map { column in table.map { $0[column].count }.max() ?? 0 }
        for row in table {
            let job = String(repeating: " ", count: widths[0] - row[0].count) + row[0]
            let padded = (1..<3).map { row[$0] + String(repeating: " ", count: widths[$0] - row[$0].count) }
            print(([job] + padded + [row[3]]).joined(separator: " "))
        }
        print("\n\(jobs.count) jobs listed.")
    }
}
