/* memhog MIB [hold]: allocates MIB mebibytes, touches every page so it is charged
 * to the caller's memory cgroup, prints "allocated MIB", then exits 0 or, with
 * "hold", keeps the memory and sleeps until killed.
 * Under a smaller memory.max the kernel OOM-kills it first (exit by SIGKILL). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
    int hold = argc == 3 && strcmp(argv[2], "hold") == 0;
    if (argc != 2 && !hold) {
        fprintf(stderr, "usage: memhog MIB [hold]\n");
        return 2;
    }
    long mib = strtol(argv[1], NULL, 10);
    if (mib <= 0) {
        fprintf(stderr, "memhog: invalid size '%s'\n", argv[1]);
        return 2;
    }
    for (long i = 0; i < mib; i++) {
        char *chunk = malloc(1 << 20);
        if (chunk == NULL) {
            fprintf(stderr, "memhog: malloc failed after %ld MiB\n", i);
            return 1;
        }
        memset(chunk, 0xa5, 1 << 20);
    }
    printf("allocated %ld\n", mib);
    fflush(stdout);
    while (hold) {
        pause();
    }
    return 0;
}
