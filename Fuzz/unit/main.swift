// libFuzzer target: building units from arbitrary assignments (scripts/fuzz.sh, docs/fuzzing.md).
//
// The first byte picks the unit type; the rest is a unit file. It is loaded as corralctl and corrald
// load a fragment (UnitLoader: parser, property table, specifiers, service_verify), every assignment
// is also applied as `run -p`/`set-property` would (UnitBuilder.applyProperty), and both units are
// rendered as `show` renders them.
import Glibc
import UnitFile
import UnitModel

let host = HostFacts(
    memory: 8 << 30, swap: 1 << 30, cpus: 4, pidMax: 4_194_304, threadsMax: 63_704, rootPidsMax: 10_000,
    controllers: Set(Controller.allCases), devices: ["/dev/sda": BlockDevice(major: 8, minor: 0, supportsWeight: true)])

/// With CORRAL_FUZZ_DICTIONARY=PATH, writes every directive name as a libFuzzer dictionary and exits.
@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(
    _ argc: UnsafeMutablePointer<CInt>?,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?
) -> CInt {
    guard let path = getenv("CORRAL_FUZZ_DICTIONARY") else { return 0 }
    let names = PropertyTable.all.map(\.name).sorted()
    let text = names.map { "\"\($0)=\"\n" }.joined()
    guard let file = fopen(path, "w") else { exit(1) }
    fputs(text, file)
    fclose(file)
    exit(0)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard size > 0, let data else { return 0 }
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    let type = UnitType.allCases[Int(input[0]) % UnitType.allCases.count]
    let name = try! UnitName("fuzz." + type.rawValue)
    // Scopes have no fragment (a scope file is refused before anything is parsed).
    let fragment: String? = type == .scope ? nil : "/fuzz/\(name)"
    let parsed = UnitFileParser.parse(Array(input.dropFirst()), file: fragment ?? "/fuzz/transient")
    let location = UnitLocation(name: name, fragmentPath: fragment, isMasked: false, names: [name], dropInPaths: [])
    let loaded = UnitLoader.load(
        UnitSources(location: location, files: [parsed], readErrors: []),
        context: SpecifierContext(unitName: name, fragmentPath: fragment))
    require(loaded.unit.type == type, "type changed")
    if loaded.loadState == .loaded {
        require(!loaded.diagnostics.contains { $0.severity == .error }, "loaded with an error")
    }
    render(loaded.unit)

    var transient = Unit(name: name.description, type: type)
    for assignment in parsed.assignments {
        _ = UnitBuilder.applyProperty("\(assignment.key)=\(assignment.value)", to: &transient)
    }
    render(transient)
    return 0
}

func render(_ unit: Unit) {
    let properties = ShowProperties.properties(of: unit, host: host)
    _ = ShowProperties.text(properties)
    _ = ShowProperties.json(properties)
}

/// A failed check, with its message (an optimised build drops `precondition`'s message).
func require(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError(message()) }
}
