// hotpath/detail/cache_sharded.hpp: the concurrent engine of hotpath::basic_cache (locking
// policy cache::sharded<N>). Internal; the contracts are in <hotpath/cache.hpp>.
//
// Design (once, here):
// - N independent cache_core shards, each behind its own lock (cache_mutex.hpp: spins, then
//   sleeps) on its own cache lines;
//   the key is hashed once here and the shard is picked from the hash's low bits (the core's
//   index uses the high 32). An LRU hit rewrites the list, so a hit needs the shard's lock in
//   exclusive mode: sharding, not a reader lock, is what keeps readers from serialising. Two
//   threads collide only when they hit the same shard at the same moment.
// - Every call returns copies (std::optional<V>) or runs a visitor under the lock: nothing
//   hands out a reference another thread could evict.
// - Single flight: a miss in get_or_insert_with registers a `flight` record (on the loading
//   thread's stack) in its shard, runs the loader without the lock, then publishes the value
//   (or the exception) and wakes the threads waiting for that key on the shard's condition
//   variable. The loader waits until every waiter has copied the result before its stack
//   frame (the record) goes away. No allocation per flight beyond the shard's small vector.
// - Eviction order is per shard: LRU within a shard, approximate globally (the usual trade of
//   sharded caches); cache::one_mutex (one shard) keeps the exact global order.
// - Optimistic hits (core_type::optimistic_: trivially copyable K and V, unit weight, no
//   expiry). On a 2-core VM a cache-line transfer costs 55-440 ns against ~20 ns for a whole
//   single-threaded lookup, so a hit must not write any line the other core may own: not the
//   shard mutex, not the list links, not a shared counter. A shard carries a sequence counter
//   (seqlock): writers (put, erase, ...: under the mutex) make it odd while they change what a
//   reader can see, and every such write is an atomic release store (see cache_core.hpp). get / peek /
//   contains / the hit of get_or_insert_with read the index and copy the key and value with
//   acquire loads, then check the counter is unchanged and even (else retry, then lock). The
//   hit then takes no lock: hits and misses go to per-thread striped counters, and an LRU hit
//   is promoted lazily: it sets the node's mark (one store, only if clear) and the eviction,
//   under the lock, moves a marked tail entry back to the front (clearing the mark) instead of
//   evicting it. So an entry hit since it last came to the front is never evicted (CLOCK /
//   second chance per shard; the hit ratio measured slightly above exact LRU's on the bench's
//   Zipf traces). Moving on the hit itself took the lock on 16-19% of all requests, a line
//   transfer between the cores about half the time. SIEVE takes the lock only when the bit is
//   clear. With one shard (one_mutex) every hit not already at the front moves: exact LRU.
//   Other key/value types (std::string) use the locked path.
#ifndef HOTPATH_DETAIL_CACHE_SHARDED_HPP
#define HOTPATH_DETAIL_CACHE_SHARDED_HPP

#include <hotpath/detail/cache_core.hpp>
#include <hotpath/detail/cache_mutex.hpp>
#include <hotpath/detail/config.hpp>

#include <algorithm>
#include <atomic>
#include <bit>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace hotpath::detail {

// The per-thread stats stripe of the concurrent caches (one registry for every cache type). A
// thread takes the lowest free index on its first count and gives it back when it exits, so
// two live threads write the same stripe line (on every lock-free get) only when more than
// `count` threads count at once. Numbering threads by a counter instead handed the 17th thread
// ever created the first one's stripe: a benchmark that starts a new worker per pass ran that
// pass 12-16% slower (docs/cache.md).
class cache_stripe_ids {
 public:
  static constexpr std::size_t count = 16;

  // This thread's stripe, < count.
  static std::size_t mine() noexcept {
    // Trivially destructible, so still readable while other thread_locals are destroyed.
    thread_local std::size_t id = count;
    if (HOTPATH_UNLIKELY(id == count)) id = take();
    return id;
  }

 private:
  struct releaser {
    std::uint32_t bit;
    ~releaser() { used().fetch_and(~bit, std::memory_order_release); }
  };
  static std::atomic<std::uint32_t>& used() noexcept {
    static std::atomic<std::uint32_t> bits{0};
    return bits;
  }
  HOTPATH_NOINLINE static std::size_t take() noexcept {
    static_assert(count <= 32);
    constexpr std::uint32_t all = count == 32 ? ~0u : (1u << count) - 1;
    std::uint32_t cur = used().load(std::memory_order_relaxed);
    while ((cur & all) != all) {
      const int i = std::countr_one(cur);
      if (used().compare_exchange_weak(cur, cur | (1u << i), std::memory_order_acquire,
                                       std::memory_order_relaxed)) {
        thread_local const releaser r{1u << i};  // gives the stripe back at thread exit
        return static_cast<std::size_t>(i);
      }
    }
    // More than `count` threads at once: share, round robin.
    static std::atomic<std::size_t> next{0};
    return next.fetch_add(1, std::memory_order_relaxed) % count;
  }
};

