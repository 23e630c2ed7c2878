// hotpath/detail/interner_table.hpp: the symbol -> string table of the sharded basic_interner
// (the single-threaded one uses interner_strings.hpp), and the
// packed form of its entries. Internal.
//
// Design (once, here):
// - Entry: one 64-bit word per symbol, the string's address in the low 48 bits and its length
//   in the high 16. Lengths >= 0xFFFF store 0xFFFF and keep the real length in the 8 bytes just
//   before the string. resolve() is then one load, a mask and a shift (a predictable branch for
//   long strings). A user-space address that does not fit in 48 bits is refused with an
//   exception when the string is stored (x86-64 and AArch64 Linux hand out 47/48-bit ones).
// - Blocks: entries live in fixed-size blocks of 4096 (32 KiB), reached through a directory
//   of block pointers: resolve is three dependent loads (directory, block, entry) that stay in
//   L1 for the first two, with no bit scan or division. A block, once allocated, never moves,
//   so a reader may read while a writer appends (the concurrent interner's resolve takes no
//   lock). The directory grows by publishing a doubled copy; old copies are kept until the
//   table dies, so a reader that loaded an old directory pointer still indexes valid memory,
//   and any block it can reach through a symbol it holds is in that copy. Block and directory
//   pointers are published with release stores and read with acquire loads (plain moves on
//   x86). An entry itself is written once, before its symbol is handed to anyone, so whoever
//   holds the symbol (through the shard mutex, or any synchronisation the user passes it on
//   with) sees the entry.
#ifndef HOTPATH_DETAIL_INTERNER_TABLE_HPP
#define HOTPATH_DETAIL_INTERNER_TABLE_HPP

#include <hotpath/detail/config.hpp>

#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <new>
#include <string_view>
#include <type_traits>

namespace hotpath::detail {

inline constexpr std::uint64_t interner_address_mask = (std::uint64_t{1} << 48) - 1;
inline constexpr std::size_t interner_long_length = 0xFFFF;  // length field meaning "long"

[[nodiscard]] HOTPATH_ALWAYS_INLINE std::uint64_t interner_pack(const char* p,
                                                                std::size_t field) noexcept {
  return static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(p)) |
         (static_cast<std::uint64_t>(field) << 48);
}

[[nodiscard]] HOTPATH_ALWAYS_INLINE const char* interner_address(std::uint64_t e) noexcept {
  // NOLINTNEXTLINE(performance-no-int-to-ptr): the entry packs an address by design
  return reinterpret_cast<const char*>(static_cast<std::uintptr_t>(e & interner_address_mask));
}

[[nodiscard]] HOTPATH_ALWAYS_INLINE std::string_view interner_unpack(std::uint64_t e) noexcept {
  const char* p = interner_address(e);
  auto n = static_cast<std::size_t>(e >> 48);
  if (HOTPATH_UNLIKELY(n == interner_long_length)) std::memcpy(&n, p - sizeof(n), sizeof(n));
  return {p, n};
}

