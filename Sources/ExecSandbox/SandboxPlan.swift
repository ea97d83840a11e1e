import UnitModel

/// What a seccomp filter does with a system call.
public enum SeccompAction: Sendable, Equatable, Hashable {
    case allow
    case errno(Int32)
    /// The whole process is killed with SIGSYS (systemd's default for a refused call).
    case killProcess

    init(_ refusal: SystemCallRefusal?) {
        switch refusal {
        case .errno(let code): self = .errno(code)
        case .kill, nil: self = .killProcess
        }
    }
}

/// One rule: `action` for `systemCall` (a name), when its argument `argument` compares as given.
public struct SeccompRule: Sendable, Equatable {
    public enum Comparison: Sendable, Equatable {
        case equal, greaterOrEqual
    }

    public var systemCall: String
    public var action: SeccompAction
    /// (argument index, comparison, value); nil: whatever the arguments.
    public var condition: (index: UInt32, comparison: Comparison, value: UInt64)?

    public init(
        _ systemCall: String, _ action: SeccompAction,
        when condition: (index: UInt32, comparison: Comparison, value: UInt64)? = nil
    ) {
        self.systemCall = systemCall
        self.action = action
        self.condition = condition
    }

    public static func == (left: SeccompRule, right: SeccompRule) -> Bool {
        left.systemCall == right.systemCall && left.action == right.action
            && left.condition?.index == right.condition?.index
            && left.condition?.comparison == right.condition?.comparison
            && left.condition?.value == right.condition?.value
    }
}

/// One seccomp program, as libseccomp builds it: the default action, the rules, the architectures
/// it covers and what a call made for another one gets. The kernel
/// runs every program a process has and takes the strictest answer, so separate concerns
/// (`SystemCallFilter=`, `RestrictAddressFamilies=`) are separate programs, as systemd loads them.
public struct SeccompProgram: Sendable, Equatable {
    public var defaultAction: SeccompAction
    public var rules: [SeccompRule]
    /// libseccomp names; `native` for corrald's own.
    public var architectures: [String]
    public var otherArchitectures: SeccompAction

    public init(
        defaultAction: SeccompAction, rules: [SeccompRule], architectures: [String],
        otherArchitectures: SeccompAction = .killProcess
    ) {
        self.defaultAction = defaultAction
        self.rules = rules
        self.architectures = architectures
        self.otherArchitectures = otherArchitectures
    }
}

/// The sandbox a unit's processes start in, from its exec settings (systemd.exec(5)): computed
/// without I/O, performed by the spawn's child between clone3 and execve.
public struct SandboxPlan: Sendable, Equatable {
    /// `NoNewPrivileges=`.
    public var noNewPrivileges = false
    /// Capabilities kept in the bounding set; nil: it is left alone.
    public var capabilityBoundingSet: CapabilitySet?
    /// Raised into the ambient set once the process has its user (kept across the uid change).
    public var ambientCapabilities = CapabilitySet(mask: 0)
    /// Loaded last before execve.
    public var seccompPrograms: [SeccompProgram] = []

    public init() {}

    /// The architectures a program covers without `SystemCallArchitectures=`: every one this machine
    /// runs (x86-64 runs i386 and x32 code too), so no call escapes the filter by its architecture.
    public static let machineArchitectures = ["native", "x86", "x32"]

    public init(_ exec: ExecSettings) {
        noNewPrivileges = exec.noNewPrivileges
        capabilityBoundingSet = exec.capabilityBoundingSet
        ambientCapabilities = exec.ambientCapabilities ?? CapabilitySet(mask: 0)
        let architectures =
            exec.systemCallArchitectures.isEmpty ? Self.machineArchitectures : exec.systemCallArchitectures
        if let filter = exec.systemCallFilter {
            seccompPrograms.append(
                Self.systemCallProgram(filter, refusal: exec.systemCallErrorNumber, architectures: architectures))
        } else if !exec.systemCallArchitectures.isEmpty {
            seccompPrograms.append(SeccompProgram(defaultAction: .allow, rules: [], architectures: architectures))
        }
        if let families = exec.restrictAddressFamilies {
            seccompPrograms.append(Self.addressFamilyProgram(families, architectures: architectures))
        }
    }

    /// `SystemCallFilter=` (its groups already expanded): an allow list refuses every call it does
    /// not name; a deny list refuses those it names.
    static func systemCallProgram(
        _ filter: SystemCallFilter, refusal: SystemCallRefusal?, architectures: [String]
    ) -> SeccompProgram {
        let refused = SeccompAction(refusal)
        let rules = filter.entries.map { entry in
            SeccompRule(entry.name, filter.allowList ? .allow : entry.refusal.map { SeccompAction($0) } ?? refused)
        }
        return SeccompProgram(
            defaultAction: filter.allowList ? refused : .allow, rules: rules, architectures: architectures)
    }

    /// `RestrictAddressFamilies=`: `socket(2)` fails with EAFNOSUPPORT for a family not allowed
    /// (`socketpair(2)` is not filtered, as in systemd).
    static func addressFamilyProgram(_ families: FilterList<Int32>, architectures: [String]) -> SeccompProgram {
        let refused = SeccompAction.errno(97)  // EAFNOSUPPORT
        let limit = (SandboxTables.addressFamilies.values.max() ?? 45) + 1
        let denied =
            families.allowList ? (0..<limit).filter { !families.items.contains($0) } : families.items.sorted()
        var rules = denied.map { SeccompRule("socket", refused, when: (0, .equal, UInt64($0))) }
        if families.allowList {
            rules.append(SeccompRule("socket", refused, when: (0, .greaterOrEqual, UInt64(limit))))
        }
        // i386 code reaches sockets through socketcall(2), whose family a filter cannot see: it is
        // left alone here, as systemd leaves it.
        return SeccompProgram(
            defaultAction: .allow, rules: rules, architectures: architectures.filter { $0 != "x86" },
            otherArchitectures: .allow)
    }
}
