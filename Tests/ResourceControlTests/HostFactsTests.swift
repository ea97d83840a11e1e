import Testing
import UnitModel

@Suite struct HostFactsTests {
    @Test func taskLimitIsTheSmallestOfTheThreeKernelLimits() {
        var host = HostFacts(memory: 1 << 30, swap: 0, cpus: 2, pidMax: 4_194_304, threadsMax: 95_000, rootPidsMax: nil, controllers: [])
        #expect(host.taskLimit == 95_000)
        host.rootPidsMax = 20_000
        #expect(host.taskLimit == 20_000)
        host.pidMax = 16_384
        #expect(host.taskLimit == 16_383)
    }
}
