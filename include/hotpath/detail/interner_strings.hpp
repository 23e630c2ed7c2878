// hotpath/detail/interner_strings.hpp: the string store and symbol -> string table of the
// single-threaded basic_interner, 4 bytes per symbol. Internal.
//
// Design (once, here):
// - Bytes: each string is copied with a NUL after it, back to back (no header, no padding),
//   into chunks from the upstream: regular chunks of 4 KiB doubling to 64 KiB, and a chunk of
//   its own for a string that does not fit a 64 KiB one. Chunks never move, so views stay valid.
// - Positions: a string's place is a 32-bit position, page << 16 | offset, in a 4 GiB position
//   space cut into 64 KiB pages. A regular chunk takes one page number; a chunk of its own
//   takes as many consecutive page numbers as it spans. A small page table maps a page to
//   {address of position 0 for it, the fill end of its chunk}; it is 16 bytes per 64 KiB of
//   strings and stays in L1.
// - Table: one position per id in a flat array (grown by 1.5x, moved on growth: nothing but
//   this class points into it), plus the next id's slot. The length is not stored: strings
//   are laid out in id order and chunks are filled in order, so string i ends where string
//   i + 1 starts when both share a chunk, and otherwise at its chunk's fill end:
//   len(i) = min(pos[i + 1], fill_end(page(i))) - pos[i] - 1, branch-free, with pos[size] =
//   UINT32_MAX. This needs a chunk, once left, never to receive another string: a string that
//   needs a chunk of its own also closes the current regular chunk.
// - resolve() is then two loads from one cache line (pos[i], pos[i + 1]) and one page-table
//   load from L1; a probe that compares bytes adds the string's line.
// - Every chunk has 16 readable bytes (zeroed) past its end, so that 16 bytes can be loaded at
//   any string's start: a string of 1 to 16 bytes is compared as two masked 8-byte words
//   against the looked-up string's key, with no branch on its length (interner_short.hpp).
// - Limit: 2^32 - 2^16 bytes of position space (strings, NULs and chunk tails); beyond it
//   push() throws std::length_error.
#ifndef HOTPATH_DETAIL_INTERNER_STRINGS_HPP
#define HOTPATH_DETAIL_INTERNER_STRINGS_HPP

#include <hotpath/detail/config.hpp>
#include <hotpath/detail/interner_short.hpp>
#include <hotpath/detail/interner_table.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <stdexcept>
#include <string_view>

namespace hotpath::detail {

[[noreturn]] HOTPATH_NOINLINE inline void interner_throw_store_full() {
  throw std::length_error(
      "hotpath::interner: the string store is full (4 GiB of strings, NULs and chunk tails); "
      "use concurrent_interner for more");
}

template <class Upstream>
class interner_strings {
  static constexpr unsigned page_bits = 16;
  static constexpr std::uint32_t page_size = std::uint32_t{1} << page_bits;  // 64 KiB
  static constexpr std::uint32_t max_pages = 0xFFFF;  // every fill end stays < UINT32_MAX
  static constexpr std::size_t first_chunk = 4096;
  static constexpr std::uint32_t no_next = 0xFFFFFFFFu;  // pos[size]
  static constexpr std::size_t chunk_pad = 16;  // readable bytes past a chunk's end

  // Per page (one allocation, three arrays): the address of position 0 as an integer
  // (address of the page's offset 0 minus page << 16, so position -> address is one add), the
  // fill end of the page's chunk, and on a chunk's first page its size (0 elsewhere).
  static constexpr std::size_t page_bytes = sizeof(std::uintptr_t) + 2 * sizeof(std::uint32_t);

 public:
  interner_strings() noexcept = default;
  interner_strings(const interner_strings&) = delete;
  interner_strings& operator=(const interner_strings&) = delete;
  ~interner_strings() { HOTPATH_ASSERT(pos_ == nullptr && adjust_ == nullptr); }

