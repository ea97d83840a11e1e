/// One request or response on the control socket: ordered `KEY=VALUE` fields.
///
/// Wire format (documented in docs/protocol.md): one field per line, `KEY=VALUE\n`, where the value
/// escapes `\` as `\\` and a newline as `\n`; an empty line ends the message. Keys are
/// `[A-Za-z0-9_.-]+` and may repeat (lists keep their order).
public struct Message: Sendable, Equatable {
    public var fields: [Field]

    public struct Field: Sendable, Equatable {
        public var key: String
        public var value: String

        public init(_ key: String, _ value: String) {
            self.key = key
            self.value = value
        }
    }

    public init(_ fields: [Field] = []) {
        self.fields = fields
    }

    /// The first value of `key`.
    public subscript(key: String) -> String? {
        fields.first { $0.key == key }?.value
    }

    /// Every value of `key`, in order.
    public func values(_ key: String) -> [String] {
        fields.filter { $0.key == key }.map(\.value)
    }

    public mutating func append(_ key: String, _ value: String) {
        fields.append(Field(key, value))
    }

    /// The message's bytes on the wire, terminator included.
    public var encoded: [UInt8] {
        var bytes: [UInt8] = []
        for field in fields {
            bytes += field.key.utf8
            bytes.append(UInt8(ascii: "="))
            for byte in field.value.utf8 {
                switch byte {
                case UInt8(ascii: "\\"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
                case UInt8(ascii: "\n"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
                default: bytes.append(byte)
                }
            }
            bytes.append(UInt8(ascii: "\n"))
        }
        bytes.append(UInt8(ascii: "\n"))
        return bytes
    }
}

/// Why bytes from a peer were not a valid message.
public struct ProtocolError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}

/// Splits a byte stream into messages, with a bound on the size of any one message.
public struct MessageDecoder: Sendable {
    public static let maximumMessageSize = 1 << 20
    private var pending: [UInt8] = []
    /// How much of `pending` has been searched for a message end without finding one, so bytes fed
    /// a few at a time are not searched again each time (which made a large message quadratic).
    private var searched = 0

    public init() {}

    /// Feeds bytes read from the peer; returns every message they complete.
    public mutating func feed(_ bytes: some Sequence<UInt8>) throws(ProtocolError) -> [Message] {
        pending += bytes
        var messages: [Message] = []
        while let (blockEnd, consumed) = Self.messageEnd(in: pending, from: searched) {
            messages.append(try Self.decode(pending[..<blockEnd]))
            pending.removeFirst(consumed)
            searched = 0
        }
        // The last byte may be the first newline of a terminator the next bytes complete.
        searched = max(pending.count - 1, 0)
        if pending.count > Self.maximumMessageSize {
            throw ProtocolError("message larger than \(Self.maximumMessageSize) bytes")
        }
        return messages
    }

    /// Where the first message's fields end and how many bytes it takes with its terminator; no
    /// terminator starts before `start`.
    private static func messageEnd(in bytes: [UInt8], from start: Int) -> (blockEnd: Int, consumed: Int)? {
        let newline = UInt8(ascii: "\n")
        if bytes.first == newline { return (0, 1) }
        var index = start
        while index + 1 < bytes.count {
            if bytes[index] == newline && bytes[index + 1] == newline { return (index, index + 2) }
            index += 1
        }
        return nil
    }

    private static func decode(_ block: ArraySlice<UInt8>) throws(ProtocolError) -> Message {
        var message = Message()
        if block.isEmpty { return message }
        for line in block.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            guard let equals = line.firstIndex(of: UInt8(ascii: "=")) else {
                throw ProtocolError("field without '=': \(String(decoding: line, as: UTF8.self))")
            }
            let key = String(decoding: line[..<equals], as: UTF8.self)
            guard !key.isEmpty, key.utf8.allSatisfy(isKeyByte) else {
                throw ProtocolError("invalid field name '\(key)'")
            }
            var value: [UInt8] = []
            var escaped = false
            for byte in line[(equals + 1)...] {
                if escaped {
                    switch byte {
                    case UInt8(ascii: "\\"): value.append(byte)
                    case UInt8(ascii: "n"): value.append(UInt8(ascii: "\n"))
                    default: throw ProtocolError("invalid escape in field '\(key)'")
                    }
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else {
                    value.append(byte)
                }
            }
            if escaped { throw ProtocolError("dangling escape in field '\(key)'") }
            message.append(key, String(decoding: value, as: UTF8.self))
        }
        return message
    }

    private static func isKeyByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "-"):
            return true
        default:
            return false
        }
    }
}
