// XXH3 inlined and compiled for AVX-512 (peer row "xxh3_inline_avx512" in bench/hash.cpp): what
// the header gives with -mavx512f, without changing the project's flags.
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,avx512f,avx512bw"))), apply_to = function)
#else
#pragma GCC target("avx2,avx512f,avx512bw")
// GCC 12 false positive inside its own avx512fintrin.h (_mm512_undefined_epi32).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#include <immintrin.h>
#define XXH_INLINE_ALL
#define XXH_VECTOR XXH_AVX512
#include <cstddef>
#include <cstdint>

#include <xxhash.h>

std::uint64_t bench_xxh3_inline_avx512(const void* p, std::size_t n) {
  const std::uint64_t h = XXH3_64bits(p, n);
  __builtin_ia32_vzeroupper();
  return h;
}
#if defined(__clang__)
#pragma clang attribute pop
#endif
