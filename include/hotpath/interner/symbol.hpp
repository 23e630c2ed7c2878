// hotpath/interner/symbol.hpp: hotpath::symbol, the 4-byte handle an interner gives for a
// string. Included by <hotpath/interner.hpp>, which has the overview.
//
// A symbol is a strongly typed 32-bit id: equality and ordering are one integer compare, and
// std::hash<symbol> is a multiply. Ids are dense (0, 1, 2, ... in the order strings were first
// interned), so a symbol also indexes side tables (`std::vector<T> by_symbol(in.size())`).
// A default-constructed symbol is symbol::invalid(); no interner ever returns it.
//
//   hotpath::symbol s = in.intern("GET");
//   assert(s.valid() && s == in.intern("GET") && s != hotpath::symbol{});
#ifndef HOTPATH_INTERNER_SYMBOL_HPP
#define HOTPATH_INTERNER_SYMBOL_HPP

#include <hotpath/detail/config.hpp>

#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <type_traits>

namespace hotpath {

class symbol {
 public:
  using id_type = std::uint32_t;
  // The id of the invalid symbol. Valid ids are 0 .. 2^32 - 2, so an interner holds at most
  // 2^32 - 1 symbols.
  static constexpr id_type invalid_id = 0xFFFFFFFFu;

  // The invalid symbol.
  constexpr symbol() noexcept = default;
  // The symbol with this id (no check that any interner gave it out).
  constexpr explicit symbol(id_type id) noexcept : id_(id) {}

  [[nodiscard]] static constexpr symbol invalid() noexcept { return symbol{}; }
  [[nodiscard]] constexpr id_type id() const noexcept { return id_; }
  [[nodiscard]] constexpr bool valid() const noexcept { return id_ != invalid_id; }

  // Ordering is by id, i.e. by first-intern order, not by string.
  friend constexpr bool operator==(symbol, symbol) noexcept = default;
  // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy 14 misreads a defaulted <=>
  friend constexpr std::strong_ordering operator<=>(symbol, symbol) noexcept = default;

 private:
  id_type id_ = invalid_id;
};

static_assert(sizeof(symbol) == 4 && std::is_trivially_copyable_v<symbol>);

}  // namespace hotpath

// Fibonacci multiply: dense ids spread over all 64 bits, so tables that use the high or the
// low bits both work.
template <>
struct std::hash<hotpath::symbol> {
  [[nodiscard]] std::size_t operator()(hotpath::symbol s) const noexcept {
    return static_cast<std::size_t>((std::uint64_t{s.id()} + 1) * 0x9E3779B97F4A7C15ull);
  }
};

#endif  // HOTPATH_INTERNER_SYMBOL_HPP
