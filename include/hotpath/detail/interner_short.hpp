// hotpath/detail/interner_short.hpp: the interner's path for strings of 1 to 16 bytes (most
// identifiers): a 16-byte key, a hash of it and a comparison with no branch on the length.
// Internal.
//
// Design (once, here):
// - Why: XXH3 and a byte comparison both branch on the length class (1-3, 4-8, 9-16 bytes),
//   and on a stream of identifiers those classes follow each other at random (on the
//   benchmark corpus 29 % / 50 % / 16 % of tokens): about one mispredicted branch per hash.
//   Computing all three XXH3 kernels and selecting one is slower still (more multiplies than
//   the mispredicts cost). The mix policies (seeded_mix, fixed_seed_mix) therefore hash a
//   string of 1 to 16 bytes as its key: the bytes as two little-endian words, zero past the
//   end, mixed with the length and two per-seed secret words by one 64x64->128 multiply
//   folded to 64 bits and one more folded multiply. Longer strings (and the empty one) use
//   XXH3.
// - The key is loaded as two 8-byte words starting at the string and masked to its length.
//   That reads up to 15 bytes past a short string, which is done only when those 16 bytes lie
//   in the string's 4 KiB page (so the read cannot fault; 15 start addresses in 4096 take the
//   other branch) and never under AddressSanitizer, ThreadSanitizer or MemorySanitizer (they
//   would report the read), nor on big-endian targets: those copy the n bytes into a zeroed
//   buffer instead. Both ways give the same key, hence the same hash.
// - The interner's own copy is compared as two masked words against the key: every chunk of
//   the single-threaded string store has 16 readable bytes past its end, so those loads stay
//   inside the allocation.
#ifndef HOTPATH_DETAIL_INTERNER_SHORT_HPP
#define HOTPATH_DETAIL_INTERNER_SHORT_HPP

#include <hotpath/detail/config.hpp>
#include <hotpath/detail/load_le.hpp>

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

#if defined(__has_feature)
#if __has_feature(memory_sanitizer)
#define HOTPATH_INTERNER_MSAN 1
#endif
#endif
#ifndef HOTPATH_INTERNER_MSAN
#define HOTPATH_INTERNER_MSAN 0
#endif

namespace hotpath::detail {

// Whether a key may be read as two words past the string's end (within its page). Off under
// the sanitizers that check every byte (ASan, HWASan, TSan, MSan) and when the user defines
// HOTPATH_NO_WIDE_READS (for Valgrind's memcheck, which reports such reads; results are the
// same either way, only the speed differs).
#ifdef HOTPATH_NO_WIDE_READS
inline constexpr bool interner_wide_reads = false;
#else
inline constexpr bool interner_wide_reads = std::endian::native == std::endian::little &&
                                            !HOTPATH_ASAN && !HOTPATH_HWASAN && !HOTPATH_TSAN &&
                                            !HOTPATH_INTERNER_MSAN;
#endif

// Whether a string of n bytes takes the short-key paths (1 to 16 bytes; not the empty one).
[[nodiscard]] constexpr bool interner_is_short(std::size_t n) noexcept { return n - 1 < 16; }

// The bytes of a string of 1 to 16 bytes as two little-endian words, zero past its end.
struct interner_short_key {
  std::uint64_t lo = 0;
  std::uint64_t hi = 0;
};

// Masks keeping the first n bytes of a key, n = 0 .. 16.
inline constexpr std::array<interner_short_key, 17> interner_short_masks = [] {
  std::array<interner_short_key, 17> m{};
  for (std::size_t n = 0; n <= 16; ++n) {
    for (std::size_t i = 0; i < n; ++i) {
      (i < 8 ? m[n].lo : m[n].hi) |= std::uint64_t{0xFF} << (8 * (i % 8));
    }
  }
  return m;
}();

// The key of the 1 <= n <= 16 bytes at p.
[[nodiscard]] HOTPATH_ALWAYS_INLINE interner_short_key interner_key(const char* p,
                                                                    std::size_t n) noexcept {
  if constexpr (interner_wide_reads) {
    if (HOTPATH_LIKELY((reinterpret_cast<std::uintptr_t>(p) & 4095) <= 4096 - 16)) {
      const interner_short_key m = interner_short_masks[n];
      return {load_le64(p) & m.lo, load_le64(p + 8) & m.hi};
    }
  }
  char b[16] = {};
  std::memcpy(b, p, n);
  return {load_le64(b), load_le64(b + 8)};
}

#if defined(__SIZEOF_INT128__)
__extension__ typedef unsigned __int128 interner_u128;  // NOLINT(modernize-use-using)
#endif

// 64x64 -> 128-bit product folded to 64 bits (high xor low).
[[nodiscard]] HOTPATH_ALWAYS_INLINE std::uint64_t interner_fold_mul(std::uint64_t a,
                                                                    std::uint64_t b) noexcept {
#if defined(__SIZEOF_INT128__)
  const interner_u128 p = static_cast<interner_u128>(a) * b;
  return static_cast<std::uint64_t>(p) ^ static_cast<std::uint64_t>(p >> 64);
#else
  const std::uint64_t al = a & 0xFFFFFFFFu, ah = a >> 32, bl = b & 0xFFFFFFFFu, bh = b >> 32;
  const std::uint64_t ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
  const std::uint64_t mid = (ll >> 32) + (lh & 0xFFFFFFFFu) + (hl & 0xFFFFFFFFu);
  const std::uint64_t lo = (mid << 32) | (ll & 0xFFFFFFFFu);
  const std::uint64_t hi = hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
  return lo ^ hi;
#endif
}

// Per-seed secret words of the mix hash.
struct interner_mix_secret {
  std::uint64_t s0, s1, s2;
};

[[nodiscard]] constexpr std::uint64_t interner_splitmix(std::uint64_t x) noexcept {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

[[nodiscard]] constexpr interner_mix_secret interner_make_secret(std::uint64_t seed) noexcept {
  return {interner_splitmix(seed), interner_splitmix(seed ^ 0x243F6A8885A308D3ull),
          interner_splitmix(seed ^ 0x13198A2E03707344ull) | 1};
}

// The hash of a 1 <= n <= 16 byte key: two folded multiplies, no branch.
[[nodiscard]] HOTPATH_ALWAYS_INLINE std::uint64_t interner_mix_key(
    interner_short_key k, std::size_t n, const interner_mix_secret& s) noexcept {
  const std::uint64_t a = k.lo ^ s.s0;
  const std::uint64_t b = k.hi ^ s.s1 ^ (static_cast<std::uint64_t>(n) << 56);
  return interner_fold_mul(interner_fold_mul(a, b) ^ s.s2, 0x9E3779B97F4A7C15ull);
}

// True when the 16 readable bytes at stored, cut to n, equal key k.
[[nodiscard]] HOTPATH_ALWAYS_INLINE bool interner_key_equal(const char* stored, std::size_t n,
                                                            interner_short_key k) noexcept {
  const interner_short_key m = interner_short_masks[n];
  return (((load_le64(stored) & m.lo) ^ k.lo) |
          ((load_le64(stored + 8) & m.hi) ^ k.hi)) == 0;
}

}  // namespace hotpath::detail

#endif  // HOTPATH_DETAIL_INTERNER_SHORT_HPP
