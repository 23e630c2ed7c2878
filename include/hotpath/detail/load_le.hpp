// hotpath/detail/load_le.hpp: unaligned little-endian word loads, shared by the interner's
// short-key path and the rule matcher's word compares and 4-gram hashes. Internal.
//
// Keys, masks and hashes keep a string's first byte in the low bits on every target, so these
// read little-endian whatever the native byte order; byte by byte in constant evaluation (the
// compile-time rule sets) and on big-endian targets, one memcpy otherwise.
#ifndef HOTPATH_DETAIL_LOAD_LE_HPP
#define HOTPATH_DETAIL_LOAD_LE_HPP

#include <hotpath/detail/config.hpp>

#include <bit>
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace hotpath::detail {

template <class Word>
[[nodiscard]] HOTPATH_ALWAYS_INLINE constexpr Word load_le(const char* p) noexcept {
  if (std::is_constant_evaluated() || std::endian::native != std::endian::little) {
    Word w = 0;
    for (int k = sizeof(Word) - 1; k >= 0; --k) w = (w << 8) | static_cast<unsigned char>(p[k]);
    return w;
  } else {
    Word w;
    std::memcpy(&w, p, sizeof(Word));
    return w;
  }
}

// The 4 / 8 bytes at p as a little-endian word.
[[nodiscard]] HOTPATH_ALWAYS_INLINE constexpr std::uint32_t load_le32(const char* p) noexcept {
  return load_le<std::uint32_t>(p);
}
[[nodiscard]] HOTPATH_ALWAYS_INLINE constexpr std::uint64_t load_le64(const char* p) noexcept {
  return load_le<std::uint64_t>(p);
}

}  // namespace hotpath::detail

#endif  // HOTPATH_DETAIL_LOAD_LE_HPP
