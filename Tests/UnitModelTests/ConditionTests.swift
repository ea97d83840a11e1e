import Testing
import UnitModel

@Suite struct ConditionTests {
    static func exists(_ path: String) -> Bool { path.hasPrefix("/yes") }

    static func condition(_ path: String, trigger: Bool = false, negate: Bool = false) -> Condition {
        Condition(kind: .pathExists, trigger: trigger, negate: negate, parameter: path)
    }

    @Test func plainConditionsMustAllHold() {
        #expect([Condition]().allow(holds: { Self.exists($0.parameter) }))
        #expect(
            [Self.condition("/yes/a"), Self.condition("/no", negate: true)].allow(holds: { Self.exists($0.parameter) }))
        #expect(![Self.condition("/yes/a"), Self.condition("/no")].allow(holds: { Self.exists($0.parameter) }))
    }

    /// Asserts are judged apart from conditions, by the same rules.
    @Test func assertsAreJudgedApart() {
        let checks = [
            Self.condition("/yes/a"),
            Condition(kind: .pathExists, trigger: false, negate: false, parameter: "/no", assert: true),
        ]
        #expect(checks.allow(holds: { Self.exists($0.parameter) }))
        #expect(!checks.allow(asserts: true, holds: { Self.exists($0.parameter) }))
    }

    @Test func oneTriggeringConditionIsEnough() {
        let triggers = [Self.condition("/no/a", trigger: true), Self.condition("/yes/b", trigger: true)]
        #expect(triggers.allow(holds: { Self.exists($0.parameter) }))
        #expect(![Self.condition("/no/a", trigger: true)].allow(holds: { Self.exists($0.parameter) }))
        #expect(!(triggers + [Self.condition("/no/c")]).allow(holds: { Self.exists($0.parameter) }))
    }
}
