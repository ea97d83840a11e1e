import CLinux

/// Rebooting or powering off the machine with reboot(2), after sync(2).
public enum MachinePower: Sendable {
    case reboot, powerOff

    /// Returns only if the kernel refused.
    public func perform() -> Errno {
        _ = corral_reboot(self == .powerOff ? 1 : 0)
        return Errno.current
    }
}
