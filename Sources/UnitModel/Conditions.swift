extension Array where Element == Condition {
    /// Whether the unit may start, as systemd evaluates `Condition*=`: every non-triggering condition
    /// must hold, and, if there are triggering (`|`) ones, at least one of them. `pathExists` answers
    /// for `ConditionPathExists=`.
    public func allow(pathExists: (String) -> Bool) -> Bool {
        func holds(_ condition: Condition) -> Bool {
            switch condition.kind {
            case .pathExists: pathExists(condition.parameter) != condition.negate
            }
        }
        let triggers = filter(\.trigger)
        return filter { !$0.trigger }.allSatisfy(holds) && (triggers.isEmpty || triggers.contains(where: holds))
    }
}
