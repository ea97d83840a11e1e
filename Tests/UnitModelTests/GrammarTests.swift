import Testing
import UnitFile
import UnitModel

/// The outcome of parsing one value, compared as a whole.
enum Parsed<Value: Equatable & Sendable>: Equatable, Sendable {
    case value(Value)
    case refused(String)

    init(_ parse: () throws(ValueError) -> Value) {
        do { self = .value(try parse()) } catch { self = .refused(error.message) }
    }
}

@Suite struct BooleanGrammarTests {
    @Test(arguments: [
        ("1", Parsed.value(true)), ("yes", .value(true)), ("Y", .value(true)), ("TRUE", .value(true)),
        ("t", .value(true)), ("On", .value(true)),
        ("0", .value(false)), ("no", .value(false)), ("n", .value(false)), ("False", .value(false)),
        ("f", .value(false)), ("OFF", .value(false)),
        ("maybe", .refused("invalid boolean 'maybe'")), ("", .refused("invalid boolean ''")),
        ("yes ", .refused("invalid boolean 'yes '")),
    ])
    func boolean(text: String, expected: Parsed<Bool>) {
        #expect(Parsed { () throws(ValueError) in try Grammar.boolean(text) } == expected)
    }
}

@Suite struct NumberGrammarTests {
    // systemd reads numbers with strtoull base 0: `StartLimitBurst=0x10` and `=010` load.
    @Test(arguments: [
        ("5", Parsed.value(UInt64(5))), (" 5", .value(5)), ("+3", .value(3)), ("0x10", .value(16)),
        ("010", .value(8)), ("0", .value(0)), ("18446744073709551615", .value(.max)),
        ("18446744073709551616", .refused("invalid number '18446744073709551616'")),
        ("-1", .refused("invalid number '-1'")), ("abc", .refused("invalid number 'abc'")),
        ("", .refused("invalid number ''")), ("5 ", .refused("invalid number '5 '")),
        ("08", .refused("invalid number '08'")),
    ])
    func unsigned(text: String, expected: Parsed<UInt64>) {
        #expect(Parsed { () throws(ValueError) in try Grammar.unsigned(text) } == expected)
    }
}

@Suite struct TimeSpanGrammarTests {
    // Values checked with `systemd-analyze timespan`.
    @Test(arguments: [
        ("1min 30s", Parsed.value(USec(90_000_000))), ("1min30s", .value(90_000_000)), ("100ms", .value(100_000)),
        ("2h", .value(7_200_000_000)), ("5", .value(5_000_000)), ("1.5", .value(1_500_000)),
        (".5s", .value(500_000)), ("1y", .value(31_557_600_000_000)), ("1M", .value(2_629_800_000_000)),
        ("2m", .value(120_000_000)), ("1w 2d", .value(777_600_000_000)), ("3 µs", .value(3)),
        ("3\u{3BC}s", .value(3)), ("1.5h", .value(5_400_000_000)), ("5 10", .value(15_000_000)),
        ("12.34s.56", .value(12_900_000)), ("infinity", .value(.infinity)), (" infinity ", .value(.infinity)),
        ("+5s", .value(5_000_000)), ("1 hr", .value(3_600_000_000)), ("0", .value(0)),
        ("2 minutes 3 seconds", .value(123_000_000)), ("1d", .value(86_400_000_000)),
        ("5x", .refused("invalid time span '5x'")), ("-1", .refused("invalid time span '-1'")),
        ("1.2.3", .refused("invalid time span '1.2.3'")), ("5.", .refused("invalid time span '5.'")),
        ("", .refused("invalid time span ''")), ("1.s", .refused("invalid time span '1.s'")),
        ("infinityx", .refused("invalid time span 'infinityx'")),
        ("99999999999y", .refused("invalid time span '99999999999y'")),
    ])
    func seconds(text: String, expected: Parsed<USec>) {
        #expect(Parsed { () throws(ValueError) in try Grammar.timeSpan(text) } == expected)
    }

