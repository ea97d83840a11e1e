import Cgroups
import Testing

struct CgroupStatisticsTests {
    @Test func readsEveryCounterFromTheKernelsFiles() {
        let files = [
            "pids.current": "3",
            "memory.current": "4096",
            "memory.peak": "8192",
            "cpu.stat": "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\nnr_periods 0",
            "memory.events": "low 0\nhigh 0\nmax 2\noom 1\noom_kill 1\noom_group_kill 0",
            "io.stat": "254:0 rbytes=100 wbytes=200 rios=1 wios=2 dbytes=0 dios=0\n8:0 rbytes=5 wbytes=7 rios=1 wios=1",
            "memory.pressure":
                "some avg10=1.50 avg60=0.00 avg300=0.00 total=12\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=3",
        ]
        var expected = CgroupStatistics()
        expected.tasks = 3
        expected.memoryCurrent = 4096
        expected.memoryPeak = 8192
        expected.cpuUsageMicroseconds = 1500
        expected.oomKills = 1
        expected.ioReadBytes = 105
        expected.ioWriteBytes = 207
        expected.memoryPressure = Pressure(
            some: PressureLine(avg10: 150, avg60: 0, avg300: 0, totalMicroseconds: 12),
            full: PressureLine(avg10: 0, avg60: 0, avg300: 0, totalMicroseconds: 3))
        #expect(CgroupStatistics { files[$0] } == expected)
    }

    @Test func aPressureLineReadsBackAsTheKernelWroteIt() throws {
        let text = "avg10=12.05 avg60=0.50 avg300=100.00 total=123456789"
        let line = try #require(PressureLine(text))
        #expect(line == PressureLine(avg10: 1205, avg60: 50, avg300: 10000, totalMicroseconds: 123_456_789))
        #expect(line.text == text)
    }

    @Test func aPressureFileWithoutItsSomeLineIsNotRead() {
        #expect(Pressure("full avg10=0.00 avg60=0.00 avg300=0.00 total=3") == nil)
        #expect(Pressure("some avg10=1 avg60=0.00 avg300=0.00 total=3") == nil)
        #expect(Pressure("some avg10=0.00 avg60=0.00 avg300=0.00 total=3")?.full == nil)
    }

    @Test func aCgroupWithoutControllersCountsNothing() {
        #expect(CgroupStatistics { _ in nil } == CgroupStatistics())
    }
}
