import Exec
import ExecSandbox
import Testing

/// Compiled programs are kept per program: whatever tells two programs apart must give each its own.
@Suite struct SeccompCompilerTests {
    @Test func programsThatDifferCompileApartAndRepeatsAlike() throws {
        let base = SeccompProgram(
            defaultAction: .allow, rules: [SeccompRule("uname", .errno(1))], architectures: ["native"])
        var otherArchitectures = base
        otherArchitectures.otherArchitectures = .allow
        var otherErrno = base
        otherErrno.rules = [SeccompRule("uname", .errno(13))]
        let first = try SeccompCompiler.compile(base)
        #expect(try SeccompCompiler.compile(base) == first)
        #expect(try SeccompCompiler.compile(otherArchitectures) != first)
        #expect(try SeccompCompiler.compile(otherErrno) != first)
        #expect(try SeccompCompiler.compile(otherErrno) != (try SeccompCompiler.compile(otherArchitectures)))
    }
}
