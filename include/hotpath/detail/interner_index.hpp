// hotpath/detail/interner_index.hpp: the open-addressing string -> symbol index of
// basic_interner. Internal.
//
// Design (once, here):
// - Open addressing with linear probing over 2^k slots (16 <= 2^k <= 2^32): a cache line holds
//   8 or 16 consecutive candidates, and a probe rejects a non-matching slot by its cached hash
//   bits without touching the string; only equal cached bits compare bytes.
// - Two slot forms. Packed (single-threaded interner): 4 bytes, id + 1 in the low k bits and
//   32 - k hash bits above them, maximum load 1/2 up to 2^16 slots and 7/8 above, growth
//   re-hashes the strings in id order. Wide (sharded interner, whose shard-local capacity does
//   not bound the global ids): 8 bytes {id, high 32 hash bits}, 3/4 maximum load, growth
//   rehashes from the cached bits alone; its slots are atomic words so that lookups need no
//   lock (old arrays are kept until destruction).
// - At k = 32 the table cannot grow; it then holds up to 2^32 - 1 entries, which is the symbol
//   limit anyway, and stays correct (slower) up to it.
// - A table that never inserted points at a shared, never-written empty sentinel, so lookups
//   need no null check.
// - No per-string node: the string's bytes live in the interner's store and are reached via
//   the symbol table, never from here.
#ifndef HOTPATH_DETAIL_INTERNER_INDEX_HPP
#define HOTPATH_DETAIL_INTERNER_INDEX_HPP

#include <hotpath/detail/config.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <stdexcept>

namespace hotpath::detail {

inline constexpr std::uint32_t interner_empty_id = 0xFFFFFFFFu;
inline constexpr std::uint32_t interner_no_packed_slots[2] = {0, 0};

// Wide form (sharded interner, where a shard's ids are global and unbounded by its
// capacity): 8-byte slots {high 32 hash bits, id} read and written as one atomic word, so
// find() may run without the shard's lock while a writer holding it inserts or grows. A slot
// is stored (release) after its id's table entry is written, so a reader that loads it
// (acquire) sees the entry. Growth publishes a new array (release) and keeps the old one
// until release(): a reader still probing it sees every id it held, and a miss there only
// sends the caller to the locked path, which probes the current array again.
template <class Upstream, bool Packed>
class interner_index {
  static constexpr std::uint64_t empty_slot_value = ~std::uint64_t{0};  // id 0xFFFFFFFF

  struct array {
    array* retired;  // the array this one replaced (kept for lock-free readers)
    std::size_t mask;
    unsigned shift;  // 32 - log2(capacity)
  };
  static std::uint64_t* slots_of(array* a) noexcept {
    return reinterpret_cast<std::uint64_t*>(reinterpret_cast<std::byte*>(a) + sizeof(array));
  }
  static std::size_t array_bytes(std::size_t cap) noexcept {
    return sizeof(array) + cap * sizeof(std::uint64_t);
  }

 public:
  interner_index() noexcept = default;
  interner_index(const interner_index&) = delete;
  interner_index& operator=(const interner_index&) = delete;
  ~interner_index() { HOTPATH_ASSERT(cur_.load(std::memory_order_relaxed) == nullptr); }

  // The id whose hash is h and for which eq(id) holds, or interner_empty_id; then `pos` is
  // the empty slot where it belongs (meaningful only with the writer's lock held). Never
  // allocates; safe without the lock (a miss is then only a hint).
  template <class Eq>
  [[nodiscard]] HOTPATH_ALWAYS_INLINE std::uint32_t find(std::uint64_t h, Eq&& eq,
                                                         std::size_t& pos) const noexcept {
    array* a = cur_.load(std::memory_order_acquire);
    if (HOTPATH_UNLIKELY(a == nullptr)) {
      pos = 0;
      return interner_empty_id;
    }
    const std::uint64_t tag = h & 0xFFFFFFFF00000000ull;
    std::uint64_t* slots = slots_of(a);
    auto i = static_cast<std::size_t>(h >> 32 >> a->shift);
    for (;;) {
      const std::uint64_t s =
          std::atomic_ref<std::uint64_t>(slots[i]).load(std::memory_order_acquire);
      if (s == empty_slot_value) {
        pos = i;
        return interner_empty_id;
      }
      const auto id = static_cast<std::uint32_t>(s);
      if ((s & 0xFFFFFFFF00000000ull) == tag && eq(id)) return id;
      i = (i + 1) & a->mask;
    }
  }

  // True when the next insert must grow() first. Writer only.
  [[nodiscard]] bool full() const noexcept { return size_ >= grow_at_; }

  // Doubles the table (or makes the first one). Writer only. Throws std::bad_alloc (or
  // length_error past 2^32 slots), leaving it unchanged. rehash is unused: the cached bits
  // suffice.
  template <class Rehash>
  void grow(Upstream& up, Rehash&&) {
    array* old = cur_.load(std::memory_order_relaxed);
    const unsigned k = old == nullptr ? 4 : 33 - old->shift;  // new log2(capacity)
    if (k > 32) throw std::length_error("hotpath::interner: index cannot exceed 2^32 slots");
    const std::size_t cap = std::size_t{1} << k;
    void* p = up.allocate(array_bytes(cap));
    if (p == nullptr) throw std::bad_alloc();
    auto* a = ::new (p) array{old, cap - 1, 32 - k};
    std::uint64_t* fresh = slots_of(a);
    std::memset(static_cast<void*>(fresh), 0xFF, cap * sizeof(std::uint64_t));
    if (old != nullptr) {
      std::uint64_t* from = slots_of(old);
      for (std::size_t j = 0; j <= old->mask; ++j) {
        const std::uint64_t s =
            std::atomic_ref<std::uint64_t>(from[j]).load(std::memory_order_relaxed);
        if (s == empty_slot_value) continue;
        auto i = static_cast<std::size_t>(s >> 32 >> a->shift);
        while (fresh[i] != empty_slot_value) i = (i + 1) & a->mask;
        fresh[i] = s;
      }
    }
    bytes_ += array_bytes(cap);
    cur_.store(a, std::memory_order_release);
    grow_at_ = k == 32 ? cap - 1 : cap / 4 * 3;
  }

