#ifndef RAFTD_CRC32C_HARDWARE_H
#define RAFTD_CRC32C_HARDWARE_H

#include <stddef.h>
#include <stdint.h>

/// Whether this CPU has the SSE4.2 CRC32 instruction (checked once, at run time).
int lsm_crc32c_hardware_available(void);

/// Extends `crc` (a finished CRC-32C, 0 for none) with `count` bytes at `data`, using the CPU's
/// CRC32 instruction. Call only when lsm_crc32c_hardware_available() returned non-zero.
uint32_t lsm_crc32c_hardware_extend(uint32_t crc, const void *data, size_t count);

#endif
