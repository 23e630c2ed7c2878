// hotpath/detail/xxh.hpp: xxHash access for the hash policies, with runtime SIMD dispatch.
//
// Design (once, here):
// - Short inputs use xxHash inlined (XXH_INLINE_ALL): with the project's default flags that
//   is SSE2 code, and for inputs below the dispatch threshold the vector kernel hardly runs,
//   so inlining (no PLT call) is what matters.
// - Long inputs (>= dispatch_threshold) go through libxxhash's exported *_dispatch functions
//   (Debian builds xxh_x86dispatch.c into libxxhash.so), which pick the SSE2/AVX2/AVX-512
//   kernel by cpuid once. They are declared weak, so a libxxhash built without them still
//   links and hotpath falls back to the inline SSE2 path.
// - Trap: the dispatched AVX2/AVX-512 code returns with dirty upper vector state (no
//   vzeroupper), which makes later SSE code in the same thread several times slower. Every
//   dispatched call here is followed by vzeroupper (only executed when the CPU has AVX2,
//   which is also the condition for taking the dispatched path at all).
// All paths produce identical digests: the kernels differ only in speed.
#ifndef HOTPATH_DETAIL_XXH_HPP
#define HOTPATH_DETAIL_XXH_HPP

#include <hotpath/detail/config.hpp>

#include <cstddef>
#include <cstdint>

#ifndef XXH_STATIC_LINKING_ONLY
#define XXH_STATIC_LINKING_ONLY
#endif
#ifndef XXH_INLINE_ALL
#define XXH_INLINE_ALL
#define HOTPATH_XXH_UNDEF_INLINE_ALL
#endif
#include <xxhash.h>
#ifdef HOTPATH_XXH_UNDEF_INLINE_ALL
#undef XXH_INLINE_ALL
#undef HOTPATH_XXH_UNDEF_INLINE_ALL
#endif

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define HOTPATH_XXH_DISPATCH 1
#include <immintrin.h>

// libxxhash's runtime-dispatched entry points (xxh_x86dispatch.h), declared weak: null when
// the linked libxxhash lacks them. The state type is layout-identical to the inline one.
extern "C" {
// A strong reference into libxxhash: with --as-needed, weak references alone would let the
// linker drop the library and leave every *_dispatch pointer null.
unsigned hotpath_xxh_library_version(void) __asm__("XXH_versionNumber");
__attribute__((weak)) XXH64_hash_t XXH3_64bits_dispatch(const void* input, size_t len);
__attribute__((weak)) XXH64_hash_t XXH3_64bits_withSeed_dispatch(const void* input, size_t len,
                                                                 XXH64_hash_t seed);
__attribute__((weak)) XXH_errorcode XXH3_64bits_update_dispatch(XXH3_state_t* state,
                                                                const void* input, size_t len);
__attribute__((weak)) XXH128_hash_t XXH3_128bits_dispatch(const void* input, size_t len);
__attribute__((weak)) XXH128_hash_t XXH3_128bits_withSeed_dispatch(const void* input, size_t len,
                                                                   XXH64_hash_t seed);
__attribute__((weak)) XXH_errorcode XXH3_128bits_update_dispatch(XXH3_state_t* state,
                                                                 const void* input, size_t len);
}
#else
#define HOTPATH_XXH_DISPATCH 0
#endif

namespace hotpath::detail {

// Inputs at least this long take the dispatched (AVX2/AVX-512) kernel. Below it the inline
// SSE2 code is as fast (XXH3 has no vector loop under 240 bytes, and the call is cheaper).
inline constexpr std::size_t xxh_dispatch_threshold = 2048;

#if HOTPATH_XXH_DISPATCH
__attribute__((target("avx"))) inline void xxh_clear_upper() noexcept { _mm256_zeroupper(); }

// True when the dispatched kernels are available and worth using (AVX2 present).
inline bool xxh_use_dispatch() noexcept {
  static const bool use =
      hotpath_xxh_library_version() >= 800 && XXH3_64bits_dispatch != nullptr &&
      XXH3_64bits_update_dispatch != nullptr && XXH3_128bits_dispatch != nullptr &&
      XXH3_128bits_update_dispatch != nullptr && XXH3_64bits_withSeed_dispatch != nullptr &&
      XXH3_128bits_withSeed_dispatch != nullptr && __builtin_cpu_supports("avx2");
  return use;
}
#endif

inline XXH64_hash_t xxh3_64(const void* p, std::size_t n, XXH64_hash_t seed) noexcept {
#if HOTPATH_XXH_DISPATCH
  if (n >= xxh_dispatch_threshold && xxh_use_dispatch()) {
    const XXH64_hash_t h = XXH3_64bits_withSeed_dispatch(p, n, seed);
    xxh_clear_upper();
    return h;
  }
#endif
  return seed == 0 ? XXH3_64bits(p, n) : XXH3_64bits_withSeed(p, n, seed);
}

inline XXH128_hash_t xxh3_128(const void* p, std::size_t n, XXH64_hash_t seed) noexcept {
#if HOTPATH_XXH_DISPATCH
  if (n >= xxh_dispatch_threshold && xxh_use_dispatch()) {
    const XXH128_hash_t h = XXH3_128bits_withSeed_dispatch(p, n, seed);
    xxh_clear_upper();
    return h;
  }
#endif
  return XXH3_128bits_withSeed(p, n, seed);
}

inline void xxh3_64_update(XXH3_state_t* s, const void* p, std::size_t n) noexcept {
#if HOTPATH_XXH_DISPATCH
  if (n >= xxh_dispatch_threshold && xxh_use_dispatch()) {
    (void)XXH3_64bits_update_dispatch(s, p, n);
    xxh_clear_upper();
    return;
  }
#endif
  (void)XXH3_64bits_update(s, p, n);
}

inline void xxh3_128_update(XXH3_state_t* s, const void* p, std::size_t n) noexcept {
#if HOTPATH_XXH_DISPATCH
  if (n >= xxh_dispatch_threshold && xxh_use_dispatch()) {
    (void)XXH3_128bits_update_dispatch(s, p, n);
    xxh_clear_upper();
    return;
  }
#endif
  (void)XXH3_128bits_update(s, p, n);
}

}  // namespace hotpath::detail

#endif  // HOTPATH_DETAIL_XXH_HPP
