/* Tries one thing a sandbox may forbid and prints the kernel's answer: "ok", or "errno N".
 * A system call a filter kills the process for never prints (the caller sees SIGSYS).
 *   probe socket unix|inet|inet6|netlink   socket(2) of that family
 *   probe send ADDRESS                     one UDP datagram to ADDRESS (IPv4 or IPv6), port 9
 *   probe mount                            mount a tmpfs on /mnt (made if missing)
 *   probe unshare user|net|mnt|ipc|uts     unshare(2) of that namespace type
 *   probe create PATH                      open(2) O_WRONLY|O_CREAT (the file is left)
 *   probe open-write PATH                  open(2) O_WRONLY, nothing written
 *   probe read PATH                        open(2) O_RDONLY and read(2) one byte
 *   probe exec PATH                        execve(2) PATH (prints only when it fails) */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static int answer(int result) {
    if (result < 0) {
        printf("errno %d\n", errno);
        return 1;
    }
    printf("ok\n");
    return 0;
}

static int lookup(const char *name, const char *const names[], const int values[], int count) {
    for (int index = 0; index < count; index++) {
        if (strcmp(name, names[index]) == 0) return values[index];
    }
    fprintf(stderr, "probe: unknown %s\n", name);
    return -1;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: probe WHAT [ARGUMENT]\n");
        return 2;
    }
    const char *what = argv[1], *argument = argc > 2 ? argv[2] : "";
    if (strcmp(what, "socket") == 0) {
        static const char *const names[] = {"unix", "inet", "inet6", "netlink"};
        static const int families[] = {AF_UNIX, AF_INET, AF_INET6, AF_NETLINK};
        int family = lookup(argument, names, families, 4);
        return family < 0 ? 2 : answer(socket(family, family == AF_NETLINK ? SOCK_RAW : SOCK_DGRAM, 0));
    }
    if (strcmp(what, "send") == 0) {
        struct sockaddr_in6 v6 = {.sin6_family = AF_INET6, .sin6_port = htons(9)};
        struct sockaddr_in v4 = {.sin_family = AF_INET, .sin_port = htons(9)};
        int ipv6 = strchr(argument, ':') != NULL;
        if (inet_pton(ipv6 ? AF_INET6 : AF_INET, argument, ipv6 ? (void *)&v6.sin6_addr : (void *)&v4.sin_addr) != 1)
            return 2;
        int fd = socket(ipv6 ? AF_INET6 : AF_INET, SOCK_DGRAM, 0);
        if (fd < 0) return answer(fd);
        return answer((int)sendto(fd, "x", 1, 0, ipv6 ? (struct sockaddr *)&v6 : (struct sockaddr *)&v4,
                                  ipv6 ? sizeof v6 : sizeof v4));
    }
    if (strcmp(what, "mount") == 0) {
        mkdir("/mnt", 0755);
        return answer(mount("tmpfs", "/mnt", "tmpfs", 0, NULL));
    }
    if (strcmp(what, "unshare") == 0) {
        static const char *const names[] = {"user", "net", "mnt", "ipc", "uts"};
        static const int flags[] = {CLONE_NEWUSER, CLONE_NEWNET, CLONE_NEWNS, CLONE_NEWIPC, CLONE_NEWUTS};
        int flag = lookup(argument, names, flags, 5);
        return flag < 0 ? 2 : answer(unshare(flag));
    }
    if (strcmp(what, "create") == 0) return answer(open(argument, O_WRONLY | O_CREAT, 0644));
    if (strcmp(what, "open-write") == 0) return answer(open(argument, O_WRONLY));
    if (strcmp(what, "read") == 0) {
        char byte;
        int fd = open(argument, O_RDONLY);
        return answer(fd < 0 ? fd : (int)read(fd, &byte, 1));
    }
    if (strcmp(what, "exec") == 0) {
        execl(argument, argument, (char *)NULL);
        return answer(-1);
    }
    fprintf(stderr, "probe: unknown %s\n", what);
    return 2;
}
