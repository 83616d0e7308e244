#ifndef TEENYGRAD_CSHA256_SHIM_H
#define TEENYGRAD_CSHA256_SHIM_H

// SHA-256's compression function on the CPU's SHA extensions (SHA-NI), for the dataset checksums.
#include <cpuid.h>
#include <immintrin.h>
#include <stddef.h>
#include <stdint.h>

/// Whether the CPU has the SHA extensions (CPUID leaf 7, EBX bit 29).
static inline int teenygrad_sha256_hardware_available(void) {
  unsigned a, b, c, d;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
  return (b >> 29) & 1;
}

/// Compresses `blocks` 64-byte blocks at `data` into `state` (the eight working words, A first), with the
/// 64 round constants `k`. Call only where ``teenygrad_sha256_hardware_available`` returned 1.
__attribute__((target("sha,sse4.1,ssse3")))
static inline void teenygrad_sha256_hardware_blocks(uint32_t state[8], const uint8_t *data, size_t blocks,
                                                    const uint32_t k[64]) {
  // The instructions keep the state as (A, B, E, F) and (C, D, G, H), highest lane first.
  __m128i dcba = _mm_loadu_si128((const __m128i *)state);
  __m128i hgfe = _mm_loadu_si128((const __m128i *)(state + 4));
  __m128i cdab = _mm_shuffle_epi32(dcba, 0xB1);
  __m128i efgh = _mm_shuffle_epi32(hgfe, 0x1B);
  __m128i abef = _mm_alignr_epi8(cdab, efgh, 8);
  __m128i cdgh = _mm_blend_epi16(efgh, cdab, 0xF0);
  // Message words are big-endian: reverse the bytes of each 32-bit lane.
  const __m128i byteSwap = _mm_set_epi8(12, 13, 14, 15, 8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3);
  for (size_t block = 0; block < blocks; block++, data += 64) {
    const __m128i abefStart = abef, cdghStart = cdgh;
    __m128i w[4];
    for (int j = 0; j < 4; j++) w[j] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(data + 16 * j)), byteSwap);
    // Sixteen groups of four rounds; group i reads words 4i..4i+3 and, while i < 12, derives words 4i+16..4i+19
    // into the slot it has just used.
    // `sha256rnds2` runs two rounds and returns the new (A, B, E, F); the (A, B, E, F) it was given is then the
    // new (C, D, G, H), so each pair of calls hands the registers back in their places.
    for (int i = 0; i < 16; i++) {
      const __m128i wk = _mm_add_epi32(w[i & 3], _mm_loadu_si128((const __m128i *)(k + 4 * i)));
      cdgh = _mm_sha256rnds2_epu32(cdgh, abef, wk);
      abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(wk, 0x0E));
      if (i < 12) {
        __m128i next = _mm_sha256msg1_epu32(w[i & 3], w[(i + 1) & 3]);
        next = _mm_add_epi32(next, _mm_alignr_epi8(w[(i + 3) & 3], w[(i + 2) & 3], 4));
        w[i & 3] = _mm_sha256msg2_epu32(next, w[(i + 3) & 3]);
      }
    }
    abef = _mm_add_epi32(abef, abefStart);
    cdgh = _mm_add_epi32(cdgh, cdghStart);
  }
  __m128i feba = _mm_shuffle_epi32(abef, 0x1B);
  __m128i dchg = _mm_shuffle_epi32(cdgh, 0xB1);
  _mm_storeu_si128((__m128i *)state, _mm_blend_epi16(feba, dchg, 0xF0));
  _mm_storeu_si128((__m128i *)(state + 4), _mm_alignr_epi8(dchg, feba, 8));
}

#endif
