/* memhog MIB: allocates MIB mebibytes, touches every page so it is charged
 * to the caller's memory cgroup, prints "allocated MIB" and exits 0.
 * Under a smaller memory.max the kernel OOM-kills it first (exit by SIGKILL). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: memhog MIB\n");
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
    return 0;
}