template <class K, class V, class P>
class cache_sharded {
  using core_type = cache_core<K, V, P>;
  using hasher_type = typename core_type::hasher_type;
  static constexpr bool counting_ = core_type::counting_;
  static constexpr bool weighted_ = core_type::weighted_;
  static constexpr bool optimistic_ = core_type::optimistic_;
  static constexpr std::size_t stripe_count_ = cache_stripe_ids::count;

  struct flight {
    flight(const K* k, std::uint64_t h) noexcept : key(k), hash(h) {}
    const K* key;
    std::uint64_t hash;
    const V* value = nullptr;
    std::exception_ptr error;
    bool done = false;
    std::uint32_t waiters = 0;
  };

  // Per-thread hit/miss counters of the optimistic path, one line each (stats() sums them).
  struct alignas(64) stripe {
    std::atomic<std::uint64_t> hits{0};
    std::atomic<std::uint64_t> misses{0};
  };

  struct shard;
  // Brackets a change to what optimistic readers see (under the shard mutex): odd, then the
  // data stores (release: none moves above the odd store), then even (release). Readers load
  // the data with acquire, so their re-read of the counter cannot move above those loads; no
  // standalone fences (ThreadSanitizer cannot model them).
  class write_section {
   public:
    explicit write_section(shard& s) noexcept : s_(s) {
      if constexpr (optimistic_) {
        s_.seq.store(s_.seq.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
      }
    }
    ~write_section() {
      if constexpr (optimistic_) {
        s_.seq.store(s_.seq.load(std::memory_order_relaxed) + 1, std::memory_order_release);
      }
    }
    write_section(const write_section&) = delete;
    write_section& operator=(const write_section&) = delete;

   private:
    shard& s_;
  };

  struct alignas(128) shard {
    template <class... Args>
    explicit shard(std::size_t capacity, const Args&... policy_objects)
        : core(capacity, policy_objects...) {}
    // Odd while a writer changes what optimistic readers see.
    std::atomic<std::uint32_t> seq{0};
    mutable cache_mutex mutex;
    // The sequence counter, the lock and the core's first 56 bytes (index count, list ends,
    // free list, size: what every put writes) share one line, so a put under the lock finds
    // one line of the header where the other core left it, not three or four. Lock-free
    // readers read the counter and the core's published arrays, on lines puts do not write.
    core_type core;
    std::condition_variable_any cv;
    std::vector<flight*> flights;
  };

 public:
  using key_type = K;
  using mapped_type = V;
  using size_type = std::size_t;
  using listener_type = typename core_type::listener_type;
  static constexpr bool nothrow_lookup = core_type::nothrow_lookup;
  // get/peek/contains (and the hit of get_or_insert_with) take no lock and write no shared
  // line: trivially copyable K and V, unit weight, no expiry.
  static constexpr bool lock_free_hits = optimistic_;

  // capacity is split over the shards (each holds capacity / shards, rounded so the shares add
  // up to capacity). Policy objects as for the single-threaded cache.
  template <class... Args>
  explicit cache_sharded(std::size_t capacity, const Args&... policy_objects)
      : hash_(P::hash::random_seed ? cache_next_seed() : P::hash::seed), capacity_(capacity) {
    std::size_t n = P::locking::shards;
    if (n == 0) {
      const std::size_t hw = std::max<std::size_t>(1, std::thread::hardware_concurrency());
      // 32 per hardware thread: two threads meet in one shard's lock (and a reader finds
      // its shard mid-write) with probability ~1/N; measured on 2 vCPUs (docs/cache.md),
      // 8 shards gave 1.3x on two threads and 64 gave 1.9x.
      n = 4;
      while (n < 32 * hw && n < 256) n *= 2;
      // Small unit-weight caches: at least 32 entries per shard, or eviction gets too coarse.
      if constexpr (!weighted_) {
        while (n > 1 && capacity / n < 32) n /= 2;
      }
    }
    shards_.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
      shards_.push_back(std::make_unique<shard>(share(capacity, i, n), policy_objects...));
    }
    mask_ = n - 1;
  }
  cache_sharded(const cache_sharded&) = delete;
  cache_sharded& operator=(const cache_sharded&) = delete;

