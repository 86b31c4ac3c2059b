#ifndef RAFTD_MEMORY_PREFETCH_H
#define RAFTD_MEMORY_PREFETCH_H

#include <stddef.h>
#include <stdint.h>

/// Asks the CPU to start loading the cache lines of `count` bytes at `data` for reading, without
/// waiting for them (a hint: it never faults, whatever the address). Swift has no prefetch intrinsic;
/// a static inline function is imported and inlined into the Swift caller.
static inline void raftd_prefetch_read(const void *data, size_t count) {
    const char *p = (const char *)data;
    for (size_t offset = 0; offset < count; offset += 64) {
        __builtin_prefetch(p + offset, 0, 3);
    }
}

#endif
