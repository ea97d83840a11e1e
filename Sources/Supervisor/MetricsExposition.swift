/// Prometheus's text exposition format (version 0.0.4): each metric family as its `# HELP` and
/// `# TYPE` lines and then its samples, `name{label="value",...} number`. Pure.
struct MetricFamily: Equatable {
    enum Kind: String {
        case counter, gauge
    }

    struct Sample: Equatable {
        var labels: [(name: String, value: String)]
        var value: String

        static func == (left: Sample, right: Sample) -> Bool {
            left.value == right.value && left.labels.elementsEqual(right.labels) { $0 == $1 }
        }
    }

    let name: String
    let kind: Kind
    let help: String
    private(set) var samples: [Sample] = []

    init(_ name: String, _ kind: Kind, _ help: String) {
        self.name = name
        self.kind = kind
        self.help = help
    }

    mutating func add(_ value: UInt64, _ labels: (name: String, value: String)...) {
        samples.append(Sample(labels: labels, value: String(value)))
    }

    /// A duration in µs, exposed in seconds as Prometheus's base unit.
    mutating func add(microseconds: UInt64, _ labels: (name: String, value: String)...) {
        let fraction = String(microseconds % 1_000_000)
        let seconds = "\(microseconds / 1_000_000).\(String(repeating: "0", count: 6 - fraction.count))\(fraction)"
        samples.append(Sample(labels: labels, value: seconds))
    }

    /// The family as text; a family without samples is left out, as client libraries do.
    var text: String {
        guard !samples.isEmpty else { return "" }
        var lines = ["# HELP \(name) \(escaped(help, quotes: false))", "# TYPE \(name) \(kind.rawValue)"]
        for sample in samples {
            let labels = sample.labels.map { "\($0.name)=\"\(escaped($0.value, quotes: true))\"" }
            lines.append(name + (labels.isEmpty ? "" : "{" + labels.joined(separator: ",") + "}") + " " + sample.value)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Backslash and newline escaped, and double quotes in label values.
    private func escaped(_ text: String, quotes: Bool) -> String {
        var result = ""
        for character in text {
            switch character {
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\"" where quotes: result += "\\\""
            default: result.append(character)
            }
        }
        return result
    }
}

/// The exposition's MIME type, for the `Content-Type:` of an HTTP answer.
let metricsContentType = "text/plain; version=0.0.4; charset=utf-8"
