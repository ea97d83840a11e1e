import Cgroups
import ControlProtocol

/// One unit's counters at one moment, from corrald's `statistics` answer.
struct TopSample: Equatable {
    var unit: String
    var cgroup = ""
    var tasks: UInt64?
    var cpuNanoseconds: UInt64?
    var memory: UInt64?
    var memoryPeak: UInt64?
    var memoryHigh: UInt64?
    var memoryMax: UInt64?
    var readBytes: UInt64?
    var writtenBytes: UInt64?
    /// By resource: `CPU`, `Memory`, `IO`.
    var pressure: [String: Pressure] = [:]

    /// The records of the answer, each from its `Id` field to the next.
    static func records(_ body: [Message.Field]) -> [TopSample] {
        var samples: [TopSample] = []
        for field in body {
            if field.key == "Id" {
                samples.append(TopSample(unit: field.value))
                continue
            }
            guard !samples.isEmpty else { continue }
            let number = UInt64(field.value)
            switch field.key {
            case "ControlGroup": samples[samples.count - 1].cgroup = field.value
            case "TasksCurrent": samples[samples.count - 1].tasks = number
            case "CPUUsageNSec": samples[samples.count - 1].cpuNanoseconds = number
            case "MemoryCurrent": samples[samples.count - 1].memory = number
            case "MemoryPeak": samples[samples.count - 1].memoryPeak = number
            case "MemoryHigh": samples[samples.count - 1].memoryHigh = number
            case "MemoryMax": samples[samples.count - 1].memoryMax = number
            case "IOReadBytes": samples[samples.count - 1].readBytes = number
            case "IOWriteBytes": samples[samples.count - 1].writtenBytes = number
            default:
                guard let line = PressureLine(field.value) else { continue }
                if field.key.hasSuffix("PressureFull") {
                    let resource = String(field.key.dropLast("PressureFull".count))
                    samples[samples.count - 1].pressure[resource]?.full = line
                } else if field.key.hasSuffix("Pressure") {
                    samples[samples.count - 1].pressure[String(field.key.dropLast("Pressure".count))] = Pressure(
                        some: line)
                }
            }
        }
        return samples
    }
}

/// A row of the table: a sample, and its rates since the unit's previous sample (nil without one).
struct TopRow: Equatable {
    var sample: TopSample
    var cpuPercent: Double?
    var readPerSecond: Double?
    var writtenPerSecond: Double?

    /// The largest `some` avg10 of the three resources, in hundredths of a percent.
    var worstPressure: UInt64 { sample.pressure.values.map(\.some.avg10).max() ?? 0 }
}

/// What `corralctl top` sorts by, as systemd-cgtop's `--order=`, and `pressure`.
enum TopOrder: String, CaseIterable {
    case path, tasks, cpu, memory, input, output, pressure

    /// The interactive key that picks it.
    var key: Character {
        switch self {
        case .path: "p"
        case .tasks: "t"
        case .cpu: "c"
        case .memory: "m"
        case .input: "i"
        case .output: "o"
        case .pressure: "s"
        }
    }
}

/// The table of `corralctl top`. Pure: samples in, lines out.
enum TopTable {
    /// Rows for `current`, with rates over the `elapsedMicroseconds` since `previous` (by unit).
    static func rows(previous: [String: TopSample], current: [TopSample], elapsedMicroseconds: UInt64) -> [TopRow] {
        current.map { sample in
            var row = TopRow(sample: sample)
            guard let before = previous[sample.unit], elapsedMicroseconds > 0 else { return row }
            let seconds = Double(elapsedMicroseconds) / 1_000_000
            func rate(_ now: UInt64?, _ then: UInt64?) -> Double? {
                guard let now, let then, now >= then else { return nil }
                return Double(now - then) / seconds
            }
            row.cpuPercent = rate(sample.cpuNanoseconds, before.cpuNanoseconds).map { $0 / 10_000_000 }
            row.readPerSecond = rate(sample.readBytes, before.readBytes)
            row.writtenPerSecond = rate(sample.writtenBytes, before.writtenBytes)
            return row
        }
    }

    /// Largest first (by path: in path order, a slice before its members), ties by path.
    static func sorted(_ rows: [TopRow], by order: TopOrder) -> [TopRow] {
        func key(_ row: TopRow) -> Double {
            switch order {
            case .path: 0
            case .tasks: Double(row.sample.tasks ?? 0)
            case .cpu: row.cpuPercent ?? -1
            case .memory: Double(row.sample.memory ?? 0)
            case .input: row.readPerSecond ?? -1
            case .output: row.writtenPerSecond ?? -1
            case .pressure: Double(row.worstPressure)
            }
        }
        return rows.sorted {
            let (left, right) = (key($0), key($1))
            return left != right ? left > right : $0.sample.cgroup < $1.sample.cgroup
        }
    }

    static let headers = [
        "Unit", "Tasks", "%CPU", "Memory", "High/Max", "Peak", "Input/s", "Output/s", "CPU some", "Memory some/full",
        "IO some/full",
    ]

    /// The header and a line per row, columns aligned (names left, numbers right), cut at `width`.
    /// `raw` prints bytes and rates as plain numbers.
    static func lines(_ rows: [TopRow], width: Int? = nil, raw: Bool = false) -> [String] {
        func size(_ value: UInt64?) -> String {
            guard let value else { return "-" }
            return raw ? String(value) : formatBytes(value)
        }
        func rate(_ value: Double?) -> String {
            guard let value else { return "-" }
            return raw ? String(UInt64(value.rounded())) : formatBytes(UInt64(value.rounded()))
        }
        func percent(_ hundredths: UInt64) -> String {
            "\(hundredths / 100).\(hundredths % 100 < 10 ? "0" : "")\(hundredths % 100)"
        }
        /// avg10 of `some` (and of `full`), in percent.
        func pressure(_ stall: Pressure?, full: Bool) -> String {
            guard let stall else { return "-" }
            return percent(stall.some.avg10) + (full ? stall.full.map { "/" + percent($0.avg10) } ?? "" : "")
        }
        var table = [headers]
        for candidate in rows {
            let sample = candidate.sample
            let limits =
                sample.memoryHigh == nil && sample.memoryMax == nil
                ? "-" : "\(size(sample.memoryHigh))/\(size(sample.memoryMax))"
            table.append([
                sample.unit, sample.tasks.map(String.init) ?? "-",
                candidate.cpuPercent.map { oneDecimal($0) } ?? "-", size(sample.memory), limits,
                size(sample.memoryPeak), rate(candidate.readPerSecond), rate(candidate.writtenPerSecond),
                pressure(sample.pressure["CPU"], full: false), pressure(sample.pressure["Memory"], full: true),
                pressure(sample.pressure["IO"], full: true),
            ])
        }
        let widths = headers.indices.map { column in table.map { $0[column].count }.max() ?? 0 }
        return table.map { cells in
            let line = cells.enumerated().map { column, cell in
                let padding = String(repeating: " ", count: widths[column] - cell.count)
                return column == 0 ? cell + padding : padding + cell
            }.joined(separator: "  ")
            guard let width, line.count > width else { return line }
            return String(line.prefix(width))
        }
    }

    private static func oneDecimal(_ value: Double) -> String {
        let tenths = UInt64((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }
}
