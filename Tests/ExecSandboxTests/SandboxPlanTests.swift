import ExecSandbox
import Testing
import UnitModel

@Suite struct SandboxPlanTests {
    static func exec(_ assignments: [(String, String)]) throws -> ExecSettings {
        var unit = Unit(name: "probe.service", type: .service)
        for (name, value) in assignments {
            try PropertyTable.descriptor(named: name)!.assign(&unit, value)
        }
        return unit.exec
    }

    @Test func aPlainUnitHasNoSandbox() throws {
        #expect(SandboxPlan(try Self.exec([])) == SandboxPlan())
    }

    /// An allow list always lets `@default` through and refuses the rest with the kill, or the
    /// errno `SystemCallErrorNumber=` names; it covers every architecture the machine runs.
    @Test func anAllowListAddsTheDefaultGroupAndRefusesTheRest() throws {
        let plan = SandboxPlan(
            try Self.exec([("SystemCallFilter", "@clock uname"), ("SystemCallErrorNumber", "EPERM")]))
        let program = try #require(plan.seccompPrograms.first)
        #expect(plan.seccompPrograms.count == 1)
        #expect(program.defaultAction == .errno(1))
        #expect(program.architectures == ["native", "x86", "x32"])
        let allowed = Set(program.rules.map(\.systemCall))
        #expect(allowed.isSuperset(of: ["execve", "exit_group", "clock_settime", "adjtimex", "uname"]))
        #expect(!allowed.contains("mount"))
        #expect(program.rules.allSatisfy { $0.action == .allow && $0.conditions.isEmpty })
    }

    /// A deny list refuses what it names, each entry with its own errno when it has one; a later
    /// allow line takes a call out again.
    @Test func aDenyListRefusesItsEntriesWithTheirErrnos() throws {
        let plan = SandboxPlan(
            try Self.exec([
                ("SystemCallFilter", "~@mount"), ("SystemCallFilter", "~reboot:EACCES"), ("SystemCallFilter", "fsopen"),
            ]))
        let program = try #require(plan.seccompPrograms.first)
        #expect(program.defaultAction == .allow)
        let actions = Dictionary(program.rules.map { ($0.systemCall, $0.action) }, uniquingKeysWith: { $1 })
        #expect(actions["mount"] == .killProcess)
        #expect(actions["umount2"] == .killProcess)
        #expect(actions["reboot"] == .errno(13))
        #expect(actions["fsopen"] == nil)
        #expect(actions["read"] == nil)
    }

    @Test func groupsExpandThroughTheGroupsTheyInclude() {
        let service = Set(SandboxTables.systemCalls(in: "@system-service"))
        #expect(service.isSuperset(of: SandboxTables.systemCalls(in: "@aio")))
        #expect(service.isSuperset(of: SandboxTables.systemCalls(in: "@default")))
        #expect(!service.contains("reboot"))
        #expect(SandboxTables.systemCalls(in: "ptrace") == ["ptrace"])
    }

