import Glibc
import UnitFile
import UnitModel

/// Answers `Condition*=` and `Assert*=` checks on this host, as systemd 252's condition.c does.
enum ConditionCheck {
    static func holds(_ condition: Condition) -> Bool {
        let path = condition.parameter
        switch condition.kind {
        case .pathExists: return access(path, F_OK) == 0
        case .pathExistsGlob:
            var found = glob_t()
            defer { globfree(&found) }
            return glob(path, GLOB_NOSORT | GLOB_BRACE, nil, &found) == 0 && found.gl_pathc > 0
        case .pathIsDirectory: return status(path).map { $0.st_mode & S_IFMT == S_IFDIR } ?? false
        case .pathIsSymbolicLink:
            var info = stat()
            return lstat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFLNK
        case .pathIsMountPoint: return isMountPoint(path)
        case .pathIsReadWrite:
            var info = statvfs()
            return statvfs(path, &info) == 0 && info.f_flag & UInt(ST_RDONLY) == 0
        case .directoryNotEmpty:
            // Hidden and backup files (`.name`, `name~`) do not count, as in systemd.
            guard status(path).map({ $0.st_mode & S_IFMT == S_IFDIR }) == true else { return false }
            return (UnitDiskAccess.entries(of: path) ?? []).contains { !$0.hasPrefix(".") && !$0.hasSuffix("~") }
        case .fileNotEmpty:
            return status(path).map { $0.st_mode & S_IFMT == S_IFREG && $0.st_size > 0 } ?? false
        case .fileIsExecutable:
            return status(path).map { $0.st_mode & S_IFMT == S_IFREG } == true && access(path, X_OK) == 0
        case .kernelCommandLine: return kernelCommandLineHas(condition.parameter)
        case .capability:
            // The capability in corrald's own bounding set (what its services may still get).
            guard let number = SandboxTables.capabilities[condition.parameter] else { return false }
            let bounding = readTextFile(atPath: "/proc/self/status")?.split(separator: "\n")
                .first { $0.hasPrefix("CapBnd:") }
                .flatMap { UInt64($0.dropFirst("CapBnd:".count).trimmingPrefix(while: { $0 == "\t" }), radix: 16) }
            return (bounding ?? 0) & 1 << UInt64(number) != 0
        case .virtualization: return HostDetection.virtualizationMatches(condition.parameter)
        case .security: return HostDetection.hasSecurityTechnology(condition.parameter)
        case .acPower:
            guard let wanted = try? Grammar.boolean(condition.parameter) else { return false }
            return wanted == HostDetection.onACPower()
        }
    }

    private static func status(_ path: String) -> stat? {
        var info = stat()
        return stat(path, &info) == 0 ? info : nil
    }

    /// A mount point in /proc/self/mountinfo (the fifth field, octal escapes undone), so bind
    /// mounts count too.
    private static func isMountPoint(_ path: String) -> Bool {
        guard let table = readTextFile(atPath: "/proc/self/mountinfo") else { return false }
        let target = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
        return table.split(separator: "\n").contains { line in
            let fields = line.split(separator: " ")
            return fields.count > 4 && unescapeMountInfo(fields[4]) == target
        }
    }

    private static func unescapeMountInfo(_ field: Substring) -> String {
        var bytes: [UInt8] = []
        var rest = Array(field.utf8)[...]
        while let byte = rest.popFirst() {
            if byte == UInt8(ascii: "\\"), rest.count >= 3,
                let value = UInt8(String(decoding: rest.prefix(3), as: UTF8.self), radix: 8)
            {
                bytes.append(value)
                rest = rest.dropFirst(3)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `WORD` matches a word of /proc/cmdline equal to it or starting with `WORD=`; `KEY=VALUE`
    /// matches that word exactly.
    private static func kernelCommandLineHas(_ parameter: String) -> Bool {
        let words = (readTextFile(atPath: "/proc/cmdline") ?? "").split(whereSeparator: { $0 == " " || $0 == "\n" })
        if parameter.contains("=") { return words.contains { $0 == parameter } }
        return words.contains { $0 == parameter || $0.hasPrefix(parameter + "=") }
    }
}
