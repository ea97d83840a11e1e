import ArgumentParser
import Glibc
import SystemCall

struct MetricsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metrics",
        abstract: "Print corrald's metrics in Prometheus's text format, as a scrape of its endpoint gets them.",
        discussion: """
            Asks RUNTIMEDIR/metrics with GET /metrics (what `curl --unix-socket /run/corral/metrics \
            http://localhost/metrics` does); corrald serves the same on MetricsListen= when corrald.conf sets it.
            """)

    @OptionGroup var common: CommonOptions

    @OptionGroup var daemon: DaemonOptions

    func run() throws {
        let path = daemon.connection.runtimeDirectoryPath + "/metrics"
        let answer: [UInt8]
        do {
            let socket = try UnixSocket.connect(to: path, timeoutSeconds: DaemonConnection.timeoutSeconds)
            UnixSocket.setReceiveTimeout(socket, seconds: DaemonConnection.timeoutSeconds)
            try socket.writeAll(Array("GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".utf8))
            answer = try socket.readToEnd()
        } catch {
            printError("Failed to read corrald's metrics at \(path): \(error)")
            throw ExitCode(1)
        }
        let text = String(decoding: answer, as: UTF8.self)
        let parts = text.split(separator: "\r\n\r\n", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].hasPrefix("HTTP/1.1 200 ") else {
            printError("corrald answered: \(parts.first?.split(separator: "\r\n").first ?? "nothing")")
            throw ExitCode(1)
        }
        print(parts[1], terminator: "")
    }
}