// a == b for n bytes; short strings without a call (overlapping loads stay inside both).
[[nodiscard]] HOTPATH_ALWAYS_INLINE bool interner_bytes_equal(const char* a, const char* b,
                                                              std::size_t n) noexcept {
  if (n >= 8) {
    if (n > 16) return std::memcmp(a, b, n) == 0;
    std::uint64_t a0, b0, a1, b1;
    std::memcpy(&a0, a, 8);
    std::memcpy(&b0, b, 8);
    std::memcpy(&a1, a + n - 8, 8);
    std::memcpy(&b1, b + n - 8, 8);
    return ((a0 ^ b0) | (a1 ^ b1)) == 0;
  }
  if (n >= 4) {
    std::uint32_t a0, b0, a1, b1;
    std::memcpy(&a0, a, 4);
    std::memcpy(&b0, b, 4);
    std::memcpy(&a1, a + n - 4, 4);
    std::memcpy(&b1, b + n - 4, 4);
    return ((a0 ^ b0) | (a1 ^ b1)) == 0;
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
}

// True when entry e holds exactly the bytes of s.
[[nodiscard]] HOTPATH_ALWAYS_INLINE bool interner_entry_equals(std::uint64_t e,
                                                               std::string_view s) noexcept {
  const auto field = static_cast<std::size_t>(e >> 48);
  if (HOTPATH_LIKELY(field != interner_long_length)) {
    return field == s.size() && interner_bytes_equal(interner_address(e), s.data(), field);
  }
  const std::string_view v = interner_unpack(e);
  return v.size() == s.size() && std::memcmp(v.data(), s.data(), v.size()) == 0;
}

template <class Upstream, bool Concurrent>
class interner_table {
 public:
  static constexpr unsigned block_bits = 12;  // 4096 entries = 32 KiB per block
  static constexpr std::size_t block_size = std::size_t{1} << block_bits;
  static constexpr std::size_t block_bytes = block_size * sizeof(std::uint64_t);

  interner_table() noexcept = default;
  interner_table(const interner_table&) = delete;
  interner_table& operator=(const interner_table&) = delete;
  ~interner_table() { HOTPATH_ASSERT(dir_.load(std::memory_order_relaxed) == nullptr); }

  // The entry of id. Precondition: ensure(id) returned and set(id, ...) happened-before.
  [[nodiscard]] HOTPATH_ALWAYS_INLINE std::uint64_t get(std::uint32_t id) const noexcept {
    const std::atomic<std::uint64_t*>* d = dir_.load(std::memory_order_acquire);
    const std::uint64_t* block = d[id >> block_bits].load(std::memory_order_acquire);
    return block[id & (block_size - 1)];
  }

  HOTPATH_ALWAYS_INLINE void set(std::uint32_t id, std::uint64_t e) noexcept {
    std::atomic<std::uint64_t*>* d = dir_.load(std::memory_order_acquire);
    std::uint64_t* block = d[id >> block_bits].load(std::memory_order_acquire);
    HOTPATH_ASSERT(block != nullptr);
    block[id & (block_size - 1)] = e;
  }

  // Makes sure the block holding id exists. Thread-safe when Concurrent. Throws std::bad_alloc
  // (the table is unchanged).
  HOTPATH_ALWAYS_INLINE void ensure(std::uint32_t id, Upstream& up) {
    const std::size_t b = id >> block_bits;
    if (HOTPATH_LIKELY(b < blocks_.load(std::memory_order_acquire))) return;
    add_block(b, up);
  }

  // Bytes held from upstream.
  [[nodiscard]] std::size_t bytes() const noexcept {
    return bytes_.load(std::memory_order_relaxed);
  }

  // Returns every block and directory to up. Not thread-safe.
  void release(Upstream& up) noexcept {
    auto* d = dir_.load(std::memory_order_relaxed);
    const std::size_t n = blocks_.load(std::memory_order_relaxed);
    for (std::size_t b = 0; b < n; ++b)
      up.deallocate(d[b].load(std::memory_order_relaxed), block_bytes);
    while (d != nullptr) {  // the current directory, then the retired ones it links to
      dir_header* h = header_of(d);
      auto* prev = h->prev;
      up.deallocate(h, sizeof(dir_header) + h->capacity * sizeof(std::atomic<std::uint64_t*>));
      d = prev;
    }
    dir_.store(nullptr, std::memory_order_relaxed);
    blocks_.store(0, std::memory_order_relaxed);
    bytes_.store(0, std::memory_order_relaxed);
  }

 private:
  // A directory is {header, capacity block pointers}. Growing it publishes a larger copy and
  // keeps the old one (linked from the new header) until release(): a reader that loaded the
  // old directory pointer may still index it, and every block it can reach through a symbol it
  // holds is in it.
  struct dir_header {
    std::atomic<std::uint64_t*>* prev;
    std::size_t capacity;
  };
  static dir_header* header_of(std::atomic<std::uint64_t*>* d) noexcept {
    return reinterpret_cast<dir_header*>(reinterpret_cast<std::byte*>(d) - sizeof(dir_header));
  }

  HOTPATH_NOINLINE void add_block(std::size_t b, Upstream& up) {
    [[maybe_unused]] std::unique_lock<std::mutex> lock;
    if constexpr (Concurrent) lock = std::unique_lock<std::mutex>(grow_mutex_);
    std::size_t n = blocks_.load(std::memory_order_relaxed);
    while (n <= b) {  // blocks are added in order; ids are claimed in order
      auto* d = dir_.load(std::memory_order_relaxed);
      if (d == nullptr || n == header_of(d)->capacity) d = grow_directory(d, n, up);
      void* p = up.allocate(block_bytes);
      if (p == nullptr) throw std::bad_alloc();
      bytes_.fetch_add(block_bytes, std::memory_order_relaxed);
      d[n].store(static_cast<std::uint64_t*>(p), std::memory_order_release);
      blocks_.store(++n, std::memory_order_release);
    }
  }

  std::atomic<std::uint64_t*>* grow_directory(std::atomic<std::uint64_t*>* old, std::size_t n,
                                              Upstream& up) {
    const std::size_t cap = old == nullptr ? 16 : header_of(old)->capacity * 2;
    const std::size_t bytes = sizeof(dir_header) + cap * sizeof(std::atomic<std::uint64_t*>);
    void* p = up.allocate(bytes);
    if (p == nullptr) throw std::bad_alloc();
    auto* h = ::new (p) dir_header{old, cap};
    auto* d = reinterpret_cast<std::atomic<std::uint64_t*>*>(h + 1);
    for (std::size_t i = 0; i < cap; ++i) {
      ::new (static_cast<void*>(d + i))
          std::atomic<std::uint64_t*>(i < n ? old[i].load(std::memory_order_relaxed) : nullptr);
    }
    bytes_.fetch_add(bytes, std::memory_order_relaxed);
    dir_.store(d, std::memory_order_release);
    return d;
  }

  std::atomic<std::atomic<std::uint64_t*>*> dir_{nullptr};
  std::atomic<std::size_t> blocks_{0};
  std::atomic<std::size_t> bytes_{0};
  [[no_unique_address]] std::conditional_t<Concurrent, std::mutex, std::byte> grow_mutex_{};
};

}  // namespace hotpath::detail

#endif  // HOTPATH_DETAIL_INTERNER_TABLE_HPP
