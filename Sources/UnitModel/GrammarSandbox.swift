/// `SystemCallErrorNumber=` and the `:errno` of a deny-listed system call: fail with this errno, or
/// kill the process (`kill`, systemd's default for a call the filter refuses).
public enum SystemCallRefusal: Sendable, Equatable {
    case errno(Int32)
    case kill
}

/// A list that either allows only its items or denies them (`SystemCallFilter=`,
/// `RestrictAddressFamilies=`): the first assignment decides which; a later one of the same kind adds
/// its items, one of the other kind takes them out.
public struct FilterList<Item: Sendable & Hashable>: Sendable, Equatable {
    /// true: only the items are allowed; false: the items are denied.
    public var allowList: Bool
    /// In the order given.
    public var items: [Item]

    public init(allowList: Bool, items: [Item]) {
        self.allowList = allowList
        self.items = items
    }

    /// `self` with a later assignment of `other` applied (nil: the first assignment).
    static func merging(_ existing: FilterList?, _ other: FilterList) -> FilterList {
        guard var list = existing else { return other }
        if list.allowList == other.allowList {
            list.items += other.items.filter { !list.items.contains($0) }
        } else {
            list.items.removeAll { other.items.contains($0) }
        }
        return list
    }
}

/// A set of capabilities as a bit mask of `CAP_*` numbers.
public struct CapabilitySet: Sendable, Equatable, CustomStringConvertible {
    public var mask: UInt64

    public init(mask: UInt64) {
        self.mask = mask
    }

    /// Every capability the kernel headers know.
    public static let all = CapabilitySet(mask: SandboxTables.capabilities.values.reduce(0) { $0 | 1 << UInt64($1) })

    public func contains(_ name: String) -> Bool {
        SandboxTables.capabilities[name].map { mask & 1 << UInt64($0) != 0 } ?? false
    }

    /// The names, lowest number first, space-separated (systemctl show's form).
    public var description: String {
        SandboxTables.capabilities.sorted { $0.value < $1.value }.filter { mask & 1 << UInt64($0.value) != 0 }
            .map(\.key).joined(separator: " ")
    }
}

extension Grammar {
    /// `SystemCallFilter=`: names of system calls and `@groups`, each of a deny list (`~`) optionally
    /// with `:ERRNO`. Groups are expanded here, as systemd expands them, so a later line of the other
    /// kind can take out one call of a group; the first line of an allow list brings in `@default`.
    /// Unknown names and groups, and an error number on an allow list, are ignored with a warning,
    /// as systemd does; the rest of the line applies. `SystemCallLog=` (`logging`) reads the same
    /// words without error numbers and adds no `@default`.
    public static func systemCallFilter(
        _ text: String, merging existing: SystemCallFilter?, logging: Bool = false
    ) throws(ValueError) -> ParsedValue<SystemCallFilter> {
        let allowList = !text.hasPrefix("~")
        var warnings: [ValueError] = []
        var entries: [SystemCallFilter.Entry] = []
        for word in try words(allowList ? text : String(text.dropFirst())) {
            var name = word
            var refusal: SystemCallRefusal?
            if !logging, let colon = word.firstIndex(of: ":") {
                name = String(word[..<colon])
                guard !allowList else {
                    warnings.append(ValueError("Allow-listed system calls cannot take error number, ignoring: \(word)"))
                    continue
                }
                guard let parsed = systemCallRefusal(String(word[word.index(after: colon)...])) else {
                    warnings.append(ValueError("Failed to parse error number, ignoring: \(word)"))
                    continue
                }
                refusal = parsed
            }
            if name.hasPrefix("@") {
                guard SandboxTables.systemCallGroups[name] != nil else {
                    warnings.append(ValueError("Unknown system call group, ignoring: \(name)"))
                    continue
                }
            } else if !SandboxTables.knownSystemCalls.contains(name) {
                warnings.append(ValueError("Failed to parse system call, ignoring: \(name)"))
                continue
            }
            entries += SandboxTables.systemCalls(in: name).map { SystemCallFilter.Entry(name: $0, refusal: refusal) }
        }
        var filter =
            existing
            ?? SystemCallFilter(
                allowList: allowList,
                names: allowList && !logging ? SandboxTables.systemCalls(in: "@default") : [])
        if filter.allowList == allowList {
            for entry in entries {
                filter.entries.removeAll { $0.name == entry.name }
                filter.entries.append(entry)
            }
        } else {
            let taken = Set(entries.map(\.name))
            filter.entries.removeAll { taken.contains($0.name) }
        }
        return ParsedValue(filter, warnings: warnings)
    }

    /// An errno name (`EPERM`), a number (1–4095), or `kill`.
    public static func systemCallRefusal(_ text: String) -> SystemCallRefusal? {
        if text == "kill" { return .kill }
        if let number = Int32(text) { return (1...4095).contains(number) ? .errno(number) : nil }
        return SandboxTables.errnoNumbers[text].map { .errno($0) }
    }

    /// `SystemCallArchitectures=`: libseccomp's architecture names, `native` for corrald's own.
    public static func systemCallArchitectures(_ text: String) throws(ValueError) -> ParsedValue<[String]> {
        var warnings: [ValueError] = []
        var names: [String] = []
        for word in try words(text) {
            guard systemCallArchitectureNames.contains(word) else {
                warnings.append(
                    ValueError("Failed to parse system call architecture \"\(word)\", ignoring: Invalid argument"))
                continue
            }
            if !names.contains(word) { names.append(word) }
        }
        return ParsedValue(names, warnings: warnings)
    }

