/* The clock of the pacing tools (Scripts/pacing/pace_send.c, Benchmarks/pacing/crossover.c): CLOCK_MONOTONIC in
 * nanoseconds, an absolute sleep to a deadline, and a sleep-then-spin wait, the way nicsim's RealTimePacer waits
 * for a frame. Header-only, for programs compiled with a plain `cc`.
 */
#ifndef NICSIM_PACE_CLOCK_H
#define NICSIM_PACE_CLOCK_H

#include <errno.h>
#include <stdint.h>
#include <time.h>

/* CLOCK_MONOTONIC now, in nanoseconds. */
static inline int64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* Sleeps until `deadline` (absolute clock_nanosleep, resumed after a signal). */
static inline void sleep_until(int64_t deadline) {
    struct timespec d = {deadline / 1000000000, deadline % 1000000000};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &d, NULL) == EINTR) {}
}

/* Sleeps until `spin` ns before `deadline`, then reads the clock until it is reached. */
static inline void spin_until(int64_t deadline, int64_t spin) {
    if (deadline - spin > now_ns()) sleep_until(deadline - spin);
    while (now_ns() < deadline) {}
}

#endif
