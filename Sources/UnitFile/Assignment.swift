/// One `Key=Value` line of a unit file, after continuation joining and trimming.
public struct Assignment: Sendable, Equatable {
    public var section: String
    public var key: String
    public var value: String
    /// Path of the file the line came from (fragment or drop-in).
    public var file: String
    /// 1-based number of the line the assignment starts on.
    public var line: Int

    public init(section: String, key: String, value: String, file: String, line: Int) {
        self.section = section
        self.key = key
        self.value = value
        self.file = file
        self.line = line
    }
}