  // ---- concurrent API (see <hotpath/cache.hpp>) -------------------------------------------------

  [[nodiscard]] std::optional<V> get(const K& key) { return get_impl(key); }
  template <class Q>
  requires core_type::template transparent_key<Q>
  [[nodiscard]] std::optional<V> get(const Q& key) { return get_impl(key); }

  // Calls f(const V&) under the shard's lock on a hit (counted, promotes); returns whether it
  // did. Avoids the copy of get(); f must be short and must not call into this cache.
  template <class F>
  bool visit(const K& key, F&& f) {
    return visit_impl(key, std::forward<F>(f));
  }
  template <class Q, class F>
  requires core_type::template transparent_key<Q>
  bool visit(const Q& key, F&& f) { return visit_impl(key, std::forward<F>(f)); }

  [[nodiscard]] std::optional<V> peek(const K& key) const { return peek_impl(key); }
  template <class Q>
  requires core_type::template transparent_key<Q>
  [[nodiscard]] std::optional<V> peek(const Q& key) const { return peek_impl(key); }

  [[nodiscard]] bool contains(const K& key) const { return contains_impl(key); }
  template <class Q>
  requires core_type::template transparent_key<Q>
  [[nodiscard]] bool contains(const Q& key) const { return contains_impl(key); }

  bool erase(const K& key) { return erase_impl(key); }
  template <class Q>
  requires core_type::template transparent_key<Q>
  bool erase(const Q& key) { return erase_impl(key); }

 private:
  // Optimistic lookup (see the top of this file): 1 hit (value in vb), 0 miss, -1 gave up
  // (writers kept interfering: take the lock). No stats. `promote` (get) promotes a hit that
  // the eviction order needs to hear about, under the shard lock; a peek never promotes.
  template <class Q>
  int optimistic_read(shard& s, const Q& key, std::uint64_t h, std::byte* vb,
                      bool promote) const {
    for (int attempt = 0; attempt < 3; ++attempt) {
      const std::uint32_t s1 = s.seq.load(std::memory_order_acquire);
      if (s1 & 1u) continue;
      const auto valid = [&]() noexcept {
        return s.seq.load(std::memory_order_relaxed) == s1;
      };
      bool touch = false;
      std::uint32_t node = cache_npos;
      const bool exact = !promote || shards_.size() == 1;
      const int r = s.core.read_optimistic(key, h, valid, vb, touch, node, exact);
      if (r < 0) continue;
      if (promote && r > 0 && touch) {
        std::lock_guard lock(s.mutex);
        s.core.promote(key, h, node, s.seq.load(std::memory_order_relaxed) == s1);
      }
      return r;
    }
    return -1;
  }
  void count(bool hit) const noexcept {
    if constexpr (counting_) {
      stripe& st = stripes_[cache_stripe_ids::mine()];
      (hit ? st.hits : st.misses).fetch_add(1, std::memory_order_relaxed);
    } else {
      (void)hit;
    }
  }
  static V& value_in(std::byte* vb) noexcept { return *std::launder(reinterpret_cast<V*>(vb)); }

  template <class Q>
  std::optional<V> get_impl(const Q& key) {
    const std::uint64_t h = hash_(key);
    shard& s = shard_of(h);
    if constexpr (optimistic_) {
      alignas(8) std::byte vb[core_type::value_bytes_];
      const int r = optimistic_read(s, key, h, vb, true);
      if (r >= 0) {
        count(r > 0);
        if (r > 0) return value_in(vb);
        return std::nullopt;
      }
    }
    std::lock_guard lock(s.mutex);
    if (const V* v = s.core.get_hashed(key, h)) return *v;
    return std::nullopt;
  }

  template <class Q, class F>
  bool visit_impl(const Q& key, F&& f) {
    const std::uint64_t h = hash_(key);
    shard& s = shard_of(h);
    std::lock_guard lock(s.mutex);
    const V* v = s.core.get_hashed(key, h);
    if (v == nullptr) return false;
    std::forward<F>(f)(*v);
    return true;
  }

  template <class Q>
  std::optional<V> peek_impl(const Q& key) const {
    const std::uint64_t h = hash_(key);
    shard& s = shard_of(h);
    if constexpr (optimistic_) {
      if (const auto r = peek_read(s, key, h)) return *r;
    }
    std::lock_guard lock(s.mutex);
    const std::uint32_t i = s.core.find_live(key, h);
    if (i == cache_npos) return std::nullopt;
    return s.core.value_at(i);
  }

