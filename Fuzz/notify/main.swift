// libFuzzer target: the sd_notify datagram parser (scripts/fuzz.sh, docs/fuzzing.md).
import ControlProtocol

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size))
    let message = NotifyMessage(bytes)
    if message.rejection != nil {
        require(message.assignments.isEmpty, "a rejected datagram with assignments")
    }
    require(message.rejection == .tooLong || bytes.count <= NotifyMessage.maximumSize, "size bound")
    // corrald hands apply() the datagram as text; for valid UTF-8 both entry points agree.
    if let text = String(validating: bytes, as: UTF8.self) {
        require(NotifyMessage(text) == message, "text and bytes disagree")
    }
    for assignment in message.assignments {
        if case .mainPID(let pid) = assignment { require(pid > 0, "MAINPID \(pid)") }
    }
    return 0
}

/// A failed check, with its message (an optimised build drops `precondition`'s message).
func require(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError(message()) }
}
