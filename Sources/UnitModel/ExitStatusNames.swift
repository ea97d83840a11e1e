/// systemd's names of exit statuses (exit-status.c), as `systemd-analyze exit-status` lists
/// them: the C library's, the LSB's for init scripts, BSD's sysexits.h, and systemd's own for the
/// step of starting a process that failed.
public enum ExitStatusNames {
    public enum Class: Sendable {
        case libc, lsb, bsd, systemd
    }

    public static let table: [(status: Int32, name: String, class: Class)] = [
        (0, "SUCCESS", .libc),
        (1, "FAILURE", .libc),
        (2, "INVALIDARGUMENT", .lsb),
        (3, "NOTIMPLEMENTED", .lsb),
        (4, "NOPERMISSION", .lsb),
        (5, "NOTINSTALLED", .lsb),
        (6, "NOTCONFIGURED", .lsb),
        (7, "NOTRUNNING", .lsb),
        (64, "USAGE", .bsd),
        (65, "DATAERR", .bsd),
        (66, "NOINPUT", .bsd),
        (67, "NOUSER", .bsd),
        (68, "NOHOST", .bsd),
        (69, "UNAVAILABLE", .bsd),
        (70, "SOFTWARE", .bsd),
        (71, "OSERR", .bsd),
        (72, "OSFILE", .bsd),
        (73, "CANTCREAT", .bsd),
        (74, "IOERR", .bsd),
        (75, "TEMPFAIL", .bsd),
        (76, "PROTOCOL", .bsd),
        (77, "NOPERM", .bsd),
        (78, "CONFIG", .bsd),
        (200, "CHDIR", .systemd),
        (201, "NICE", .systemd),
        (202, "FDS", .systemd),
        (203, "EXEC", .systemd),
        (204, "MEMORY", .systemd),
        (205, "LIMITS", .systemd),
        (206, "OOM_ADJUST", .systemd),
        (207, "SIGNAL_MASK", .systemd),
        (208, "STDIN", .systemd),
        (209, "STDOUT", .systemd),
        (210, "CHROOT", .systemd),
        (211, "IOPRIO", .systemd),
        (212, "TIMERSLACK", .systemd),
        (213, "SECUREBITS", .systemd),
        (214, "SETSCHEDULER", .systemd),
        (215, "CPUAFFINITY", .systemd),
        (216, "GROUP", .systemd),
        (217, "USER", .systemd),
        (218, "CAPABILITIES", .systemd),
        (219, "CGROUP", .systemd),
        (220, "SETSID", .systemd),
        (221, "CONFIRM", .systemd),
        (222, "STDERR", .systemd),
        (224, "PAM", .systemd),
        (225, "NETWORK", .systemd),
        (226, "NAMESPACE", .systemd),
        (227, "NO_NEW_PRIVILEGES", .systemd),
        (228, "SECCOMP", .systemd),
        (229, "SELINUX_CONTEXT", .systemd),
        (230, "PERSONALITY", .systemd),
        (231, "APPARMOR", .systemd),
        (232, "ADDRESS_FAMILIES", .systemd),
        (233, "RUNTIME_DIRECTORY", .systemd),
        (235, "CHOWN", .systemd),
        (236, "SMACK_PROCESS_LABEL", .systemd),
        (237, "KEYRING", .systemd),
        (238, "STATE_DIRECTORY", .systemd),
        (239, "CACHE_DIRECTORY", .systemd),
        (240, "LOGS_DIRECTORY", .systemd),
        (241, "CONFIGURATION_DIRECTORY", .systemd),
        (242, "NUMA_POLICY", .systemd),
        (243, "CREDENTIALS", .systemd),
        (244, "BPF", .systemd),
        (255, "EXCEPTION", .systemd),
    ]

    /// The name systemd prints after a status (`203/EXEC`): the C library's and systemd's only, as
    /// `systemctl status` and the manager's log lines name them.
    public static func name(of status: Int32) -> String? {
        table.first { $0.status == status && ($0.class == .libc || $0.class == .systemd) }?.name
    }

    /// The status a name stands for, of any class (`SuccessExitStatus=` takes them all).
    public static func status(named name: String) -> Int32? {
        table.first { $0.name == name }?.status
    }
}