  // Optimistic peek: nullopt when it gave up, else the (optional) value.
  template <class Q>
  std::optional<std::optional<V>> peek_read(shard& s, const Q& key, std::uint64_t h) const {
    alignas(8) std::byte vb[core_type::value_bytes_];
    const int r = optimistic_read(s, key, h, vb, false);
    if (r < 0) return std::nullopt;
    if (r == 0) return std::optional<V>{};
    return std::optional<V>{value_in(vb)};
  }

  template <class Q>
  bool contains_impl(const Q& key) const {
    const std::uint64_t h = hash_(key);
    shard& s = shard_of(h);
    if constexpr (optimistic_) {
      if (const auto r = peek_read(s, key, h)) return r->has_value();
    }
    std::lock_guard lock(s.mutex);
    return s.core.find_live(key, h) != cache_npos;
  }
  template <class Q>
  bool erase_impl(const Q& key) {
    const std::uint64_t h = hash_(key);
    shard& s = shard_of(h);
    std::lock_guard lock(s.mutex);
    write_section w(s);
    return s.core.erase_hashed(key, h);
  }

 public:

  template <class KK, class VV = V>
  requires std::constructible_from<K, KK&&> && std::constructible_from<V, VV&&>
  void put(KK&& key, VV&& value) {
    if constexpr (std::is_same_v<std::remove_cvref_t<KK>, K>) {
      const std::uint64_t h = hash_(key);
      shard& s = shard_of(h);
      std::lock_guard lock(s.mutex);
      write_section w(s);
      s.core.put_hashed(std::forward<KK>(key), h, std::forward<VV>(value));
    } else {
      K k(std::forward<KK>(key));
      put(std::move(k), std::forward<VV>(value));
    }
  }

  // Inserts when the key is absent; returns whether it did.
  template <class KK, class... Args>
  requires std::constructible_from<K, KK&&> && std::constructible_from<V, Args&&...>
  bool emplace(KK&& key, Args&&... args) {
    if constexpr (std::is_same_v<std::remove_cvref_t<KK>, K>) {
      const std::uint64_t h = hash_(key);
      shard& s = shard_of(h);
      std::lock_guard lock(s.mutex);
      write_section w(s);
      return s.core.emplace_hashed(std::forward<KK>(key), h, std::forward<Args>(args)...).second;
    } else {
      K k(std::forward<KK>(key));
      return emplace(std::move(k), std::forward<Args>(args)...);
    }
  }

  // The value for key; on a miss runs fn() once however many threads miss on key at the same
  // time (the others wait and get a copy of its result, or its exception), then stores it.
  template <class F>
  requires std::invocable<F&> && std::constructible_from<V, std::invoke_result_t<F&>> V
  get_or_insert_with(const K& key, F&& fn) {
    const std::uint64_t h = hash_(key);
    shard& s = shard_of(h);
    if constexpr (optimistic_) {
      alignas(8) std::byte vb[core_type::value_bytes_];
      if (optimistic_read(s, key, h, vb, true) > 0) {
        count(true);
        return value_in(vb);
      }
    }
    std::unique_lock lock(s.mutex);
    if (const V* v = s.core.get_hashed(key, h)) return *v;
    for (flight* f : s.flights) {
      if (f->hash == h && *f->key == key) return wait_for(s, lock, *f);
    }
    flight self{&key, h};
    s.flights.push_back(&self);  // may throw: nothing registered yet
    lock.unlock();
    std::optional<V> result;
    try {
      result.emplace(std::invoke(fn));
      lock.lock();
      write_section w(s);
      s.core.put_hashed(key, h, std::as_const(*result));
      self.value = &*result;
    } catch (...) {
      if (!lock.owns_lock()) lock.lock();
      self.error = std::current_exception();
    }
    land(s, lock, self);
    if (self.error) std::rethrow_exception(self.error);
    return std::move(*result);
  }

  void clear() {
    for (auto& s : shards_) {
      std::lock_guard lock(s->mutex);
      write_section w(*s);
      s->core.clear();
    }
  }

