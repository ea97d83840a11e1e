#define _GNU_SOURCE
#include "corral_spawn.h"
#include "mount_namespace.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/close_range.h>
#include <linux/filter.h>
#include <linux/keyctl.h>
#include <linux/mount.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

_Static_assert(CORRAL_CLD_EXITED == CLD_EXITED && CORRAL_CLD_KILLED == CLD_KILLED && CORRAL_CLD_DUMPED == CLD_DUMPED,
               "CLD_*");
_Static_assert(sizeof(struct corral_bpf_instruction) == sizeof(struct sock_filter), "sock_filter layout");
_Static_assert(sizeof(struct corral_spawn_failure) == 12, "status record");

/// The kernel's struct sigaction for rt_sigaction (glibc's differs in layout).
struct kernel_sigaction {
    void (*handler)(int);
    unsigned long flags;
    void (*restorer)(void);
    uint64_t mask;
};

/// Kernel sigset size on Linux: 64 signals.
#define KERNEL_SIGSET_SIZE 8

/// Reports a failed stage (and mount entry, or -1) to the parent and exits. Child only.
static _Noreturn void fail_at_mount(int status_fd, int stage, int error, int mount) {
    struct corral_spawn_failure failure = {.stage = stage, .error = error, .mount = mount};
    while (syscall(SYS_write, status_fd, &failure, sizeof failure) < 0 && errno == EINTR) {
    }
    syscall(SYS_exit_group, 127);
    __builtin_unreachable();
}

static _Noreturn void fail(int status_fd, int stage, int error) {
    fail_at_mount(status_fd, stage, error, -1);
}

/// Makes `capabilities` inheritable and raises them into the ambient set, so that the program
/// (not set-uid, without file capabilities) starts with them. They must be permitted already: root's
/// are, and keep-caps kept them across the uid change. Child only.
static void raise_ambient(int status_fd, uint64_t capabilities) {
    struct __user_cap_header_struct header = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct data[2];
    if (syscall(SYS_capget, &header, data) < 0) {
        fail(status_fd, CORRAL_STAGE_CAPABILITIES, errno);
    }
    for (int word = 0; word < 2; word++) {
        data[word].inheritable |= (uint32_t)(capabilities >> (32 * word));
    }
    if (syscall(SYS_capset, &header, data) < 0) {
        fail(status_fd, CORRAL_STAGE_CAPABILITIES, errno);
    }
    for (int capability = 0; capability < 64; capability++) {
        if ((capabilities & (1ULL << capability)) &&
            syscall(SYS_prctl, PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, capability, 0, 0) < 0) {
            fail(status_fd, CORRAL_STAGE_CAPABILITIES, errno);
        }
    }
}

