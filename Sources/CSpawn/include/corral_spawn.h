#pragma once
// The child side of spawning. It is C because the code between clone3 and
// execve runs in the memory of a multithreaded process whose other threads keep
// running: only raw system calls are safe there, and Swift cannot promise that
// (it may allocate, take locks, or retain). Everything the child needs is
// prepared by the parent beforehand.

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/// One step of the child's setup; reported with errno when it fails.
/// The values travel through the status pipe, so they are stable.
enum corral_spawn_stage {
    CORRAL_STAGE_CLONE = 1,
    CORRAL_STAGE_SIGNAL_MASK = 2,
    CORRAL_STAGE_STDIN = 3,
    CORRAL_STAGE_STDOUT = 4,
    CORRAL_STAGE_STDERR = 5,
    CORRAL_STAGE_SETSID = 6,
    CORRAL_STAGE_RLIMIT = 7,
    CORRAL_STAGE_GROUPS = 8,
    CORRAL_STAGE_GID = 9,
    CORRAL_STAGE_UID = 10,
    CORRAL_STAGE_NO_NEW_PRIVS = 11,
    CORRAL_STAGE_CHDIR = 12,
    CORRAL_STAGE_CLOSE_FDS = 13,
    CORRAL_STAGE_SECCOMP = 14,
    CORRAL_STAGE_EXEC = 15,
    CORRAL_STAGE_CAPABILITIES = 16,
    CORRAL_STAGE_NAMESPACE = 17,
    CORRAL_STAGE_OOM_ADJUST = 18,
    CORRAL_STAGE_NICE = 19,
    CORRAL_STAGE_SCHEDULER = 20,
    CORRAL_STAGE_CPU_AFFINITY = 21,
    CORRAL_STAGE_IO_PRIORITY = 22,
    CORRAL_STAGE_NETWORK = 23,
    CORRAL_STAGE_PERSONALITY = 24,
    CORRAL_STAGE_SECURE_BITS = 25,
    CORRAL_STAGE_KEYRING = 26,
    CORRAL_STAGE_USER_NAMESPACE = 27,
};

/// Mount entries a request may have (corral_mount).
#define CORRAL_MAX_MOUNTS 256

/// A resource limit for prlimit64 (values as in struct rlimit64).
struct corral_rlimit {
    int resource;
    uint64_t soft;
    uint64_t hard;
};

/// One classic BPF instruction; same layout as the kernel's struct sock_filter.
struct corral_bpf_instruction {
    uint16_t code;
    uint8_t jt;
    uint8_t jf;
    uint32_t k;
};

/// A classic BPF program for seccomp(SECCOMP_SET_MODE_FILTER).
struct corral_seccomp_program {
    const struct corral_bpf_instruction *instructions;
    size_t length;
};

/// What one entry of a mount namespace mounts on its path (see corral_mount).
enum corral_mount_kind {
    CORRAL_MOUNT_EXISTING = 1,  // what is there; only its attributes change
    CORRAL_MOUNT_BIND = 2,      // a clone of source
    CORRAL_MOUNT_INACCESSIBLE = 3,  // an empty node of the path's type, from inaccessible_directory
    CORRAL_MOUNT_NEW = 4,       // a new file system of type fs_type
    CORRAL_MOUNT_DEVICES = 5,   // a new tmpfs /dev with the pseudo devices and the host's pts and shm
};

/// One entry of a mount namespace, sorted parents first by the parent. See corral_setup_mounts
/// in mount_namespace.c for how they are performed.
struct corral_mount {
    int kind;
    const char *path;
    const char *source;          // CORRAL_MOUNT_BIND
    const char *fs_type;         // CORRAL_MOUNT_NEW, CORRAL_MOUNT_DEVICES
    const char *const *options;  // fsconfig pairs, key then value (NULL: a flag), NULL-terminated; may be NULL
    uint64_t new_attributes;     // MOUNT_ATTR_* of a new file system's mount
    uint64_t set_attributes;     // MOUNT_ATTR_* set once it is in place
    uint64_t clear_attributes;
    int recursive;               // binds and attributes include the submounts
    int ignore_missing;          // a missing path or source skips the entry
    int anchor;                  // index of the nearest entry above this one, -1: none
};

/// A namespace the unit's processes share, kept as a bind mount of its /proc/self/ns file at path.
struct corral_shared_namespace {
    int type;        // CLONE_NEWNET or CLONE_NEWIPC
    const char *path;
    int create;      // boolean: make it (unshare, bind onto path, which exists) rather than join it
};

