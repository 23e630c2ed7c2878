// hotpath/detail/interner_store.hpp: where basic_interner keeps string bytes. Internal.
//
// Strings are copied, NUL-terminated, into a hotpath::basic_arena (one per shard), packed
// back to back with no alignment padding and no per-string header; a string of 0xFFFF bytes
// or more gets its length in an 8-byte prefix (see interner_table.hpp). Chunks grow from 4 KiB
// to 256 KiB: small enough that the unused tail of the last chunk stays a rounding error next
// to the strings, large enough that chunk refills are rare (one per ~20k short strings).
// Arena chunks never move, so every view handed out stays valid until the interner dies.
#ifndef HOTPATH_DETAIL_INTERNER_STORE_HPP
#define HOTPATH_DETAIL_INTERNER_STORE_HPP

#include <hotpath/arena.hpp>
#include <hotpath/detail/config.hpp>
#include <hotpath/detail/interner_table.hpp>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string_view>
#include <utility>

namespace hotpath::detail {

[[noreturn]] HOTPATH_NOINLINE inline void interner_throw_address() {
  throw std::runtime_error(
      "hotpath::interner: the arena returned an address above 2^48, which a symbol table "
      "entry cannot hold");
}

template <class Upstream>
class interner_store {
 public:
  using arena_type = basic_arena<Upstream, chunk_growth<4096, std::size_t{256} << 10>>;

  explicit interner_store(Upstream up) noexcept : arena_(std::move(up)) {}

  // Copies s with a NUL after it; returns its packed table entry. Throws std::bad_alloc.
  [[nodiscard]] std::uint64_t put(std::string_view s) {
    const std::size_t n = s.size();
    char* p;
    std::size_t field = n;
    if (HOTPATH_LIKELY(n < interner_long_length)) {
      p = static_cast<char*>(arena_.allocate(n + 1, 1));
    } else {
      auto* base = static_cast<char*>(arena_.allocate(n + 1 + sizeof(std::size_t), 8));
      std::memcpy(base, &n, sizeof(std::size_t));
      p = base + sizeof(std::size_t);
      field = interner_long_length;
    }
    if (n != 0) std::memcpy(p, s.data(), n);
    p[n] = '\0';
    if (HOTPATH_UNLIKELY((reinterpret_cast<std::uintptr_t>(p) & ~interner_address_mask) != 0)) {
      interner_throw_address();
    }
    return interner_pack(p, field);
  }

  [[nodiscard]] std::size_t bytes() const noexcept { return arena_.bytes_reserved(); }

 private:
  arena_type arena_;
};

}  // namespace hotpath::detail

#endif  // HOTPATH_DETAIL_INTERNER_STORE_HPP
