// hotpath/detail/optional_words.hpp: the std::optional<T> that hot inlined lookups return (the
// interner's find, the rule sets' match_index), built from two words. Internal.
//
// Why not `if (!engaged) return std::nullopt; return v;`: g++ 12 builds that optional in memory
// with a payload store and a 1-byte flag store, and a caller that returns or tests it reloads
// it as a word, a store-forwarding stall (measured: ~40 % of the interner's find, ~15 % of the
// samples of the 100-rule match). Where the standard library lays std::optional<T> out as
// {T, bool} in two T-sized words (libstdc++, libc++; checked below), the optional is bit_cast
// from {value, engaged} words instead and stays in registers. Not in constant evaluation
// (bit_cast of a type with a union is not a constant expression).
#ifndef HOTPATH_DETAIL_OPTIONAL_WORDS_HPP
#define HOTPATH_DETAIL_OPTIONAL_WORDS_HPP

#include <hotpath/detail/config.hpp>

#include <bit>
#include <cstdint>
#include <optional>
#include <type_traits>

namespace hotpath::detail {

// The unsigned word as wide as T (T of 4 or 8 bytes).
template <class T>
using optional_flag_word = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;

#if defined(__GLIBCXX__) || defined(_LIBCPP_VERSION)
template <class T>
inline constexpr bool optional_is_words =
    (sizeof(T) == 4 || sizeof(T) == 8) && alignof(T) == sizeof(T) &&
    std::is_trivially_copyable_v<T> && sizeof(std::optional<T>) == 2 * sizeof(T) &&
    alignof(std::optional<T>) == alignof(T) && std::is_trivially_copyable_v<std::optional<T>> &&
    std::endian::native == std::endian::little;
#else
template <class T>
inline constexpr bool optional_is_words = false;
#endif

// std::optional<T>{v} when engaged, else nullopt.
template <class T>
[[nodiscard]] HOTPATH_ALWAYS_INLINE constexpr std::optional<T> optional_of(T v,
                                                                         bool engaged) noexcept {
  if constexpr (optional_is_words<T>) {
    if (!std::is_constant_evaluated()) {
      struct words {
        T value;
        optional_flag_word<T> engaged;
      };
      return std::bit_cast<std::optional<T>>(words{v, engaged ? 1u : 0u});
    }
  }
  if (!engaged) return std::nullopt;
  return v;
}

}  // namespace hotpath::detail

#endif  // HOTPATH_DETAIL_OPTIONAL_WORDS_HPP
