/* The two ends of sd_notify for VM scenarios (the guest has no python or socat):
 *   sdnotify listen PATH IDLE_SECONDS  binds a datagram socket at PATH and prints each message
 *                                      as "MS MESSAGE" (ms since binding, newlines as '|'); exits
 *                                      after IDLE_SECONDS without a message.
 *   sdnotify ready SECONDS             sleeps, sends READY=1 to $NOTIFY_SOCKET, then sleeps forever
 *                                      (stays the main process, so the sender can be identified). */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static long now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static int address(const char *path, struct sockaddr_un *addr) {
    memset(addr, 0, sizeof *addr);
    addr->sun_family = AF_UNIX;
    if (strlen(path) >= sizeof addr->sun_path) return -1;
    strcpy(addr->sun_path, path);
    return 0;
}

int main(int argc, char **argv) {
    struct sockaddr_un addr;
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (argc == 4 && strcmp(argv[1], "listen") == 0) {
        unlink(argv[2]);
        if (fd < 0 || address(argv[2], &addr) < 0 || bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
            perror("sdnotify listen");
            return 1;
        }
        long start = now_ms();
        printf("0 bound\n");
        fflush(stdout);
        struct pollfd p = {.fd = fd, .events = POLLIN};
        while (poll(&p, 1, atoi(argv[3]) * 1000) > 0) {
            char buffer[4097];
            ssize_t n = recv(fd, buffer, sizeof buffer - 1, 0);
            if (n < 0) break;
            buffer[n] = 0;
            for (char *c = buffer; *c; c++)
                if (*c == '\n') *c = '|';
            printf("%ld %s\n", now_ms() - start, buffer);
            fflush(stdout);
        }
        return 0;
    }
    if (argc == 3 && strcmp(argv[1], "ready") == 0) {
        const char *path = getenv("NOTIFY_SOCKET");
        sleep(atoi(argv[2]));
        if (fd < 0 || !path || address(path, &addr) < 0 ||
            sendto(fd, "READY=1", 7, 0, (struct sockaddr *)&addr, sizeof addr) < 0) {
            perror("sdnotify ready");
            return 1;
        }
        for (;;) pause();
    }
    fprintf(stderr, "usage: sdnotify listen PATH IDLE_SECONDS | sdnotify ready SECONDS\n");
    return 2;
}
