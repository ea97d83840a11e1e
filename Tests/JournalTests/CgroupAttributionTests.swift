import Journal
import Testing

@Suite struct CgroupAttributionTests {
    @Test(
        arguments: [
            ("/corral.slice/workload.slice/web.service", "web.service"),
            ("/corral.slice/system.slice/batch@1.service", "batch@1.service"),
            ("/system.slice/corrald.service/system.slice/web.service", "corrald.service"),
            ("/corral/system.slice/web.service", nil),
            ("/corral.slice/corrald.scope", "corrald.scope"),
            ("/corral.slice/workload.slice", nil),
            ("/", nil),
        ] as [(String, String?)])
    func journaldsUnitForACgroup(path: String, unit: String?) {
        #expect(CgroupAttribution.unit(ofCgroup: path) == unit)
    }
}
