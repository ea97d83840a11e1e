import ControlProtocol
import Testing

@Suite struct NotifyMessageTests {
    @Test func parsesEveryKnownAssignmentInOrder() {
        let datagram = """
            READY=1
            STATUS=Serving 3 clients
            MAINPID=4242
            RELOADING=1
            STOPPING=1
            WATCHDOG=1
            ERRNO=2
            EXTEND_TIMEOUT_USEC=5000000
            STATUS=
            """
        #expect(
            NotifyMessage(datagram)
                == NotifyMessage(assignments: [
                    .ready, .status("Serving 3 clients"), .mainPID(4242), .reloading, .stopping, .watchdog,
                    .errno(2), .extendTimeout(microseconds: 5_000_000), .status(""),
                ]))
    }

    @Test func keepsRepeatsAndIgnoresUnknownKeysAndLinesWithoutEquals() {
        let datagram = "FDSTORE=1\nhello\nSTATUS=a=b\n=1\nready=1\nSTATUS=second\nREADY=1\nREADY=1\n"
        #expect(
            NotifyMessage(datagram)
                == NotifyMessage(assignments: [.status("a=b"), .status("second"), .ready, .ready]))
    }

    @Test(arguments: ["READY=0", "READY=", "READY=1 ", "READY= 1", "READY=true", "STOPPING=2", "WATCHDOG=2"])
    func flagsCountOnlyWithTheValueOne(line: String) {
        #expect(NotifyMessage(line) == NotifyMessage(assignments: []))
    }

    @Test func watchdogTriggerAndTimeout() {
        #expect(
            NotifyMessage("WATCHDOG=1\nWATCHDOG=trigger\nWATCHDOG_USEC=5000000\nWATCHDOG_USEC=x")
                == NotifyMessage(assignments: [
                    .watchdog, .watchdogTrigger, .watchdogTimeout(microseconds: 5_000_000),
                    .malformed(key: "WATCHDOG_USEC", value: "x"),
                ]))
    }

    @Test func splitsAtCarriageReturnsAndSkipsEmptyLines() {
        #expect(
            NotifyMessage("\n\nREADY=1\r\nSTATUS=x\r\rSTOPPING=1\n\r")
                == NotifyMessage(assignments: [.ready, .status("x"), .stopping]))
    }

    @Test func backslashTakesTheNextByteLiterally() {
        #expect(
            NotifyMessage("STATUS=one\\\ntwo\nSTATUS=C:\\\\dir\\x\nSTATUS=\\\\")
                == NotifyMessage(assignments: [.status("one\ntwo"), .status("C:\\dirx"), .status("\\")]))
        #expect(NotifyMessage("READY=\\1") == NotifyMessage(assignments: [.ready]))
    }

    @Test func numbersThatDoNotParseAreMalformed() {
        let datagram = """
            MAINPID=0
            MAINPID=-5
            MAINPID=abc
            MAINPID=4294967296
            ERRNO=x
            ERRNO=-3
            EXTEND_TIMEOUT_USEC=-1
            EXTEND_TIMEOUT_USEC=18446744073709551615
            EXTEND_TIMEOUT_USEC=18446744073709551616
            """
        #expect(
            NotifyMessage(datagram)
                == NotifyMessage(assignments: [
                    .malformed(key: "MAINPID", value: "0"), .malformed(key: "MAINPID", value: "-5"),
                    .malformed(key: "MAINPID", value: "abc"), .malformed(key: "MAINPID", value: "4294967296"),
                    .malformed(key: "ERRNO", value: "x"), .errno(-3),
                    .malformed(key: "EXTEND_TIMEOUT_USEC", value: "-1"),
                    .extendTimeout(microseconds: .max),
                    .malformed(key: "EXTEND_TIMEOUT_USEC", value: "18446744073709551616"),
                ]))
    }

    @Test func ignoresOversizedDatagrams() {
        let fits = Array("STATUS=".utf8) + [UInt8](repeating: UInt8(ascii: "x"), count: NotifyMessage.maximumSize - 7)
        #expect(
            NotifyMessage(fits)
                == NotifyMessage(assignments: [.status(String(repeating: "x", count: NotifyMessage.maximumSize - 7))]))
        #expect(NotifyMessage(fits + [UInt8(ascii: "x")]) == NotifyMessage(assignments: [], rejection: .tooLong))
    }

    @Test func allowsOneTrailingNULButNoOtherNUL() {
        #expect(NotifyMessage(Array("READY=1\0".utf8)) == NotifyMessage(assignments: [.ready]))
        #expect(NotifyMessage([0]) == NotifyMessage(assignments: []))
        #expect(
            NotifyMessage(Array("READY=1\0STATUS=x".utf8)) == NotifyMessage(assignments: [], rejection: .embeddedNUL))
        #expect(NotifyMessage(Array("READY=1\0\0".utf8)) == NotifyMessage(assignments: [], rejection: .embeddedNUL))
    }

    @Test func ignoresADatagramEndingInALoneBackslash() {
        #expect(NotifyMessage("READY=1\nSTATUS=x\\") == NotifyMessage(assignments: [], rejection: .danglingBackslash))
        #expect(NotifyMessage("READY=1\nSTATUS=x\\\\") == NotifyMessage(assignments: [.ready, .status("x\\")]))
    }

    @Test func keepsInvalidUTF8AsReplacementCharacters() {
        #expect(
            NotifyMessage(Array("STATUS=".utf8) + [0xFF, UInt8(ascii: "a")])
                == NotifyMessage(assignments: [.status("\u{FFFD}a")]))
    }

    @Test func bytesAndTextAgree() {
        let text = "READY=1\nSTATUS=é\nMAINPID=7"
        #expect(NotifyMessage(text) == NotifyMessage(Array(text.utf8)))
        #expect(NotifyMessage("") == NotifyMessage(assignments: []))
    }
}
