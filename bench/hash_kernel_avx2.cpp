// XXH3 inlined and compiled for AVX2 (peer row "xxh3_inline_avx2" in bench/hash.cpp): what
// the header gives with -mavx2, without changing the project's flags.
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2"))), apply_to = function)
#else
#pragma GCC target("avx2")
#endif
#include <immintrin.h>
#define XXH_INLINE_ALL
#define XXH_VECTOR XXH_AVX2
#include <cstddef>
#include <cstdint>

#include <xxhash.h>

std::uint64_t bench_xxh3_inline_avx2(const void* p, std::size_t n) {
  const std::uint64_t h = XXH3_64bits(p, n);
  __builtin_ia32_vzeroupper();
  return h;
}
#if defined(__clang__)
#pragma clang attribute pop
#endif
