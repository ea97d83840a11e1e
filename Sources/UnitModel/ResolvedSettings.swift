import UnitFile

/// Settings whose value depends on the host or on the unit's name, resolved as systemd 252 does.

extension MemoryLimit {
    /// The limit in bytes, nil for no limit. A share of `total` is rounded down to whole 4 KiB pages,
    /// as systemd's `physical_memory_scale` does.
    public func bytes(of total: UInt64, pageSize: UInt64 = 4096) -> UInt64? {
        switch self {
        case .bytes(let bytes): return bytes
        case .infinity: return nil
        case .permyriad(let share):
            if share == 0 { return 0 }
            if share == 10_000 { return total }
            let (pages, overflow) = (total / pageSize).multipliedReportingOverflow(by: UInt64(share))
            if overflow { return .max }
            let (bytes, bytesOverflow) = (pages / 10_000).multipliedReportingOverflow(by: pageSize)
            return bytesOverflow ? .max : bytes
        }
    }
}

extension TasksLimit {
    /// The number of tasks, nil for no limit; a share of `taskLimit` is rounded down.
    public func count(of taskLimit: UInt64) -> UInt64? {
        switch self {
        case .count(let count): return count
        case .infinity: return nil
        case .permyriad(let share):
            let (product, overflow) = taskLimit.multipliedReportingOverflow(by: UInt64(share))
            return overflow ? .max : product / 10_000
        }
    }
}

extension Unit {
    /// The slice the unit sits in, nil for the root slice and for units without a cgroup (targets).
    /// A slice's parent follows from its name (`a-b.slice` is in `a.slice`); services and scopes go to
    /// `Slice=`, else an instance `foo@x.service` to `system-foo.slice`, else `system.slice`.
    public var sliceName: String? {
        switch type {
        case .target:
            return nil
        case .slice:
            let stem = name.hasSuffix(".slice") ? String(name.dropLast(".slice".count)) : name
            if stem == "-" { return nil }
            guard let dash = stem.lastIndex(of: "-") else { return "-.slice" }
            return stem[..<dash] + ".slice"
        case .service, .scope:
            if let slice = resources.slice { return slice }
            guard let at = name.firstIndex(of: "@") else { return "system.slice" }
            return "system-" + UnitNameEscaping.escape(String(name[..<at])) + ".slice"
        }
    }

    /// `TasksMax=` when unset: `DefaultTasksMax=15%` for everything but slices, which have no limit.
    public var defaultTasksMax: TasksLimit {
        type == .slice ? .infinity : .permyriad(1500)
    }
}
