// hotpath/detail/interner_index.hpp: the open-addressing string -> symbol index of
// basic_interner. Internal.
//
// Design (once, here):
// - Open addressing with linear probing over 2^k slots (16 <= 2^k <= 2^32): a cache line holds
//   8 or 16 consecutive candidates, and a probe rejects a non-matching slot by its cached hash
//   bits without touching the string; only equal cached bits compare bytes.
// - Two slot forms. Packed (single-threaded interner): 4 bytes, id + 1 in the low k bits and
//   32 - k hash bits above them, 7/8 maximum load, growth re-hashes the strings. Wide (sharded
//   interner, whose shard-local capacity does not bound the global ids): 8 bytes {id, high 32
//   hash bits}, 3/4 maximum load, growth rehashes from the cached bits alone.
// - At k = 32 the table cannot grow; it then holds up to 2^32 - 1 entries, which is the symbol
//   limit anyway, and stays correct (slower) up to it.
// - A table that never inserted points at a shared, never-written empty sentinel, so lookups
//   need no null check.
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
inline constexpr std::uint32_t interner_no_packed_slots[2] = {0, 0};

// Wide form (used by the sharded interner, where a shard's ids are global and unbounded by
// its capacity): 8-byte slots {id, high 32 hash bits}, rehash from the cached bits.
template <class Upstream, bool Packed>
class interner_index {
 public:
  interner_index() noexcept = default;
  interner_index(const interner_index&) = delete;
  interner_index& operator=(const interner_index&) = delete;
  ~interner_index() { HOTPATH_ASSERT(slots_ == interner_no_slots); }

  // The id whose hash is h and for which eq(id) holds, or interner_empty_id; then `pos` is
  // the empty slot where it belongs. Never allocates.
  template <class Eq>
  [[nodiscard]] HOTPATH_ALWAYS_INLINE std::uint32_t find(std::uint64_t h, Eq&& eq,
                                                         std::size_t& pos) const noexcept {
    const auto h32 = static_cast<std::uint32_t>(h >> 32);
    std::size_t i = static_cast<std::size_t>(std::uint64_t{h32} >> shift_);
    for (;;) {
      const interner_slot s = slots_[i];
      if (s.id == interner_empty_id) {
        pos = i;
        return interner_empty_id;
      }
      if (s.hash == h32 && eq(s.id)) return s.id;
      i = (i + 1) & mask_;
    }
  }

  // True when the next insert must grow() first.
  [[nodiscard]] bool full() const noexcept { return size_ >= grow_at_; }

