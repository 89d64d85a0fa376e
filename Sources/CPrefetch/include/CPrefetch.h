// Host-cache hints for the emulator's own data (not a model of anything): Swift has no prefetch instruction of its
// own, so the per-packet path reaches the compiler's through this header. A hint never changes what a run computes;
// a hint for an address that is never read costs a little bandwidth and nothing else.
#ifndef NICSIM_CPREFETCH_H
#define NICSIM_CPREFETCH_H

#include <stddef.h>

/// Asks the processor to bring every cache line of [`address`, `address + count`) close to it, for a read soon.
/// Never faults, even for addresses that are not mapped.
static inline void nicsim_prefetch_range(const void *address, size_t count) {
    const char *p = (const char *)((size_t)address & ~(size_t)63);
    const char *end = (const char *)address + count;
    for (; p < end; p += 64) __builtin_prefetch(p, 0, 3);
}

#endif
