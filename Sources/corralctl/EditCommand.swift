import ArgumentParser
import ControlProtocol
import Glibc
import SystemCall
import UnitFile
import UnitModel

struct EditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edit",
        abstract:
            "Edit a unit's drop-in override.conf (or, with --full, a copy of its file) in an editor, as systemctl edit.",
        discussion: """
            The editor is $SYSTEMD_EDITOR, $EDITOR or $VISUAL (split at white space), else the first of \
            editor, nano, vim and vi found on $PATH. It edits a temporary file beside the target; what is \
            left between the two marker comments becomes the file (the rest is discarded), and an empty \
            result cancels. The file goes in the first unit directory (--runtime: the one under /run); a \
            running corrald is told to reload.
            """)

    @OptionGroup var common: CommonOptions

    @OptionGroup var path: UnitPathOptions

    @Flag(help: "Edit in the search path's directory under /run, which does not outlive a reboot.")
    var runtime = false

    @Argument(help: "Units.", completion: Completions.units)
    var units: [String]

    static let header = "### Anything between here and the comment below will become the new contents of the file"
    static let footer = "### Lines below this comment will be discarded"

    func run() throws {
        let searchPath = path.searchPath
        let directory: String
        if runtime {
            guard let under = searchPath.directories.first(where: { $0.hasPrefix("/run/") }) else {
                printError(
                    "No unit directory under /run on the search path: \(searchPath.directories.joined(separator: ":"))")
                throw ExitCode(1)
            }
            directory = under
        } else {
            directory = searchPath.directories[0]
        }
        try? makeDirectory(directory)
        let loader = OfflineUnits(searchPath: searchPath)
        var edits: [(target: String, temporary: String)] = []
        defer { edits.forEach { unlink($0.temporary) } }
        for argument in units {
            let unit = try loader.load(try parseUnitName(argument).description)
            guard let fragment = unit.fragmentPath else {
                printError("No files found for \(unit.name).")
                throw ExitCode(1)
            }
            let target = common.full ? "\(directory)/\(unit.name)" : "\(directory)/\(unit.name).d/override.conf"
            let original = String(decoding: (try? readFile(atPath: fragment)) ?? [], as: UTF8.self)
            let text: String
            if common.full {
                text = (try? readFile(atPath: target)).map { String(decoding: $0, as: UTF8.self) } ?? original
            } else {
                let existing = (try? readFile(atPath: target)).map { String(decoding: $0, as: UTF8.self) } ?? ""
                let commented = original.split(separator: "\n", omittingEmptySubsequences: false).dropLast(
                    original.hasSuffix("\n") ? 1 : 0
                ).map { "# " + $0 }
                text =
                    ([
                        "### Editing \(target)", Self.header, "", existing.isEmpty ? "" : existing, "", Self.footer, "",
                        "### \(fragment)",
                    ]
                    + commented).joined(separator: "\n") + "\n"
            }
            edits.append((target, try temporaryFile(beside: target, holding: text)))
        }
        try runEditor(on: edits.map(\.temporary))
        for edit in edits {
            let edited = String(decoding: (try? readFile(atPath: edit.temporary)) ?? [], as: UTF8.self)
            let contents = common.full ? edited : Self.keptPart(of: edited)
            if contents.allSatisfy(\.isWhitespace) {
                printError("Editing \"\(edit.target)\" canceled: temporary file is empty.")
                continue
            }
            do {
                try writeFileAtomically(Array(contents.utf8), to: edit.target)
            } catch {
                printError("Failed to write \(edit.target): \(error)")
                throw ExitCode(1)
            }
        }
        _ = DaemonConnection().sendIfRunning(Request(verb: .daemonReload))
    }

    /// The lines between the header comment and the footer comment, trimmed, with a final newline.
    static func keptPart(of text: String) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if let start = lines.firstIndex(of: header) { lines.removeSubrange(...start) }
        if let end = lines.firstIndex(of: footer) { lines.removeSubrange(end...) }
        while lines.first?.allSatisfy(\.isWhitespace) == true { lines.removeFirst() }
        while lines.last?.allSatisfy(\.isWhitespace) == true { lines.removeLast() }
        return lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n"
    }

    /// A new file `.#NAMEXXXXXX` in the target's directory (made if needed) holding `text`.
    private func temporaryFile(beside target: String, holding text: String) throws -> String {
        let slash = target.lastIndex(of: "/")!
        let directory = String(target[..<slash])
        try? makeDirectory(directory)
        var template = Array((directory + "/.#" + target[target.index(after: slash)...] + "XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else {
            printError("Failed to create a temporary file in \(directory): \(String(cString: strerror(errno)))")
            throw ExitCode(1)
        }
        let file = FileDescriptor(adopting: fd)
        defer { file.close() }
        do {
            try file.writeAll(Array(text.utf8))
        } catch {
            printError("Failed to write a temporary file in \(directory): \(error)")
            throw ExitCode(1)
        }
        return String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Runs the editor on the files and waits for it; a failing editor cancels the edit.
    private func runEditor(on files: [String]) throws {
        let variables = ["SYSTEMD_EDITOR", "EDITOR", "VISUAL"]
        let configured = variables.compactMap { (name: String) -> String? in
            guard let value = getenv(name) else { return nil }
            return String(cString: value)
        }.first { !$0.isEmpty }
        let candidates: [[String]] =
            configured.map { [$0.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)] }
            ?? ["editor", "nano", "vim", "vi"].map { [$0] }
        for editor in candidates {
            let argv = editor + files
            var pid: pid_t = 0
            let pointers: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
            defer { pointers.forEach { free($0) } }
            guard posix_spawnp(&pid, argv[0], nil, nil, pointers, environ) == 0 else { continue }
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            if status == 0 { return }
            printError("Editor \(argv[0]) failed, not saving the edits.")
            throw ExitCode(1)
        }
        printError("Cannot edit units, no editor available. Please set either $SYSTEMD_EDITOR, $EDITOR or $VISUAL.")
        throw ExitCode(1)
    }
}
