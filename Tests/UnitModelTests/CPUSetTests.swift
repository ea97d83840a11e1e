import Testing
import UnitModel

@Suite struct CPUSetTests {
    @Test(arguments: [
        ([Int](), ""),
        ([0], "0"),
        ([3, 1, 2, 0, 7], "0-3,7"),
        ([5, 5, 6, 9, 10, 11, 13], "5-6,9-11,13"),
    ])
    func listFormat(indices: [Int], expected: String) {
        #expect(CPUSet(indices).listFormat == expected)
    }
}
