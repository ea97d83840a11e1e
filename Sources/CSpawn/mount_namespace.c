#define _GNU_SOURCE
#include "mount_namespace.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/mount.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

// The child's side of a unit's mount namespace (systemd.exec(5), "Sandboxing"). Raw system calls
// only, like the rest of the child (see corral_spawn.h).
//
// The parent sorts the entries parents first. Each entry's mount is prepared as a detached tree
// (open_tree clone or fsmount), attached with move_mount, and then gets its attributes (read-only,
// noexec) with mount_setattr, recursively where systemd is recursive. An entry below another is
// cloned after the one above it is attached but before that one's attributes change, so what lies
// below keeps its own attributes: systemd's "deny list" of submounts not to remount, without
// reading /proc/self/mountinfo. Sources of binds are the host's, so they are cloned first of all.

enum entry_state { PENDING, IN_PLACE, SKIPPED };

/// What the setup holds for each entry between its steps. Lives on the child's stack.
struct mount_work {
    const struct corral_spawn_request *request;
    int trees[CORRAL_MAX_MOUNTS];              // a detached tree to attach, or -1
    unsigned char states[CORRAL_MAX_MOUNTS];   // enum entry_state
    unsigned char source_is_directory[CORRAL_MAX_MOUNTS];
    int device_binds[4];  // /dev/pts, /dev/shm, /dev/mqueue, /dev/hugepages for CORRAL_MOUNT_DEVICES
};

static const char *const device_bind_paths[4] = {"/dev/pts", "/dev/shm", "/dev/mqueue", "/dev/hugepages"};
static const char *const device_nodes[] = {"null", "zero", "full", "random", "urandom", "tty"};

static int negative_errno(long result) {
    return result < 0 ? -errno : 0;
}

static int stat_path(int directory, const char *path, int flags, struct statx *status) {
    return negative_errno(syscall(SYS_statx, directory, path, flags | AT_NO_AUTOMOUNT, STATX_TYPE | STATX_MODE, status));
}

static int clone_tree(const char *path, int recursive) {
    long tree = syscall(SYS_open_tree, AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0));
    return tree < 0 ? -errno : (int)tree;
}

static int attach_tree(int tree, const char *path) {
    int result = negative_errno(syscall(SYS_move_mount, tree, "", AT_FDCWD, path, MOVE_MOUNT_F_EMPTY_PATH));
    syscall(SYS_close, tree);
    return result;
}

static int set_attributes(const char *path, int recursive, uint64_t set, uint64_t clear) {
    if (set == 0 && clear == 0) return 0;
    struct mount_attr attributes = {.attr_set = set, .attr_clr = clear};
    return negative_errno(
        syscall(SYS_mount_setattr, AT_FDCWD, path, recursive ? AT_RECURSIVE : 0, &attributes, sizeof attributes));
}

/// Creates the directories above `path` relative to `directory`, as mkdir -p would.
static int make_parents(int directory, const char *path) {
    char buffer[PATH_MAX];
    size_t length = strlen(path);
    if (length >= sizeof buffer) return -ENAMETOOLONG;
    memcpy(buffer, path, length + 1);
    for (size_t index = 1; index < length; index++) {
        if (buffer[index] != '/') continue;
        buffer[index] = 0;
        if (syscall(SYS_mkdirat, directory, buffer, 0755) < 0 && errno != EEXIST) return -errno;
        buffer[index] = '/';
    }
    return 0;
}

/// A directory (or an empty file, for a file's bind) to mount on, unless `path` exists.
static int make_mount_point(const char *path, int directory) {
    struct statx status;
    if (stat_path(AT_FDCWD, path, 0, &status) == 0) return 0;
    int result = make_parents(AT_FDCWD, path);
    if (result < 0) return result;
    long made = directory ? syscall(SYS_mkdirat, AT_FDCWD, path, 0755)
                          : syscall(SYS_mknodat, AT_FDCWD, path, S_IFREG | 0644, 0);
    return made < 0 && errno != EEXIST ? -errno : 0;
}

/// A new file system as a detached mount: fsopen, the options, fsmount.
static int new_file_system(const struct corral_mount *entry) {
    long context = syscall(SYS_fsopen, entry->fs_type, FSOPEN_CLOEXEC);
    if (context < 0) return -errno;
    int result = 0;
    for (const char *const *option = entry->options; option != NULL && option[0] != NULL && result == 0; option += 2) {
        result = negative_errno(syscall(SYS_fsconfig, context, option[1] ? FSCONFIG_SET_STRING : FSCONFIG_SET_FLAG,
                                        option[0], option[1], 0));
    }
    if (result == 0) result = negative_errno(syscall(SYS_fsconfig, context, FSCONFIG_CMD_CREATE, NULL, NULL, 0));
    long tree = result == 0 ? syscall(SYS_fsmount, context, FSMOUNT_CLOEXEC, entry->new_attributes) : -1;
    if (result == 0 && tree < 0) result = -errno;
    syscall(SYS_close, context);
    return result < 0 ? result : (int)tree;
}

