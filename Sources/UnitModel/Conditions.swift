extension Array where Element == Condition {
    /// Whether the checks of one kind (conditions, or asserts) let the unit start, as systemd
    /// evaluates them: every non-triggering check must hold, and, if there are triggering (`|`) ones,
    /// at least one of them. `holds` answers for one check, before its `!`.
    public func allow(asserts: Bool = false, holds: (Condition) -> Bool) -> Bool {
        let checks = filter { $0.assert == asserts }
        func passes(_ check: Condition) -> Bool { holds(check) != check.negate }
        let triggers = checks.filter(\.trigger)
        return checks.filter { !$0.trigger }.allSatisfy(passes)
            && (triggers.isEmpty || triggers.contains(where: passes))
    }
}