    @Test func defaultUnitApplies() throws {
        #expect(try Grammar.timeSpan("7", defaultUnit: 1) == 7)
        #expect(try Grammar.timeSpan("7s", defaultUnit: 1) == 7_000_000)
    }
}

@Suite struct SizeGrammarTests {
    // `MemoryMax=1G 512M`, `1.5 G`, `1.G`, `1T 2K 5` and `1024B` load in systemd 252; `1g`, `512M 1G`,
    // `1KB` and `1.5.5G` do not.
    @Test(arguments: [
        ("1024", Parsed.value(UInt64(1024))), ("1K", .value(1024)), ("1.5G", .value(1_610_612_736)),
        ("1G 512M", .value(1_610_612_736)), ("1.5 G", .value(1_610_612_736)), ("1.G", .value(1_073_741_824)),
        ("1T 2K 5", .value(1_099_511_629_829)), ("1024B", .value(1024)), ("1E", .value(1 << 60)),
        ("0", .value(0)),
        ("1g", .refused("invalid size '1g'")), ("512M 1G", .refused("invalid size '512M 1G'")),
        ("1KB", .refused("invalid size '1KB'")), ("1.5.5G", .refused("invalid size '1.5.5G'")),
        ("foo", .refused("invalid size 'foo'")), ("", .refused("invalid size ''")),
        ("-1", .refused("invalid size '-1'")), ("16E", .refused("invalid size '16E'")),
    ])
    func memory(text: String, expected: Parsed<UInt64>) {
        #expect(Parsed { () throws(ValueError) in try Grammar.size(text, base: 1024) } == expected)
    }

    @Test(arguments: [
        ("10M", Parsed.value(UInt64(10_000_000))), ("1K", .value(1000)), ("1.5K", .value(1500)),
        ("infinity", .value(.max)),
        ("0", .refused("invalid IO limit '0'")), ("foo", .refused("invalid IO limit 'foo'")),
    ])
    func ioLimit(text: String, expected: Parsed<UInt64>) {
        #expect(Parsed { () throws(ValueError) in try Grammar.ioLimit(text) } == expected)
    }
}

@Suite struct MemoryLimitGrammarTests {
    // systemd 252 refuses `MemoryMax=0`, `MemoryHigh=0` and `0%` ("out of range"), accepts
    // `MemoryLow=0` and `MemorySwapMax=0`, and refuses percentages above 100%.
    @Test(arguments: [
        ("1G", false, Parsed.value(MemoryLimit.bytes(1 << 30))), ("infinity", false, .value(.infinity)),
        ("50%", false, .value(.permyriad(5000))), ("12.34%", false, .value(.permyriad(1234))),
        ("50.5%", false, .value(.permyriad(5050))), ("5\u{2030}", false, .value(.permyriad(50))),
        ("5.5\u{2030}", false, .value(.permyriad(55))), ("7\u{2031}", false, .value(.permyriad(7))),
        ("100%", false, .value(.permyriad(10_000))), ("0", true, .value(.bytes(0))),
        ("0%", true, .value(.permyriad(0))),
        ("0", false, .refused("memory limit '0' out of range")),
        ("0%", false, .refused("memory limit '0%' out of range")),
        ("200%", false, .refused("memory limit '200%' out of range")),
        ("foo", false, .refused("invalid size 'foo'")), ("12.345%", false, .refused("invalid size '12.345%'")),
        ("5.%", false, .refused("invalid size '5.%'")),
        ("5.55\u{2030}", false, .refused("invalid size '5.55\u{2030}'")),
    ])
    func memoryLimit(text: String, allowsZero: Bool, expected: Parsed<MemoryLimit>) {
        #expect(Parsed { () throws(ValueError) in try Grammar.memoryLimit(text, allowsZero: allowsZero) } == expected)
    }
}

