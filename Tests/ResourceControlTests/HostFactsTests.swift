import Testing
import UnitModel

@Suite struct HostFactsTests {
    @Test func taskLimitIsTheSmallestOfTheThreeKernelLimits() {
        var host = HostFacts(
            memory: 1 << 30, swap: 0, cpus: 2, pidMax: 4_194_304, threadsMax: 95_000, rootPidsMax: nil, controllers: [])
        #expect(host.taskLimit == 95_000)
        host.rootPidsMax = 20_000
        #expect(host.taskLimit == 20_000)
    }

    /// PIDs stay below pid_max and 0 is not a PID, so pid_max 32768 allows 32767 tasks (systemd's system_tasks_max).
    @Test func pidMaxCountsOneLessTask() {
        let host = HostFacts(
            memory: 1 << 30, swap: 0, cpus: 2, pidMax: 32_768, threadsMax: 95_000, rootPidsMax: nil, controllers: [])
        #expect(host.taskLimit == 32_767)
    }
}
