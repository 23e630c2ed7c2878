// hotpath/interner/static_symbols.hpp: hotpath::static_symbols<"GET", "POST", ...>, a set of
// well-known strings whose symbols are compile-time constants. Included by
// <hotpath/interner.hpp>, which has the overview.
//
// The i-th string of the set has symbol id i. An interner constructed from the set interns the
// strings first, in order, so it returns exactly these symbols for them; code can then
// `switch` on symbol ids or compare against constants without touching the interner.
// Lookup by string is a constexpr linear scan (meant for sets of tens of strings); in hot code
// intern/find through the interner, which hashes once.
//
//   using http = hotpath::static_symbols<"GET", "POST", "PUT">;
//   constexpr hotpath::symbol post = http::get<"POST">();      // id 1, a constant
//   static_assert(http::of("PUT").id() == 2);                  // consteval lookup
//   hotpath::interner in(http{});
//   assert(in.intern("POST") == post);
#ifndef HOTPATH_INTERNER_STATIC_SYMBOLS_HPP
#define HOTPATH_INTERNER_STATIC_SYMBOLS_HPP

#include <hotpath/detail/config.hpp>
#include <hotpath/interner/symbol.hpp>

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>

namespace hotpath {

namespace detail {

// A string literal as a structural type, usable as a template argument: "GET" -> N = 4.
template <std::size_t N>
struct interner_fixed_string {
  char chars[N]{};
  consteval interner_fixed_string(const char (&s)[N]) noexcept {  // NOLINT: implicit on purpose
    for (std::size_t i = 0; i < N; ++i) chars[i] = s[i];
  }
  [[nodiscard]] constexpr std::string_view view() const noexcept { return {chars, N - 1}; }
};

template <std::size_t N>
constexpr std::size_t interner_index_of(const std::array<std::string_view, N>& a,
                                        std::string_view s) noexcept {
  for (std::size_t i = 0; i < N; ++i) {
    if (a[i] == s) return i;
  }
  return N;
}

template <std::size_t N>
constexpr bool interner_all_distinct(const std::array<std::string_view, N>& a) noexcept {
  for (std::size_t i = 0; i < N; ++i) {
    if (interner_index_of(a, a[i]) != i) return false;
  }
  return true;
}

// Reached only in constant evaluation when of() is given a string outside the set: calling a
// non-constexpr function there makes the program ill-formed, and compilers print this name.
inline void static_symbols_of_string_not_in_the_set() noexcept {}

}  // namespace detail

template <detail::interner_fixed_string... Strings>
struct static_symbols {
  static constexpr std::size_t size = sizeof...(Strings);
  // The strings, in symbol order.
  static constexpr std::array<std::string_view, size> strings{Strings.view()...};

  static_assert(size < symbol::invalid_id, "static_symbols: too many strings");
  static_assert(detail::interner_all_distinct(strings),
                "static_symbols: every string of the set must be distinct");

  // The symbol of string S, a constant; a string outside the set fails to compile.
  template <detail::interner_fixed_string S>
  [[nodiscard]] static consteval symbol get() noexcept {
    constexpr std::size_t i = detail::interner_index_of(strings, S.view());
    static_assert(i < size, "static_symbols::get<S>(): S is not one of the set's strings");
    return symbol{static_cast<symbol::id_type>(i)};
  }

  // Compile-time lookup: the symbol of s; a string outside the set fails to compile.
  [[nodiscard]] static consteval symbol of(std::string_view s) noexcept {
    const std::size_t i = detail::interner_index_of(strings, s);
    if (i == size) detail::static_symbols_of_string_not_in_the_set();
    return symbol{static_cast<symbol::id_type>(i)};
  }

  // Run-time (or constexpr) lookup: the symbol of s, or nullopt. O(size) compares.
  [[nodiscard]] static constexpr std::optional<symbol> find(std::string_view s) noexcept {
    const std::size_t i = detail::interner_index_of(strings, s);
    if (i == size) return std::nullopt;
    return symbol{static_cast<symbol::id_type>(i)};
  }

  // True when s is one of the set's symbols.
  [[nodiscard]] static constexpr bool contains(symbol s) noexcept { return s.id() < size; }

  // The string of one of the set's symbols. Precondition: contains(s).
  [[nodiscard]] static constexpr std::string_view resolve(symbol s) noexcept {
    return strings[s.id()];
  }
};

namespace detail {
template <class T>
inline constexpr bool is_static_symbols = false;
template <interner_fixed_string... S>
inline constexpr bool is_static_symbols<static_symbols<S...>> = true;
}  // namespace detail

// A type made by static_symbols<...>.
template <class T>
concept static_symbol_set = detail::is_static_symbols<T>;

}  // namespace hotpath

#endif  // HOTPATH_INTERNER_STATIC_SYMBOLS_HPP