  // The string of id. Precondition: id < the number of push() calls.
  [[nodiscard]] HOTPATH_ALWAYS_INLINE std::string_view view(std::uint32_t id) const noexcept {
    const std::uint32_t* p = pos_ + id;
    const std::uint32_t e = p[0];
    const std::uint32_t f = p[1];
    const std::uint32_t pg = e >> page_bits;
    // NOLINTNEXTLINE(performance-no-int-to-ptr): positions map to addresses by design
    const auto* data = reinterpret_cast<const char*>(adjust_[pg] + e);
    std::uint32_t n = f - e - 1;
    // Last string of its chunk (about one in 6000 for short strings): ends at the fill end.
    if (HOTPATH_UNLIKELY(((e ^ f) >> page_bits) != 0)) n = fill_end_[pg] - e - 1;
    return {data, n};
  }

  // True when id holds exactly the bytes of s.
  [[nodiscard]] HOTPATH_ALWAYS_INLINE bool equals(std::uint32_t id,
                                                  std::string_view s) const noexcept {
    if (HOTPATH_LIKELY(interner_is_short(s.size()))) {
      return equals_key(id, interner_key(s.data(), s.size()), s.size());
    }
    const std::string_view v = view(id);
    return v.size() == s.size() && interner_bytes_equal(v.data(), s.data(), s.size());
  }

  // True when id holds exactly the n bytes (1 <= n <= 16) whose key is k (16 bytes are
  // readable at any string's start: chunk_pad).
  [[nodiscard]] HOTPATH_ALWAYS_INLINE bool equals_key(std::uint32_t id, interner_short_key k,
                                                      std::size_t n) const noexcept {
    const std::string_view v = view(id);
    return v.size() == n && interner_key_equal(v.data(), n, k);
  }

  // Appends s (with a NUL) as the string of id, which is the number of earlier push() calls.
  // Throws std::bad_alloc or std::length_error (position space full), leaving the strings
  // unchanged.
  void push(std::uint32_t id, std::string_view s, Upstream& up) {
    const std::size_t need = s.size() + 1;
    if (HOTPATH_UNLIKELY(std::size_t{id} + 2 > cap_)) grow_table(std::size_t{id} + 2, up);
    if (HOTPATH_UNLIKELY(need > room_)) new_chunk(need, up);
    char* p = cur_;
    if (!s.empty()) std::memcpy(p, s.data(), s.size());
    p[s.size()] = '\0';
    pos_[id] = fill_;
    pos_[id + 1] = no_next;
    cur_ += need;
    room_ -= need;
    fill_ += static_cast<std::uint32_t>(need);
    fill_end_[fill_page_] = fill_;
  }

  // Bytes held from the upstream.
  [[nodiscard]] std::size_t bytes() const noexcept {
    return chunk_bytes_ + cap_ * sizeof(std::uint32_t) + page_cap_ * page_bytes;
  }

  void release(Upstream& up) noexcept {
    for (std::uint32_t i = 0; i < pages_used_; ++i) {
      if (chunk_size_[i] != 0) {
        // NOLINTNEXTLINE(performance-no-int-to-ptr): the chunk's own address, stored as integer
        up.deallocate(reinterpret_cast<void*>(adjust_[i] + (std::uintptr_t{i} << page_bits)),
                      chunk_size_[i]);
      }
    }
    if (adjust_ != nullptr) up.deallocate(adjust_, page_cap_ * page_bytes);
    if (pos_ != nullptr) up.deallocate(pos_, cap_ * sizeof(std::uint32_t));
    pos_ = nullptr;
    adjust_ = nullptr;
    fill_end_ = chunk_size_ = nullptr;
    cap_ = page_cap_ = 0;
    pages_used_ = 0;
    cur_ = nullptr;
    room_ = 0;
    fill_ = 0;
    fill_page_ = 0;
    next_chunk_ = first_chunk;
    chunk_bytes_ = 0;
  }

