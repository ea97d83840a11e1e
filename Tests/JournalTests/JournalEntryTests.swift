import Journal
import Logging
import Synchronization
import Testing

@Suite struct JournalEntryTests {
    @Test(arguments: [
        (
            JournalEntry(message: "corrald started"),
            ["MESSAGE=corrald started", "PRIORITY=6", "SYSLOG_IDENTIFIER=corrald"],
            "corrald: corrald started"
        ),
        (
            JournalEntry(message: "Started Web.", unit: "web.service", event: .started),
            [
                "MESSAGE=Started Web.", "PRIORITY=6", "SYSLOG_IDENTIFIER=corrald", "CORRAL_UNIT=web.service",
                "OBJECT_SYSTEMD_UNIT=web.service", "MESSAGE_ID=418b81d007cf4087a1e6fb8564d74d3b",
            ],
            "corrald: web.service: Started Web."
        ),
        (
            JournalEntry(
                message: "Failed with result 'oom-kill'.", priority: .warning, unit: "a@1.service", event: .failed),
            [
                "MESSAGE=Failed with result 'oom-kill'.", "PRIORITY=4", "SYSLOG_IDENTIFIER=corrald",
                "CORRAL_UNIT=a@1.service",
                "OBJECT_SYSTEMD_UNIT=a@1.service", "MESSAGE_ID=447da225ffb94b96ac66582fb9217383",
            ],
            "corrald: a@1.service: Failed with result 'oom-kill'."
        ),
        (
            JournalEntry(message: "serving", unit: "web.service", program: "sh"),
            [
                "MESSAGE=serving", "PRIORITY=6", "SYSLOG_IDENTIFIER=sh", "CORRAL_UNIT=web.service",
                "OBJECT_SYSTEMD_UNIT=web.service",
            ],
            "corrald: web.service: serving"
        ),
    ])
    func fieldsAndConsoleLine(entry: JournalEntry, fields: [String], console: String) {
        #expect(entry.fields(identifier: "corrald") == fields)
        #expect(entry.consoleLine(identifier: "corrald") == console)
    }

    @Test func messageIDsAreDistinct128BitHex() {
        let ids = UnitEvent.allCases.map(\.messageID)
        #expect(Set(ids).count == ids.count)
        #expect(ids.allSatisfy { $0.count == 32 && $0.allSatisfy(\.isHexDigit) && $0.lowercased() == $0 })
    }
}

@Suite struct JournalLogHandlerTests {
    final class Collected: Sendable {
        let entries = Mutex<[JournalEntry]>([])
    }

    @Test func mapsLevelsAndMetadata() {
        let collected = Collected()
        let logger = Logger(label: "test") { _ in
            JournalLogHandler(identifier: "corrald") { entry, _ in collected.entries.withLock { $0.append(entry) } }
        }
        logger.info("Started Web.", metadata: ["unit": "web.service", "event": "started"])
        logger.warning(
            "A process of this unit has been killed by the OOM killer.",
            metadata: ["unit": "web.service", "event": "oomKilled"])
        logger.error("cannot open control socket")
        logger.info("serving", metadata: ["unit": "web.service", "program": "sh"])
        logger.debug("below the level: dropped")
        #expect(
            collected.entries.withLock { $0 } == [
                JournalEntry(message: "Started Web.", priority: .info, unit: "web.service", event: .started),
                JournalEntry(
                    message: "A process of this unit has been killed by the OOM killer.", priority: .warning,
                    unit: "web.service", event: .oomKilled),
                JournalEntry(message: "cannot open control socket", priority: .error),
                JournalEntry(message: "serving", unit: "web.service", program: "sh"),
            ])
    }
}
