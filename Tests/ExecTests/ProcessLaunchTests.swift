import Testing

@testable import Exec

@Suite struct ProcessLaunchTests {
    static let environment: Environment = {
        var environment = Environment()
        environment.merge(["WORDS=a b  c", "ONE=1", "ONE=uno", "EMPTY="])
        return environment
    }()

    @Test(arguments: [
        (["/bin/echo", "$WORDS"], ["/bin/echo", "a", "b", "c"]),
        (
            ["/bin/echo", "x${ONE}y", "${MISSING}", "$$HOME", "cost $5", "${ONE"],
            ["/bin/echo", "xunoy", "", "$HOME", "cost $5", "${ONE"]
        ),
        (["$WORDS", "$EMPTY"], ["$WORDS"]),
    ])
    func variablesExpandAsSystemdDoes(argv: [String], expected: [String]) {
        #expect(ProcessLaunch.expandVariables(in: argv, environment: Self.environment) == expected)
    }

    @Test func laterAssignmentsReplaceEarlierOnesInPlace() {
        #expect(Self.environment.entries == ["WORDS=a b  c", "ONE=uno", "EMPTY="])
    }

    @Test func environmentFilesSkipCommentsAndQuotes() {
        let text = "# comment\n; other\nA=1\nexport B = \"two words\"\n  C='x'\nnot an assignment\n"
        #expect(ProcessLaunch.parseEnvironmentFile(text) == ["A=1", "B=two words", "C=x"])
    }
}