/// Brings the new network namespace's loopback device up (its 127.0.0.1 comes with it), as
/// systemd does for PrivateNetwork=. Child only.
static int loopback_up(void) {
    long sock = syscall(SYS_socket, AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (sock < 0) return -errno;
    struct ifreq request;
    memset(&request, 0, sizeof request);
    memcpy(request.ifr_name, "lo", 3);
    int result = 0;
    if (syscall(SYS_ioctl, sock, SIOCGIFFLAGS, &request) < 0) {
        result = -errno;
    } else if (!(request.ifr_flags & IFF_UP)) {
        request.ifr_flags |= IFF_UP;
        if (syscall(SYS_ioctl, sock, SIOCSIFFLAGS, &request) < 0) result = -errno;
    }
    syscall(SYS_close, sock);
    return result;
}

/// Joins a shared namespace, or makes it and keeps it at its path for the unit's later processes
/// (a new network namespace gets its loopback up). Returns 0 or -errno. Child only.
static int enter_shared_namespace(const struct corral_shared_namespace *shared) {
    if (shared->create) {
        if (syscall(SYS_unshare, shared->type) < 0) return -errno;
        if (shared->type == CLONE_NEWNET) {
            int result = loopback_up();
            if (result < 0) return result;
        }
        const char *own = shared->type == CLONE_NEWNET ? "/proc/self/ns/net" : "/proc/self/ns/ipc";
        return syscall(SYS_mount, own, shared->path, NULL, MS_BIND, NULL) < 0 ? -errno : 0;
    }
    long fd = syscall(SYS_openat, AT_FDCWD, shared->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -errno;
    int result = syscall(SYS_setns, fd, shared->type) < 0 ? -errno : 0;
    syscall(SYS_close, fd);
    return result;
}

/// Duplicates fd to the lowest free number >= 3, close-on-exec. Child only.
/// PrivateUsers=: enters a new user namespace with `uid_map` and `gid_map`. They must be written
/// from outside it, so a helper forked in the original namespace (with its own copy of memory, so
/// free to use libc) writes them, and setgroups "deny", once this process has unshared. 0 or -errno.
static int enter_user_namespace(const char *uid_map, const char *gid_map) {
    int ready[2];
    if (syscall(SYS_pipe2, ready, O_CLOEXEC) < 0) return -errno;
    long self = syscall(SYS_getpid);
    long helper = syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
    if (helper == 0) {
        char byte;
        syscall(SYS_close, ready[1]);
        if (syscall(SYS_read, ready[0], &byte, 1) != 1) syscall(SYS_exit_group, EPIPE);
        const char *const files[3] = {"setgroups", "gid_map", "uid_map"};
        const char *const contents[3] = {"deny\n", gid_map, uid_map};
        for (int index = 0; index < 3; index++) {
            char path[64];
            int length = snprintf(path, sizeof path, "/proc/%ld/%s", self, files[index]);
            int fd = length > 0 ? (int)syscall(SYS_openat, AT_FDCWD, path, O_WRONLY | O_CLOEXEC) : -1;
            if (fd < 0 || syscall(SYS_write, fd, contents[index], strlen(contents[index])) < 0) {
                syscall(SYS_exit_group, errno);
            }
            syscall(SYS_close, fd);
        }
        syscall(SYS_exit_group, 0);
    }
    int error = helper < 0 ? errno : 0;
    syscall(SYS_close, ready[0]);
    if (helper > 0 && syscall(SYS_unshare, CLONE_NEWUSER) < 0) error = errno;
    // Unless unshared, the helper reads end-of-file instead and writes nothing.
    if (!error && syscall(SYS_write, ready[1], "x", 1) != 1) error = errno;
    syscall(SYS_close, ready[1]);
    if (helper < 0) return -error;
    int status = 0;
    while (syscall(SYS_wait4, helper, &status, 0, NULL) < 0 && errno == EINTR) {
    }
    if (error) return -error;
    if (!WIFEXITED(status)) return -EIO;
    return -WEXITSTATUS(status);
}

static int move_above_stdio(int fd) {
    return (int)syscall(SYS_fcntl, fd, F_DUPFD_CLOEXEC, 3);
}

/// Runs in the new process on its own small stack, sharing the parent's memory
/// while the parent thread waits (CLONE_VM | CLONE_VFORK): raw syscalls only,
/// no allocation, no locks, no glibc state, no writes outside this stack except
/// errno, which belongs to the suspended parent thread.
static _Noreturn void child(void *argument) {
    const struct corral_spawn_request *request = argument;
    int status_fd = request->status_fd;
    if (status_fd < 3) {
        status_fd = move_above_stdio(status_fd);
        if (status_fd < 0) {
            syscall(SYS_exit_group, 127);
        }
    }

    // Signals arrive blocked (see corral_spawn): reset every disposition before unblocking.
    struct kernel_sigaction default_action = {.handler = SIG_DFL};
    for (int signal_number = 1; signal_number <= 64; signal_number++) {
        if (signal_number != SIGKILL && signal_number != SIGSTOP) {
            syscall(SYS_rt_sigaction, signal_number, &default_action, NULL, KERNEL_SIGSET_SIZE);
        }
    }
    if (request->ignore_sigpipe) {
        struct kernel_sigaction ignore_action = {.handler = SIG_IGN};
        syscall(SYS_rt_sigaction, SIGPIPE, &ignore_action, NULL, KERNEL_SIGSET_SIZE);
    }
    uint64_t empty_mask = 0;
    if (syscall(SYS_rt_sigprocmask, SIG_SETMASK, &empty_mask, NULL, KERNEL_SIGSET_SIZE) < 0) {
        fail(status_fd, CORRAL_STAGE_SIGNAL_MASK, errno);
    }

    // Copy the sources above 2 first, so that one target never overwrites another's source.
    const int sources[3] = {request->stdin_fd, request->stdout_fd, request->stderr_fd};
    const int stages[3] = {CORRAL_STAGE_STDIN, CORRAL_STAGE_STDOUT, CORRAL_STAGE_STDERR};
    int copies[3] = {-1, -1, -1};
    for (int target = 0; target < 3; target++) {
        if (sources[target] >= 0 && (copies[target] = move_above_stdio(sources[target])) < 0) {
            fail(status_fd, stages[target], errno);
        }
    }
    for (int target = 0; target < 3; target++) {
        if (copies[target] >= 0 && syscall(SYS_dup3, copies[target], target, 0) < 0) {
            fail(status_fd, stages[target], errno);
        }
    }

    if (syscall(SYS_setsid) < 0) {
        fail(status_fd, CORRAL_STAGE_SETSID, errno);
    }
    for (size_t index = 0; index < request->rlimit_count; index++) {
        const struct corral_rlimit *limit = &request->rlimits[index];
        struct rlimit64 value = {.rlim_cur = limit->soft, .rlim_max = limit->hard};
        if (syscall(SYS_prlimit64, 0, limit->resource, &value, NULL) < 0) {
            fail(status_fd, CORRAL_STAGE_RLIMIT, errno);
        }
    }
    // Raising priority or lowering the OOM score needs root: these come before the uid change.
    if (request->oom_score_adjust != NULL) {
        long fd = syscall(SYS_openat, AT_FDCWD, "/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
        size_t length = strlen(request->oom_score_adjust);
        if (fd < 0 || syscall(SYS_write, fd, request->oom_score_adjust, length) != (long)length) {
            fail(status_fd, CORRAL_STAGE_OOM_ADJUST, errno);
        }
        syscall(SYS_close, fd);
    }
    if (request->set_nice && syscall(SYS_setpriority, PRIO_PROCESS, 0, request->nice) < 0) {
        fail(status_fd, CORRAL_STAGE_NICE, errno);
    }
    if (request->set_scheduler) {
        struct sched_param parameter = {.sched_priority = request->sched_priority};
        if (syscall(SYS_sched_setscheduler, 0, request->sched_policy, &parameter) < 0) {
            fail(status_fd, CORRAL_STAGE_SCHEDULER, errno);
        }
    }
    if (request->cpu_mask != NULL &&
        syscall(SYS_sched_setaffinity, 0, request->cpu_mask_size, request->cpu_mask) < 0) {
        fail(status_fd, CORRAL_STAGE_CPU_AFFINITY, errno);
    }
    if (request->set_io_priority && syscall(SYS_ioprio_set, 1 /* IOPRIO_WHO_PROCESS */, 0, request->io_priority) < 0) {
        fail(status_fd, CORRAL_STAGE_IO_PRIORITY, errno);
    }
    if (request->set_personality && syscall(SYS_personality, request->personality) < 0) {
        fail(status_fd, CORRAL_STAGE_PERSONALITY, errno);
    }
    for (size_t index = 0; index < request->shared_namespace_count; index++) {
        const struct corral_shared_namespace *shared = &request->shared_namespaces[index];
        int result = enter_shared_namespace(shared);
        if (result < 0) fail(status_fd, shared->type == CLONE_NEWNET ? CORRAL_STAGE_NETWORK : CORRAL_STAGE_NAMESPACE, -result);
    }
    if (request->unshare_flags != 0 && syscall(SYS_unshare, request->unshare_flags) < 0) {
        fail(status_fd, CORRAL_STAGE_NAMESPACE, errno);
    }
    if (request->unshare_flags & CLONE_NEWNS) {
        // Device nodes and mount points get exactly the modes asked for.
        syscall(SYS_umask, 0);
        int failed_mount;
        int result = corral_setup_mounts(request, &failed_mount);
        if (result < 0) {
            fail_at_mount(status_fd, CORRAL_STAGE_NAMESPACE, -result, failed_mount);
        }
    }
    syscall(SYS_umask, request->umask);
    // Raw setgroups/setresgid/setresuid change only this process: glibc's
    // wrappers would try to signal the parent's other threads (setxid). The groups come first:
    // a user namespace refuses setgroups.
    if (request->set_groups && syscall(SYS_setgroups, request->group_count, request->groups) < 0) {
        fail(status_fd, CORRAL_STAGE_GROUPS, errno);
    }
    if (request->set_gid && syscall(SYS_setresgid, request->gid, request->gid, request->gid) < 0) {
        fail(status_fd, CORRAL_STAGE_GID, errno);
    }
    if (request->uid_map) {
        int result = enter_user_namespace(request->uid_map, request->gid_map);
        if (result < 0) fail(status_fd, CORRAL_STAGE_USER_NAMESPACE, -result);
    }
    // After entering a user namespace, whose bounding set starts full.
    if (request->set_bounding_set) {
        // PR_CAPBSET_READ fails with EINVAL past the kernel's last capability.
        for (int capability = 0; capability < 64; capability++) {
            long present = syscall(SYS_prctl, PR_CAPBSET_READ, capability, 0, 0, 0);
            if (present < 0) break;
            if (present && !(request->bounding_set & (1ULL << capability)) &&
                syscall(SYS_prctl, PR_CAPBSET_DROP, capability, 0, 0, 0) < 0) {
                fail(status_fd, CORRAL_STAGE_CAPABILITIES, errno);
            }
        }
    }
    // The permitted set survives the uid change only with keep-caps; execve clears the flag.
    if (request->ambient_set != 0 && request->set_uid && request->uid != 0 &&
        syscall(SYS_prctl, PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) {
        fail(status_fd, CORRAL_STAGE_CAPABILITIES, errno);
    }
    if (request->set_uid && syscall(SYS_setresuid, request->uid, request->uid, request->uid) < 0) {
        fail(status_fd, CORRAL_STAGE_UID, errno);
    }
    if (request->ambient_set != 0) {
        raise_ambient(status_fd, request->ambient_set);
    }
    if (request->set_secure_bits && syscall(SYS_prctl, PR_GET_SECUREBITS, 0, 0, 0, 0) != request->secure_bits &&
        syscall(SYS_prctl, PR_SET_SECUREBITS, request->secure_bits, 0, 0, 0) < 0) {
        fail(status_fd, CORRAL_STAGE_SECURE_BITS, errno);
    }
    // A kernel (or container) without keyrings is no failure, as in systemd.
    if (request->keyring_mode != 0 && syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, 0, 0, 0, 0) < 0 &&
        errno != ENOSYS && errno != EPERM && errno != EACCES) {
        fail(status_fd, CORRAL_STAGE_KEYRING, errno);
    }
    if (request->keyring_mode == 2 &&
        syscall(SYS_keyctl, KEYCTL_LINK, KEY_SPEC_USER_KEYRING, KEY_SPEC_SESSION_KEYRING, 0, 0) < 0 &&
        errno != ENOSYS && errno != EPERM && errno != EACCES) {
        fail(status_fd, CORRAL_STAGE_KEYRING, errno);
    }
    if (request->no_new_privileges && syscall(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
        fail(status_fd, CORRAL_STAGE_NO_NEW_PRIVS, errno);
    }
    if (request->working_directory != NULL && syscall(SYS_chdir, request->working_directory) < 0) {
        fail(status_fd, CORRAL_STAGE_CHDIR, errno);
    }
    // Mark rather than close, so status_fd keeps working until execve closes them all.
    if (syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC) < 0) {
        fail(status_fd, CORRAL_STAGE_CLOSE_FDS, errno);
    }
    // The one descriptor the program keeps, at the number it was promised (not close-on-exec).
    if (request->passed_fd >= 0) {
        int target = request->passed_fd_target;
        if (status_fd == target && (status_fd = (int)syscall(SYS_fcntl, status_fd, F_DUPFD_CLOEXEC, target + 1)) < 0) {
            syscall(SYS_exit_group, 127);
        }
        long result = request->passed_fd == target ? syscall(SYS_fcntl, target, F_SETFD, 0)
                                                   : syscall(SYS_dup3, request->passed_fd, target, 0);
        if (result < 0) {
            fail(status_fd, CORRAL_STAGE_CLOSE_FDS, errno);
        }
    }
    for (size_t index = 0; index < request->seccomp_program_count; index++) {
        const struct corral_seccomp_program *filter = &request->seccomp_programs[index];
        if (filter->length == 0 || filter->length > BPF_MAXINSNS) {
            fail(status_fd, CORRAL_STAGE_SECCOMP, EINVAL);
        }
        struct sock_fprog program = {
            .len = (unsigned short)filter->length,
            .filter = (struct sock_filter *)filter->instructions,
        };
        if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &program) < 0) {
            fail(status_fd, CORRAL_STAGE_SECCOMP, errno);
        }
    }
    syscall(SYS_execve, request->path, request->argv, request->envp);
    fail(status_fd, CORRAL_STAGE_EXEC, errno);
}

/// Stack for the child; it lives in the parent's frame, which stays put while
/// the parent thread is suspended (CLONE_VFORK). The child needs well under 2 KiB, and about
/// 12 KiB more while it sets up a mount namespace (path buffers).
#define CHILD_STACK_SIZE 65536

/// clone3 that runs entry(argument) in the child on args->stack. Returns the
/// child's pid or -errno in the parent. It is assembly because a child with a
/// new stack cannot return through a C function's frame, and glibc 2.36 does
/// not export its clone3 wrapper.
static long clone3_running(struct clone_args *args, void (*entry)(void *), void *argument) {
#if defined(__x86_64__)
    register long result __asm__("rax") = SYS_clone3;
    register struct clone_args *args_register __asm__("rdi") = args;
    register size_t size_register __asm__("rsi") = sizeof *args;
    register void (*entry_register)(void *) __asm__("r12") = entry;
    register void *argument_register __asm__("r13") = argument;
    __asm__ volatile(
        "syscall\n\t"
        "test %%rax, %%rax\n\t"
        "jnz 1f\n\t"
        "xor %%ebp, %%ebp\n\t"
        "mov %%r13, %%rdi\n\t"
        "call *%%r12\n\t"
        "hlt\n"
        "1:"
        : "+r"(result)
        : "r"(args_register), "r"(size_register), "r"(entry_register), "r"(argument_register)
        : "rcx", "r11", "memory");
    return result;
#elif defined(__aarch64__)
    register long result __asm__("x0") = (long)args;
    register size_t size_register __asm__("x1") = sizeof *args;
    register long number __asm__("x8") = SYS_clone3;
    register void (*entry_register)(void *) __asm__("x19") = entry;
    register void *argument_register __asm__("x20") = argument;
    __asm__ volatile(
        "svc #0\n\t"
        "cbnz x0, 1f\n\t"
        "mov x29, xzr\n\t"
        "mov x30, xzr\n\t"
        "mov x0, x20\n\t"
        "blr x19\n\t"
        "brk #0\n"
        "1:"
        : "+r"(result)
        : "r"(size_register), "r"(number), "r"(entry_register), "r"(argument_register)
        : "memory");
    return result;
#else
#error "corral_spawn needs a clone3 trampoline for this architecture"
#endif
}

pid_t corral_spawn(const struct corral_spawn_request *request, int *pidfd) {
    _Alignas(16) char child_stack[CHILD_STACK_SIZE];

    // Block every signal, glibc's internal ones too (which pthread_sigmask
    // leaves open): no handler may run in the child, which shares our memory,
    // before it resets the dispositions.
    uint64_t all_signals = ~UINT64_C(0), previous_mask;
    syscall(SYS_rt_sigprocmask, SIG_SETMASK, &all_signals, &previous_mask, KERNEL_SIGSET_SIZE);

    int new_pidfd = -1;
    struct clone_args args;
    memset(&args, 0, sizeof args);
    // CLONE_VM | CLONE_VFORK: no copy of the address space, however big and
    // busy the parent is; this thread resumes once the child execs or exits.
    args.flags = CLONE_PIDFD | CLONE_VM | CLONE_VFORK;
    args.pidfd = (uint64_t)(uintptr_t)&new_pidfd;
    args.exit_signal = SIGCHLD;
    args.stack = (uint64_t)(uintptr_t)child_stack;
    args.stack_size = sizeof child_stack;
    if (request->cgroup_fd >= 0) {
        args.flags |= CLONE_INTO_CGROUP;
        args.cgroup = (uint64_t)request->cgroup_fd;
    }
    long pid = clone3_running(&args, child, (void *)request);

    syscall(SYS_rt_sigprocmask, SIG_SETMASK, &previous_mask, NULL, KERNEL_SIGSET_SIZE);
    if (pid < 0) {
        errno = (int)-pid;
        return -1;
    }
    *pidfd = new_pidfd;
    return (pid_t)pid;
}

int corral_wait_pidfd(int pidfd, int nohang, int *code, int *status) {
    siginfo_t info;
    memset(&info, 0, sizeof info);
    if (waitid((idtype_t)P_PIDFD, (id_t)pidfd, &info, WEXITED | (nohang ? WNOHANG : 0)) < 0) {
        return -1;
    }
    // With WNOHANG and nothing to report, the kernel leaves si_pid zero.
    *code = info.si_pid == 0 ? 0 : info.si_code;
    *status = info.si_status;
    return 0;
}
