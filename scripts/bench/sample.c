/* One timed sample for the benchmarks, so that the clock is read by a compiled program rather
 * than a shell: runs COMMAND (its standard output to /dev/null) and prints the microseconds
 * from just before its fork to its exit, or, with `--stamp FILE`, to the CLOCK_REALTIME
 * nanoseconds a stamp program (stamp.c) wrote into FILE as its first act. Exits non-zero, printing
 * nothing on stdout, when COMMAND fails or the stamp does not appear within 30 s.
 *
 *   sample [--stamp FILE] -- COMMAND...
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long realtime_ns(void) {
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return (long long)now.tv_sec * 1000000000LL + now.tv_nsec;
}

/* The stamp in `path`, waited for: 0 when it never appears. */
static long long read_stamp(const char *path) {
    for (int tries = 0; tries < 150000; tries++) {
        FILE *file = fopen(path, "r");
        long long stamp = 0;
        if (file) {
            if (fscanf(file, "%lld", &stamp) != 1) stamp = 0;
            fclose(file);
        }
        if (stamp > 0) return stamp;
        usleep(200);
    }
    return 0;
}

int main(int argc, char **argv) {
    const char *stamp_path = NULL;
    int first = 1;
    if (argc > 2 && strcmp(argv[1], "--stamp") == 0) {
        stamp_path = argv[2];
        first = 3;
    }
    if (first >= argc || strcmp(argv[first], "--") != 0 || first + 1 >= argc) {
        fprintf(stderr, "usage: sample [--stamp FILE] -- COMMAND...\n");
        return 2;
    }
    char **command = argv + first + 1;
    if (stamp_path) unlink(stamp_path);
    long long start = realtime_ns();
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 1);
        execvp(command[0], command);
        _exit(127);
    }
    int status;
    if (pid < 0 || waitpid(pid, &status, 0) < 0) return 1;
    long long end = realtime_ns();
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "sample: %s failed (status %d)\n", command[0], status);
        return 1;
    }
    if (stamp_path) {
        end = read_stamp(stamp_path);
        if (end == 0) {
            fprintf(stderr, "sample: no stamp in %s\n", stamp_path);
            return 1;
        }
    }
    printf("%lld\n", (end - start) / 1000);
    return 0;
}
