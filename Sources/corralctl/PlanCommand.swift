import ArgumentParser
import Cgroups
import ExecSandbox
import ResourceControl
import UnitModel

struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract:
            "Print the cgroup path, every cgroup write with its directive, what the host cannot enforce, and a service's sandbox.",
        discussion: """
            Host facts come from the running system. --host KEY=VALUE overrides one: memory=SIZE, swap=SIZE, \
            cpus=N, pid-max=N, threads-max=N, root-pids-max=N|max, controllers=LIST (comma-separated), \
            device=PATH:MAJ:MIN[:bfq] (repeatable), so a plan can be made for another machine.
            """)

    @OptionGroup var common: CommonOptions

    @OptionGroup var options: OfflineOptions

    @Option(name: .customLong("host"), help: "Override a host fact (KEY=VALUE); may repeat.")
    var hostOverrides: [String] = []

    @Argument(help: "Unit names or unit file paths.", completion: Completions.units)
    var units: [String]

    func run() throws {
        let loader = OfflineUnits(searchPath: options.searchPath)
        let loaded = try units.map { try loader.load($0) }
        if let broken = loaded.first(where: { $0.loadState != .loaded }) {
            for diagnostic in broken.diagnostics { printError(diagnostic.description) }
            printError("\(broken.name): cannot plan a unit whose load state is \(broken.loadState.rawValue)")
            throw ExitCode(1)
        }
        var host = HostProbe.current()
        for override in hostOverrides {
            do {
                try host.override(override)
            } catch {
                throw ValidationError("--host \(override): \(error.message)")
            }
        }
        let plans = try loaded.map { loaded in
            // A slice that cannot be loaded adds nothing, as in corrald.
            let slices = try CgroupPlanner.enclosingSlices(of: loaded.unit).map { try loader.load($0) }
                .filter { $0.loadState == .loaded }.map(\.unit.resources)
            return CgroupPlanner.plan(
                for: loaded.unit, host: HostProbe.facts(for: loaded.unit, base: host), slices: slices)
        }
        // A service's processes get the sandbox; its private /tmp is named after each run.
        let sandboxes = loaded.map { loaded in
            loaded.unit.type == .service
                ? SandboxPlan(
                    loaded.unit.exec,
                    privateTemporary: loaded.unit.exec.namespaces.privateTmp
                        ? SandboxPlan.privateTemporaryPlaceholder : nil)
                : nil
        }
        if options.json {
            let documents = zip(plans, sandboxes).map { plan, sandbox in
                guard case .object(var fields) = plan.json else { return plan.json }
                if let sandbox { fields.insert(("sandbox", sandbox.json), at: fields.count - 1) }
                return JSONValue.object(fields)
            }
            print((documents.count == 1 ? documents[0] : .array(documents)).rendered(indent: 2))
        } else {
            print(
                zip(plans, sandboxes).map { $0.text + ($1?.text ?? "") }.joined(separator: "\n"), terminator: "")
        }
    }
}

extension CgroupPlan {
    var json: JSONValue {
        .object([
            ("unit", .string(unit)),
            ("cgroup", .string(cgroup)),
            (
                "enable",
                .array(
                    enable.map {
                        .object([
                            ("cgroup", .string($0.cgroup)),
                            ("controllers", .array($0.controllers.map { .string($0.rawValue) })),
                        ])
                    })
            ),
            (
                "writes",
                .array(
                    writes.map {
                        .object([("file", .string($0.file)), ("value", .string($0.value)), ("from", .string($0.from))])
                    })
            ),
            ("devices", devices.map { filter in .array(filter.rules.map { .string($0.text) }) } ?? .null),
            (
                "ip_access",
                ipAccess.map { filter in
                    .object([
                        ("allow", .array(filter.allow.map { .string($0.description) })),
                        ("deny", .array(filter.deny.map { .string($0.description) })),
                    ])
                } ?? .null
            ),
            ("warnings", .array(warnings.map(JSONValue.string))),
        ])
    }

