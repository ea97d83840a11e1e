import Journal
import SystemCall
import UnitModel

/// How corrald ends: its exit status, whether it leaves its units running, and what it asks of the
/// kernel afterwards. Set by units' `SuccessAction=`, `FailureAction=` and `StartLimitAction=`.
struct Ending {
    var exitStatus: Int32 = 0
    /// `exit-force` (and a forced power action): leave the loop now, without stopping any unit.
    var atOnce = false
    var power: MachinePower?
}

/// A unit's emergency actions (systemd.unit(5)). corrald is not the machine's manager: where
/// systemd runs the machine, corrald asks it to reboot or power off (as `systemctl reboot [-f]`
/// would); elsewhere corrald stops its units itself (or kills them, for `-force`) and calls
/// reboot(2). `-immediate` calls reboot(2) at once, as systemd does. While corrald itself is
/// stopping, actions are not taken: stopping corrald must not reboot the machine.
extension Supervisor {
    /// After `unit` changed from `previous` to its active state: its action, if any.
    func takeActions(of unit: ManagedUnit, previous: ActiveState) {
        guard !shuttingDown else { return }
        let settings = unit.loaded.unit.unit
        switch unit.activeState {
        case .failed:
            if unit.machine?.result == .startLimitHit {
                take(
                    settings.startLimitAction, "StartLimitAction", of: unit, because: "hit its start limit", status: nil
                )
            }
            take(
                settings.failureAction, "FailureAction", of: unit, because: "failed",
                status: settings.failureActionExitStatus.map(Int32.init) ?? mainExitStatus(of: unit))
        case .inactive where previous != .failed:
            take(
                settings.successAction, "SuccessAction", of: unit, because: "succeeded",
                status: settings.successActionExitStatus.map(Int32.init) ?? mainExitStatus(of: unit))
        default: break
        }
    }

    /// The main process's exit status, 255 when a signal ended it; nil when it never ran.
    private func mainExitStatus(of unit: ManagedUnit) -> Int32? {
        switch unit.machine?.mainExit {
        case .exited(let status): status
        case .killed: 255
        case nil: nil
        }
    }

    private func take(
        _ action: EmergencyAction, _ directive: String, of unit: ManagedUnit, because reason: String, status: Int32?
    ) {
        guard action != .none, !shuttingDown else { return }
        log(unit.name, "\(directive)=\(action.rawValue): the unit \(reason)", level: .warning)
        switch action {
        case .none: return
        case .exit, .exitForce:
            if let status { ending.exitStatus = status }
            if action == .exitForce { ending.atOnce = true } else { beginShutdown() }
        case .reboot, .poweroff:
            if ServiceManager.isSystemd {
                ask(reboot: action == .reboot, force: false, about: unit)
            } else {
                ending.power = action == .reboot ? .reboot : .powerOff
                beginShutdown()
            }
        case .rebootForce, .poweroffForce:
            if ServiceManager.isSystemd {
                ask(reboot: action == .rebootForce, force: true, about: unit)
            } else {
                for unit in units.values where unit.activeState != .inactive && unit.activeState != .failed {
                    killCgroup(of: unit)
                }
                ending.power = action == .rebootForce ? .reboot : .powerOff
                ending.atOnce = true
            }
        case .rebootImmediate, .poweroffImmediate:
            let error = (action == .rebootImmediate ? MachinePower.reboot : .powerOff).perform()
            log(unit.name, "reboot(2) failed: \(error)", level: .error)
        }
    }

    private func ask(reboot: Bool, force: Bool, about unit: ManagedUnit) {
        do {
            try ServiceManager.shutDownMachine(reboot: reboot, force: force)
        } catch {
            log(unit.name, "systemd refused to \(reboot ? "reboot" : "power off") the machine: \(error)", level: .error)
        }
    }
}
