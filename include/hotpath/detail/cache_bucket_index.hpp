// hotpath/detail/cache_bucket_index.hpp: the index of a single-threaded hotpath::basic_cache,
// mapping a key's 32-bit fingerprint to the slab index of its node. Internal.
//
// Design: buckets of one cache line, each 7 {tag, node + 1} slots (tags first, then refs) and
// a count of the entries that overflowed it (entries whose home is this bucket or an earlier
// one in their run, stored further on). A key's home bucket is (fp >> 1) & mask, so the tag
// (fp | 1) still knows it when the table grows; the key is stored in the first bucket from
// there with a free slot. So:
// - a lookup compares all 7 tags of a bucket at once (one branch on the match mask instead of
//   a per-slot loop whose exit mispredicts), and goes on to the next bucket only if the
//   overflow count says someone went on. An LRU at capacity at load 0.44 (the benchmark's)
//   has ~6% of its buckets overflowed in steady state (1.07 buckets per miss; ~12% and 1.15
//   at load 1/2), a fresh table fewer;
// - an erase clears its slot and decrements the counts it passed: no backward shift, no
//   tombstones. In an LRU cache at capacity every miss erases the victim and inserts the new
//   key; with linear probing, the backward shift alone was ~27% of such a miss's CPU time and
//   the probe loops most of the rest (docs/cache.md: 37 -> 9 ns per miss in cache);
// - an insert takes the first free slot of the first bucket with one (a mask, not a scan).
// An empty slot (tag 0) never matches a tag. A rehash never calls the user's hash.
#ifndef HOTPATH_DETAIL_CACHE_BUCKET_INDEX_HPP
#define HOTPATH_DETAIL_CACHE_BUCKET_INDEX_HPP