  // The empty slot for hash h in the current array. Writer only.
  [[nodiscard]] std::size_t empty_slot(std::uint64_t h) const noexcept {
    array* a = cur_.load(std::memory_order_relaxed);
    std::uint64_t* slots = slots_of(a);
    auto i = static_cast<std::size_t>(h >> 32 >> a->shift);
    while (std::atomic_ref<std::uint64_t>(slots[i]).load(std::memory_order_relaxed) !=
           empty_slot_value) {
      i = (i + 1) & a->mask;
    }
    return i;
  }

  // Fills empty slot pos. Writer only; precondition: !full() and pos came from find() or
  // empty_slot() under the same lock hold.
  void insert_at(std::size_t pos, std::uint32_t id, std::uint64_t h) noexcept {
    HOTPATH_ASSERT(size_ < grow_at_);
    std::uint64_t* slots = slots_of(cur_.load(std::memory_order_relaxed));
    std::atomic_ref<std::uint64_t>(slots[pos])
        .store((h & 0xFFFFFFFF00000000ull) | id, std::memory_order_release);
    ++size_;
  }

  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  // Bytes held, retired arrays included.
  [[nodiscard]] std::size_t bytes() const noexcept { return bytes_; }

  void release(Upstream& up) noexcept {
    array* a = cur_.load(std::memory_order_relaxed);
    while (a != nullptr) {
      array* prev = a->retired;
      up.deallocate(a, array_bytes(a->mask + 1));
      a = prev;
    }
    cur_.store(nullptr, std::memory_order_relaxed);
    size_ = 0;
    grow_at_ = 0;
    bytes_ = 0;
  }

 private:
  std::atomic<array*> cur_{nullptr};
  std::size_t size_ = 0;
  std::size_t grow_at_ = 0;
  std::size_t bytes_ = 0;
};

// Packed form (single-threaded interner, where every id is below the capacity): 4-byte slots.
// With 2^k slots, the low k bits hold id + 1 (0 = empty) and the high 32 - k bits hold hash
// bits k..31 as a tag; the home slot comes from the top k bits of the hash, so tag and
// position never share bits. A table of up to 2^16 slots (256 KiB) fills to 1/2, a larger one
// to 7/8 (16 slots per cache line keep probe runs within one or two lines): the memory of a
// large interner stays ~4.6-9 bytes of index per string, while a small or growing one does not
// spend its time at 60-87 % load, where a miss probes ~10-30 slots and a hit's variable probe
// count mispredicts (84 % of the benchmark stream's tokens come while 8k-57k strings are held:
// intern 10.4 -> 8.8 ns per token, its final table unchanged; docs/interning.md). Growth
// rehashes by hashing the strings again through `rehash(id)`, since the cached tag no longer
// holds the position bits.
template <class Upstream>
class interner_index<Upstream, true> {
  // log2 of the largest capacity filled only to 1/2.
  static constexpr unsigned half_load_max_log2 = 16;

 public:
  interner_index() noexcept = default;
  interner_index(const interner_index&) = delete;
  interner_index& operator=(const interner_index&) = delete;
  ~interner_index() { HOTPATH_ASSERT(slots_ == interner_no_packed_slots); }

  template <class Eq>
  [[nodiscard]] HOTPATH_ALWAYS_INLINE std::uint32_t find(std::uint64_t h, Eq&& eq,
                                                         std::size_t& pos) const noexcept {
    const auto tag = static_cast<std::uint32_t>(h) & ~id_mask_;
    auto i = static_cast<std::size_t>(h >> shift_);
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
  // Precondition: the ids held are 0 .. size() - 1 (the single-threaded interner). Throws
  // std::bad_alloc (or length_error past 2^32 slots), leaving it unchanged.
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
      // The ids held are exactly 0 .. size_ - 1: visiting them in id order reads the strings
      // in the order they were stored (sequential), where visiting slots would read them in
      // hash order (two cache misses each).
      for (std::uint32_t id = 0; id < size_; ++id) {
        const std::uint64_t h = rehash(id);
        auto i = static_cast<std::size_t>(h >> shift);
        while (fresh[i] != 0) i = (i + 1) & mask;
        fresh[i] = (static_cast<std::uint32_t>(h) & ~id_mask) | (id + 1);
      }
      up.deallocate(slots_, bytes());
    }
    slots_ = fresh;
    shift_ = shift;
    mask_ = mask;
    id_mask_ = id_mask;
    grow_at_ = k == 32 ? cap - 1 : k <= half_load_max_log2 ? cap / 2 : cap - cap / 8;
  }

  [[nodiscard]] std::size_t empty_slot(std::uint64_t h) const noexcept {
    auto i = static_cast<std::size_t>(h >> shift_);
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
