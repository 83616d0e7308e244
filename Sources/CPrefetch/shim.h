#ifndef TEENYGRAD_CPREFETCH_SHIM_H
#define TEENYGRAD_CPREFETCH_SHIM_H

/// Asks the core to bring the cache line holding `address` into L1 ahead of a read (`prefetcht0`).
static inline void teenygrad_prefetch_for_read(const void *address) {
  __builtin_prefetch(address, 0, 3);
}

/// Asks for the lines holding the 16 floats at `floats` ahead of a read: two, as a 64-byte run that is not
/// line-aligned straddles two lines.
static inline void teenygrad_prefetch_16_floats_for_read(const float *floats) {
  __builtin_prefetch(floats, 0, 3);
  __builtin_prefetch(floats + 15, 0, 3);
}

/// Asks for the lines holding the 16 floats at `floats` ahead of a write (`prefetchw` where the target has it).
static inline void teenygrad_prefetch_16_floats_for_write(const float *floats) {
  __builtin_prefetch(floats, 1, 3);
  __builtin_prefetch(floats + 15, 1, 3);
}

#endif
