import UnitModel

/// `IPAddressAllow=`/`IPAddressDeny=` as systemd 252's bpf-firewall.c enforces them: a cgroup
/// socket-buffer program per direction on the unit's cgroup checks a packet's address (the source
/// coming in, the destination going out) against the unit's lists joined with those of every slice
/// above it. An address in the allow list passes; otherwise one in the deny list is dropped;
/// otherwise it passes. Slices get no program of their own: their lists act through their members.
public struct IPAccessFilter: Sendable, Equatable, Codable {
    public var allow: [IPAddressPrefix]
    public var deny: [IPAddressPrefix]

    public init(allow: [IPAddressPrefix], deny: [IPAddressPrefix]) {
        self.allow = allow
        self.deny = deny
    }

    /// The filter for a unit inside `slices` (their settings, in any order); nil without lists,
    /// and for slices themselves.
    static func filter(for unit: Unit, slices: [ResourceSettings]) -> IPAccessFilter? {
        guard unit.type == .service || unit.type == .scope else { return nil }
        let all = [unit.resources] + slices
        let filter = IPAccessFilter(
            allow: Array(Set(all.flatMap(\.ipAddressAllow))).sorted(),
            deny: Array(Set(all.flatMap(\.ipAddressDeny))).sorted())
        return filter.allow.isEmpty && filter.deny.isEmpty ? nil : filter
    }

    /// One of the four prefix maps the programs look up.
    public struct Map: Sendable, Hashable, CaseIterable {
        public var allows: Bool
        public var isIPv6: Bool

        public static let allCases = [
            Map(allows: true, isIPv6: false), Map(allows: true, isIPv6: true), Map(allows: false, isIPv6: false),
            Map(allows: false, isIPv6: true),
        ]

        /// A key: the prefix length (4 bytes, host order), then the address.
        public var keySize: Int { 4 + (isIPv6 ? 16 : 4) }
    }

    /// The keys of a map (the prefixes of its list and family), little-endian lengths; empty: the
    /// program does not use the map.
    public func keys(of map: Map) -> [[UInt8]] {
        (map.allows ? allow : deny).filter { $0.isIPv6 == map.isIPv6 }.map { prefix in
            (0..<4).map { UInt8((UInt32(prefix.length) >> (8 * $0)) & 0xFF) } + prefix.address
        }
    }

    /// The program for one direction; `maps` gives the descriptor of each map that has keys.
    ///
    /// r6 holds the packet, r7 its protocol, r8 the verdict bits (1: in an allow list, 2: in a deny
    /// list). For each family with maps: the address is copied onto the stack behind its prefix
    /// length (an LPM key), and each map's lookup sets its bit.
    public func program(ingress: Bool, maps: [Map: Int32]) -> [EBPFInstruction] {
        var program: [EBPFInstruction] = [
            .move64(6, 1), .moveImmediate(8, 0),
            .loadWord(into: 7, from: 6, offset: 16),  // __sk_buff.protocol, network order
        ]
        for isIPv6 in [false, true] {
            let used = [true, false].compactMap { allows in
                maps[Map(allows: allows, isIPv6: isIPv6)].map { (allows, $0) }
            }
            guard !used.isEmpty else { continue }
            let size: Int32 = isIPv6 ? 16 : 4
            // struct iphdr's saddr/daddr at 12/16, struct ipv6hdr's at 8/24.
            let offset: Int32 = isIPv6 ? (ingress ? 8 : 24) : (ingress ? 12 : 16)
            let key = Int16(-(size + 4))
            var block: [EBPFInstruction] = [
                .move64(1, 6), .moveImmediate(2, offset), .move64(3, 10), .add64Immediate(3, -size),
                .moveImmediate(4, size), .call(26),  // BPF_FUNC_skb_load_bytes
                .jumpIfNotEqual(0, 0), .storeWord(size * 8, into: 10, offset: key),
            ]
            let failedLoad = block.count - 2
            for (allows, fd) in used {
                block += EBPFInstruction.loadMap(1, fd: fd)
                block += [
                    .move64(2, 10), .add64Immediate(2, Int32(key)), .call(1),  // BPF_FUNC_map_lookup_elem
                    .jumpIfEqual(0, 0, offset: 1), .orImmediate(8, allows ? 1 : 2),
                ]
            }
            block[failedLoad].offset = Int16(block.count - failedLoad - 1)
            // ETH_P_IPV6 and ETH_P_IP as a little-endian load of the big-endian field reads them.
            program.append(.jumpIfNotEqual(7, isIPv6 ? 0xDD86 : 0x0008, offset: Int16(block.count)))
            program += block
        }
        return program + [
            .moveImmediate(0, 1), .jumpIfAnySet(8, 1, offset: 2), .jumpIfEqual(8, 0, offset: 1),
            .moveImmediate(0, 0), .exit,
        ]
    }
}