/// "MAJOR:MINOR" into buffer (at least 24 bytes).
static void format_device(char *buffer, unsigned int major_number, unsigned int minor_number) {
    char digits[12];
    unsigned int numbers[2] = {major_number, minor_number};
    size_t used = 0;
    for (int part = 0; part < 2; part++) {
        size_t count = 0;
        do {
            digits[count++] = (char)('0' + numbers[part] % 10);
            numbers[part] /= 10;
        } while (numbers[part] != 0);
        while (count > 0) buffer[used++] = digits[--count];
        if (part == 0) buffer[used++] = ':';
    }
    buffer[used] = 0;
}

/// Fills a new tmpfs (the detached tree `dev`) as systemd's PrivateDevices= /dev: the pseudo
/// devices copied from the host's, /dev/char links to them, the standard links, and mount points
/// for the host's /dev/pts, /dev/shm, /dev/mqueue and /dev/hugepages, which are cloned here.
static int populate_devices(int dev, int binds[4]) {
    for (int index = 0; index < 4; index++) {
        int tree = clone_tree(device_bind_paths[index], 0);
        if (tree < 0 && index < 2) return tree;  // pts and shm are required
        binds[index] = tree;
        if (tree >= 0 && syscall(SYS_mkdirat, dev, device_bind_paths[index] + 5, 0755) < 0) return -errno;
    }
    if (syscall(SYS_mkdirat, dev, "char", 0755) < 0) return -errno;
    struct statx status;
    for (size_t index = 0; index < sizeof device_nodes / sizeof device_nodes[0]; index++) {
        char host[16] = "/dev/";
        memcpy(host + 5, device_nodes[index], strlen(device_nodes[index]) + 1);
        if (stat_path(AT_FDCWD, host, 0, &status) < 0) continue;
        if (!S_ISCHR(status.stx_mode) && !S_ISBLK(status.stx_mode)) return -EINVAL;
        dev_t device = makedev(status.stx_rdev_major, status.stx_rdev_minor);
        if (syscall(SYS_mknodat, dev, device_nodes[index], status.stx_mode, device) < 0) return -errno;
        char link[32] = "char/", target[16] = "../";
        format_device(link + 5, status.stx_rdev_major, status.stx_rdev_minor);
        memcpy(target + 3, device_nodes[index], strlen(device_nodes[index]) + 1);
        syscall(SYS_symlinkat, target, dev, link);
    }
    if (stat_path(AT_FDCWD, "/dev/ptmx", AT_SYMLINK_NOFOLLOW, &status) == 0) {
        long made = S_ISLNK(status.stx_mode)
                        ? syscall(SYS_symlinkat, "pts/ptmx", dev, "ptmx")
                        : syscall(SYS_mknodat, dev, "ptmx", status.stx_mode,
                                  makedev(status.stx_rdev_major, status.stx_rdev_minor));
        if (made < 0) return -errno;
    }
    static const char *const links[][2] = {
        {"/run/systemd/journal/dev-log", "log"}, {"/proc/self/fd", "fd"},     {"/proc/self/fd/0", "stdin"},
        {"/proc/self/fd/1", "stdout"},           {"/proc/self/fd/2", "stderr"},
    };
    for (size_t index = 0; index < sizeof links / sizeof links[0]; index++) {
        syscall(SYS_symlinkat, links[index][0], dev, links[index][1]);
    }
    if (syscall(SYS_faccessat, AT_FDCWD, "/proc/kcore", F_OK) == 0) syscall(SYS_symlinkat, "/proc/kcore", dev, "core");
    return 0;
}

/// The inaccessible node standing in for a file of `mode`'s type; NULL for a symbolic link.
static int inaccessible_node(const char *directory, unsigned int mode, char *path, size_t size) {
    const char *name = S_ISDIR(mode)    ? "dir"
                       : S_ISREG(mode)  ? "reg"
                       : S_ISCHR(mode)  ? "chr"
                       : S_ISBLK(mode)  ? "blk"
                       : S_ISFIFO(mode) ? "fifo"
                       : S_ISSOCK(mode) ? "sock"
                                        : NULL;
    if (name == NULL) return -ELOOP;  // systemd refuses symbolic links too
    size_t length = strlen(directory);
    if (length + 6 >= size) return -ENAMETOOLONG;
    memcpy(path, directory, length);
    path[length] = '/';
    memcpy(path + length + 1, name, strlen(name) + 1);
    return 0;
}

