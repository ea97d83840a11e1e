#pragma once
// Linux interfaces that Swift's Glibc module does not import: epoll, signalfd, the credentials of a
// Unix socket peer, and pidfds. Each wrapper is C only because the Swift importer cannot see the
// declaration (hidden behind _GNU_SOURCE, a packed struct, or a variadic syscall()).

#include <stdint.h>
#include <sys/types.h>

/// epoll_create1(EPOLL_CLOEXEC).
int corral_epoll_create(void);
/// Adds (or with `modify`, changes) `fd` for readability, carrying `token`.
int corral_epoll_watch(int epoll_fd, int fd, uint64_t token, int modify, int writable);
int corral_epoll_unwatch(int epoll_fd, int fd);
/// Waits up to `timeout_ms` (-1: forever); stores up to `capacity` ready tokens; returns their count.
/// struct epoll_event is packed on x86-64, which Swift does not import.
int corral_epoll_wait(int epoll_fd, uint64_t *tokens, int capacity, int timeout_ms);

/// A close-on-exec, non-blocking signalfd for the given signals (which the caller has blocked).
int corral_signalfd(const int *signals, int count);
/// Reads one siginfo from a signalfd; returns the signal number, 0 if none is pending, -1 on error.
int corral_signalfd_read(int fd);

/// SO_PEERCRED of a connected Unix socket.
int corral_peer_credentials(int fd, pid_t *pid, uid_t *uid, gid_t *gid);
/// accept4(SOCK_CLOEXEC | SOCK_NONBLOCK), hidden behind _GNU_SOURCE.
int corral_accept(int listener);
/// Enables SO_PASSCRED on a datagram socket.
int corral_enable_passcred(int fd);
/// recvmsg() one datagram with its SCM_CREDENTIALS sender pid (0 when absent); returns its length.
/// Any file descriptors sent along are closed.
ssize_t corral_receive_with_credentials(int fd, void *buffer, size_t length, pid_t *sender);

/// sendmsg() `length` bytes with `count` file descriptors attached (SCM_RIGHTS).
ssize_t corral_send_with_fds(int fd, const void *buffer, size_t length, const int *fds, int count);
/// recvmsg() up to `length` bytes and up to `capacity` attached file descriptors (made close-on-exec);
/// stores how many arrived in `count`; returns the byte count.
ssize_t corral_receive_with_fds(int fd, void *buffer, size_t length, int *fds, int capacity, int *count);

/// pidfd_open(2) and pidfd_send_signal(2), which glibc 2.36 wraps only through syscall().
int corral_pidfd_open(pid_t pid);
int corral_pidfd_send_signal(int pidfd, int signal);

/// getxattr(2); <sys/xattr.h> is not part of Swift's Glibc module.
ssize_t corral_getxattr(const char *path, const char *name, void *value, size_t size);

/// waitid(P_ALL, WEXITED | WNOHANG): reaps one exited child. Returns 1 with its pid, CLD_* code and
/// status (exit code or signal), 0 when none has exited, -1 on error (ECHILD: no children).
/// C because siginfo_t's fields live in unions Swift cannot reach by name.
int corral_reap_child(pid_t *pid, int *code, int *status);

/// Makes the caller the reaper of orphaned descendants (PR_SET_CHILD_SUBREAPER).
int corral_set_child_subreaper(void);

/// pipe2(descriptors, O_CLOEXEC). C because glibc declares pipe2 only under _GNU_SOURCE, which
/// Swift's Glibc module is built without.
int corral_pipe_cloexec(int descriptors[2]);

/// memfd_create(name, MFD_CLOEXEC), which glibc declares only under _GNU_SOURCE.
int corral_memfd(const char *name);

/// Whether CPUID reports a hypervisor (leaf 1, ECX bit 31); if so, stores its vendor signature
/// (leaf 0x40000000, 12 bytes and a NUL). Always 0 off x86. C because CPUID is an instruction.
int corral_hypervisor_vendor(char vendor[13]);

/// bpf(BPF_PROG_LOAD) of a program of `type` (`count` 8-byte struct bpf_insn); the verifier's
/// words go to `log`. Returns the program's fd, or -1 with errno.
int corral_bpf_load_program(uint32_t type, const void *instructions, unsigned count, char *log, unsigned log_size);

/// `cgroup_fd`: attaches `program_fd` (unless -1) as `attach_type` with BPF_F_ALLOW_MULTI, then
/// detaches the programs attached there before. 0, or -1 with errno. C because union bpf_attr is a
/// union of anonymous structs.
int corral_bpf_replace_programs(int cgroup_fd, uint32_t attach_type, int program_fd);

/// bpf(BPF_MAP_CREATE) of a BPF_MAP_TYPE_LPM_TRIE map (BPF_F_NO_PREALLOC) with 8-byte values.
/// Returns its fd, or -1 with errno.
int corral_bpf_lpm_trie(uint32_t key_size, uint32_t max_entries);

/// bpf(BPF_MAP_UPDATE_ELEM); 0, or -1 with errno.
int corral_bpf_map_update(int map_fd, const void *key, const void *value);

/// semctl(id, 0, IPC_RMID): semctl is variadic, which Swift cannot call.
int corral_semaphores_remove(int id);

/// sync(2), then reboot(2) with RB_AUTOBOOT (`power_off` 0) or RB_POWER_OFF; returns only on
/// failure (-1 with errno). <sys/reboot.h> is not in Swift's Glibc module.
int corral_reboot(int power_off);

/// A new pseudo-terminal (posix_openpt, grantpt, unlockpt, then its peer opened): the master's fd,
/// with the peer's in `*peer`, both close-on-exec and neither the controlling terminal; -1 with
/// errno. <stdlib.h> declares these only under _XOPEN_SOURCE, which Swift's Glibc module lacks.
int corral_open_pty(int *peer);