    var text: String {
        var lines = ["Unit: \(unit)", "CGroup: /\(cgroup)"]
        if !enable.isEmpty {
            lines.append("Enable:")
            for step in enable {
                let controllers = step.controllers.map(\.rawValue).joined(separator: " ")
                lines.append(
                    "  \(step.cgroup.isEmpty ? "" : "/" + step.cgroup)/cgroup.subtree_control += \(controllers)")
            }
        }
        if !writes.isEmpty {
            lines.append("Writes:")
            let fileWidth = writes.map(\.file.count).max() ?? 0
            let values = writes.map { $0.value.isEmpty ? "\"\"" : $0.value }
            let valueWidth = min(values.map(\.count).max() ?? 0, 48)
            for (write, value) in zip(writes, values) {
                let file = write.file + String(repeating: " ", count: fileWidth - write.file.count)
                let padded = value + String(repeating: " ", count: max(0, valueWidth - value.count))
                lines.append("  \(file)  \(padded)  \(write.from)")
            }
        }
        if let devices {
            lines.append("Devices: (device program; anything else refused)")
            lines += devices.rules.map { "  \($0.text)" }
        }
        if let ipAccess {
            lines.append("IP addresses: (ingress and egress programs; allowed first, then denied, else allowed)")
            lines += ipAccess.allow.map { "  allow \($0)" } + ipAccess.deny.map { "  deny \($0)" }
        }
        if !warnings.isEmpty {
            lines.append("Warnings:")
            lines += warnings.map { "  \($0)" }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

extension DeviceFilter.Rule {
    /// `char 1:3 rwm`, `block 254:* r`, as `DeviceAllow=` would name it.
    var text: String {
        let type = isBlock.map { $0 ? "block" : "char" } ?? "any"
        let rights = DeviceAccess(rawValue: access).letters
        return "\(type) \(major.map(String.init) ?? "*"):\(minor.map(String.init) ?? "*") \(rights)"
    }
}

extension SandboxPlan {
    /// What stands in for a run's private `/tmp` and `/var/tmp` in a plan made before any run.
    static let privateTemporaryPlaceholder = (
        tmp: "/tmp/corral-private-INVOCATION/tmp", varTmp: "/var/tmp/corral-private-INVOCATION/tmp"
    )

    /// The namespaces the processes get, by their /proc/PID/ns names.
    var namespaceNames: [String] {
        [(0x0002_0000, "mnt"), (0x4000_0000, "net"), (0x0800_0000, "ipc"), (0x0400_0000, "uts")]
            .filter { unshareFlags & UInt64($0.0) != 0 }.map(\.1) + (privateUsers ? ["user"] : [])
    }

    var json: JSONValue {
        .object([
            ("namespaces", .array(namespaceNames.map(JSONValue.string))),
            (
                "mounts",
                .array(
                    (mounts?.entries ?? []).map {
                        .object([
                            ("path", .string($0.path)), ("mode", .string($0.kind.name)),
                            ("readOnly", .bool($0.isReadOnly)), ("source", $0.source.map(JSONValue.string) ?? .null),
                        ])
                    })
            ),
            ("capabilityBoundingSet", capabilityBoundingSet.map { .string($0.description) } ?? .null),
            ("ambientCapabilities", .string(ambientCapabilities.description)),
            ("noNewPrivileges", .bool(noNewPrivileges)),
            (
                "seccomp",
                .array(
                    seccompPrograms.map {
                        .object([
                            ("default", .string($0.defaultAction.name)), ("rules", .number(UInt64($0.rules.count))),
                        ])
                    })
            ),
        ])
    }

    /// The `Sandbox:` section, empty when there is no sandbox to speak of.
    var text: String {
        var lines: [String] = []
        if !namespaceNames.isEmpty { lines.append("  Namespaces: \(namespaceNames.joined(separator: " "))") }
        for entry in mounts?.entries ?? [] {
            let source = entry.source.map { " from \($0)" } ?? ""
            lines.append("  Mount: \(entry.path) \(entry.kind.name)\(entry.isReadOnly ? " ro" : "")\(source)")
        }
        if let bounding = capabilityBoundingSet {
            lines.append("  CapabilityBoundingSet: \(bounding.mask == 0 ? "(none)" : bounding.description)")
        }
        if ambientCapabilities.mask != 0 { lines.append("  AmbientCapabilities: \(ambientCapabilities)") }
        if noNewPrivileges { lines.append("  NoNewPrivileges: yes") }
        for program in seccompPrograms {
            lines.append("  Seccomp: \(program.rules.count) rules, otherwise \(program.defaultAction.name)")
        }
        return lines.isEmpty ? "" : "Sandbox:\n" + lines.joined(separator: "\n") + "\n"
    }
}

extension SeccompAction {
    /// `allow`, `errno N`, `log`, `kill`.
    var name: String {
        switch self {
        case .allow: "allow"
        case .errno(let code): "errno \(code)"
        case .log: "log"
        case .killProcess: "kill"
        }
    }
}
