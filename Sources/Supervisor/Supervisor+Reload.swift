import ControlProtocol
import Journal
import SystemCall
import UnitFile

/// A `daemon-reload` in progress: the units still to be read again, and the clients waiting for it.
struct Reload {
    var remaining: [String]
    var clients: [Int32] = []
}

extension Supervisor {
    /// A reload reads at most this many units, or for at most this long (µs), in one turn of the
    /// loop; timers, the watchdog and other clients are served between turns.
    static let reloadSliceUnits = 64
    static let reloadSliceMicroseconds: UInt64 = 20_000

    /// `daemon-reload` (or SIGHUP): every known unit whose files changed is read again (see
    /// `UnitSourceStamp`), a slice at a time. Running services keep running; their new settings
    /// apply from their next start. A reload asked for while one runs starts it over, so that it
    /// reads the files as they are now; `client` (if any) is answered once it has finished.
    func beginReload(answering client: Int32?) {
        if reload == nil {
            ServiceManager.notify("RELOADING=1")
            log(nil, "Reloading.")
            daemonCounters.reloadBegan = monotonicMicroseconds()
        }
        unitFiles = UnitFileIndex(unitFiles.searchPath)
        // Taken from the end: read in name order.
        var next = Reload(remaining: units.values.filter { !$0.transient }.map(\.name).sorted(by: >))
        next.clients = (reload?.clients ?? []) + [client].compactMap { $0 }
        reload = next
    }

    /// Reads the next slice of units; once none is left, answers the clients that asked and runs
    /// the requests that waited for the reload.
    func continueReload() {
        guard var current = reload else { return }
        let began = monotonicMicroseconds()
        var read = 0
        while let name = current.remaining.popLast() {
            if let unit = units[name] { reread(unit) }
            read += 1
            if read == Self.reloadSliceUnits || monotonicMicroseconds() - began >= Self.reloadSliceMicroseconds {
                break
            }
        }
        reload = current
        guard current.remaining.isEmpty else { return }
        reload = nil
        daemonCounters.reloads += 1
        daemonCounters.lastReloadMicroseconds = daemonCounters.reloadBegan.map { monotonicMicroseconds() - $0 }
        if !startingUp { notifyReady() }
        for client in current.clients { reply(to: client, Response()) }
        let waiting = requestsAfterReload
        requestsAfterReload = []
        for (request, client) in waiting { handle(request, from: client) }
    }

    private func reread(_ unit: ManagedUnit) {
        guard let name = try? UnitName(unit.name) else { return }
        // Files that have not changed would be read to the same unit: such a unit keeps what it has.
        if let stamp = unit.loaded.sourceStamp, unitFiles.stamp(of: name) == stamp { return }
        let reloaded = load(name)
        // As systemd, a unit whose file is gone stays loaded, with what it was started with, while
        // it runs; it is read again (and found missing) once it has stopped.
        if reloaded.loadState == .notFound && ![.inactive, .failed].contains(unit.activeState) {
            unit.reloadWhenStopped = true
            return
        }
        unit.loaded = reloaded
        unit.warnedAboutLimits = false
        // A running unit keeps its cgroup until it stops; the new plan applies at its next start.
        if [.inactive, .failed].contains(unit.activeState) {
            unit.plan = plan(for: unit.loaded.unit)
        }
    }
}
