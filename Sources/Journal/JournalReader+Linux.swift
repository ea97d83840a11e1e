import CSystemd
import Glibc

/// One journal entry as `corralctl logs` prints it.
public struct JournalRecord: Sendable, Equatable {
    /// µs since the epoch.
    public var realtime: UInt64
    public var hostname: String
    /// `SYSLOG_IDENTIFIER=`, else `_COMM=`.
    public var identifier: String
    /// `_PID=`, else `SYSLOG_PID=`.
    public var pid: String?
    public var message: String

    public init(realtime: UInt64, hostname: String, identifier: String, pid: String?, message: String) {
        self.realtime = realtime
        self.hostname = hostname
        self.identifier = identifier
        self.pid = pid
        self.message = message
    }

    /// journalctl's `short` format: `Nov 22 15:43:31 host identifier[pid]: message`, in local time.
    public var shortFormat: String {
        var seconds = time_t(realtime / 1_000_000)
        var parts = tm()
        localtime_r(&seconds, &parts)
        var buffer = [CChar](repeating: 0, count: 32)
        let count = strftime(&buffer, buffer.count, "%b %d %H:%M:%S", &parts)
        let stamp = String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return "\(stamp) \(hostname) \(identifier)\(pid.map { "[\($0)]" } ?? ""): \(message)"
    }
}

/// Why the journal cannot be read.
public enum JournalReadError: Error, Equatable, CustomStringConvertible {
    /// No journal files on this host (journald does not run, or never stored anything).
    case noJournal
    case failed(operation: String, errno: Int32)

    public var description: String {
        switch self {
        case .noJournal: "No journal files were found: journald is not running on this host."
        case .failed(let operation, let code): "\(operation) failed: \(String(cString: strerror(code)))"
        }
    }
}

/// Reads the local journal (sd-journal(3)) for the entries that concern some units.
public final class JournalReader {
    private var journal: OpaquePointer?

    /// Opens the local journal; throws `.noJournal` when it has no files.
    public init() throws(JournalReadError) {
        var handle: OpaquePointer?
        let result = sd_journal_open(&handle, Int32(SD_JOURNAL_LOCAL_ONLY))
        guard result >= 0, let handle else { throw .failed(operation: "sd_journal_open", errno: -result) }
        journal = handle
        var bytes: UInt64 = 0
        guard sd_journal_get_usage(handle, &bytes) >= 0, bytes > 0 else { throw .noJournal }
    }

    deinit {
        sd_journal_close(journal)
    }

    /// Limits reading to entries with any of `matches` (`FIELD=value`).
    public func match(anyOf matches: [String]) throws(JournalReadError) {
        for (index, match) in matches.enumerated() {
            if index > 0 { try check(sd_journal_add_disjunction(journal), "sd_journal_add_disjunction") }
            try check(sd_journal_add_match(journal, match, 0), "sd_journal_add_match")
        }
    }

    /// The fields under which entries about `unit` are stored: corrald's own messages carry
    /// `CORRAL_UNIT=`; a service's output carries `_SYSTEMD_UNIT=` when journald derives the unit from
    /// the writer's cgroup (corral.slice/…/NAME: corrald not itself under systemd).
    public static func matches(forUnit unit: String) -> [String] {
        ["CORRAL_UNIT=" + unit, "_SYSTEMD_UNIT=" + unit]
    }

    /// The last `count` matching entries, oldest first; leaves the reader at the end for `follow`.
    public func last(_ count: Int) throws(JournalReadError) -> [JournalRecord] {
        try check(sd_journal_seek_tail(journal), "sd_journal_seek_tail")
        var records: [JournalRecord] = []
        while records.count < count, try step(sd_journal_previous(journal), "sd_journal_previous") {
            records.append(current())
        }
        try check(sd_journal_seek_tail(journal), "sd_journal_seek_tail")
        _ = sd_journal_previous(journal)
        return records.reversed()
    }

    /// Calls `body` with every new matching entry as it arrives; never returns unless reading fails.
    public func follow(_ body: (JournalRecord) -> Void) throws(JournalReadError) -> Never {
        while true {
            while try step(sd_journal_next(journal), "sd_journal_next") { body(current()) }
            try check(sd_journal_wait(journal, UInt64.max), "sd_journal_wait")
        }
    }

    private func current() -> JournalRecord {
        var realtime: UInt64 = 0
        _ = sd_journal_get_realtime_usec(journal, &realtime)
        return JournalRecord(
            realtime: realtime, hostname: field("_HOSTNAME") ?? "localhost",
            identifier: field("SYSLOG_IDENTIFIER") ?? field("_COMM") ?? "unknown",
            pid: field("_PID") ?? field("SYSLOG_PID"), message: field("MESSAGE") ?? "")
    }

    private func field(_ name: String) -> String? {
        var data: UnsafeRawPointer?
        var length = 0
        guard sd_journal_get_data(journal, name, &data, &length) >= 0, let data else { return nil }
        let bytes = UnsafeRawBufferPointer(start: data, count: length).dropFirst(name.utf8.count + 1)
        return String(decoding: bytes, as: UTF8.self)
    }

    private func check(_ result: Int32, _ operation: String) throws(JournalReadError) {
        if result < 0 { throw .failed(operation: operation, errno: -result) }
    }

    /// true when the cursor moved to an entry.
    private func step(_ result: Int32, _ operation: String) throws(JournalReadError) -> Bool {
        try check(result, operation)
        return result > 0
    }
}