    static let systemCallArchitectureNames: Set<String> = [
        "native", "x86", "x86-64", "x32", "arm", "arm64", "loongarch64", "mips", "mips64", "mips64-n32", "mipsel",
        "mipsel64", "mipsel64-n32", "parisc", "parisc64", "ppc", "ppc64", "ppc64-le", "riscv64", "s390", "s390x",
    ]

    /// `RestrictAddressFamilies=`: `AF_*` names, a deny list with `~`, or `none` (no socket at all).
    public static func addressFamilies(_ text: String, merging existing: FilterList<Int32>?) throws(ValueError)
        -> ParsedValue<FilterList<Int32>>
    {
        if text == "none" { return ParsedValue(FilterList(allowList: true, items: [])) }
        let allowList = !text.hasPrefix("~")
        var warnings: [ValueError] = []
        var families: [Int32] = []
        for word in try words(allowList ? text : String(text.dropFirst())) {
            guard let family = SandboxTables.addressFamilies[word] else {
                warnings.append(ValueError("Failed to parse address family, ignoring: \(word)"))
                continue
            }
            if !families.contains(family) { families.append(family) }
        }
        return ParsedValue(
            FilterList.merging(existing, FilterList(allowList: allowList, items: families)), warnings: warnings)
    }

    /// `CapabilityBoundingSet=`, `AmbientCapabilities=`: `CAP_*` names, or with `~` every other one.
    /// Later assignments are merged: ORed, or ANDed when prefixed with `~` (systemd.exec(5)); the caller
    /// makes an empty value the empty set.
    public static func capabilities(_ text: String, merging existing: CapabilitySet?) throws(ValueError)
        -> ParsedValue<CapabilitySet>
    {
        let inverted = text.hasPrefix("~")
        var warnings: [ValueError] = []
        var mask: UInt64 = 0
        for word in try words(inverted ? String(text.dropFirst()) : text) {
            guard let number = SandboxTables.capabilities[word.uppercased()] else {
                warnings.append(ValueError("Failed to parse capability, ignoring: \(word)"))
                continue
            }
            mask |= 1 << UInt64(number)
        }
        let merged =
            inverted
            ? (existing?.mask ?? CapabilitySet.all.mask) & CapabilitySet.all.mask & ~mask
            : (existing?.mask ?? 0) | mask
        return ParsedValue(CapabilitySet(mask: merged), warnings: warnings)
    }

    /// `SystemCallErrorNumber=`.
    public static func systemCallErrorNumber(_ text: String) throws(ValueError) -> SystemCallRefusal {
        guard let refusal = systemCallRefusal(text) else {
            throw ValueError("Failed to parse error number, ignoring: \(text)")
        }
        return refusal
    }
}

extension SandboxTables {
    /// Every system call name that some group lists (`@known` holds them all).
    public static let knownSystemCalls: Set<String> = Set(
        systemCallGroups.values.joined().filter { !$0.hasPrefix("@") })

    /// The system calls `name` stands for: itself, or its group's members with the groups they
    /// include expanded, in the table's order.
    public static func systemCalls(in name: String) -> [String] {
        guard name.hasPrefix("@") else { return [name] }
        var names: [String] = []
        var visited: Set<String> = []
        func visit(_ group: String) {
            guard visited.insert(group).inserted else { return }
            for member in systemCallGroups[group] ?? [] {
                if member.hasPrefix("@") { visit(member) } else if !names.contains(member) { names.append(member) }
            }
        }
        visit(name)
        return names
    }
}

/// Namespace types as their `CLONE_NEW*` flags (`RestrictNamespaces=`).
public struct NamespaceSet: Sendable, Equatable {
    public var flags: UInt64

    public init(flags: UInt64) {
        self.flags = flags
    }

    /// The names systemd 252 accepts, with their flags.
    public static let names: [(String, UInt64)] = [
        ("cgroup", 0x0200_0000), ("ipc", 0x0800_0000), ("net", 0x4000_0000), ("mnt", 0x0002_0000),
        ("pid", 0x2000_0000), ("user", 0x1000_0000), ("uts", 0x0400_0000),
    ]
    public static let all = NamespaceSet(flags: names.reduce(0) { $0 | $1.1 })
}

extension Grammar {
    /// `RestrictNamespaces=`: a boolean (yes: none may be created), or the namespace types that may
    /// be (`~`: all but those). The result is the set allowed; lines of types are ORed, `~` lines
    /// ANDed. One unknown type makes systemd ignore the whole line.
    public static func restrictNamespaces(_ text: String, merging existing: NamespaceSet?) throws(ValueError)
        -> NamespaceSet
    {
        if let restrict = try? boolean(text) { return restrict ? NamespaceSet(flags: 0) : .all }
        let inverted = text.hasPrefix("~")
        var flags: UInt64 = 0
        for word in try words(inverted ? String(text.dropFirst()) : text) {
            guard let flag = NamespaceSet.names.first(where: { $0.0 == word })?.1 else {
                throw ValueError("Failed to parse namespace type string, ignoring: \(text)")
            }
            flags |= flag
        }
        return NamespaceSet(
            flags: inverted ? (existing?.flags ?? NamespaceSet.all.flags) & ~flags : (existing?.flags ?? 0) | flags)
    }
}