/// Makes ready what entry `index` mounts, at the time the tree it lies in is in place (its
/// anchor's attributes not applied yet): the mount point, the clone of what is there, or the
/// inaccessible node of its type.
static int prepare(struct mount_work *work, int index) {
    const struct corral_mount *entry = &work->request->mounts[index];
    if (work->states[index] == SKIPPED) return 0;
    struct statx status;
    switch (entry->kind) {
    case CORRAL_MOUNT_EXISTING: {
        int result = stat_path(AT_FDCWD, entry->path, 0, &status);
        if (result == -ENOENT && entry->ignore_missing) {
            work->states[index] = SKIPPED;
            return 0;
        }
        if (result < 0) return result;
        if (entry->anchor < 0 && (status.stx_attributes & STATX_ATTR_MOUNT_ROOT)) {
            work->states[index] = IN_PLACE;
            return 0;
        }
        work->trees[index] = clone_tree(entry->path, entry->recursive);
        return work->trees[index] < 0 ? work->trees[index] : 0;
    }
    case CORRAL_MOUNT_INACCESSIBLE: {
        int result = stat_path(AT_FDCWD, entry->path, AT_SYMLINK_NOFOLLOW, &status);
        if (result == -ENOENT && entry->ignore_missing) {
            work->states[index] = SKIPPED;
            return 0;
        }
        char node[PATH_MAX];
        if (result == 0) result = inaccessible_node(work->request->inaccessible_directory, status.stx_mode, node, sizeof node);
        if (result < 0) return result;
        work->trees[index] = clone_tree(node, 0);
        return work->trees[index] < 0 ? work->trees[index] : 0;
    }
    case CORRAL_MOUNT_BIND:
        return make_mount_point(entry->path, work->source_is_directory[index]);
    default:
        return make_mount_point(entry->path, 1);
    }
}

/// Before anything changes: clones of bind sources (host paths), new file systems, and the entries
/// that lie below no other.
static int prepare_sources(struct mount_work *work, int *failed) {
    const struct corral_spawn_request *request = work->request;
    for (size_t index = 0; index < request->mount_count; index++) {
        const struct corral_mount *entry = &request->mounts[index];
        *failed = (int)index;
        work->trees[index] = -1;
        work->states[index] = PENDING;
        if (entry->kind == CORRAL_MOUNT_BIND) {
            struct statx status;
            int result = stat_path(AT_FDCWD, entry->source, 0, &status);
            if (result == -ENOENT && entry->ignore_missing) {
                work->states[index] = SKIPPED;
                continue;
            }
            if (result < 0) return result;
            work->source_is_directory[index] = S_ISDIR(status.stx_mode);
            work->trees[index] = clone_tree(entry->source, entry->recursive);
        } else if (entry->kind == CORRAL_MOUNT_NEW || entry->kind == CORRAL_MOUNT_DEVICES) {
            work->trees[index] = new_file_system(entry);
            if (work->trees[index] >= 0 && entry->kind == CORRAL_MOUNT_DEVICES) {
                int result = populate_devices(work->trees[index], work->device_binds);
                if (result < 0) return result;
            }
        } else {
            continue;
        }
        if (work->trees[index] < 0) return work->trees[index];
    }
    for (size_t index = 0; index < request->mount_count; index++) {
        *failed = (int)index;
        int result = request->mounts[index].anchor < 0 ? prepare(work, (int)index) : 0;
        if (result < 0) return result;
    }
    return 0;
}

int corral_setup_mounts(const struct corral_spawn_request *request, int *failed) {
    struct mount_work work = {.request = request};
    *failed = -1;
    if (request->mount_count > CORRAL_MAX_MOUNTS) return -E2BIG;
    // Nothing mounted here may reach the host.
    if (syscall(SYS_mount, NULL, "/", NULL, MS_SLAVE | MS_REC, NULL) < 0) return -errno;
    int result = prepare_sources(&work, failed);
    if (result < 0) return result;
    for (size_t index = 0; index < request->mount_count; index++) {
        const struct corral_mount *entry = &request->mounts[index];
        *failed = (int)index;
        int present = work.states[index] != SKIPPED;
        if (present && work.trees[index] >= 0) {
            result = attach_tree(work.trees[index], entry->path);
            work.trees[index] = -1;
            if (result < 0) return result;
        }
        if (present && entry->kind == CORRAL_MOUNT_DEVICES) {
            for (int bind = 0; bind < 4; bind++) {
                if (work.device_binds[bind] >= 0 && (result = attach_tree(work.device_binds[bind], device_bind_paths[bind])) < 0) {
                    return result;
                }
            }
        }
        for (size_t below = index + 1; below < request->mount_count; below++) {
            if (request->mounts[below].anchor == (int)index && (result = prepare(&work, (int)below)) < 0) {
                *failed = (int)below;
                return result;
            }
        }
        if (present && (result = set_attributes(entry->path, entry->recursive, entry->set_attributes,
                                                entry->clear_attributes)) < 0) {
            return result;
        }
    }
    *failed = -1;
    const char *root = request->root_directory;
    if (root != NULL && (syscall(SYS_chdir, root) < 0 || syscall(SYS_mount, root, "/", NULL, MS_MOVE, NULL) < 0 ||
                         syscall(SYS_chroot, ".") < 0 || syscall(SYS_chdir, "/") < 0)) {
        return -errno;
    }
    return negative_errno(syscall(SYS_mount, NULL, "/", NULL, request->mount_propagation | MS_REC, NULL));
}
