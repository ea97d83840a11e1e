import Testing
import UnitModel

@Suite struct ConditionTests {
    static func exists(_ path: String) -> Bool { path.hasPrefix("/yes") }

    static func condition(_ path: String, trigger: Bool = false, negate: Bool = false) -> Condition {
        Condition(kind: .pathExists, trigger: trigger, negate: negate, parameter: path)
    }

    @Test func plainConditionsMustAllHold() {
        #expect([Condition]().allow(pathExists: Self.exists))
        #expect([Self.condition("/yes/a"), Self.condition("/no", negate: true)].allow(pathExists: Self.exists))
        #expect(![Self.condition("/yes/a"), Self.condition("/no")].allow(pathExists: Self.exists))
    }

    @Test func oneTriggeringConditionIsEnough() {
        let triggers = [Self.condition("/no/a", trigger: true), Self.condition("/yes/b", trigger: true)]
        #expect(triggers.allow(pathExists: Self.exists))
        #expect(![Self.condition("/no/a", trigger: true)].allow(pathExists: Self.exists))
        #expect(!(triggers + [Self.condition("/no/c")]).allow(pathExists: Self.exists))
    }
}
