import ControlProtocol
import Testing

@Suite struct MessageTests {
    @Test func encodesEscapesAndRoundTrips() throws {
        let message = Message([.init("unit", "a.service"), .init("log", "line one\nback\\slash"), .init("empty", "")])
        let wire = String(decoding: message.encoded, as: UTF8.self)
        #expect(wire == "unit=a.service\nlog=line one\\nback\\\\slash\nempty=\n\n")
        var decoder = MessageDecoder()
        #expect(try decoder.feed(message.encoded) == [message])
    }

    @Test func decoderReassemblesMessagesSplitAnywhere() throws {
        let first = Message([.init("a", "1")])
        let second = Message([.init("b", "2"), .init("b", "3")])
        let bytes = first.encoded + Message().encoded + second.encoded
        var decoder = MessageDecoder()
        var messages: [Message] = []
        for byte in bytes { messages += try decoder.feed([byte]) }
        #expect(messages == [first, Message(), second])
    }

    @Test(arguments: [
        ("novalue\n\n", "field without '=': novalue"),
        ("=x\n\n", "invalid field name ''"),
        ("a b=x\n\n", "invalid field name 'a b'"),
        ("k=\\t\n\n", "invalid escape in field 'k'"),
        ("k=x\\\n\n", "dangling escape in field 'k'"),
    ])
    func rejectsMalformedFields(wire: String, error: String) {
        var decoder = MessageDecoder()
        #expect(throws: ProtocolError(error)) { try decoder.feed(Array(wire.utf8)) }
    }

    /// A peer may send a large message a byte at a time; the decoder does not search it again each
    /// time (it did, and 256 KiB took minutes).
    @Test(.timeLimit(.minutes(1))) func decodesALargeMessageFedByteByByte() throws {
        let message = Message([.init("corral", "1"), .init("log", String(repeating: "x", count: 256 << 10))])
        var decoder = MessageDecoder()
        var messages: [Message] = []
        for byte in message.encoded { messages += try decoder.feed(CollectionOfOne(byte)) }
        #expect(messages == [message])
    }

    @Test func boundsAnUnterminatedMessage() {
        var decoder = MessageDecoder()
        let flood = [UInt8](repeating: UInt8(ascii: "x"), count: MessageDecoder.maximumMessageSize + 1)
        #expect(throws: ProtocolError("message larger than 1048576 bytes")) { try decoder.feed(flood) }
    }

    @Test func requestsAndResponsesRoundTrip() throws {
        let request = Request(verb: .kill, units: ["a.service", "b.service"], options: ["signal": "SIGHUP"])
        #expect(try Request(request.message) == request)
        let run = Request(
            verb: .run, properties: ["MemoryMax=32M", "Environment=A=1 B=2"], command: ["/bin/sh", "-c", "echo\n"])
        #expect(try Request(run.message) == run)
        let response = Response(
            exitCode: 3, error: "Unit c.service not loaded.", body: [.init("ActiveState", "inactive")])
        #expect(try Response(response.message) == response)
    }

    @Test func refusesOtherVersionsAndVerbs() {
        #expect(throws: ProtocolError("protocol version 2 is not supported (this side speaks 1)")) {
            try Request(Message([.init("corral", "2"), .init("verb", "start")]))
        }
        #expect(throws: ProtocolError("unknown verb 'explode'")) {
            try Request(Message([.init("corral", "1"), .init("verb", "explode")]))
        }
    }

    @Test func onlyStateChangingVerbsNeedRoot() {
        #expect(
            Verb.allCases.filter(\.changesState) == [
                .start, .stop, .restart, .reload, .kill, .resetFailed, .daemonReload, .daemonReexec, .run, .setProperty,
                .revert,
            ])
    }
}