    /// As in systemd, an allow line after a deny list takes one call out of a denied group, and a
    /// deny line after an allow list takes a call out even of `@default`.
    @Test func aLaterLineOfTheOtherKindTakesOneCallOutOfAGroup() throws {
        let filter = try #require(
            try Self.exec([("SystemCallFilter", "@clock"), ("SystemCallFilter", "~execve")]).systemCallFilter)
        #expect(filter.allowList)
        #expect(!filter.names.contains("execve"))
        #expect(filter.names.contains("exit_group") && filter.names.contains("clock_settime"))
    }

    /// `RestrictAddressFamilies=AF_UNIX`: socket() of any other family fails with EAFNOSUPPORT, in
    /// a program of its own that leaves i386's socketcall alone.
    @Test func addressFamiliesBecomeSocketRules() throws {
        let plan = SandboxPlan(try Self.exec([("RestrictAddressFamilies", "AF_UNIX AF_INET")]))
        let program = try #require(plan.seccompPrograms.first)
        #expect(program.defaultAction == .allow)
        #expect(program.otherArchitectures == .allow)
        #expect(program.architectures == ["native", "x32"])
        let denied = program.rules.compactMap {
            $0.conditions.first?.comparison == .equal ? $0.conditions.first?.value : nil
        }
        #expect(!denied.contains(1) && !denied.contains(2))
        #expect(denied.contains(10) && denied.contains(16) && denied.contains(0))
        #expect(program.rules.allSatisfy { $0.systemCall == "socket" && $0.action == .errno(97) })
        #expect(program.rules.last?.conditions.first?.comparison == .greaterOrEqual)

        let deny = SandboxPlan(try Self.exec([("RestrictAddressFamilies", "~AF_PACKET")]))
        #expect(
            deny.seccompPrograms.first?.rules == [
                SeccompRule("socket", .errno(97), when: [ArgumentCondition(0, .equal, 17)])
            ])
    }

    /// The system call filter comes last: an allow list may refuse seccomp(2), which loads the others.
    @Test func theSystemCallFilterIsLoadedLast() throws {
        let plan = SandboxPlan(
            try Self.exec([("SystemCallFilter", "@system-service"), ("RestrictAddressFamilies", "AF_UNIX")]))
        #expect(plan.seccompPrograms.count == 2)
        #expect(plan.seccompPrograms.last?.defaultAction == .killProcess)
        #expect(plan.seccompPrograms.first?.rules.allSatisfy { $0.systemCall == "socket" } == true)
    }

    /// `SystemCallLog=`: an allow list logs its calls, a deny list the others; before the filter.
    @Test func systemCallLogIsAProgramOfLogActions() throws {
        let native = ("SystemCallArchitectures", "native")
        let listed = SandboxPlan(try Self.exec([native, ("SystemCallLog", "@clock"), ("SystemCallFilter", "~@mount")]))
        let clock = SandboxTables.systemCalls(in: "@clock")
        #expect(
            listed.seccompPrograms.first
                == SeccompProgram(
                    defaultAction: .allow, rules: clock.map { SeccompRule($0, .log) }, architectures: ["native"]))
        #expect(listed.seccompPrograms.count == 2)
        let unlisted = SandboxPlan(try Self.exec([native, ("SystemCallLog", "~read write")]))
        #expect(
            unlisted.seccompPrograms == [
                SeccompProgram(
                    defaultAction: .log, rules: [SeccompRule("read", .allow), SeccompRule("write", .allow)],
                    architectures: ["native"]),
                // SystemCallArchitectures= without a filter: its own program.
                SeccompProgram(defaultAction: .allow, rules: [], architectures: ["native"]),
            ])
    }

    @Test func architecturesAloneMakeAProgramThatOnlyRefusesOtherArchitectures() throws {
        let plan = SandboxPlan(try Self.exec([("SystemCallArchitectures", "native")]))
        #expect(
            plan.seccompPrograms == [
                SeccompProgram(
                    defaultAction: .allow, rules: [], architectures: ["native"], otherArchitectures: .killProcess)
            ])
    }

    /// The restrictions are one program of EPERM rules on the calls' arguments, beside the others.
    @Test func restrictionsAreRulesOnTheCallsArguments() throws {
        let plan = SandboxPlan(
            try Self.exec([
                ("RestrictNamespaces", "net"), ("ProtectHostname", "yes"), ("MemoryDenyWriteExecute", "yes"),
                ("LockPersonality", "yes"),
            ]))
        // ProtectHostname=: a UTS namespace only (systemd 252 leaves /proc/sys/kernel/hostname writable).
        #expect(plan.unshareFlags == 0x0400_0000)
        let program = try #require(plan.seccompPrograms.first)
        #expect(plan.seccompPrograms.count == 1)
        #expect(program.defaultAction == .allow)
        #expect(program.architectures == ["native", "x32"])
        let unshared = program.rules.filter { $0.systemCall == "unshare" }.compactMap { $0.conditions.first?.value }
        #expect(Set(unshared) == Set(NamespaceSet.names.map(\.1).filter { $0 != 0x4000_0000 }))
        #expect(program.rules.contains(SeccompRule("clone3", .errno(38))))
        #expect(program.rules.contains(SeccompRule("sethostname", .errno(1))))
        #expect(
            program.rules.contains(
                SeccompRule("mmap", .errno(1), when: [ArgumentCondition(2, .maskedEqual(mask: 6), 6)])))
        #expect(
            program.rules.contains(SeccompRule("personality", .errno(1), when: [ArgumentCondition(0, .notEqual, 0)])))
        #expect(SandboxPlan(try Self.exec([("RestrictNamespaces", "no")])).seccompPrograms.isEmpty)
    }

    /// A real-time policy without a priority gets its lowest, 1; the IO class defaults to
    /// best-effort, its priority to 4; `+` commands keep these and lose the restrictions.
    @Test func processSettingsTakeSystemdsDefaults() throws {
        let plan = SandboxPlan(
            try Self.exec([
                ("CPUSchedulingPolicy", "rr"), ("CPUSchedulingResetOnFork", "yes"), ("IOSchedulingPriority", "6"),
                ("UMask", "077"), ("SystemCallFilter", "~@mount"), ("CapabilityBoundingSet", "CAP_CHOWN"),
            ]))
        #expect(plan.scheduler == SandboxPlan.Scheduler(policy: 2 | 0x4000_0000, priority: 1))
        #expect(plan.ioPriority == Int32(16390))  // best-effort (2) << 13 | 6
        #expect(plan.umask == 0o077)
        #expect(SandboxPlan(try Self.exec([("IOSchedulingClass", "idle")])).ioPriority == Int32(3 << 13))
        #expect(SandboxPlan(try Self.exec([])).umask == 0o022)
        let full = plan.withFullPrivileges()
        #expect(full.scheduler == plan.scheduler && full.umask == 0o077)
        #expect(full.seccompPrograms.isEmpty && full.capabilityBoundingSet == nil)
    }

    @Test func capabilitySetsCarryOver() throws {
        let plan = SandboxPlan(
            try Self.exec([
                ("CapabilityBoundingSet", "CAP_NET_ADMIN CAP_CHOWN"), ("AmbientCapabilities", "CAP_NET_BIND_SERVICE"),
            ]))
        #expect(plan.capabilityBoundingSet?.mask == 1 << 12 | 1 << 0)
        #expect(plan.ambientCapabilities.mask == 1 << 10)
    }
}
