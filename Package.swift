// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "Corral",
    products: [
        .executable(name: "corrald", targets: ["corrald"]),
        .executable(name: "corralctl", targets: ["corralctl"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // Pure layers, left to right.
        .target(name: "UnitFile"),
        .target(name: "UnitModel", dependencies: ["UnitFile"]),
        .target(name: "ResourceControl", dependencies: ["UnitModel"]),
        // Enabling units: symbolic links in the configuration directory (the one writing library).
        .target(name: "UnitInstall", dependencies: ["UnitFile", "UnitModel", "SystemCall"]),
        // Host I/O: one thin system-call layer; the cgroupfs and the facts the pure layers take as input.
        .target(name: "CLinux"),
        .target(name: "SystemCall", dependencies: ["CLinux"]),
        .target(name: "Cgroups", dependencies: ["UnitFile", "UnitModel", "ResourceControl", "SystemCall"]),
        // Spawning: the child side in C, the parent side in Swift.
        // The exec sandbox (systemd.exec(5)): exec settings → a plan of capabilities and seccomp programs. Pure.
        .target(name: "ExecSandbox", dependencies: ["UnitModel"]),
        .target(name: "CSpawn"),
        .target(
            name: "Exec", dependencies: ["CSpawn", "CSeccomp", "ExecSandbox", "SystemCall", "UnitFile", "UnitModel"]),
        // The control socket's messages, shared by corrald and corralctl.
        .target(name: "ControlProtocol"),
        // The supervisor: state machines (pure) and the event loop that performs their actions.
        .target(
            name: "Supervisor",
            dependencies: [
                "UnitModel", "UnitInstall", "ResourceControl", "Cgroups", "ControlProtocol", "Exec", "SystemCall",
                "Journal",
                .product(name: "Logging", package: "swift-log"),
            ]),
        // journald and sd_notify (libsystemd), with the console as fallback.
        .target(
            name: "Journal", dependencies: ["CSystemd", "SystemCall", .product(name: "Logging", package: "swift-log")]),
        // System libraries (module maps only).
        // libsystemd, loaded on first use (its headers come from libsystemd-dev).
        .target(name: "CSystemd"),
        .systemLibrary(name: "CSeccomp", pkgConfig: "libseccomp", providers: [.apt(["libseccomp-dev"])]),
        .executableTarget(
            name: "corrald",
            dependencies: ["Supervisor", "Cgroups", "ControlProtocol", "Exec", "Journal", "UnitFile"]
        ),
        .executableTarget(
            name: "corralctl",
            dependencies: [
                "UnitFile", "UnitModel", "UnitInstall", "ResourceControl", "ExecSandbox", "Cgroups", "ControlProtocol",
                "SystemCall", "Journal",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "UnitFileTests", dependencies: ["UnitFile"]),
        .testTarget(name: "UnitModelTests", dependencies: ["UnitModel"]),
        .testTarget(name: "UnitInstallTests", dependencies: ["UnitInstall", "UnitFile", "UnitModel"]),
        .testTarget(name: "ResourceControlTests", dependencies: ["ResourceControl"]),
        .testTarget(name: "CgroupsTests", dependencies: ["Cgroups", "SystemCall"]),
        .testTarget(name: "ControlProtocolTests", dependencies: ["ControlProtocol"]),
        .testTarget(name: "SupervisorTests", dependencies: ["Supervisor", "Exec"]),
        .testTarget(name: "SystemCallTests", dependencies: ["SystemCall"]),
        .testTarget(name: "SystemLibrariesTests", dependencies: ["CSystemd", "CSeccomp"]),
        .testTarget(name: "CorraldTests", dependencies: ["corrald", "corralctl"]),
        .testTarget(name: "ExecTests", dependencies: ["Exec", "ExecSandbox", "SystemCall", "UnitModel"]),
        .testTarget(name: "ExecSandboxTests", dependencies: ["ExecSandbox", "UnitModel", "UnitFile"]),
        .testTarget(name: "JournalTests", dependencies: ["Journal", .product(name: "Logging", package: "swift-log")]),
    ],
    swiftLanguageModes: [.v6]
)