#include <hotpath/detail/cache_table.hpp>
#include <hotpath/detail/config.hpp>
#include <hotpath/detail/prefetch.hpp>

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <utility>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace hotpath::detail {

// One bucket: a cache line of 7 slots and the overflow count (see above).
struct alignas(64) cache_bucket {
  static constexpr unsigned ways = 7;
  std::uint32_t tag[ways];  // fp | 1; 0 = empty
  std::uint32_t overflow;   // entries that passed this bucket to one further on
  std::uint32_t ref[ways];  // node + 1; 0 = empty
  std::uint32_t unused;
};
static_assert(sizeof(cache_bucket) == 64);

class cache_bucket_index : public cache_table<cache_bucket> {
 public:
  static constexpr std::uint32_t npos = cache_npos;
  static constexpr unsigned ways = cache_bucket::ways;

  using bucket = cache_bucket;

  // The node whose fingerprint is fp and for which eq(node) holds, or npos.
  template <class Eq>
  [[nodiscard]] HOTPATH_ALWAYS_INLINE std::uint32_t find(std::uint32_t fp, Eq&& eq) const
      noexcept(noexcept(eq(std::uint32_t{}))) {
    if (HOTPATH_UNLIKELY(cells_ == nullptr)) return npos;
    const std::uint32_t tag = fp | 1u;
    for (std::size_t b = home(fp, mask_), left = mask_;; b = (b + 1) & mask_) {
      const bucket& k = cells_[b];
      for (unsigned m = match(k.tag, tag); m != 0; m &= m - 1) {
        const std::uint32_t n = k.ref[std::countr_zero(m)] - 1;
        if (eq(n)) return n;
      }
      if (HOTPATH_LIKELY(k.overflow == 0)) return npos;
      // Inserts and erases can leave every bucket with a non-zero count (a key passed each):
      // after a whole lap the key is not there.
      if (left == 0) return npos;
      --left;
    }
  }

  // Prefetches fp's home bucket (for an erase or insert soon). Precondition: the table exists.
  HOTPATH_ALWAYS_INLINE void prefetch(std::uint32_t fp) const noexcept {
    prefetch_read(&cells_[home(fp, mask_)]);
  }

  // Adds node under fp. Precondition: reserve(size() + 1) succeeded; node is not present.
  void insert(std::uint32_t fp, std::uint32_t node) noexcept {
    HOTPATH_ASSERT(cells_ != nullptr && (count_ + 1) * 2 <= (mask_ + 1) * ways);
    place(cells_.get(), mask_, fp, node + 1);
    ++count_;
  }

  // Removes node (present under fp).
  void erase(std::uint32_t fp, std::uint32_t node) noexcept {
    const std::size_t h = home(fp, mask_);
    std::size_t b = h;
    for (;;) {
      bucket& k = cells_[b];
      const unsigned m = match(k.ref, node + 1);
      if (HOTPATH_LIKELY(m != 0)) {
        const auto w = static_cast<unsigned>(std::countr_zero(m));
        k.tag[w] = 0;
        k.ref[w] = 0;
        break;
      }
      HOTPATH_ASSERT(k.overflow != 0);
      b = (b + 1) & mask_;
    }
    // The buckets this entry passed on its way no longer have it beyond them.
    for (std::size_t p = h; p != b; p = (p + 1) & mask_) --cells_[p].overflow;
    --count_;
  }

  // Makes room for n entries at load <= 1/2. Throws std::bad_alloc with no change.
  void reserve(std::size_t n) {
    if (cells_ != nullptr && n * 2 <= (mask_ + 1) * ways) return;
    std::size_t size = 1;
    while (size * ways < n * 2) size *= 2;
    auto fresh = std::make_unique<bucket[]>(size);  // value-initialised: all empty
    const std::size_t mask = size - 1;
    if (cells_ != nullptr) {
      for (std::size_t b = 0; b <= mask_; ++b) {
        const bucket& k = cells_[b];
        for (unsigned w = 0; w < ways; ++w) {
          if (k.ref[w] != 0) place(fresh.get(), mask, k.tag[w], k.ref[w]);
        }
      }
    }
    cells_ = std::move(fresh);
    mask_ = mask;
  }

  void clear() noexcept {
    if (cells_ == nullptr) return;
    std::memset(static_cast<void*>(cells_.get()), 0, (mask_ + 1) * sizeof(bucket));
    count_ = 0;
  }

  [[nodiscard]] std::size_t size() const noexcept { return count_; }
  // The sum of the overflow counts (tests: 0 once every entry is erased).
  [[nodiscard]] std::size_t overflow_total() const noexcept {
    std::size_t n = 0;
    for (std::size_t b = 0; cells_ != nullptr && b <= mask_; ++b) n += cells_[b].overflow;
    return n;
  }
  [[nodiscard]] std::size_t bytes() const noexcept {
    return cells_ == nullptr ? 0 : (mask_ + 1) * sizeof(bucket);
  }

 private:
  // Bit w set when words[w] == x, for w < ways.
  static HOTPATH_ALWAYS_INLINE unsigned match(const std::uint32_t* words,
                                              std::uint32_t x) noexcept {
#if defined(__SSE2__)
    const __m128i v = _mm_set1_epi32(static_cast<int>(x));
    const __m128i lo = _mm_loadu_si128(reinterpret_cast<const __m128i*>(words));
    const __m128i hi = _mm_loadu_si128(reinterpret_cast<const __m128i*>(words + 4));
    const auto ml =
        static_cast<unsigned>(_mm_movemask_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(lo, v))));
    const auto mh =
        static_cast<unsigned>(_mm_movemask_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(hi, v))));
    return (ml | mh << 4) & ((1u << ways) - 1);
#else
    unsigned m = 0;
    for (unsigned w = 0; w < ways; ++w) m |= static_cast<unsigned>(words[w] == x) << w;
    return m;
#endif
  }

  static std::size_t home(std::uint32_t fp, std::size_t mask) noexcept { return (fp >> 1) & mask; }

  // fp may be the tag itself (a rehash): fp | 1 and fp >> 1 are the same for both.
  static void place(bucket* buckets, std::size_t mask, std::uint32_t fp,
                    std::uint32_t ref) noexcept {
    for (std::size_t b = home(fp, mask);; b = (b + 1) & mask) {
      bucket& k = buckets[b];
      const unsigned free = match(k.ref, 0);
      if (HOTPATH_LIKELY(free != 0)) {
        const auto w = static_cast<unsigned>(std::countr_zero(free));
        k.tag[w] = fp | 1u;
        k.ref[w] = ref;
        return;
      }
      ++k.overflow;
    }
  }
};

}  // namespace hotpath::detail

#endif  // HOTPATH_DETAIL_CACHE_BUCKET_INDEX_HPP
