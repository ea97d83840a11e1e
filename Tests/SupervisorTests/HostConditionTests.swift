import Glibc
import Testing
import UnitModel

@testable import Supervisor

/// The host conditions answered as systemd 252 answers them on the same machine:
/// `systemd-analyze condition` needs no running manager.
@Suite struct HostConditionTests {
    /// systemd's verdict on one condition line.
    static func systemdHolds(_ line: String) -> Bool {
        var pid: pid_t = 0
        let arguments = ["/usr/bin/systemd-analyze", "condition", line]
        var argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        guard posix_spawn(&pid, arguments[0], &actions, nil, &argv, environ) == 0 else { return false }
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        return status == 0
    }

    static let lines: [String] = [
        "ConditionVirtualization=yes", "ConditionVirtualization=no", "ConditionVirtualization=vm",
        "ConditionVirtualization=container", "ConditionVirtualization=docker", "ConditionVirtualization=kvm",
        "ConditionVirtualization=qemu", "ConditionVirtualization=private-users", "ConditionVirtualization=!container",
        "ConditionSecurity=selinux", "ConditionSecurity=apparmor", "ConditionSecurity=tomoyo",
        "ConditionSecurity=smack", "ConditionSecurity=ima", "ConditionSecurity=audit",
        "ConditionSecurity=uefi-secureboot", "ConditionSecurity=tpm2", "ConditionSecurity=!audit",
        "ConditionACPower=true", "ConditionACPower=false",
    ]

    @Test(arguments: lines)
    func answersAsSystemd(line: String) throws {
        var unit = Unit(name: "probe.service", type: .service)
        let equals = try #require(line.firstIndex(of: "="))
        try PropertyTable.descriptor(named: String(line[..<equals]))!.assign(
            &unit, String(line[line.index(after: equals)...]))
        let ours = unit.unit.conditions.allow { ConditionCheck.holds($0) }
        #expect(ours == Self.systemdHolds(line))
    }

    /// Both answers of a pair differ, so each line's check can fail.
    @Test func pairsDisagree() {
        #expect(Self.systemdHolds("ConditionACPower=true") != Self.systemdHolds("ConditionACPower=false"))
        #expect(Self.systemdHolds("ConditionSecurity=audit") != Self.systemdHolds("ConditionSecurity=!audit"))
    }
}
