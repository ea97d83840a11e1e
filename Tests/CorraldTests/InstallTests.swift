import Glibc
import Testing

/// `make install-files` (what `make install` runs after the release build) into a staging root,
/// the man pages it installs, and the shell completions working in bash.
@Suite(.serialized)
struct InstallTests {
    @Test func installPutsEverythingWhereSystemdAndCorraldLookForIt() throws {
        let root = try DaemonHarness.unitDirectory([:])
        defer { _ = DaemonHarness.shell("rm -rf '\(root)'") }
        let make = DaemonHarness.shell(
            "make -s install-files BIN_DIR='\(DaemonHarness.binaries)' DESTDIR='\(root)' PREFIX=/usr/local 2>&1")
        #expect(make == (0, ""))
        let prefix = root + "/usr/local"
        for binary in ["corrald", "corralctl"] {
            #expect(access("\(prefix)/bin/\(binary)", X_OK) == 0)
            // Stripped: no symbol table left.
            #expect(DaemonHarness.shell("readelf -S '\(prefix)/bin/\(binary)' | grep -c ' .symtab'").output == "0\n")
        }
        #expect(DaemonHarness.shell("'\(prefix)/bin/corralctl' --version") == (0, "corral 0.10.0\n"))
        let service = DaemonHarness.read(prefix + "/lib/systemd/system/corrald.service") ?? ""
        #expect(service.contains("\nExecStart=/usr/local/bin/corrald\n"))
        #expect(DaemonHarness.read(root + "/etc/corral/corrald.conf")?.hasPrefix("# corrald configuration.") == true)
        // default.target leads to multi-user.target, on corrald's default search path.
        let system = prefix + "/lib/corral/system"
        #expect(DaemonHarness.shell("readlink '\(system)/default.target'").output == "multi-user.target\n")
        #expect(
            DaemonHarness.shell("ls '\(system)'").output
                == "default.target\nmachine.slice\nmulti-user.target\nuser.slice\n")
        #expect(
            DaemonHarness.shell("'\(prefix)/bin/corralctl' get-default --unit-path '\(system)'")
                == (0, "multi-user.target\n"))
        for (page, section) in [("corralctl", "1"), ("corrald", "8"), ("corrald.conf", "5")] {
            let path = "\(prefix)/share/man/man\(section)/\(page).\(section)"
            let text = DaemonHarness.read(path) ?? ""
            #expect(text.hasPrefix(".TH \(page.uppercased()) \(section) \"2026-12-03\" \"Corral 0.10.0\" \"Corral\"\n"))
            #expect(text.contains("\n.SH EXAMPLES\n") && text.contains("\n.SH SEE ALSO\n"))
            // groff reads it without a warning.
            #expect(DaemonHarness.shell("LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -z '\(path)' 2>&1") == (0, ""))
        }
        let bash = DaemonHarness.read(prefix + "/share/bash-completion/completions/corralctl") ?? ""
        #expect(bash.contains("---completion status -- positional@0"))
        #expect(
            DaemonHarness.read(prefix + "/share/zsh/site-functions/_corralctl")?.hasPrefix("#compdef corralctl") == true
        )
        #expect(DaemonHarness.read(prefix + "/share/fish/vendor_completions.d/corralctl.fish")?.isEmpty == false)
    }

    @Test func bashCompletesUnitNamesSignalsAndProperties() throws {
        let daemon = try DaemonHarness(
            units: [
                "alpha.service": "[Service]\nExecStart=/bin/sleep 600\n",
                "also.service": "[Service]\nExecStart=/bin/true\n",
            ], start: ["alpha.service"])
        let script = daemon.directory + "/complete.sh"
        try daemon.write(
            """
            source <(corralctl --generate-completion-script bash)
            complete_words() {
                COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}; COMPREPLY=()
                _corralctl corralctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
                echo "${COMPREPLY[*]}"
            }
            complete_words corralctl status al
            complete_words corralctl kill -s SIGT
            complete_words corralctl run -p MemoryM
            complete_words corralctl set-property alpha.service CPUQ

            """, to: script)
        let completed = DaemonHarness.shell(
            "PATH='\(DaemonHarness.binaries)':$PATH CORRAL_RUNTIME_DIR='\(daemon.runtimeDirectory)' bash '\(script)' 2>&1"
        )
        #expect(
            completed.output == """
                alpha.service also.service
                SIGTRAP SIGTERM SIGTSTP SIGTTIN SIGTTOU
                MemoryMax= MemoryMin=
                CPUQuota= CPUQuotaPeriodSec=

                """)
    }
}
