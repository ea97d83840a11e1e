import CSystemd

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
