/// An IPv4 or IPv6 address prefix (`IPAddressAllow=`, `IPAddressDeny=`), its host bits cleared as
/// systemd stores it.
public struct IPAddressPrefix: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// 4 bytes for IPv4, 16 for IPv6, in network order.
    public var address: [UInt8]
    public var length: Int

    public init(address: [UInt8], length: Int) {
        self.address = address.enumerated().map { index, byte in
            let kept = min(max(length - index * 8, 0), 8)
            return kept == 8 ? byte : byte & ~(0xff >> UInt8(kept))
        }
        self.length = length
    }

    public var isIPv6: Bool { address.count == 16 }

    /// IPv4 before IPv6, then by address and length.
    public static func < (a: Self, b: Self) -> Bool {
        if a.address.count != b.address.count { return a.address.count < b.address.count }
        if a.address != b.address { return a.address.lexicographicallyPrecedes(b.address) }
        return a.length < b.length
    }

    public var description: String { "\(Self.text(of: address))/\(length)" }

    /// The address in its usual form: dotted quad, or RFC 5952 IPv6 (the longest run of two or
    /// more zero groups as `::`, an embedded IPv4 address dotted).
    static func text(of address: [UInt8]) -> String {
        guard address.count == 16 else { return address.map(String.init).joined(separator: ".") }
        let groups = stride(from: 0, to: 16, by: 2).map { Int(address[$0]) << 8 | Int(address[$0 + 1]) }
        var best: Range<Int>?
        var start: Int?
        for index in 0...8 {
            if index < 8 && groups[index] == 0 {
                if start == nil { start = index }
            } else if let first = start {
                if index - first >= 2 && index - first > best?.count ?? 0 { best = first..<index }
                start = nil
            }
        }
        // As glibc's inet_ntop: an IPv4-compatible or -mapped address ends in dotted form.
        if best?.lowerBound == 0 && (best?.count == 6 || best?.count == 5 && groups[5] == 0xffff) {
            return (best?.count == 5 ? "::ffff:" : "::") + text(of: Array(address[12...]))
        }
        let hex = groups.map { String($0, radix: 16) }
        guard let best else { return hex.joined(separator: ":") }
        return hex[..<best.lowerBound].joined(separator: ":") + "::" + hex[best.upperBound...].joined(separator: ":")
    }
}

extension Grammar {
    /// `IPAddressAllow=`/`IPAddressDeny=` words: `ADDRESS[/LENGTH]` (a full-length prefix without
    /// one) or `any`, `localhost`, `link-local`, `multicast`. A bad word is ignored with a warning,
    /// as systemd 252 does; the others apply.
    public static func ipAddressPrefixes(_ text: String) throws(ValueError) -> ParsedValue<[IPAddressPrefix]> {
        var prefixes: [IPAddressPrefix] = []
        var warnings: [ValueError] = []
        for word in try words(text) {
            if let named = namedPrefixes[word] {
                prefixes += named
            } else if let prefix = ipAddressPrefix(word) {
                prefixes.append(prefix)
            } else {
                warnings.append(ValueError("Address prefix is invalid, ignoring assignment: \(word)"))
            }
        }
        return ParsedValue(prefixes, warnings: warnings)
    }

    private static let namedPrefixes: [String: [IPAddressPrefix]] = [
        "any": [v4([0, 0, 0, 0], 0), v6([], 0)],
        "localhost": [v4([127, 0, 0, 0], 8), v6([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], 128)],
        "link-local": [v4([169, 254, 0, 0], 16), v6([0xfe, 0x80], 64)],
        "multicast": [v4([224, 0, 0, 0], 4), v6([0xff], 8)],
    ]

    private static func v4(_ bytes: [UInt8], _ length: Int) -> IPAddressPrefix {
        IPAddressPrefix(address: bytes, length: length)
    }

    private static func v6(_ leading: [UInt8], _ length: Int) -> IPAddressPrefix {
        IPAddressPrefix(address: leading + Array(repeating: 0, count: 16 - leading.count), length: length)
    }

    static func ipAddressPrefix(_ word: String) -> IPAddressPrefix? {
        let parts = word.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = ipv4Address(parts[0]) ?? ipv6Address(parts[0]) else { return nil }
        guard parts.count == 2 else { return IPAddressPrefix(address: address, length: address.count * 8) }
        guard parts[1].allSatisfy(\.isASCII), let length = Int(parts[1]), length >= 0, length <= address.count * 8
        else { return nil }
        return IPAddressPrefix(address: address, length: length)
    }

    /// Four decimal numbers 0…255 separated by dots.
    static func ipv4Address(_ text: Substring) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        let bytes = parts.compactMap { part -> UInt8? in
            guard (1...3).contains(part.count), part.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
            return UInt8(part)
        }
        return bytes.count == 4 ? bytes : nil
    }

    /// Eight groups of 1…4 hex digits, one `::` standing for one or more zero groups, and an IPv4
    /// address in place of the last two.
    static func ipv6Address(_ text: Substring) -> [UInt8]? {
        func groups(_ part: Substring, allowIPv4: Bool) -> [UInt16]? {
            guard !part.isEmpty else { return [] }
            var result: [UInt16] = []
            let pieces = part.split(separator: ":", omittingEmptySubsequences: false)
            for (index, piece) in pieces.enumerated() {
                if allowIPv4 && index == pieces.count - 1, piece.contains("."), let v4 = ipv4Address(piece) {
                    result += [UInt16(v4[0]) << 8 | UInt16(v4[1]), UInt16(v4[2]) << 8 | UInt16(v4[3])]
                } else {
                    guard (1...4).contains(piece.count), piece.allSatisfy(\.isHexDigit),
                        let value = UInt16(piece, radix: 16)
                    else { return nil }
                    result.append(value)
                }
            }
            return result
        }
        let halves = text.split(separator: "::", omittingEmptySubsequences: false)
        let words: [UInt16]
        switch halves.count {
        case 1:
            guard let all = groups(text, allowIPv4: true), all.count == 8 else { return nil }
            words = all
        case 2:
            guard let head = groups(halves[0], allowIPv4: false), let tail = groups(halves[1], allowIPv4: true),
                head.count + tail.count <= 7
            else { return nil }
            words = head + Array(repeating: 0, count: 8 - head.count - tail.count) + tail
        default: return nil
        }
        return words.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xff)] }
    }
}
