#define _GNU_SOURCE
#include "corral_linux.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/sem.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

int corral_epoll_create(void) {
    return epoll_create1(EPOLL_CLOEXEC);
}

int corral_epoll_watch(int epoll_fd, int fd, uint64_t token, int modify, int writable) {
    struct epoll_event event = {.events = writable ? EPOLLOUT : EPOLLIN, .data.u64 = token};
    return epoll_ctl(epoll_fd, modify ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &event);
}

int corral_epoll_unwatch(int epoll_fd, int fd) {
    return epoll_ctl(epoll_fd, EPOLL_CTL_DEL, fd, NULL);
}

int corral_epoll_wait(int epoll_fd, uint64_t *tokens, int capacity, int timeout_ms) {
    struct epoll_event events[64];
    if (capacity > 64) capacity = 64;
    int count = epoll_wait(epoll_fd, events, capacity, timeout_ms);
    for (int i = 0; i < count; i++) tokens[i] = events[i].data.u64;
    return count;
}

int corral_signalfd(const int *signals, int count) {
    sigset_t mask;
    sigemptyset(&mask);
    for (int i = 0; i < count; i++) sigaddset(&mask, signals[i]);
    return signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
}

int corral_signalfd_read(int fd) {
    struct signalfd_siginfo info;
    ssize_t n = read(fd, &info, sizeof info);
    if (n == (ssize_t)sizeof info) return (int)info.ssi_signo;
    if (n < 0 && errno == EAGAIN) return 0;
    return -1;
}

int corral_peer_credentials(int fd, pid_t *pid, uid_t *uid, gid_t *gid) {
    struct ucred credentials;
    socklen_t length = sizeof credentials;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length) < 0) return -1;
    *pid = credentials.pid;
    *uid = credentials.uid;
    *gid = credentials.gid;
    return 0;
}

int corral_accept(int listener) {
    return accept4(listener, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
}

int corral_enable_passcred(int fd) {
    int one = 1;
    return setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof one);
}

ssize_t corral_receive_with_credentials(int fd, void *buffer, size_t length, pid_t *sender) {
    union {
        struct cmsghdr header;
        char space[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(int) * 16)];
    } control;
    struct iovec vector = {.iov_base = buffer, .iov_len = length};
    struct msghdr message = {
        .msg_iov = &vector, .msg_iovlen = 1, .msg_control = &control, .msg_controllen = sizeof control};
    ssize_t received = recvmsg(fd, &message, MSG_DONTWAIT | MSG_CMSG_CLOEXEC | MSG_TRUNC);
    if (received < 0) return -1;
    *sender = 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&message); c; c = CMSG_NXTHDR(&message, c)) {
        if (c->cmsg_level != SOL_SOCKET) continue;
        if (c->cmsg_type == SCM_CREDENTIALS && c->cmsg_len == CMSG_LEN(sizeof(struct ucred))) {
            struct ucred credentials;
            memcpy(&credentials, CMSG_DATA(c), sizeof credentials);
            *sender = credentials.pid;
        } else if (c->cmsg_type == SCM_RIGHTS) {
            int count = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
            for (int i = 0; i < count; i++) {
                int passed;
                memcpy(&passed, CMSG_DATA(c) + i * sizeof(int), sizeof passed);
                close(passed);
            }
        }
    }
    return received;
}

ssize_t corral_send_with_fds(int fd, const void *buffer, size_t length, const int *fds, int count) {
    union {
        struct cmsghdr header;
        char space[CMSG_SPACE(sizeof(int) * 16)];
    } control;
    if (count < 0 || count > 16) { errno = EINVAL; return -1; }
    struct iovec vector = {.iov_base = (void *)buffer, .iov_len = length};
    struct msghdr message = {.msg_iov = &vector, .msg_iovlen = 1};
    if (count > 0) {
        memset(&control, 0, sizeof control);
        message.msg_control = &control;
        message.msg_controllen = CMSG_SPACE(sizeof(int) * count);
        struct cmsghdr *c = CMSG_FIRSTHDR(&message);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int) * count);
        memcpy(CMSG_DATA(c), fds, sizeof(int) * count);
    }
    return sendmsg(fd, &message, MSG_NOSIGNAL);
}

ssize_t corral_receive_with_fds(int fd, void *buffer, size_t length, int *fds, int capacity, int *count) {
    union {
        struct cmsghdr header;
        char space[CMSG_SPACE(sizeof(int) * 16)];
    } control;
    struct iovec vector = {.iov_base = buffer, .iov_len = length};
    struct msghdr message = {
        .msg_iov = &vector, .msg_iovlen = 1, .msg_control = &control, .msg_controllen = sizeof control};
    ssize_t received = recvmsg(fd, &message, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
    *count = 0;
    if (received < 0) return -1;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&message); c; c = CMSG_NXTHDR(&message, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
        int n = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
        for (int i = 0; i < n; i++) {
            int passed;
            memcpy(&passed, CMSG_DATA(c) + i * sizeof(int), sizeof passed);
            if (*count < capacity) fds[(*count)++] = passed; else close(passed);
        }
    }
    return received;
}

int corral_pidfd_open(pid_t pid) {
    return (int)syscall(SYS_pidfd_open, pid, 0);
}

int corral_pidfd_send_signal(int pidfd, int signal) {
    return (int)syscall(SYS_pidfd_send_signal, pidfd, signal, NULL, 0);
}

int corral_set_child_subreaper(void) {
    return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
}