/// Everything the child does, prepared in the parent. Pointers must stay valid
/// until corral_spawn returns; the child only reads them.
struct corral_spawn_request {
    const char *path;
    char *const *argv;  // NULL-terminated
    char *const *envp;  // NULL-terminated
    int stdin_fd;       // -1: keep the parent's
    int stdout_fd;
    int stderr_fd;
    int cgroup_fd;      // an O_PATH directory fd on cgroup2, or -1: the parent's cgroup
    int set_uid;        // booleans (0/1): apply uid / gid / groups
    int set_gid;
    int set_groups;
    uid_t uid;
    gid_t gid;
    const gid_t *groups;
    size_t group_count;
    const struct corral_rlimit *rlimits;
    size_t rlimit_count;
    uint32_t umask;
    const char *oom_score_adjust;  // decimal text for /proc/self/oom_score_adj, or NULL
    int set_nice;
    int nice;
    int set_scheduler;
    int sched_policy;  // with SCHED_RESET_ON_FORK ORed in
    int sched_priority;
    int set_io_priority;
    int io_priority;             // ioprio_set's value: class << 13 | data
    const uint64_t *cpu_mask;    // NULL: keep the parent's affinity
    size_t cpu_mask_size;        // bytes
    int set_personality;
    unsigned int personality;    // personality(2)'s value
    int set_secure_bits;         // boolean: PR_SET_SECUREBITS after the uid change
    int secure_bits;
    int keyring_mode;            // 0: inherit, 1: a new session keyring, 2: one with the user keyring linked
    const struct corral_shared_namespace *shared_namespaces;  // joined or made first, in the host's mounts
    size_t shared_namespace_count;
    uint64_t unshare_flags;  // CLONE_NEW* namespaces the process gets of its own (0: none)
    const struct corral_mount *mounts;  // with CLONE_NEWNS in unshare_flags: the namespace's entries
    size_t mount_count;
    unsigned long mount_propagation;  // MS_SHARED, MS_SLAVE or MS_PRIVATE, once the mounts are made
    const char *root_directory;       // NULL: the host's; otherwise moved to / (a mount entry makes it one)
    const char *inaccessible_directory;  // holds dir, reg, chr, blk, fifo and sock, mode 0000
    const char *uid_map;   // PrivateUsers=: the user namespace's uid_map and gid_map (NULL: none), entered
    const char *gid_map;   // after the groups and gid are set, before the bounding set is dropped
    int set_bounding_set;  // boolean: drop every capability not in bounding_set (before the uid change)
    uint64_t bounding_set;  // bit N: capability N
    uint64_t ambient_set;   // kept across the uid change and raised into the ambient set after it
    int no_new_privileges;
    int ignore_sigpipe;  // boolean: SIGPIPE is SIG_IGN in the program instead of SIG_DFL
    const char *working_directory;                       // NULL: keep the parent's
    const struct corral_seccomp_program *seccomp_programs;  // loaded in order, last before execve
    size_t seccomp_program_count;
    int passed_fd;         // -1, or a descriptor the program gets as passed_fd_target (ReadyNotificationFD=)
    int passed_fd_target;  // >= 3
    int status_fd;  // write end of an O_CLOEXEC pipe: gets a corral_spawn_failure or EOF on exec
};

/// What the child writes to status_fd when a stage fails (12 bytes, host order).
struct corral_spawn_failure {
    int32_t stage;
    int32_t error;
    int32_t mount;  // the mount entry that failed, or -1
};

/// clone3(CLONE_PIDFD [| CLONE_INTO_CGROUP]) and run the child setup.
/// In the parent: returns the child's pid and stores its pidfd, or returns -1
/// with errno set (nothing was created). Never returns in the child.
/// C because the child must run only raw syscalls (see the top of this file).
pid_t corral_spawn(const struct corral_spawn_request *request, int *pidfd);

/// waitid(P_PIDFD, pidfd, WEXITED [| WNOHANG]): stores the CLD_* code (0 if
/// nohang and still running) and the exit status or signal; -1 with errno on failure.
/// C because siginfo_t's fields live in unions Swift cannot reach by name.
int corral_wait_pidfd(int pidfd, int nohang, int *code, int *status);

/// Constants Swift's Glibc module hides (checked against the system headers in spawn.c).
#define CORRAL_CLD_EXITED 1
#define CORRAL_CLD_KILLED 2
#define CORRAL_CLD_DUMPED 3