@Suite struct CPUGrammarTests {
    // systemd 252 accepts `CPUQuota=0.5%` and `300%`, refuses `0%`, `0.001%`, `12.345%` and `50`.
    @Test(arguments: [
        ("50%", Parsed.value(USec(500_000))), ("0.5%", .value(5000)), ("300%", .value(3_000_000)),
        ("12.34%", .value(123_400)), ("5\u{2030}", .value(5000)),
        ("0%", .refused("invalid CPU quota '0%'")), ("0.001%", .refused("invalid CPU quota '0.001%'")),
        ("12.345%", .refused("invalid CPU quota '12.345%'")), ("50", .refused("invalid CPU quota '50'")),
    ])
    func cpuQuota(text: String, expected: Parsed<USec>) {
        #expect(Parsed { () throws(ValueError) in try Grammar.cpuQuota(text) } == expected)
    }

    @Test(arguments: [
        ("100", Parsed.value(CPUWeight.weight(100))), ("1", .value(.weight(1))), ("10000", .value(.weight(10_000))),
        ("idle", .value(.idle)), ("0x10", .value(.weight(16))),
        ("10001", .refused("CPU weight '10001' out of range 1-10000")),
        ("0", .refused("CPU weight '0' out of range 1-10000")), ("foo", .refused("invalid CPU weight 'foo'")),
    ])
    func cpuWeight(text: String, expected: Parsed<CPUWeight>) {
        #expect(Parsed { () throws(ValueError) in try Grammar.cpuWeight(text) } == expected)
    }

    @Test(arguments: [
        ("0-3,7", Parsed.value(CPUSet([0, 1, 2, 3, 7]))), ("0-3 5,7", .value(CPUSet([0, 1, 2, 3, 5, 7]))),
        ("0 ,1", .value(CPUSet([0, 1]))), ("", .value(CPUSet([]))),
        ("a", .refused("invalid CPU set 'a'")), ("70000", .refused("CPU index 70000 in '70000' above 65535")),
    ])
    func cpuSet(text: String, expected: Parsed<CPUSet>) {
        #expect(Parsed { () throws(ValueError) in try Grammar.cpuSet(text).value } == expected)
    }

    /// systemd skips an inverted range with a warning and keeps the rest of the line.
    @Test func anInvertedRangeIsSkipped() throws {
        let parsed = try Grammar.cpuSet("0-1 3-2")
        #expect(parsed.value == CPUSet([0, 1]))
        #expect(parsed.warnings.map(\.message) == ["Range '3-2' is invalid, 3 > 2, ignoring."])
    }
}

@Suite struct TasksMaxGrammarTests {
    // systemd 252 accepts `TasksMax=0%` and `0x10`, refuses `0` and `101%`.
    @Test(arguments: [
        ("100", Parsed.value(TasksLimit.count(100))), ("0x10", .value(.count(16))), ("12.5%", .value(.permyriad(1250))),
        ("0%", .value(.permyriad(0))), ("infinity", .value(.infinity)),
        ("0", .refused("tasks maximum '0' out of range")), ("101%", .refused("invalid tasks maximum '101%'")),
        ("foo", .refused("invalid tasks maximum 'foo'")),
    ])
    func tasksMax(text: String, expected: Parsed<TasksLimit>) {
        #expect(Parsed { () throws(ValueError) in try Grammar.tasksMax(text) } == expected)
    }
}

@Suite struct SignalGrammarTests {
    // systemd 252: names are case-sensitive; `0`, `65` and `RTMIN+40` are refused.
    @Test(arguments: [
        ("SIGTERM", Parsed.value(Int32(15))), ("TERM", .value(15)), ("15", .value(15)), ("9", .value(9)),
        ("SIGKILL", .value(9)), ("HUP", .value(1)), ("SYS", .value(31)), ("RTMIN", .value(34)),
        ("SIGRTMIN+1", .value(35)), ("RTMAX", .value(64)), ("RTMAX-1", .value(63)), ("RTMIN+30", .value(64)),
        ("term", .refused("invalid signal 'term'")), ("0", .refused("invalid signal '0'")),
        ("65", .refused("invalid signal '65'")), ("RTMIN+40", .refused("invalid signal 'RTMIN+40'")),
        ("SIG15", .refused("invalid signal 'SIG15'")), ("", .refused("invalid signal ''")),
    ])
    func signal(text: String, expected: Parsed<Int32>) {
        #expect(Parsed { () throws(ValueError) in try Grammar.signal(text) } == expected)
    }