ssize_t corral_getxattr(const char *path, const char *name, void *value, size_t size) {
    return getxattr(path, name, value, size);
}

int corral_reap_child(pid_t *pid, int *code, int *status) {
    siginfo_t info = {0};
    if (waitid(P_ALL, 0, &info, WEXITED | WNOHANG) < 0) return -1;
    if (info.si_pid == 0) return 0;
    *pid = info.si_pid;
    *code = info.si_code;
    *status = info.si_status;
    return 1;
}

int corral_pipe_cloexec(int descriptors[2]) {
    return pipe2(descriptors, O_CLOEXEC);
}

int corral_memfd(const char *name) {
    return memfd_create(name, MFD_CLOEXEC);
}

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

int corral_hypervisor_vendor(char vendor[13]) {
    unsigned int eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx) || !(ecx & (1U << 31))) return 0;
    __cpuid(0x40000000, eax, ebx, ecx, edx);
    memcpy(vendor, &ebx, 4);
    memcpy(vendor + 4, &ecx, 4);
    memcpy(vendor + 8, &edx, 4);
    vendor[12] = 0;
    return 1;
}
#else
int corral_hypervisor_vendor(char vendor[13]) {
    vendor[0] = 0;
    return 0;
}
#endif

static long bpf(int command, union bpf_attr *attributes) {
    return syscall(SYS_bpf, command, attributes, sizeof *attributes);
}

int corral_bpf_load_program(uint32_t type, const void *instructions, unsigned count, char *log, unsigned log_size) {
    union bpf_attr attributes;
    memset(&attributes, 0, sizeof attributes);
    attributes.prog_type = type;
    attributes.insn_cnt = count;
    attributes.insns = (uint64_t)(uintptr_t)instructions;
    attributes.license = (uint64_t)(uintptr_t)"GPL";
    attributes.log_buf = log_size > 0 ? (uint64_t)(uintptr_t)log : 0;
    attributes.log_size = log_size;
    attributes.log_level = log_size > 0 ? 1 : 0;
    return (int)bpf(BPF_PROG_LOAD, &attributes);
}

int corral_bpf_replace_programs(int cgroup_fd, uint32_t attach_type, int program_fd) {
    uint32_t ids[64];
    union bpf_attr query;
    memset(&query, 0, sizeof query);
    query.query.target_fd = cgroup_fd;
    query.query.attach_type = attach_type;
    query.query.prog_ids = (uint64_t)(uintptr_t)ids;
    query.query.prog_cnt = 64;
    if (bpf(BPF_PROG_QUERY, &query) < 0) return -1;
    if (program_fd >= 0) {
        union bpf_attr attach;
        memset(&attach, 0, sizeof attach);
        attach.target_fd = cgroup_fd;
        attach.attach_bpf_fd = program_fd;
        attach.attach_type = attach_type;
        attach.attach_flags = BPF_F_ALLOW_MULTI;
        if (bpf(BPF_PROG_ATTACH, &attach) < 0) return -1;
    }
    for (uint32_t index = 0; index < query.query.prog_cnt && index < 64; index++) {
        union bpf_attr by_id;
        memset(&by_id, 0, sizeof by_id);
        by_id.prog_id = ids[index];
        int old = (int)bpf(BPF_PROG_GET_FD_BY_ID, &by_id);
        if (old < 0) continue;  // gone meanwhile
        union bpf_attr detach;
        memset(&detach, 0, sizeof detach);
        detach.target_fd = cgroup_fd;
        detach.attach_bpf_fd = old;
        detach.attach_type = attach_type;
        int result = (int)bpf(BPF_PROG_DETACH, &detach);
        int saved = errno;
        close(old);
        if (result < 0) {
            errno = saved;
            return -1;
        }
    }
    return 0;
}

int corral_bpf_lpm_trie(uint32_t key_size, uint32_t max_entries) {
    union bpf_attr attributes;
    memset(&attributes, 0, sizeof attributes);
    attributes.map_type = BPF_MAP_TYPE_LPM_TRIE;
    attributes.key_size = key_size;
    attributes.value_size = sizeof(uint64_t);
    attributes.max_entries = max_entries;
    attributes.map_flags = BPF_F_NO_PREALLOC;
    return (int)bpf(BPF_MAP_CREATE, &attributes);
}

int corral_bpf_map_update(int map_fd, const void *key, const void *value) {
    union bpf_attr attributes;
    memset(&attributes, 0, sizeof attributes);
    attributes.map_fd = map_fd;
    attributes.key = (uint64_t)(uintptr_t)key;
    attributes.value = (uint64_t)(uintptr_t)value;
    attributes.flags = BPF_ANY;
    return (int)bpf(BPF_MAP_UPDATE_ELEM, &attributes);
}

int corral_semaphores_remove(int id) {
    return semctl(id, 0, IPC_RMID);
}

#include <sys/reboot.h>

int corral_reboot(int power_off) {
    sync();
    return reboot(power_off ? RB_POWER_OFF : RB_AUTOBOOT);
}

int corral_open_pty(int *peer) {
    int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0) return -1;
    char name[128];
    if (grantpt(master) < 0 || unlockpt(master) < 0 || ptsname_r(master, name, sizeof name) != 0) {
        int saved = errno;
        close(master);
        errno = saved;
        return -1;
    }
    *peer = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (*peer < 0) {
        int saved = errno;
        close(master);
        errno = saved;
        return -1;
    }
    return master;
}