  // New total capacity, split over the shards as in the constructor.
  // Concurrent resizes take turns: interleaved per shard, they would leave shares of two
  // capacities (their sum neither) and race on capacity_.
  void resize(std::size_t capacity) {
    std::lock_guard turn(resize_mutex_);
    const std::size_t n = shards_.size();
    for (std::size_t i = 0; i < n; ++i) {
      std::lock_guard lock(shards_[i]->mutex);
      write_section w(*shards_[i]);
      shards_[i]->core.resize(share(capacity, i, n));
    }
    capacity_.store(capacity, std::memory_order_relaxed);
  }

  std::size_t purge_expired() {
    std::size_t n = 0;
    for (auto& s : shards_) {
      std::lock_guard lock(s->mutex);
      write_section w(*s);
      n += s->core.purge_expired();
    }
    return n;
  }

  // Sums over the shards (each read under its lock; not one atomic snapshot).
  [[nodiscard]] std::size_t size() const {
    std::size_t n = 0;
    for (auto& s : shards_) {
      std::lock_guard lock(s->mutex);
      n += s->core.size();
    }
    return n;
  }
  [[nodiscard]] bool empty() const { return size() == 0; }
  [[nodiscard]] std::size_t capacity() const noexcept {
    return capacity_.load(std::memory_order_relaxed);
  }
  [[nodiscard]] std::size_t shard_count() const noexcept { return shards_.size(); }

  [[nodiscard]] cache_stats stats() const requires counting_ {
    cache_stats total;
    for (auto& s : shards_) {
      std::lock_guard lock(s->mutex);
      total += s->core.stats();
    }
    for (std::size_t i = 0; i < stripe_count_; ++i) {
      total.hits += stripes_[i].hits.load(std::memory_order_relaxed);
      total.misses += stripes_[i].misses.load(std::memory_order_relaxed);
    }
    return total;
  }
  void reset_stats() requires counting_ {
    for (auto& s : shards_) {
      std::lock_guard lock(s->mutex);
      s->core.reset_stats();
    }
    for (std::size_t i = 0; i < stripe_count_; ++i) {
      stripes_[i].hits.store(0, std::memory_order_relaxed);
      stripes_[i].misses.store(0, std::memory_order_relaxed);
    }
  }

  [[nodiscard]] std::size_t memory_usage() const {
    std::size_t n = sizeof(*this) + shards_.capacity() * sizeof(void*) +
                    stripe_count_ * sizeof(stripe);
    for (auto& s : shards_) {
      std::lock_guard lock(s->mutex);
      n += s->core.memory_usage() - sizeof(core_type) + sizeof(shard) +
           s->flights.capacity() * sizeof(void*);  // the vector holds flight pointers
    }
    return n;
  }

  // The listener runs under the shard's lock: it must not call into this cache.
  void set_eviction_listener(const listener_type& listener) {
    for (auto& s : shards_) {
      std::lock_guard lock(s->mutex);
      s->core.set_eviction_listener(listener);
    }
  }

 private:
  static std::size_t share(std::size_t capacity, std::size_t i, std::size_t n) noexcept {
    return capacity / n + (i < capacity % n ? 1 : 0);
  }
  shard& shard_of(std::uint64_t h) const noexcept { return *shards_[h & mask_]; }

  // Waits for the flight f of another thread; returns a copy of its value or rethrows.
  V wait_for(shard& s, std::unique_lock<cache_mutex>& lock, flight& f) {
    ++f.waiters;
    s.cv.wait(lock, [&] { return f.done; });
    std::exception_ptr error = f.error;
    std::optional<V> out;
    if (!error) {
      try {
        out.emplace(*f.value);
      } catch (...) {
        error = std::current_exception();
      }
    }
    if (--f.waiters == 0) s.cv.notify_all();
    lock.unlock();
    if (error) std::rethrow_exception(error);
    return std::move(*out);
  }

  // Publishes the flight's result, wakes its waiters and waits until they have copied it.
  void land(shard& s, std::unique_lock<cache_mutex>& lock, flight& self) noexcept {
    s.flights.erase(std::find(s.flights.begin(), s.flights.end(), &self));
    self.done = true;
    if (self.waiters != 0) {
      s.cv.notify_all();
      s.cv.wait(lock, [&] { return self.waiters == 0; });
    }
    lock.unlock();
  }

  std::vector<std::unique_ptr<shard>> shards_;
  std::unique_ptr<stripe[]> stripes_ = std::make_unique<stripe[]>(stripe_count_);
  hasher_type hash_;
  std::size_t mask_ = 0;
  std::atomic<std::size_t> capacity_;
  std::mutex resize_mutex_;  // see resize()
};

}  // namespace hotpath::detail

#endif  // HOTPATH_DETAIL_CACHE_SHARDED_HPP
