// libFuzzer target: the control-protocol decoder, as corrald and corralctl use it (scripts/fuzz.sh,
// docs/fuzzing.md). The first byte picks a chunk size, so messages split anywhere are exercised.
import ControlProtocol

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard size > 0, let data else { return 0 }
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    let chunk = Int(input[0]) + 1
    let bytes = input.dropFirst()
    var chunked = MessageDecoder()
    var messages: [Message]? = []
    var start = bytes.startIndex
    while start < bytes.endIndex, messages != nil {
        let end = min(start + chunk, bytes.endIndex)
        do { messages! += try chunked.feed(bytes[start..<end]) } catch { messages = nil }
        start = end
    }
    // Split or in one piece, the same bytes give the same messages or both are refused (the inputs
    // are far below the 1 MiB bound, the one place where the two could differ).
    var whole = MessageDecoder()
    let all = try? whole.feed(bytes)
    require(all == messages, "chunked decoding differs: \(String(describing: messages)) vs \(String(describing: all))")

    for message in all ?? [] {
        // Every decoded message survives encoding: the escapes are the inverse of the decoder.
        require(decode(message.encoded) == [message], "re-encoding changes \(message)")
        if let request = try? Request(message) {
            let again = decode(request.message.encoded)?.first.flatMap { try? Request($0) }
            require(again == request, "request round trip \(request)")
        }
        if let response = try? Response(message) {
            let again = decode(response.message.encoded)?.first.flatMap { try? Response($0) }
            require(again == response, "response round trip \(response)")
        }
    }
    return 0
}

func decode(_ bytes: [UInt8]) -> [Message]? {
    var decoder = MessageDecoder()
    return try? decoder.feed(bytes)
}

/// A failed check, with its message (an optimised build drops `precondition`'s message).
func require(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError(message()) }
}
