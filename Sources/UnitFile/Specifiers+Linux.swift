import Glibc

extension SpecifierContext {
    /// The context on this machine for the system manager: hostname, /etc/machine-info,
    /// /etc/machine-id, the boot ID, uname, os-release, the current user and group, and
    /// `$TMPDIR`/`$TEMP`/`$TMP` for `%T` and `%V`. `fragmentPath` is resolved to its real path.
    public static func current(for unitName: UnitName, fragmentPath: String?) -> SpecifierContext {
        var context = SpecifierContext(
            unitName: unitName, fragmentPath: fragmentPath.map { UnitDiskAccess.realPath($0) ?? $0 })
        context.hostname = hostName()
        context.prettyHostname = environmentFile("/etc/machine-info")["PRETTY_HOSTNAME"].flatMap {
            $0.isEmpty ? nil : $0
        }
        context.machineID = UnitDiskAccess.contents(of: "/etc/machine-id").flatMap(identifier)
        context.bootID = UnitDiskAccess.contents(of: "/proc/sys/kernel/random/boot_id").flatMap(identifier)
        context.architecture = architecture
        context.kernelRelease = kernelRelease()
        var osRelease = environmentFile("/etc/os-release")
        if osRelease.isEmpty { osRelease = environmentFile("/usr/lib/os-release") }
        context.osID = osRelease["ID"] ?? ""
        context.osVersionID = osRelease["VERSION_ID"] ?? ""
        context.osVariantID = osRelease["VARIANT_ID"] ?? ""
        context.osBuildID = osRelease["BUILD_ID"] ?? ""
        context.osImageID = osRelease["IMAGE_ID"] ?? ""
        context.osImageVersion = osRelease["IMAGE_VERSION"] ?? ""
        context.userID = getuid()
        context.groupID = getgid()
        if let user = getpwuid(context.userID) {
            context.userName = String(cString: user.pointee.pw_name)
            context.homeDirectory = String(cString: user.pointee.pw_dir)
            context.shell = String(cString: user.pointee.pw_shell)
        }
        if let group = getgrgid(context.groupID) {
            context.groupName = String(cString: group.pointee.gr_name)
        }
        if let temporary = ["TMPDIR", "TEMP", "TMP"].lazy.compactMap(absoluteEnvironmentPath).first {
            context.temporaryDirectory = temporary
            context.persistentTemporaryDirectory = temporary
        }
        return context
    }

    /// systemd's name for the architecture this was built for.
    private static var architecture: String {
        #if arch(x86_64)
            "x86-64"
        #elseif arch(arm64)
            "arm64"
        #elseif arch(i386)
            "x86"
        #elseif arch(arm)
            "arm"
        #elseif arch(powerpc64le)
            "ppc64-le"
        #elseif arch(s390x)
            "s390x"
        #elseif arch(riscv64)
            "riscv64"
        #else
            ""
        #endif
    }

    private static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "" }
        return String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func kernelRelease() -> String {
        var names = utsname()
        guard uname(&names) == 0 else { return "" }
        return withUnsafeBytes(of: names.release) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
    }

    /// A 128-bit ID as 32 lowercase hex digits (the boot ID file has dashes).
    private static func identifier(_ text: String) -> String? {
        let digits = text.filter { $0 != "-" && !$0.isWhitespace }.lowercased()
        return digits.count == 32 && digits.allSatisfy(\.isHexDigit) ? digits : nil
    }

    private static func absoluteEnvironmentPath(_ variable: String) -> String? {
        guard let value = getenv(variable).map({ String(cString: $0) }), value.hasPrefix("/"),
            UnitPathSyntax.isValid(value)
        else { return nil }
        return value
    }

    /// `KEY=VALUE` lines of an os-release(5)-style file, with one level of quotes removed.
    private static func environmentFile(_ path: String) -> [String: String] {
        guard let text = UnitDiskAccess.contents(of: path) else { return [:] }
        var values: [String: String] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            var value = line[line.index(after: equals)...]
            if value.count >= 2, let quote = value.first, quote == "\"" || quote == "'", value.last == quote {
                value = value.dropFirst().dropLast()
            }
            values[String(line[..<equals])] = String(value)
        }
        return values
    }
}
