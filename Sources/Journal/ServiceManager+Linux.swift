import CSystemd
import Glibc

/// Talks to whatever started corrald through `$NOTIFY_SOCKET` (sd_notify(3)); does nothing when it is unset.
public enum ServiceManager {
    /// Sends newline-separated `KEY=VALUE` assignments (`READY=1`, `STATUS=...`).
    /// Preformatted: Swift cannot call the variadic `sd_notifyf`.
    public static func notify(_ state: String) {
        _ = sd_notify(0, state)
    }

    /// How often to send `WATCHDOG=1` (half of `$WATCHDOG_USEC`), in µs; nil when no watchdog is set for us.
    public static var watchdogInterval: UInt64? {
        var microseconds: UInt64 = 0
        guard sd_watchdog_enabled(0, &microseconds) > 0, microseconds > 0 else { return nil }
        return microseconds / 2
    }
}

extension ServiceManager {
    /// Whether systemd manages this machine (its private socket exists, which only PID 1 serves).
    public static var isSystemd: Bool { access(privateSocket, F_OK) == 0 }
    private static let privateSocket = "/run/systemd/private"

    /// Asks systemd for the transient scope `name` in `slice`, delegated (`Delegate=yes`) and made
    /// around process `pid`; returns once systemd has queued the job. Throws the bus's error text.
    public static func startDelegatedScope(_ name: String, slice: String, description: String, pid: Int32)
        throws(ServiceManagerError)
    {
        try call { corral_start_delegated_scope(name, slice, description, pid, $0, $1) }
    }

    /// Asks systemd to reboot or power off the machine: orderly (starting `reboot.target` or
    /// `poweroff.target`, as `systemctl reboot` does) or, when `force`, at once (`systemctl reboot -f`).
    public static func shutDownMachine(reboot: Bool, force: Bool) throws(ServiceManagerError) {
        if force {
            try call { corral_call_manager(reboot ? "Reboot" : "PowerOff", nil, nil, $0, $1) }
        } else {
            let target = reboot ? "reboot.target" : "poweroff.target"
            try call { corral_call_manager("StartUnit", target, "replace-irreversibly", $0, $1) }
        }
    }

    /// Runs one call of the shim's, which writes the bus error's text into the buffer it is given.
    private static func call(_ body: (UnsafeMutablePointer<CChar>, Int) -> Int32) throws(ServiceManagerError) {
        var text = [CChar](repeating: 0, count: 512)
        let result = text.withUnsafeMutableBufferPointer { body($0.baseAddress!, $0.count) }
        guard result == 0 else {
            throw ServiceManagerError(
                description: String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
    }
}

public struct ServiceManagerError: Error, CustomStringConvertible {
    public var description: String
}
