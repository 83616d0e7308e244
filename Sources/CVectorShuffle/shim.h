#ifndef TEENYGRAD_CVECTORSHUFFLE_SHIM_H
#define TEENYGRAD_CVECTORSHUFFLE_SHIM_H

// Lane shuffles of 8-float vectors that Swift's SIMD types cannot spell as single instructions. Built from
// Swift element by element, the same shuffles compile to long chains of 128-bit inserts and blends. The
// target must have AVX (the package builds for x86-64-v3); `__m256` reaches Swift as `SIMD8<Float>`.
#include <immintrin.h>

/// Sums of adjacent lane pairs within each 128-bit half (`vhaddps`):
/// (a0+a1, a2+a3, b0+b1, b2+b3, a4+a5, a6+a7, b4+b5, b6+b7).
static inline __m256 teenygrad_f32x8_pair_sums(__m256 a, __m256 b) {
  return _mm256_hadd_ps(a, b);
}

/// The low halves of `a` and `b` side by side plus their high halves side by side:
/// (a0+a4, a1+a5, a2+a6, a3+a7, b0+b4, b1+b5, b2+b6, b3+b7).
static inline __m256 teenygrad_f32x8_fold_halves(__m256 a, __m256 b) {
  return _mm256_add_ps(_mm256_permute2f128_ps(a, b, 0x20), _mm256_permute2f128_ps(a, b, 0x31));
}

#endif
