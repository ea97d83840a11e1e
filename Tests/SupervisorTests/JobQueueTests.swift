import Supervisor
import Testing

@Suite struct JobQueueTests {
    /// web requires db and wants cache; both are ordered before it; all live in app.slice.
    static let graph: [String: UnitDependencies] = {
        var web = UnitDependencies()
        web.requires = ["db.service", "app.slice"]
        web.wants = ["cache.service", "missing.service"]
        web.after = ["db.service", "cache.service", "app.slice"]
        var db = UnitDependencies()
        db.requires = ["app.slice"]
        db.after = ["app.slice"]
        db.conflicts = ["maintenance.service"]
        var cache = UnitDependencies()
        cache.requires = ["app.slice"]
        cache.after = ["app.slice"]
        return [
            "web.service": web, "db.service": db, "cache.service": cache, "app.slice": UnitDependencies(),
            "maintenance.service": UnitDependencies(),
        ]
    }()

    static func deps(_ name: String) -> UnitDependencies? { graph[name] }

    @Test func startPullsInRequiredAndWantedUnitsAndStopsConflicts() throws {
        var queue = JobQueue()
        try queue.start("web.service", dependencies: Self.deps, isActive: { _ in false })
        #expect(
            queue.jobs == [
                "web.service": .start, "db.service": .start, "cache.service": .start, "app.slice": .start,
                "maintenance.service": .stop,
            ])
    }

    /// What a new corrald restores from the queue a crashed one wrote is the same queue, in the same
    /// order, with nothing handed over yet.
    @Test func aRestoredQueueIsTheQueuedOneWithNothingRunning() throws {
        var queue = JobQueue()
        try queue.start("web.service", dependencies: Self.deps, isActive: { _ in false })
        queue.markRunning("app.slice")
        let revision = queue.revision
        queue.stop("cache.service", dependents: { _ in [] })
        #expect(queue.revision > revision)
        var restored = JobQueue()
        restored.restore(queue.queued)
        #expect(restored.queued.map { "\($0.type) \($0.unit)" } == queue.queued.map { "\($0.type) \($0.unit)" })
        #expect(restored.queued.first?.unit == "web.service")
        #expect(restored.jobs == queue.jobs)
        #expect(restored.running.isEmpty)
        #expect(
            restored.runnable(dependencies: Self.deps).map(\.0)
                == queue.runnable(dependencies: Self.deps).map(\.0))
    }

    @Test func jobsRunInDependencyOrder() throws {
        var queue = JobQueue()
        try queue.start("web.service", dependencies: Self.deps, isActive: { _ in false })
        func runnable() -> [String] { queue.runnable(dependencies: Self.deps).map(\.0).sorted() }
        #expect(runnable() == ["app.slice", "maintenance.service"])
        queue.markRunning("app.slice")
        queue.markRunning("maintenance.service")
        #expect(runnable() == [])
        queue.finish("maintenance.service", result: .done, dependencies: Self.deps)
        queue.finish("app.slice", result: .done, dependencies: Self.deps)
        #expect(runnable() == ["cache.service", "db.service"])
        queue.finish("cache.service", result: .done, dependencies: Self.deps)
        queue.finish("db.service", result: .done, dependencies: Self.deps)
        #expect(runnable() == ["web.service"])
    }

    @Test func aFailedRequirementFailsItsDependents() throws {
        var queue = JobQueue()
        try queue.start("web.service", dependencies: Self.deps, isActive: { _ in false })
        let ended = queue.finish("db.service", result: .failed, dependencies: Self.deps)
        #expect(ended.map { "\($0.0) \($0.2)" } == ["db.service failed", "web.service dependency"])
        // A failed Wants= dependency does not.
        queue.finish("cache.service", result: .failed, dependencies: Self.deps)
        #expect(queue.jobs == ["app.slice": .start, "maintenance.service": .stop])
    }

    @Test func missingRequirementsAndInactiveRequisitesRefuseTheStart() {
        var graph = Self.graph
        graph["web.service"]?.requires.append("nope.service")
        var queue = JobQueue()
        #expect(throws: JobError("Unit nope.service not found (required by web.service).")) {
            try queue.start("web.service", dependencies: { graph[$0] }, isActive: { _ in false })
        }
        #expect(throws: JobError("Unit nope.service not found.")) {
            try queue.start("nope.service", dependencies: { graph[$0] }, isActive: { _ in false })
        }
        var requisite = Self.graph
        requisite["web.service"]?.requisite = ["db.service"]
        #expect(throws: JobError("Unit db.service is not active (required by web.service with Requisite=).")) {
            try queue.start("web.service", dependencies: { requisite[$0] }, isActive: { _ in false })
        }
    }

    @Test func stopPropagatesToDependentsAndRunsInReverseOrder() {
        var queue = JobQueue()
        let dependents = ["app.slice": ["web.service", "db.service"], "db.service": ["web.service"]]
        queue.stop("app.slice", dependents: { dependents[$0] ?? [] })
        #expect(queue.jobs == ["app.slice": .stop, "web.service": .stop, "db.service": .stop])
        #expect(queue.runnable(dependencies: Self.deps).map(\.0) == ["web.service"])
        queue.finish("web.service", result: .done, dependencies: Self.deps)
        #expect(queue.runnable(dependencies: Self.deps).map(\.0) == ["db.service"])
    }
}
