#ifndef TEENYGRAD_CPREFETCH_SHIM_H
#define TEENYGRAD_CPREFETCH_SHIM_H

/// Asks the core to bring the cache line holding `address` into L1 ahead of a write (`prefetchw`).
static inline void teenygrad_prefetch_for_write(const void *address) {
  __builtin_prefetch(address, 1, 3);
}

/// Asks the core to bring the cache line holding `address` into L1 ahead of a read (`prefetcht0`).
static inline void teenygrad_prefetch_for_read(const void *address) {
  __builtin_prefetch(address, 0, 3);
}

#endif