    @Test func exitStatusesKeepValidWordsNextToRefusedOnes() {
        var set = ExitStatusSet(statuses: [1])
        #expect(throws: ValueError("invalid exit status 'SIGFOO', '256'")) {
            try Grammar.addExitStatuses("SIGKILL TERM 1 255 SIGFOO 256 010", to: &set)
        }
        #expect(set == ExitStatusSet(statuses: [1, 255, 8], signals: [9, 15]))
    }
}

@Suite struct ResourceLimitGrammarTests {
    // Verified with systemd-analyze: LimitNICE=20, +19, -5 load; 41, -21, infinity do not; LimitNOFILE=1K,
    // 1:, :1, 10:5 do not; LimitCPU=1.5s and LimitSTACK=1.5K load.
    @Test(arguments: [
        ("LimitCPU", "1h", Parsed.value(ResourceLimit(soft: 3600, hard: 3600))),
        ("LimitCPU", "1500ms", .value(ResourceLimit(soft: 2, hard: 2))),
        ("LimitCPU", "10:infinity", .value(ResourceLimit(soft: 10, hard: .max))),
        ("LimitRTTIME", "1s", .value(ResourceLimit(soft: 1_000_000, hard: 1_000_000))),
        ("LimitRTTIME", "500", .value(ResourceLimit(soft: 500, hard: 500))),
        ("LimitAS", "1G", .value(ResourceLimit(soft: 1 << 30, hard: 1 << 30))),
        ("LimitSTACK", "1.5K", .value(ResourceLimit(soft: 1536, hard: 1536))),
        ("LimitNOFILE", "5:10", .value(ResourceLimit(soft: 5, hard: 10))),
        ("LimitNOFILE", "infinity", .value(ResourceLimit(soft: .max, hard: .max))),
        ("LimitNICE", "20", .value(ResourceLimit(soft: 20, hard: 20))),
        ("LimitNICE", "+19", .value(ResourceLimit(soft: 1, hard: 1))),
        ("LimitNICE", "-5", .value(ResourceLimit(soft: 25, hard: 25))),
        ("LimitNICE", "-20", .value(ResourceLimit(soft: 40, hard: 40))),
        ("LimitNICE", "41", .refused("invalid resource limit '41'")),
        ("LimitNICE", "-21", .refused("invalid resource limit '-21'")),
        ("LimitNICE", "infinity", .refused("invalid resource limit 'infinity'")),
        ("LimitNOFILE", "1K", .refused("invalid resource limit '1K'")),
        ("LimitNOFILE", "1:", .refused("invalid resource limit '1:'")),
        ("LimitNOFILE", ":1", .refused("invalid resource limit ':1'")),
        ("LimitNOFILE", "1:2:3", .refused("invalid resource limit '1:2:3'")),
        ("LimitNOFILE", "", .refused("invalid resource limit ''")),
        ("LimitNOFILE", "10:5", .refused("soft limit above hard limit in '10:5'")),
        ("LimitCORE", "infinity:1M", .refused("soft limit above hard limit in 'infinity:1M'")),
    ])
    func resourceLimit(directive: String, text: String, expected: Parsed<ResourceLimit>) throws {
        var unit = Unit(name: "a.service", type: .service)
        let descriptor = try #require(PropertyTable.descriptor(named: directive))
        let parsed = Parsed { () throws(ValueError) in
            try descriptor.assign(&unit, text)
            return unit.exec.limits.values.first!
        }
        #expect(parsed == expected)
    }
}
