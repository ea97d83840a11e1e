/* Prints CLOCK_REALTIME in nanoseconds as its first act, then sleeps: the "first instruction" of a
 * benchmark service. */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    FILE *out = fopen(argv[1], "w");
    fprintf(out, "%lld\n", (long long)now.tv_sec * 1000000000LL + now.tv_nsec);
    fclose(out);
    if (argc > 2) pause();
    return 0;
}
