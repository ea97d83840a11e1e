import Testing
import UnitModel

@testable import ResourceControl

@Suite struct IPAccessFilterTests {
    static func prefix(_ text: String) -> IPAddressPrefix {
        try! Grammar.ipAddressPrefixes(text).value[0]
    }

    /// An LPM key is the prefix length as a host-order (little-endian) word, then the address.
    @Test func keysAreLengthThenAddress() {
        let filter = IPAccessFilter(allow: [Self.prefix("10.0.0.0/8"), Self.prefix("::1")], deny: [])
        #expect(filter.keys(of: .init(allows: true, isIPv6: false)) == [[8, 0, 0, 0, 10, 0, 0, 0]])
        #expect(
            filter.keys(of: .init(allows: true, isIPv6: true))
                == [[128, 0, 0, 0] + Array(repeating: 0, count: 15) + [1]])
        #expect(filter.keys(of: .init(allows: false, isIPv6: false)) == [])
    }

    /// Each map the program is given is looked up once, and only those; the verdict comes last.
    @Test func theProgramLooksUpTheMapsItIsGiven() {
        let filter = IPAccessFilter(allow: [Self.prefix("10.0.0.0/8")], deny: [Self.prefix("any")])
        let maps: [IPAccessFilter.Map: Int32] = [
            .init(allows: true, isIPv6: false): 7, .init(allows: false, isIPv6: false): 8,
            .init(allows: false, isIPv6: true): 9,
        ]
        let program = filter.program(ingress: true, maps: maps)
        let mapLoads = program.filter { $0.code == 0x18 }.map(\.immediate)
        #expect(mapLoads == [7, 8, 9])
        #expect(program.suffix(5).map(\.code) == [0xB4, 0x45, 0x15, 0xB4, 0x95])
        // Every jump lands inside the program.
        for (index, instruction) in program.enumerated() where [0x15, 0x45, 0x55].contains(instruction.code) {
            #expect(index + 1 + Int(instruction.offset) < program.count)
        }
    }

    /// Only services and scopes get a filter; an empty one is none.
    @Test func slicesAndUnitsWithoutListsGetNone() {
        var slice = Unit(name: "a.slice", type: .slice)
        slice.resources.ipAddressDeny = [Self.prefix("any")]
        #expect(IPAccessFilter.filter(for: slice, slices: []) == nil)
        #expect(IPAccessFilter.filter(for: Unit(name: "a.service", type: .service), slices: []) == nil)
        #expect(
            IPAccessFilter.filter(for: Unit(name: "a.service", type: .service), slices: [slice.resources])?.deny
                == slice.resources.ipAddressDeny)
    }
}