  // Doubles the table (or makes the first one). Throws std::bad_alloc (or length_error past
  // 2^32 slots), leaving it unchanged. rehash is unused: the cached bits suffice.
  template <class Rehash>
  void grow(Upstream& up, Rehash&&) {
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
  [[nodiscard]] std::size_t empty_slot(std::uint64_t h) const noexcept {
    std::size_t i = static_cast<std::size_t>(h >> 32 >> shift_);
    while (slots_[i].id != interner_empty_id) i = (i + 1) & mask_;
    return i;
  }

  // Fills empty slot pos. Precondition: !full() and pos came from find()/empty_slot() since
  // the last change.
  void insert_at(std::size_t pos, std::uint32_t id, std::uint64_t h) noexcept {
    HOTPATH_ASSERT(size_ < grow_at_ && slots_[pos].id == interner_empty_id);
    slots_[pos] = interner_slot{id, static_cast<std::uint32_t>(h >> 32)};
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

// Packed form (single-threaded interner, where every id is below the capacity): 4-byte slots.
// With 2^k slots, the low k bits hold id + 1 (0 = empty) and the high 32 - k bits hold hash
// bits k..31 as a tag; the home slot comes from the top k bits of the hash, so tag and
// position never share bits. The table fills to 7/8 (16 slots per cache line keep probe runs
// within one or two lines) and rehashes by hashing the strings again through `rehash(id)`,
// since the cached tag no longer holds the position bits.
template <class Upstream>
class interner_index<Upstream, true> {
 public:
  interner_index() noexcept = default;
  interner_index(const interner_index&) = delete;
  interner_index& operator=(const interner_index&) = delete;
  ~interner_index() { HOTPATH_ASSERT(slots_ == interner_no_packed_slots); }

  template <class Eq>
  [[nodiscard]] HOTPATH_ALWAYS_INLINE std::uint32_t find(std::uint64_t h, Eq&& eq,
                                                         std::size_t& pos) const noexcept {
    const auto tag = static_cast<std::uint32_t>(h) & ~id_mask_;
    std::size_t i = static_cast<std::size_t>(h >> shift_);
    for (;;) {
      const std::uint32_t s = slots_[i];
      if (s == 0) {
        pos = i;
        return interner_empty_id;
      }
      if ((s & ~id_mask_) == tag && eq((s & id_mask_) - 1)) return (s & id_mask_) - 1;
      i = (i + 1) & mask_;
    }
  }

  [[nodiscard]] bool full() const noexcept { return size_ >= grow_at_; }

  // Doubles the table (or makes the first one), re-hashing every string through rehash(id).
  // Throws std::bad_alloc (or length_error past 2^32 slots), leaving it unchanged.
  template <class Rehash>
  void grow(Upstream& up, Rehash&& rehash) {
    const unsigned k = (slots_ == interner_no_packed_slots) ? 4 : 65 - shift_;
    if (k > 32) throw std::length_error("hotpath::interner: index cannot exceed 2^32 slots");
    const std::size_t cap = std::size_t{1} << k;
    auto* fresh = static_cast<std::uint32_t*>(up.allocate(cap * sizeof(std::uint32_t)));
    if (fresh == nullptr) throw std::bad_alloc();
    std::memset(static_cast<void*>(fresh), 0, cap * sizeof(std::uint32_t));
    const unsigned shift = 64 - k;
    const std::size_t mask = cap - 1;
    const auto id_mask = static_cast<std::uint32_t>(mask);
    if (slots_ != interner_no_packed_slots) {
      for (std::size_t j = 0; j <= mask_; ++j) {
        const std::uint32_t s = slots_[j];
        if (s == 0) continue;
        const std::uint32_t id = (s & id_mask_) - 1;
        const std::uint64_t h = rehash(id);
        std::size_t i = static_cast<std::size_t>(h >> shift);
        while (fresh[i] != 0) i = (i + 1) & mask;
        fresh[i] = (static_cast<std::uint32_t>(h) & ~id_mask) | (id + 1);
      }
      up.deallocate(slots_, bytes());
    }
    slots_ = fresh;
    shift_ = shift;
    mask_ = mask;
    id_mask_ = id_mask;
    grow_at_ = k == 32 ? cap - 1 : cap - cap / 8;
  }

  [[nodiscard]] std::size_t empty_slot(std::uint64_t h) const noexcept {
    std::size_t i = static_cast<std::size_t>(h >> shift_);
    while (slots_[i] != 0) i = (i + 1) & mask_;
    return i;
  }

  // Precondition: !full(), id < capacity - 1 (true for the single-threaded interner, whose
  // ids are below its size), pos from find()/empty_slot() since the last change.
  void insert_at(std::size_t pos, std::uint32_t id, std::uint64_t h) noexcept {
    HOTPATH_ASSERT(size_ < grow_at_ && slots_[pos] == 0 && id < id_mask_);
    slots_[pos] = (static_cast<std::uint32_t>(h) & ~id_mask_) | (id + 1);
    ++size_;
  }

  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] std::size_t bytes() const noexcept {
    return slots_ == interner_no_packed_slots ? 0 : (mask_ + 1) * sizeof(std::uint32_t);
  }

  void release(Upstream& up) noexcept {
    if (slots_ != interner_no_packed_slots) up.deallocate(slots_, bytes());
    slots_ = const_cast<std::uint32_t*>(interner_no_packed_slots);
    shift_ = 63;
    mask_ = 0;
    id_mask_ = 0;
    size_ = 0;
    grow_at_ = 0;
  }

 private:
  std::uint32_t* slots_ = const_cast<std::uint32_t*>(interner_no_packed_slots);
  unsigned shift_ = 63;  // 64 - log2(capacity); 63 with the 2-slot empty sentinel
  std::size_t mask_ = 0;
  std::uint32_t id_mask_ = 0;
  std::size_t size_ = 0;
  std::size_t grow_at_ = 0;
};

}  // namespace hotpath::detail

#endif  // HOTPATH_DETAIL_INTERNER_INDEX_HPP