 private:
  HOTPATH_NOINLINE void grow_table(std::size_t min_cap, Upstream& up) {
    const auto cap = std::max<std::size_t>({min_cap, 1024, cap_ + cap_ / 2});
    auto* fresh = static_cast<std::uint32_t*>(up.allocate(cap * sizeof(std::uint32_t)));
    if (fresh == nullptr) throw std::bad_alloc();
    if (pos_ != nullptr) {
      std::memcpy(fresh, pos_, cap_ * sizeof(std::uint32_t));
      up.deallocate(pos_, cap_ * sizeof(std::uint32_t));
    }
    pos_ = fresh;
    cap_ = cap;
  }

  // Starts the chunk for a string of `need` bytes (NUL included) that does not fit the current
  // one. The current chunk is closed either way (see the design note).
  HOTPATH_NOINLINE void new_chunk(std::size_t need, Upstream& up) {
    const bool own = need > page_size;
    const std::size_t size = own ? need : std::max(next_chunk_, need);  // need <= 64 KiB here
    const std::size_t span = (size + page_size - 1) >> page_bits;       // pages it takes
    if (span > max_pages - pages_used_) interner_throw_store_full();
    if (pages_used_ + span > page_cap_) grow_pages(pages_used_ + span, up);
    void* mem = up.allocate(size + chunk_pad);
    if (mem == nullptr) throw std::bad_alloc();
    std::memset(static_cast<char*>(mem) + size, 0, chunk_pad);
    const std::uint32_t first = pages_used_;
    const std::uintptr_t adjust =
        reinterpret_cast<std::uintptr_t>(mem) - (std::uintptr_t{first} << page_bits);
    for (std::size_t j = 0; j < span; ++j) {  // position (first + j) << 16 is mem + j * 64 KiB
      adjust_[first + j] = adjust;
      fill_end_[first + j] = first << page_bits;
      chunk_size_[first + j] = j == 0 ? static_cast<std::uint32_t>(size + chunk_pad) : 0u;
    }
    pages_used_ = static_cast<std::uint32_t>(first + span);
    chunk_bytes_ += size + chunk_pad;
    cur_ = static_cast<char*>(mem);
    room_ = size;
    fill_ = first << page_bits;
    fill_page_ = first;
    if (!own) next_chunk_ = std::min<std::size_t>(next_chunk_ * 2, page_size);
  }

  void grow_pages(std::size_t min_cap, Upstream& up) {
    const auto cap = std::max<std::size_t>({min_cap, 16, page_cap_ * 2});
    void* mem = up.allocate(cap * page_bytes);
    if (mem == nullptr) throw std::bad_alloc();
    auto* adjust = static_cast<std::uintptr_t*>(mem);
    auto* fill_end = reinterpret_cast<std::uint32_t*>(adjust + cap);
    std::uint32_t* chunk_size = fill_end + cap;
    if (adjust_ != nullptr) {
      std::memcpy(adjust, adjust_, pages_used_ * sizeof(std::uintptr_t));
      std::memcpy(fill_end, fill_end_, pages_used_ * sizeof(std::uint32_t));
      std::memcpy(chunk_size, chunk_size_, pages_used_ * sizeof(std::uint32_t));
      up.deallocate(adjust_, page_cap_ * page_bytes);
    }
    adjust_ = adjust;
    fill_end_ = fill_end;
    chunk_size_ = chunk_size;
    page_cap_ = cap;
  }

  std::uint32_t* pos_ = nullptr;  // pos_[id]; pos_[size] == no_next
  std::uintptr_t* adjust_ = nullptr;
  std::uint32_t* fill_end_ = nullptr;
  std::uint32_t* chunk_size_ = nullptr;
  std::size_t cap_ = 0;
  std::size_t page_cap_ = 0;
  std::uint32_t pages_used_ = 0;
  char* cur_ = nullptr;     // next free byte of the current chunk
  std::size_t room_ = 0;    // bytes left in it
  std::uint32_t fill_ = 0;  // position of cur_
  std::uint32_t fill_page_ = 0;
  std::size_t next_chunk_ = first_chunk;
  std::size_t chunk_bytes_ = 0;
};

}  // namespace hotpath::detail

#endif  // HOTPATH_DETAIL_INTERNER_STRINGS_HPP
