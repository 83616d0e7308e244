#ifndef TEENYGRAD_CHWLOC_SHIM_H
#define TEENYGRAD_CHWLOC_SHIM_H
// No _GNU_SOURCE here: defining it changes how the glibc headers declare shared types (fd_set), which then
// clash with the same headers as Dispatch and Glibc import them. The GNU-only calls go through syscall().
#include <hwloc.h>
#include <unistd.h>
#include <sys/syscall.h>

/// The kernel thread id of the calling thread (glibc does not export gettid to Swift).
static inline int teeny_gettid(void) { return (int)syscall(SYS_gettid); }

/// The CPU the calling thread runs on now, or -1 on error.
static inline int teeny_sched_getcpu(void) {
  unsigned cpu = 0;
  return syscall(SYS_getcpu, &cpu, (void *)0, (void *)0) == 0 ? (int)cpu : -1;
}

/// A spin-wait hint to the CPU (x86 `pause`), so a busy-waiting thread yields pipeline resources.
static inline void teeny_cpu_pause(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

/// Writes the OS CPU indices thread `tid` may run on (its affinity mask, read with sched_getaffinity)
/// into `cpus`, at most `capacity` of them, and returns how many were written, or -1 on error.
static inline int teeny_thread_affinity(int tid, int *cpus, int capacity) {
  unsigned long mask[64] = {0};  // 4096 CPUs
  long bytes = syscall(SYS_sched_getaffinity, tid, sizeof mask, mask);
  if (bytes < 0) return -1;
  int written = 0;
  const int bitsPerWord = (int)(8 * sizeof mask[0]);
  for (int cpu = 0; cpu < (int)bytes * 8 && written < capacity; cpu++) {
    if (mask[cpu / bitsPerWord] >> (cpu % bitsPerWord) & 1UL) cpus[written++] = cpu;
  }
  return written;
}
#endif
