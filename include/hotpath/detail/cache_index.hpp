// hotpath/detail/cache_index.hpp: the index of the concurrent cache's shards when they serve
// lock-free hits (cache_core's optimistic mode; every other cache uses cache_bucket_index.hpp),
// mapping a key's 32-bit fingerprint to the slab index of its node. Internal.
//
// Design: linear probing over 8-byte slots {fingerprint, node + 1} (0 = empty), so a probe
// reads one cache line and compares fingerprints without touching the nodes; only a
// fingerprint match loads the node to compare keys. The home slot is fingerprint & mask, and a
// rehash never calls the user's hash (the fingerprint is in the slot). Deletion is
// backward-shift (no tombstones), so probe lengths stay those of a fresh table under any mix of
// inserts and evictions; the load factor is kept at or below 1/2.
//
// A slot is one 8-byte word, and every slot write is an atomic store of it, so readers that
// probe without the lock (atomic loads, validated by the shard's sequence counter) never race
// with it; a grown-out array is handed to the caller to keep alive instead of being freed,
// since a reader may still be probing it. (The bucket index keeps a slot's tag and reference in
// two words: measured for these readers and not kept, docs/cache.md.)
#ifndef HOTPATH_DETAIL_CACHE_INDEX_HPP
#define HOTPATH_DETAIL_CACHE_INDEX_HPP

#include <hotpath/detail/cache_table.hpp>
#include <hotpath/detail/config.hpp>
#include <hotpath/detail/prefetch.hpp>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <utility>

namespace hotpath::detail {

// An 8-byte word that may alias anything: the optimistic readers and their writers copy keys,
// values and slots as such words with __atomic builtins (no type-based aliasing assumptions).
// Stores are release and loads acquire (plain moves on x86): that orders them against the
// seqlock's counter without standalone fences, which ThreadSanitizer cannot model.
using cache_word [[gnu::may_alias]] = std::uint64_t;

// Copies n bytes (a multiple of 8, both 8-aligned) as atomic words.
inline void cache_store_words(void* dst, const void* src, std::size_t n) noexcept {
  for (std::size_t o = 0; o < n; o += 8) {
    cache_word w;
    std::memcpy(&w, static_cast<const std::byte*>(src) + o, 8);
    __atomic_store_n(reinterpret_cast<cache_word*>(static_cast<std::byte*>(dst) + o), w,
                     __ATOMIC_RELEASE);
  }
}
inline void cache_load_words(void* dst, const void* src, std::size_t n) noexcept {
  for (std::size_t o = 0; o < n; o += 8) {
    const cache_word w =
        __atomic_load_n(reinterpret_cast<const cache_word*>(static_cast<const std::byte*>(src) + o),
                        __ATOMIC_ACQUIRE);
    std::memcpy(static_cast<std::byte*>(dst) + o, &w, 8);
  }
}

// One slot of the linear-probing index.
struct alignas(8) cache_slot {
  std::uint32_t fp;
  std::uint32_t ref;  // node + 1; 0 marks an empty slot
};

class cache_shared_index : public cache_table<cache_slot> {
 public:
  using slot = cache_slot;

  // The node whose fingerprint is fp and for which eq(node) holds, or cache_npos.
  template <class Eq>
  [[nodiscard]] HOTPATH_ALWAYS_INLINE std::uint32_t find(std::uint32_t fp, Eq&& eq) const
      noexcept(noexcept(eq(std::uint32_t{}))) {
    if (HOTPATH_UNLIKELY(cells_ == nullptr)) return cache_npos;
    for (std::size_t i = fp & mask_;; i = (i + 1) & mask_) {
      const slot s = cells_[i];
      if (s.ref == 0) return cache_npos;
      if (s.fp == fp && eq(s.ref - 1)) return s.ref - 1;
    }
  }

  // Prefetches fp's home slot (for an erase or insert soon). Precondition: the table exists.
  HOTPATH_ALWAYS_INLINE void prefetch(std::uint32_t fp) const noexcept {
    prefetch_read(&cells_[fp & mask_]);
  }

  // Adds node under fp. Precondition: reserve(size() + 1) succeeded; node is not present.
  void insert(std::uint32_t fp, std::uint32_t node) noexcept {
    HOTPATH_ASSERT(cells_ != nullptr && (count_ + 1) * 2 <= mask_ + 1);
    std::size_t i = fp & mask_;
    while (cells_[i].ref != 0) i = (i + 1) & mask_;
    put(i, slot{fp, node + 1});
    ++count_;
  }

  // Removes node (present under fp), shifting later members of its cluster back.
  void erase(std::uint32_t fp, std::uint32_t node) noexcept {
    std::size_t i = fp & mask_;
    while (cells_[i].ref != node + 1) {
      HOTPATH_ASSERT(cells_[i].ref != 0);
      i = (i + 1) & mask_;
    }
    for (std::size_t j = (i + 1) & mask_;; j = (j + 1) & mask_) {
      const slot s = cells_[j];
      if (s.ref == 0) break;
      const std::size_t home = s.fp & mask_;
      // s may move back to i only if i lies on its probe path (between home and j).
      if (((j - home) & mask_) >= ((j - i) & mask_)) {
        put(i, s);
        i = j;
      }
    }
    put(i, slot{0, 0});
    --count_;
  }

  // Makes room for n entries at load <= 1/2. Throws std::bad_alloc with no change. The old
  // array goes to retire(std::unique_ptr<slot[]>&&), which must not throw.
  template <class Retire>
  void reserve(std::size_t n, Retire&& retire) {
    if (cells_ != nullptr && n * 2 <= mask_ + 1) return;
    std::size_t size = 16;
    while (size < n * 2) size *= 2;
    auto fresh = std::make_unique<slot[]>(size);  // value-initialised: all empty
    const std::size_t mask = size - 1;
    if (cells_ != nullptr) {
      for (std::size_t k = 0; k <= mask_; ++k) {
        const slot s = cells_[k];
        if (s.ref == 0) continue;
        std::size_t i = s.fp & mask;
        while (fresh[i].ref != 0) i = (i + 1) & mask;
        fresh[i] = s;
      }
    }
    retire(std::move(cells_));
    cells_ = std::move(fresh);
    mask_ = mask;
  }

  void clear() noexcept {
    if (cells_ == nullptr) return;
    for (std::size_t k = 0; k <= mask_; ++k) put(k, slot{0, 0});
    count_ = 0;
  }

  [[nodiscard]] const slot* data() const noexcept { return cells_.get(); }
  [[nodiscard]] std::size_t mask() const noexcept { return mask_; }
  // A slot read by a reader that does not hold the writer's lock.
  [[nodiscard]] static slot load_shared(const slot* slots, std::size_t i) noexcept {
    slot s;
    cache_load_words(&s, &slots[i], sizeof(slot));
    return s;
  }

  [[nodiscard]] std::size_t size() const noexcept { return count_; }
  [[nodiscard]] std::size_t bytes() const noexcept {
    return cells_ == nullptr ? 0 : (mask_ + 1) * sizeof(slot);
  }

 private:
  void put(std::size_t i, slot s) noexcept { cache_store_words(&cells_[i], &s, sizeof(slot)); }
};

}  // namespace hotpath::detail

#endif  // HOTPATH_DETAIL_CACHE_INDEX_HPP
