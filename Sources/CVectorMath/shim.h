#ifndef TEENYGRAD_CVECTORMATH_SHIM_H
#define TEENYGRAD_CVECTORMATH_SHIM_H

// Arithmetic on 8-float vectors that Swift's SIMD types do not compile to one instruction. The target must
// have AVX (the package builds for x86-64-v3); `__m256` reaches Swift as `SIMD8<Float>`.
#include <immintrin.h>

/// The square root of each lane (`vsqrtps`), correctly rounded as `sqrtf` is; NaN for a negative lane.
/// `SIMD8<Float>.squareRoot()` compiles to eight scalar square roots, each with a branch to `sqrtf` for
/// negative inputs.
static inline __m256 teenygrad_f32x8_sqrt(__m256 x) {
  return _mm256_sqrt_ps(x);
}

#endif
