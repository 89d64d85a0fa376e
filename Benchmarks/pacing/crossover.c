/* Where does spinning pay? Paces COUNT deadlines GAP_NS apart on CLOCK_MONOTONIC for each spin threshold given:
 * an absolute clock_nanosleep to (deadline - threshold), then a spin on clock_gettime to the deadline, the way
 * nicsim's RealTimePacer waits for a frame. Prints, per threshold, the lateness at the deadline (p50, p99, p99.9,
 * max) and the share of the wall time spent spinning. The pacer's default spin threshold comes from this table
 * (BENCHMARKS.md, "Real-time pacing").
 *
 *   cc -O2 -o crossover crossover.c
 *   ./crossover COUNT GAP_NS THRESHOLD_NS...        e.g. ./crossover 20000 100000 0 10000 20000 50000 100000
 *
 * Run it under `chrt -f 50` to see the same with SCHED_FIFO. The timer slack is set to 1 ns, as the pacer does.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <time.h>

#include "../../Scripts/pacing/pace_clock.h"

static int compare(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: %s COUNT GAP_NS THRESHOLD_NS...\n", argv[0]);
        return 2;
    }
    long count = strtol(argv[1], NULL, 10);
    long gap = strtol(argv[2], NULL, 10);
    if (count < 10 || count > 10000000 || gap < 1000) {
        fprintf(stderr, "COUNT must lie in 10...10000000 and GAP_NS be at least 1000\n");
        return 2;
    }
    prctl(PR_SET_TIMERSLACK, 1, 0, 0, 0);
    int64_t *late = malloc(sizeof(int64_t) * (size_t)count);
    if (late == NULL) return 1;
    printf("threshold_us  p50_us  p99_us  p99.9_us  max_us  spinning_%%\n");
    for (int a = 3; a < argc; a++) {
        long threshold = strtol(argv[a], NULL, 10);
        int64_t spun = 0;
        int64_t start = now_ns() + gap;
        int64_t deadline = start;
        for (long i = 0; i < count; i++, deadline += gap) {
            if (now_ns() < deadline - threshold) sleep_until(deadline - threshold);
            int64_t spin_start = now_ns();
            int64_t t = spin_start;
            while (t < deadline) t = now_ns();
            if (t > spin_start) spun += t - spin_start;
            late[i] = t - deadline;
        }
        int64_t wall = deadline - start;
        qsort(late, (size_t)count, sizeof(int64_t), compare);
        printf("%12.1f  %6.1f  %6.1f  %8.1f  %6.1f  %9.1f\n", threshold / 1e3, late[count / 2] / 1e3,
               late[count * 99 / 100] / 1e3, late[count * 999 / 1000] / 1e3, late[count - 1] / 1e3,
               100.0 * (double)spun / (double)wall);
    }
    free(late);
    return 0;
}
