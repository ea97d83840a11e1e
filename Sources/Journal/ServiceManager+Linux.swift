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
        var text = [CChar](repeating: 0, count: 512)
        let result = corral_start_delegated_scope(name, slice, description, pid, &text, text.count)
        guard result == 0 else {
            throw ServiceManagerError(
                description: String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
    }
}

public struct ServiceManagerError: Error, CustomStringConvertible {
    public var description: String
}
