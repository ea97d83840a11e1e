// libFuzzer target: UnitFileParser on arbitrary bytes (scripts/fuzz.sh, docs/fuzzing.md).
import UnitFile

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size))
    let parsed = UnitFileParser.parse(bytes, file: "/fuzz/fuzz.service")
    // What the parser promises: line numbers are real lines, an error is the last thing said, every
    // assignment's section is listed, and parsing is a pure function of the bytes.
    let lineCount = bytes.count + 1
    for assignment in parsed.assignments {
        require(assignment.line >= 1 && assignment.line <= lineCount, "line \(assignment.line)")
        require(parsed.sections.contains(assignment.section), "section \(assignment.section) not listed")
        require(!assignment.key.isEmpty, "empty key")
    }
    if let error = parsed.diagnostics.firstIndex(where: { $0.severity == .error }) {
        require(error == parsed.diagnostics.count - 1, "diagnostics after an error")
    }
    require(Set(parsed.sections).count == parsed.sections.count, "a section listed twice")
    require(UnitFileParser.parse(bytes, file: "/fuzz/fuzz.service") == parsed, "not deterministic")
    return 0
}

/// A failed check, with its message (an optimised build drops `precondition`'s message).
func require(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError(message()) }
}
