// hotpath/detail/interner_index.hpp: the open-addressing string -> symbol index of
// basic_interner. Internal.
//
// Design (once, here):
// - A slot is 8 bytes: the symbol id and the high 32 bits of the string's hash. The table has
//   2^k slots (16 <= 2^k <= 2^32) and linear probing from slot `hash32 >> (32 - k)`, so a
//   cache line holds 8 consecutive candidates and a probe rejects a non-matching slot without
//   touching the string; only equal 32-bit hashes compare bytes.
// - Growth doubles k at 3/4 load and rehashes from the cached 32 bits alone (no string is read
//   or hashed again). At k = 32 the table cannot grow; it then holds up to 2^32 - 1 slots'
//   worth, which is the symbol limit anyway, and stays correct (slower) up to it.
// - The empty slot has id 0xFFFFFFFF, the invalid symbol id. A table that never inserted
//   points at one shared, never-written empty slot, so lookups need no null check.
// - No per-string node: the string's bytes live in the interner's store and are reached via
//   the symbol table, never from here.
#ifndef HOTPATH_DETAIL_INTERNER_INDEX_HPP
#define HOTPATH_DETAIL_INTERNER_INDEX_HPP

#include <hotpath/detail/config.hpp>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <stdexcept>

namespace hotpath::detail {

struct interner_slot {
  std::uint32_t id;
  std::uint32_t hash;
};

inline constexpr std::uint32_t interner_empty_id = 0xFFFFFFFFu;
inline constexpr interner_slot interner_no_slots[1] = {{interner_empty_id, 0}};

template <class Upstream>
class interner_index {
 public:
  interner_index() noexcept = default;
  interner_index(const interner_index&) = delete;
  interner_index& operator=(const interner_index&) = delete;
  ~interner_index() { HOTPATH_ASSERT(slots_ == interner_no_slots); }

  // The id whose hash is h and for which eq(id) holds, or interner_empty_id; then `pos` is
  // the empty slot where it belongs. Never allocates.
  template <class Eq>
  [[nodiscard]] HOTPATH_ALWAYS_INLINE std::uint32_t find(std::uint32_t h, Eq&& eq,
                                                         std::size_t& pos) const noexcept {
    std::size_t i = static_cast<std::size_t>(std::uint64_t{h} >> shift_);
    for (;;) {
      const interner_slot s = slots_[i];
      if (s.id == interner_empty_id) {
        pos = i;
        return interner_empty_id;
      }
      if (s.hash == h && eq(s.id)) return s.id;
      i = (i + 1) & mask_;
    }
  }

  // True when the next insert must grow() first.
  [[nodiscard]] bool full() const noexcept { return size_ >= grow_at_; }

  // Doubles the table (or makes the first one). Throws std::bad_alloc (or length_error past
  // 2^32 slots), leaving it unchanged.
  void grow(Upstream& up) {
    const unsigned k = (slots_ == interner_no_slots) ? 4 : 33 - shift_;  // new log2(capacity)
    if (k > 32) throw std::length_error("hotpath::interner: index cannot exceed 2^32 slots");
    const std::size_t cap = std::size_t{1} << k;
    auto* fresh = static_cast<interner_slot*>(up.allocate(cap * sizeof(interner_slot)));
    if (fresh == nullptr) throw std::bad_alloc();
    std::memset(static_cast<void*>(fresh), 0xFF, cap * sizeof(interner_slot));
    const unsigned shift = 32 - k;
    const std::size_t mask = cap - 1;
    if (slots_ != interner_no_slots) {
      for (std::size_t j = 0; j <= mask_; ++j) {
        const interner_slot s = slots_[j];
        if (s.id == interner_empty_id) continue;
        std::size_t i = static_cast<std::size_t>(std::uint64_t{s.hash} >> shift);
        while (fresh[i].id != interner_empty_id) i = (i + 1) & mask;
        fresh[i] = s;
      }
      up.deallocate(slots_, (mask_ + 1) * sizeof(interner_slot));
    }
    slots_ = fresh;
    shift_ = shift;
    mask_ = mask;
    grow_at_ = k == 32 ? cap - 1 : cap / 4 * 3;
  }

  // The empty slot for hash h (after grow(), whose rehash moved everything).
  [[nodiscard]] std::size_t empty_slot(std::uint32_t h) const noexcept {
    std::size_t i = static_cast<std::size_t>(std::uint64_t{h} >> shift_);
    while (slots_[i].id != interner_empty_id) i = (i + 1) & mask_;
    return i;
  }

  // Fills empty slot pos. Precondition: !full() and pos came from find()/empty_slot() since
  // the last change.
  void insert_at(std::size_t pos, std::uint32_t id, std::uint32_t h) noexcept {
    HOTPATH_ASSERT(size_ < grow_at_ && slots_[pos].id == interner_empty_id);
    slots_[pos] = interner_slot{id, h};
    ++size_;
  }

  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] std::size_t bytes() const noexcept {
    return slots_ == interner_no_slots ? 0 : (mask_ + 1) * sizeof(interner_slot);
  }

  void release(Upstream& up) noexcept {
    if (slots_ != interner_no_slots) up.deallocate(slots_, bytes());
    slots_ = const_cast<interner_slot*>(interner_no_slots);  // never written: full() is true
    shift_ = 32;
    mask_ = 0;
    size_ = 0;
    grow_at_ = 0;
  }

 private:
  interner_slot* slots_ = const_cast<interner_slot*>(interner_no_slots);
  unsigned shift_ = 32;  // 32 - log2(capacity)
  std::size_t mask_ = 0;
  std::size_t size_ = 0;
  std::size_t grow_at_ = 0;
};

}  // namespace hotpath::detail

#endif  // HOTPATH_DETAIL_INTERNER_INDEX_HPP
