// Stand-in for the `syntax` branch's ExecGrammar.swift; the lead deletes this file at merge.
enum ExecGrammar {
    static func parseCommands(_ value: String) throws(ValueError) -> [ExecCommand] {
        throw ValueError("not yet implemented")
    }

    static func parseEnvironment(_ value: String) throws(ValueError) -> [String] {
        throw ValueError("not yet implemented")
    }
}
