// CRC-32C with the SSE4.2 CRC32 instruction: about ten times faster than the table-driven code in
// Swift, which stays the fallback for CPUs without it. Swift has no intrinsic for the instruction,
// hence this file.
//
// The instruction has a latency of three cycles and a throughput of one per cycle, so one chain of
// it runs at a third of the speed the CPU allows. Buffers of at least three stripes are cut into
// blocks of three stripes whose CRCs are computed side by side and then combined: the CRC register
// after bytes A then B equals shift(register after A, |B|) xor (register after B from zero), where
// shift advances a register over |B| zero bytes, a linear map done with four table lookups.
#include "crc32c_hardware.h"

#include <string.h>

#if defined(__x86_64__)
#include <nmmintrin.h>

/// Bytes of one stripe (one of the three streams of a block): long blocks first, then short ones
/// for the rest of the buffer.
#define LONG_STRIPE 256
#define SHORT_STRIPE 64

/// long_shift[k][v] (short_shift[k][v]): the register `v << 8k` advanced over LONG_STRIPE
/// (SHORT_STRIPE) zero bytes. Filled once, at load.
static uint32_t long_shift[4][256];
static uint32_t short_shift[4][256];
static int hardware_available;

__attribute__((target("sse4.2")))
static uint32_t advance_over_zeros(uint32_t reg, size_t count) {
    uint64_t c = reg;
    for (size_t i = 0; i < count; i += 8) {
        c = _mm_crc32_u64(c, 0);
    }
    return (uint32_t)c;
}

// Runs before main (so before any thread could call in), once per process.
__attribute__((constructor))
static void crc32c_hardware_setup(void) {
    __builtin_cpu_init();
    hardware_available = __builtin_cpu_supports("sse4.2");
    if (!hardware_available) {
        return;
    }
    for (int k = 0; k < 4; k++) {
        for (uint32_t v = 0; v < 256; v++) {
            long_shift[k][v] = advance_over_zeros(v << (8 * k), LONG_STRIPE);
            short_shift[k][v] = advance_over_zeros(v << (8 * k), SHORT_STRIPE);
        }
    }
}

static inline uint64_t load64(const uint8_t *p) {
    uint64_t word;
    memcpy(&word, p, 8);
    return word;
}

static inline uint32_t shift_register(const uint32_t table[4][256], uint32_t reg) {
    return table[0][reg & 0xff] ^ table[1][(reg >> 8) & 0xff] ^ table[2][(reg >> 16) & 0xff] ^ table[3][reg >> 24];
}

/// The register after `3 * stripe` bytes at `p`, from register `c`: three streams side by side.
__attribute__((target("sse4.2")))
static inline uint64_t crc_block(uint64_t c, const uint8_t *p, size_t stripe, const uint32_t table[4][256]) {
    uint64_t a = c;
    uint64_t b = 0;
    uint64_t d = 0;
    for (size_t i = 0; i < stripe; i += 8) {
        a = _mm_crc32_u64(a, load64(p + i));
        b = _mm_crc32_u64(b, load64(p + stripe + i));
        d = _mm_crc32_u64(d, load64(p + 2 * stripe + i));
    }
    uint32_t combined = shift_register(table, (uint32_t)a) ^ (uint32_t)b;
    return shift_register(table, combined) ^ (uint32_t)d;
}

int lsm_crc32c_hardware_available(void) {
    return hardware_available;
}

__attribute__((target("sse4.2")))
uint32_t lsm_crc32c_hardware_extend(uint32_t crc, const void *data, size_t count) {
    const uint8_t *p = (const uint8_t *)data;
    uint64_t c = (uint32_t)~crc;
    while (count > 0 && ((uintptr_t)p & 7) != 0) {
        c = _mm_crc32_u8((uint32_t)c, *p++);
        count--;
    }
    while (count >= 3 * LONG_STRIPE) {
        c = crc_block(c, p, LONG_STRIPE, long_shift);
        p += 3 * LONG_STRIPE;
        count -= 3 * LONG_STRIPE;
    }
    while (count >= 3 * SHORT_STRIPE) {
        c = crc_block(c, p, SHORT_STRIPE, short_shift);
        p += 3 * SHORT_STRIPE;
        count -= 3 * SHORT_STRIPE;
    }
    while (count >= 8) {
        c = _mm_crc32_u64(c, load64(p));
        p += 8;
        count -= 8;
    }
    while (count > 0) {
        c = _mm_crc32_u8((uint32_t)c, *p++);
        count--;
    }
    return ~(uint32_t)c;
}

#else

int lsm_crc32c_hardware_available(void) { return 0; }

uint32_t lsm_crc32c_hardware_extend(uint32_t crc, const void *data, size_t count) {
    (void)data;
    (void)count;
    return crc;
}

#endif
