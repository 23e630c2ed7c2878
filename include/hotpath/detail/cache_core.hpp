// hotpath/detail/cache_core.hpp: the single-threaded engine of hotpath::basic_cache. Internal;
// users see it through <hotpath/cache.hpp>, which documents the public members.
//
// Design (once, here):
// - Nodes live in one slab (a contiguous array) addressed by 32-bit indices; a node holds the
//   key, the value, its 32-bit fingerprint, the SIEVE bit and, when the policies need them, its
//   weight and deadline. Freed nodes go on an intrusive free list. The slab grows by doubling
//   (relocating entries with move_if_noexcept) until it holds capacity + 1 nodes for a
//   unit-weight cache, so once the cache is full, an insert reuses the evicted node: no heap
//   allocation per hit, none per insert at capacity.
// - The recency / insertion list is doubly linked through a separate array of {prev, next}
//   index pairs (8 bytes per node), not through the nodes: moving an entry to the front touches
//   its neighbours' links, and those sit 8 per cache line in a compact array instead of one per
//   node. A hit that is already at the front changes nothing.
// - LRU evictions prefetch the next victims' nodes and index slots (prefetch_next_victims):
//   what a miss waits for at capacity is the cold tail node and then its cold index slot, and
//   both are known evictions in advance. Measured: 0.6x the time per request at Zipf 0.99 and
//   0.7 (docs/cache.md). An access-log LRU (a hit appends {node, stamp} to a ring; the victim
//   is the oldest entry whose stamp is current) was measured too and was slower: validating
//   log entries costs a random node access per request, more than the list links it saves.
// - The index (cache_bucket_index.hpp) holds 32-bit fingerprints in line-sized buckets of 7;
//   a miss or an erase runs no probe loop, and it never rehashes keys.
// - Inserting builds the new node first, then evicts, then links: a throwing key/value
//   constructor, weigher or loader leaves the cache exactly as it was (strong guarantee), and
//   the spare node is why the slab holds capacity + 1.
// - The listener runs inside noexcept functions (a throwing listener terminates), which is what
//   lets eviction, erase and clear be noexcept.
// - Optimistic mode (optimistic_: a concurrent cache of trivially copyable K and V, unit weight,
//   no expiry): cache_sharded reads entries without the shard lock, seqlock style. For that,
//   every write a reader can see is an atomic store: key and value bytes (as 8-byte words,
//   built off to the side first), index slots, the SIEVE bit, the LRU stamp; grown-out slab
//   and index arrays are kept until the cache dies (a reader may still be reading one; they
//   add up to less than the live arrays), and the live arrays are published through atomics.
//   The listener gets a copy of the value. Nothing changes for single-threaded caches.
#ifndef HOTPATH_DETAIL_CACHE_CORE_HPP
#define HOTPATH_DETAIL_CACHE_CORE_HPP

#include <hotpath/cache/policies.hpp>
#include <hotpath/detail/cache_hash.hpp>
#include <hotpath/detail/cache_bucket_index.hpp>
#include <hotpath/detail/cache_index.hpp>
#include <hotpath/detail/config.hpp>
#include <hotpath/detail/prefetch.hpp>

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <memory>
#include <new>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <vector>

namespace hotpath::detail {

template <class K, class V, class P>
class cache_sharded;

struct cache_no_weight {};
struct cache_no_stamp {};
struct cache_no_retired {};
struct cache_no_deadline {};
struct cache_no_stats {};

[[noreturn]] HOTPATH_NOINLINE inline void cache_throw_length(const char* what) {
  throw std::length_error(what);
}

// The policy object of type T among the constructor's arguments, or T{}.
template <class T>
T cache_make_policy() {
  return T{};
}
template <class T, class A, class... Rest>
T cache_make_policy(A&& a, Rest&&... rest) {
  if constexpr (std::is_same_v<std::remove_cvref_t<A>, T>) {
    return T(std::forward<A>(a));
  } else {
    return cache_make_policy<T>(std::forward<Rest>(rest)...);
  }
}

template <class Ex>
struct cache_clock_traits {
  using rep = cache_no_deadline;
  static constexpr bool nothrow_now = true;
};
template <class C>
struct cache_clock_traits<cache::expire_after_write<C>> {
  static_assert(cache_clock<C>,
                "hotpath::cache::expire_after_write<Clock>: Clock needs now() returning a "
                "std::chrono::time_point");
  using time_point = std::remove_cvref_t<decltype(std::declval<C&>().now())>;
  using rep = typename time_point::duration::rep;
  static constexpr bool nothrow_now = noexcept(std::declval<C&>().now());
};

template <class K, class V, class P>
class cache_core {
  using Ev = typename P::eviction;
  using Wg = typename P::weigher;
  using Ex = typename P::expiry;
  using Hp = typename P::hash;
  using St = typename P::stats;

  static_assert(std::equality_comparable<K>,
                "hotpath::basic_cache<Key, Value>: Key must be equality comparable");
  static_assert(std::is_nothrow_destructible_v<K> && std::is_nothrow_destructible_v<V>,
                "hotpath::basic_cache<Key, Value>: Key and Value destructors must not throw");
  static_assert(!std::is_reference_v<K> && !std::is_reference_v<V>,
                "hotpath::basic_cache<Key, Value>: Key and Value must be object types");

 protected:
  static constexpr bool weighted_ = is_weigh_by<Wg>;
  static constexpr bool expiring_ = is_expire_after_write<Ex>;
  static constexpr bool counting_ = St::enabled;
  static constexpr cache_eviction_algo algo_ = Ev::algo;
  using hasher_type = typename Hp::template hasher<K>;
  using deadline_rep = typename cache_clock_traits<Ex>::rep;
  // See "Optimistic mode" above.
  static constexpr bool optimistic_ = P::locking::concurrent && !weighted_ && !expiring_ &&
                                      std::is_trivially_copyable_v<K> &&
                                      std::is_trivially_copyable_v<V> && alignof(K) <= 8 &&
                                      alignof(V) <= 8;
  // Key and value storage: padded to whole 8-byte words in optimistic mode.
  static constexpr std::size_t key_bytes_ = optimistic_ ? (sizeof(K) + 7) / 8 * 8 : sizeof(K);
  static constexpr std::size_t value_bytes_ = optimistic_ ? (sizeof(V) + 7) / 8 * 8 : sizeof(V);
  static constexpr std::size_t key_align_ = optimistic_ ? 8 : alignof(K);
  static constexpr std::size_t value_align_ = optimistic_ ? 8 : alignof(V);

  static_assert(
      !weighted_ ||
          requires(const Wg& w, const K& k, const V& v) {
            { w.fn(k, v) } -> std::convertible_to<std::size_t>;
          },
      "hotpath::cache::weigh_by<F>: F must be callable as F(const Key&, const Value&) -> size_t");

 public:
  using key_type = K;
  using mapped_type = V;
  using size_type = std::size_t;
  // Called with the key, the value (which the listener may move from) and the cause, once per
  // entry that leaves the cache. It runs inside the cache's call: it must not throw (that
  // terminates) and must not call back into this cache.
  using listener_type = std::function<void(const K&, V&&, eviction_cause)>;

  // Q may stand for a key in get/peek/contains/erase without building a K (std::string_view or
  // const char* for std::string keys): the hasher is transparent (hashes Q as the K it equals)
  // and K == Q compiles.
  template <class Q>
  static constexpr bool transparent_key =
      !std::is_same_v<std::remove_cvref_t<Q>, K> && cache_transparent_hasher<hasher_type> &&
      std::is_invocable_r_v<std::uint64_t, const hasher_type&, const Q&> &&
      requires(const K& k, const Q& q) {
        { k == q } -> std::convertible_to<bool>;
      };
  // True when lookups by Q (hash, ==, clock) cannot throw.
  template <class Q>
  static constexpr bool nothrow_lookup_for =
      std::is_nothrow_invocable_v<const hasher_type&, const Q&>&& noexcept(
          std::declval<const K&>() == std::declval<const Q&>()) &&
      cache_clock_traits<Ex>::nothrow_now;
  // True when lookups (hash, ==, clock) cannot throw: get/peek/contains/erase are noexcept.
  static constexpr bool nothrow_lookup = nothrow_lookup_for<K>;
  // The concurrent cache serves hits without locking (see cache_sharded.hpp); false here.
  static constexpr bool lock_free_hits = optimistic_;

  // capacity: maximum number of entries (unit weight) or maximum total weight (weigh_by).
  // The remaining arguments are policy objects of this cache (weigh_by<F>{f},
  // expire_after_write<C>{ttl, clock}); policies not given are value-initialised. Allocates
  // nothing up front: the slab and index grow with the number of entries.
  template <class... Args>
  explicit cache_core(std::size_t capacity, Args&&... policy_objects)
      : capacity_(capacity),
        hash_(Hp::random_seed ? cache_next_seed() : Hp::seed),
        weigher_(cache_make_policy<Wg>(std::forward<Args>(policy_objects)...)),
        expiry_(cache_make_policy<Ex>(std::forward<Args>(policy_objects)...)) {
    static_assert(((std::is_same_v<std::remove_cvref_t<Args>, Wg> ||
                    std::is_same_v<std::remove_cvref_t<Args>, Ex>)&&...),
                  "hotpath::basic_cache(capacity, policies...): each argument after the capacity "
                  "must be this cache's weigh_by<F> or expire_after_write<Clock> object");
    check_capacity(capacity);
  }

  cache_core(const cache_core&) = delete;
  cache_core& operator=(const cache_core&) = delete;
  // Moves every entry; the source is left empty with capacity 0.
  cache_core(cache_core&& o) noexcept
      : index_(std::move(o.index_)),
        head_(std::exchange(o.head_, cache_npos)),
        tail_(std::exchange(o.tail_, cache_npos)),
        free_(std::exchange(o.free_, cache_npos)),
        used_(std::exchange(o.used_, 0)),
        hand_(std::exchange(o.hand_, cache_npos)),
        size_(std::exchange(o.size_, 0)),
        nodes_(std::move(o.nodes_)),
        links_(std::move(o.links_)),
        slab_(std::exchange(o.slab_, 0)),
        weight_(std::exchange(o.weight_, 0)),
        capacity_(std::exchange(o.capacity_, 0)),
        hash_(o.hash_),
        weigher_(std::move(o.weigher_)),
        expiry_(std::move(o.expiry_)),
        stats_(o.stats_),
        listener_(std::move(o.listener_)) {}
  cache_core& operator=(cache_core&& o) noexcept {
    if (this != &o) {
      cache_core tmp(std::move(o));
      swap(tmp);
    }
    return *this;
  }
  void swap(cache_core& o) noexcept {
    using std::swap;
    swap(nodes_, o.nodes_);
    swap(links_, o.links_);
    swap(slab_, o.slab_);
    swap(used_, o.used_);
    swap(free_, o.free_);
    swap(head_, o.head_);
    swap(tail_, o.tail_);
    swap(hand_, o.hand_);
    swap(size_, o.size_);
    swap(weight_, o.weight_);
    swap(capacity_, o.capacity_);
    swap(index_, o.index_);
    swap(hash_, o.hash_);
    swap(weigher_, o.weigher_);
    swap(expiry_, o.expiry_);
    swap(stats_, o.stats_);
    swap(listener_, o.listener_);
  }
  ~cache_core() { destroy_all(); }

  // ---- single-threaded API (see <hotpath/cache.hpp> for the contracts) ----------------------

  [[nodiscard]] V* get(const K& key) noexcept(nothrow_lookup) {
    return get_hashed(key, hash_(key));
  }
  template <class Q>
  requires transparent_key<Q>
  [[nodiscard]] V* get(const Q& key) noexcept(nothrow_lookup_for<Q>) {
    return get_hashed(key, hash_(key));
  }

  [[nodiscard]] V* peek(const K& key) noexcept(nothrow_lookup) { return peek_impl(key); }
  [[nodiscard]] const V* peek(const K& key) const noexcept(nothrow_lookup) {
    return const_cast<cache_core*>(this)->peek_impl(key);
  }
  template <class Q>
  requires transparent_key<Q>
  [[nodiscard]] V* peek(const Q& key) noexcept(nothrow_lookup_for<Q>) {
    return peek_impl(key);
  }
  template <class Q>
  requires transparent_key<Q>
  [[nodiscard]] const V* peek(const Q& key) const noexcept(nothrow_lookup_for<Q>) {
    return const_cast<cache_core*>(this)->peek_impl(key);
  }

  [[nodiscard]] bool contains(const K& key) const noexcept(nothrow_lookup) {
    return find_live(key, hash_(key)) != cache_npos;
  }
  template <class Q>
  requires transparent_key<Q>
  [[nodiscard]] bool contains(const Q& key) const noexcept(nothrow_lookup_for<Q>) {
    return find_live(key, hash_(key)) != cache_npos;
  }

  template <class KK, class VV = V>
  requires std::constructible_from<K, KK&&> && std::constructible_from<V, VV&&>
  void put(KK&& key, VV&& value) {
    if constexpr (std::is_same_v<std::remove_cvref_t<KK>, K>) {
      put_hashed(std::forward<KK>(key), hash_(key), std::forward<VV>(value));
    } else {
      K k(std::forward<KK>(key));
      put(std::move(k), std::forward<VV>(value));
    }
  }

  template <class KK, class... Args>
  requires std::constructible_from<K, KK&&> && std::constructible_from<V, Args&&...>
      std::pair<V*, bool> emplace(KK&& key, Args&&... args) {
    if constexpr (std::is_same_v<std::remove_cvref_t<KK>, K>) {
      return emplace_hashed(std::forward<KK>(key), hash_(key), std::forward<Args>(args)...);
    } else {
      K k(std::forward<KK>(key));
      return emplace(std::move(k), std::forward<Args>(args)...);
    }
  }

  template <class KK, class F>
  requires std::constructible_from<K, KK&&> && std::invocable<F&> &&
      std::constructible_from<V, std::invoke_result_t<F&>>
          V* get_or_insert_with(KK&& key, F&& fn) {
    if constexpr (std::is_same_v<std::remove_cvref_t<KK>, K>) {
      return get_or_insert_with_hashed(std::forward<KK>(key), hash_(key), fn);
    } else {
      K k(std::forward<KK>(key));
      return get_or_insert_with(std::move(k), fn);
    }
  }

  bool erase(const K& key) noexcept(nothrow_lookup) { return erase_hashed(key, hash_(key)); }
  template <class Q>
  requires transparent_key<Q>
  bool erase(const Q& key) noexcept(nothrow_lookup_for<Q>) {
    return erase_hashed(key, hash_(key));
  }

  void clear() noexcept {
    for (std::uint32_t i = head_; i != cache_npos;) {
      const std::uint32_t next = links_[i].next;
      notify(i, eviction_cause::explicit_);
      destroy(i);
      i = next;
    }
    head_ = tail_ = hand_ = cache_npos;
    free_ = cache_npos;
    used_ = 0;
    size_ = 0;
    weight_ = 0;
    index_.clear();
  }

  void resize(std::size_t capacity) {
    check_capacity(capacity);
    if constexpr (optimistic_) {
      __atomic_store_n(&capacity_, capacity, __ATOMIC_RELEASE);
    } else {
      capacity_ = capacity;
    }
    const auto now = now_rep();
    while (size_ > 0 && load() > capacity_) evict_one(now, cache_npos);
  }

  std::size_t purge_expired() noexcept(nothrow_lookup) {
    if constexpr (!expiring_) {
      return 0;
    } else {
      const auto now = now_rep();
      std::size_t n = 0;
      for (std::uint32_t i = head_; i != cache_npos;) {
        const std::uint32_t next = links_[i].next;
        if (expired_at(i, now)) {
          remove_node(i, eviction_cause::expired);
          if constexpr (counting_) ++stats_.expirations;
          ++n;
        }
        i = next;
      }
      return n;
    }
  }

  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
  [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }
  [[nodiscard]] std::size_t total_weight() const noexcept { return load(); }

  [[nodiscard]] cache_stats stats() const noexcept requires counting_ { return stats_; }
  void reset_stats() noexcept requires counting_ { stats_ = cache_stats{}; }

  [[nodiscard]] std::size_t memory_usage() const noexcept {
    std::size_t n =
        sizeof(*this) + std::size_t{slab_} * (sizeof(node) + sizeof(link)) + index_.bytes();
    if constexpr (optimistic_) n += retired_bytes_;
    return n;
  }

  void set_eviction_listener(listener_type listener) noexcept { listener_ = std::move(listener); }

 private:
  template <class, class, class>
  friend class cache_sharded;

  struct node {
    std::uint32_t fp;
    bool visited;
    [[no_unique_address]] std::conditional_t<weighted_, std::size_t, cache_no_weight> weight;
    [[no_unique_address]] deadline_rep deadline;
    // LRU, optimistic mode: tick_ when last moved to the front (exact readers skip the front).
    [[no_unique_address]] std::conditional_t<optimistic_, std::uint32_t, cache_no_stamp> stamp;
    alignas(key_align_) std::byte key[key_bytes_];
    alignas(value_align_) std::byte value[value_bytes_];
  };
  struct link {
    std::uint32_t prev;  // towards the front (most recent / newest)
    std::uint32_t next;  // towards the back (eviction end)
  };
  static_assert(std::is_trivially_default_constructible_v<node>);

  static constexpr std::uint32_t fp_of(std::uint64_t h) noexcept {
    return static_cast<std::uint32_t>(h >> 32);
  }

  static void check_capacity(std::size_t capacity) {
    if (!weighted_ && capacity >= std::size_t{cache_npos} - 2) {
      cache_throw_length("hotpath::basic_cache: capacity exceeds 2^32 - 3 entries");
    }
  }

  K& key_at(std::uint32_t i) const noexcept {
    return *std::launder(reinterpret_cast<K*>(nodes_[i].key));
  }
  V& value_at(std::uint32_t i) const noexcept {
    return *std::launder(reinterpret_cast<V*>(nodes_[i].value));
  }
  std::size_t load() const noexcept {
    if constexpr (weighted_) {
      return weight_;
    } else {
      return size_;
    }
  }
  std::size_t weight_of(std::uint32_t i) const noexcept {
    if constexpr (weighted_) {
      return nodes_[i].weight;
    } else {
      (void)i;
      return 1;
    }
  }

  deadline_rep now_rep() const noexcept(nothrow_lookup) {
    if constexpr (expiring_) {
      return expiry_.clock.now().time_since_epoch().count();
    } else {
      return {};
    }
  }
  bool expired_at(std::uint32_t i, deadline_rep now) const noexcept {
    if constexpr (expiring_) {
      return now >= nodes_[i].deadline;
    } else {
      (void)i;
      (void)now;
      return false;
    }
  }
  void set_deadline(std::uint32_t i, deadline_rep now) noexcept {
    if constexpr (expiring_) {
      const auto ttl = static_cast<deadline_rep>(expiry_.ttl.count());
      constexpr auto max = std::numeric_limits<deadline_rep>::max();
      nodes_[i].deadline = ttl > max - now ? max : now + ttl;
    } else {
      (void)i;
      (void)now;
    }
  }

  // Q is K or a transparent stand-in for it.
  template <class Q>
  HOTPATH_ALWAYS_INLINE std::uint32_t find_node(const Q& key, std::uint64_t h) const
      noexcept(nothrow_lookup_for<Q>) {
    return index_.find(fp_of(h), [&](std::uint32_t i) { return key_at(i) == key; });
  }
  template <class Q>
  std::uint32_t find_live(const Q& key, std::uint64_t h) const noexcept(nothrow_lookup_for<Q>) {
    const std::uint32_t i = find_node(key, h);
    if constexpr (expiring_) {
      if (i != cache_npos && expired_at(i, now_rep())) return cache_npos;
    }
    return i;
  }

  // ---- list -----------------------------------------------------------------------------------
  void link_front(std::uint32_t i) noexcept {
    if constexpr (optimistic_ && algo_ == cache_eviction_algo::lru) {
      const std::uint32_t t = tick_ + 1;
      __atomic_store_n(&tick_, t, __ATOMIC_RELEASE);
      __atomic_store_n(&nodes_[i].stamp, t, __ATOMIC_RELEASE);
    }
    links_[i] = link{cache_npos, head_};
    if (head_ != cache_npos) {
      links_[head_].prev = i;
    } else {
      tail_ = i;
    }
    head_ = i;
  }
  void unlink(std::uint32_t i) noexcept {
    const link l = links_[i];
    if (l.prev != cache_npos) {
      links_[l.prev].next = l.next;
    } else {
      head_ = l.next;
    }
    if (l.next != cache_npos) {
      links_[l.next].prev = l.prev;
    } else {
      tail_ = l.prev;
    }
    if constexpr (algo_ == cache_eviction_algo::sieve) {
      if (hand_ == i) hand_ = l.prev;
    }
  }
  HOTPATH_ALWAYS_INLINE void touch(std::uint32_t i) noexcept {
    if constexpr (algo_ == cache_eviction_algo::lru) {
      if (i != head_) {
        unlink(i);
        link_front(i);
      }
      // A lazily promoted entry (read_optimistic's mark) has now been promoted for real.
      if constexpr (optimistic_) {
        if (visited_at(i)) set_visited(i, false);
      }
    } else if constexpr (algo_ == cache_eviction_algo::sieve) {
      if (!visited_at(i)) set_visited(i, true);
    } else {
      (void)i;
    }
  }
  // The next entry to evict, never `keep` (which must not be the only entry).
  std::uint32_t pick_victim(std::uint32_t keep) noexcept {
    if constexpr (algo_ == cache_eviction_algo::sieve) {
      std::uint32_t o = hand_ != cache_npos ? hand_ : tail_;
      while (visited_at(o) || o == keep) {
        set_visited(o, false);
        o = links_[o].prev;
        if (o == cache_npos) o = tail_;
      }
      hand_ = o;  // unlink() moves the hand on to the next newer entry
      return o;
    } else {
      std::uint32_t v = tail_;
      if constexpr (optimistic_ && algo_ == cache_eviction_algo::lru) {
        // Lazily promoted entries (marked by lock-free hits, see read_optimistic) go back to
        // the front instead of leaving. Each pass clears a mark, so this ends.
        while (visited_at(v) && v != keep) {
          touch(v);  // to the front, mark cleared
          v = tail_;
        }
      }
      if constexpr (algo_ == cache_eviction_algo::lru) prefetch_next_victims(v);
      return v != keep ? v : links_[v].prev;
    }
  }
  // LRU: the next victims are known long before they are evicted (the entries in front of the
  // tail), but their nodes and index slots have not been touched for a cache's worth of
  // requests and sit in L3 or memory; an eviction would wait for both, one after the other (the
  // slot's address comes from the node's fingerprint). So each eviction asks for the node (and
  // links) of the entry victim_lead_ places in front of the tail, and for the index slot of the
  // next victim, whose node was asked for victim_lead_ - 1 evictions earlier. Walking to it
  // reads links the previous evictions walked (in L1) and one they prefetched.
  static constexpr int victim_lead_ = 4;
  HOTPATH_ALWAYS_INLINE void prefetch_next_victims(std::uint32_t v) const noexcept {
    const std::uint32_t n1 = links_[v].prev;
    if (n1 == cache_npos) return;
    index_.prefetch(nodes_[n1].fp);
    std::uint32_t n = n1;
    for (int d = 1; d < victim_lead_ && n != cache_npos; ++d) n = links_[n].prev;
    if (n == cache_npos) return;
    const auto* p = reinterpret_cast<const std::byte*>(&nodes_[n]);
    prefetch_read(p);
    prefetch_read(p + sizeof(node) - 1);
    prefetch_read(&links_[n]);
  }

  // Optimistic mode: lock-free LRU hits set the mark (read_optimistic), so the lock holder
  // reads it atomically too.
  bool visited_at(std::uint32_t i) const noexcept {
    if constexpr (optimistic_) {
      return __atomic_load_n(&nodes_[i].visited, __ATOMIC_RELAXED);
    } else {
      return nodes_[i].visited;
    }
  }
  void set_visited(std::uint32_t i, bool v) noexcept {
    if constexpr (optimistic_) {
      __atomic_store_n(&nodes_[i].visited, v, __ATOMIC_RELEASE);
    } else {
      nodes_[i].visited = v;
    }
  }

  // ---- slab -----------------------------------------------------------------------------------
  std::uint32_t acquire() noexcept {
    if (free_ != cache_npos) {
      const std::uint32_t i = free_;
      free_ = links_[i].next;
      return i;
    }
    HOTPATH_ASSERT(used_ < slab_);
    return used_++;
  }
  void release(std::uint32_t i) noexcept {
    links_[i].next = free_;
    free_ = i;
  }
  void destroy(std::uint32_t i) noexcept {
    std::destroy_at(&value_at(i));
    std::destroy_at(&key_at(i));
  }
  void destroy_all() noexcept {
    if constexpr (!std::is_trivially_destructible_v<K> || !std::is_trivially_destructible_v<V>) {
      for (std::uint32_t i = head_; i != cache_npos; i = links_[i].next) destroy(i);
    }
  }

  // Room for one more entry in the slab and the index. Strong guarantee.
  void reserve_one() {
    if (free_ == cache_npos && used_ == slab_) grow_slab();
    if constexpr (optimistic_) {
      retired_.slots.reserve(retired_.slots.size() + 1);
      using slots_ptr = std::unique_ptr<typename index_type::slot[]>;
      index_.reserve(size_ + 1, [&](slots_ptr&& old) noexcept {
        if (old) {
          retired_bytes_ += (index_.mask() + 1) * sizeof(typename index_type::slot);
          retired_.slots.push_back(std::move(old));
        }
      });
      if (pub_slots_ != index_.data()) {
        // Array before mask: a reader that sees the new mask sees the new (larger) array.
        __atomic_store_n(&pub_slots_, index_.data(), __ATOMIC_RELEASE);
        __atomic_store_n(&pub_mask_, index_.mask(), __ATOMIC_RELEASE);
      }
    } else {
      index_.reserve(size_ + 1);
    }
  }
  HOTPATH_NOINLINE void grow_slab() {
    constexpr std::size_t max_nodes = std::size_t{cache_npos} - 1;
    std::size_t n = slab_ == 0 ? 16 : std::size_t{slab_} * 2;
    if constexpr (!weighted_) n = std::min(n, capacity_ + 1);
    n = std::max(n, std::size_t{slab_} + 1);
    if (n > max_nodes) cache_throw_length("hotpath::basic_cache: more than 2^32 - 2 entries");
    if constexpr (optimistic_) retired_.nodes.reserve(retired_.nodes.size() + 1);
    std::unique_ptr<node[]> nodes(new node[n]);
    std::unique_ptr<link[]> links(new link[n]);
    if (slab_ != 0) std::memcpy(links.get(), links_.get(), sizeof(link) * used_);
    if constexpr (std::is_trivially_copyable_v<K> && std::is_trivially_copyable_v<V>) {
      if (slab_ != 0) {
        if constexpr (optimistic_) {
          // As atomic words: lock-free hits may be setting a mark in the old array right now
          // (a mark set after its word was copied is lost: one fewer second chance).
          static_assert(sizeof(node) % 8 == 0 && alignof(node) >= 8);
          cache_load_words(nodes.get(), nodes_.get(), sizeof(node) * used_);
        } else {
          std::memcpy(nodes.get(), nodes_.get(), sizeof(node) * used_);
        }
      }
    } else {
      std::uint32_t i = head_;
      try {
        for (; i != cache_npos; i = links_[i].next) {
          node& d = nodes[i];
          const node& s = nodes_[i];
          d.fp = s.fp;
          d.visited = s.visited;
          d.weight = s.weight;
          d.deadline = s.deadline;
          ::new (static_cast<void*>(d.key)) K(std::move_if_noexcept(key_at(i)));
          try {
            ::new (static_cast<void*>(d.value)) V(std::move_if_noexcept(value_at(i)));
          } catch (...) {
            std::destroy_at(std::launder(reinterpret_cast<K*>(d.key)));
            throw;
          }
        }
      } catch (...) {
        for (std::uint32_t j = head_; j != i; j = links_[j].next) {
          std::destroy_at(std::launder(reinterpret_cast<V*>(nodes[j].value)));
          std::destroy_at(std::launder(reinterpret_cast<K*>(nodes[j].key)));
        }
        throw;
      }
      destroy_all();
    }
    if constexpr (optimistic_) {
      if (nodes_) {
        retired_bytes_ += std::size_t{slab_} * sizeof(node);
        retired_.nodes.push_back(std::move(nodes_));
      }
    }
    nodes_ = std::move(nodes);
    links_ = std::move(links);
    slab_ = static_cast<std::uint32_t>(n);
    if constexpr (optimistic_) {
      // Array before size: a reader that sees the new size sees the new (larger) array.
      __atomic_store_n(&pub_nodes_, nodes_.get(), __ATOMIC_RELEASE);
      __atomic_store_n(&pub_slab_, slab_, __ATOMIC_RELEASE);
    }
  }

  // ---- removal --------------------------------------------------------------------------------
  void call_listener(const K& key, V& value, eviction_cause cause) noexcept {
    if constexpr (optimistic_) {
      // A copy: the listener may write to what it receives, and readers may be copying value.
      if (listener_) listener_(key, V(value), cause);
    } else {
      if (listener_) listener_(key, std::move(value), cause);
    }
  }
  void notify(std::uint32_t i, eviction_cause cause) noexcept {
    call_listener(key_at(i), value_at(i), cause);
  }
  void remove_node(std::uint32_t i, eviction_cause cause) noexcept {
    index_.erase(nodes_[i].fp, i);
    unlink(i);
    --size_;
    if constexpr (weighted_) weight_ -= nodes_[i].weight;
    notify(i, cause);
    destroy(i);
    release(i);
  }
  void evict_one(deadline_rep now, std::uint32_t keep) noexcept {
    const std::uint32_t v = pick_victim(keep);
    if (expired_at(v, now)) {
      if constexpr (counting_) ++stats_.expirations;
      remove_node(v, eviction_cause::expired);
    } else {
      if constexpr (counting_) ++stats_.evictions;
      remove_node(v, eviction_cause::capacity);
    }
  }

  // ---- insertion ------------------------------------------------------------------------------
  // Adds key (absent, or present as the expired node `old`) with the value make(storage) builds.
  // Returns the new value, or nullptr when the entry alone outweighs the capacity (it is then
  // passed to the listener with cause capacity and dropped).
  // NothrowMake: make() cannot throw. Then (unit weight) nothing after reserve_one() throws, so
  // the victim is evicted first and its node, hot in cache from the eviction, is reused (LIFO
  // free list): one cache miss less per insert at capacity.
  template <bool NothrowMake, class KK, class Make>
  V* insert_new(KK&& key, std::uint64_t h, Make&& make, std::uint32_t old) {
    if constexpr (optimistic_) {
      // Build key and value off to the side (a throw changes nothing), then store them into
      // the node as atomic words: an optimistic reader may be copying that node right now.
      alignas(8) std::byte kb[key_bytes_] = {};
      alignas(8) std::byte vb[value_bytes_] = {};
      ::new (static_cast<void*>(kb)) K(std::forward<KK>(key));
      make(static_cast<void*>(vb));
      K& k = *std::launder(reinterpret_cast<K*>(kb));
      V& v = *std::launder(reinterpret_cast<V*>(vb));
      if (old != cache_npos) remove_node(old, eviction_cause::expired);
      if (HOTPATH_UNLIKELY(capacity_ == 0)) {
        if constexpr (counting_) ++stats_.evictions;
        call_listener(k, v, eviction_cause::capacity);
        return nullptr;
      }
      reserve_one();
      while (size_ >= capacity_) evict_one(deadline_rep{}, cache_npos);
      const std::uint32_t n = acquire();
      node& nd = nodes_[n];
      cache_store_words(nd.key, kb, key_bytes_);
      cache_store_words(nd.value, vb, value_bytes_);
      nd.fp = fp_of(h);
      set_visited(n, false);
      link_front(n);
      index_.insert(nd.fp, n);
      ++size_;
      if constexpr (counting_) ++stats_.inserts;
      return &value_at(n);
    }
    if constexpr (!weighted_ && NothrowMake && std::is_nothrow_constructible_v<K, KK&&>) {
      if (HOTPATH_LIKELY(capacity_ != 0)) {
        reserve_one();
        const auto now = now_rep();
        if (old != cache_npos) {
          if constexpr (counting_) ++stats_.expirations;
          remove_node(old, eviction_cause::expired);
        }
        while (size_ >= capacity_) evict_one(now, cache_npos);
        const std::uint32_t n = acquire();
        node& nd = nodes_[n];
        ::new (static_cast<void*>(nd.key)) K(std::forward<KK>(key));
        make(static_cast<void*>(nd.value));
        nd.fp = fp_of(h);
        nd.visited = false;
        set_deadline(n, now);
        link_front(n);
        index_.insert(nd.fp, n);
        ++size_;
        if constexpr (counting_) ++stats_.inserts;
        return &value_at(n);
      }
    }
    reserve_one();
    const std::uint32_t n = acquire();
    node& nd = nodes_[n];
    try {
      ::new (static_cast<void*>(nd.key)) K(std::forward<KK>(key));
    } catch (...) {
      release(n);
      throw;
    }
    try {
      make(static_cast<void*>(nd.value));
    } catch (...) {
      std::destroy_at(&key_at(n));
      release(n);
      throw;
    }
    std::size_t w = 1;
    if constexpr (weighted_) {
      try {
        w = static_cast<std::size_t>(weigher_.fn(key_at(n), value_at(n)));
      } catch (...) {
        destroy(n);
        release(n);
        throw;
      }
      nd.weight = w;
    }
    nd.fp = fp_of(h);
    nd.visited = false;
    const auto now = now_rep();
    set_deadline(n, now);
    // Nothing below throws.
    if (old != cache_npos) {
      if constexpr (counting_) ++stats_.expirations;
      remove_node(old, eviction_cause::expired);
    }
    if (HOTPATH_UNLIKELY(w > capacity_)) {
      if constexpr (counting_) ++stats_.evictions;
      notify(n, eviction_cause::capacity);
      destroy(n);
      release(n);
      return nullptr;
    }
    while (size_ > 0 && load() + w > capacity_) evict_one(now, cache_npos);
    link_front(n);
    index_.insert(nd.fp, n);
    ++size_;
    if constexpr (weighted_) weight_ += w;
    if constexpr (counting_) ++stats_.inserts;
    return &value_at(n);
  }

  // Assigns a new value to the live node i (cause replaced for the old one). Strong guarantee
  // when V's move assignment is noexcept, basic otherwise.
  template <class VV>
  void assign(std::uint32_t i, VV&& value) {
    if constexpr (weighted_ || std::is_nothrow_move_assignable_v<V>) {
      V fresh(std::forward<VV>(value));
      std::size_t w = 1;
      if constexpr (weighted_) w = static_cast<std::size_t>(weigher_.fn(key_at(i), fresh));
      if (HOTPATH_UNLIKELY(w > capacity_)) {
        // The new value alone outweighs the capacity: it is rejected and the key leaves.
        if constexpr (counting_) ++stats_.evictions;
        call_listener(key_at(i), fresh, eviction_cause::capacity);
        remove_node(i, eviction_cause::replaced);
        return;
      }
      notify(i, eviction_cause::replaced);
      if constexpr (optimistic_) {
        alignas(8) std::byte vb[value_bytes_] = {};
        std::memcpy(vb, static_cast<const void*>(&fresh), sizeof(V));
        cache_store_words(nodes_[i].value, vb, value_bytes_);
      } else {
        value_at(i) = std::move(fresh);
      }
      if constexpr (weighted_) {
        weight_ = weight_ - nodes_[i].weight + w;
        nodes_[i].weight = w;
      }
    } else {
      notify(i, eviction_cause::replaced);
      value_at(i) = std::forward<VV>(value);
    }
    const auto now = now_rep();
    set_deadline(i, now);
    touch(i);
    if constexpr (weighted_) {
      while (weight_ > capacity_) evict_one(now, i);
    }
  }

  template <class KK, class VV>
  void put_hashed(KK&& key, std::uint64_t h, VV&& value) {
    const std::uint32_t i = find_node(key, h);
    if (i != cache_npos) {
      if (!expired_at(i, now_rep())) return assign(i, std::forward<VV>(value));
    }
    insert_new<std::is_nothrow_constructible_v<V, VV&&>>(
        std::forward<KK>(key), h,
        [&](void* p) noexcept(std::is_nothrow_constructible_v<V, VV&&>) {
          ::new (p) V(std::forward<VV>(value));
        },
        i);
  }

  template <class KK, class... Args>
  std::pair<V*, bool> emplace_hashed(KK&& key, std::uint64_t h, Args&&... args) {
    const std::uint32_t i = find_node(key, h);
    if (i != cache_npos && !expired_at(i, now_rep())) return {&value_at(i), false};
    constexpr bool nothrow = std::is_nothrow_constructible_v<V, Args&&...>;
    V* v = insert_new<nothrow>(
        std::forward<KK>(key), h,
        [&](void* p) noexcept(nothrow) { ::new (p) V(std::forward<Args>(args)...); }, i);
    return {v, true};
  }

  template <class Q>
  V* peek_impl(const Q& key) noexcept(nothrow_lookup_for<Q>) {
    const std::uint32_t i = find_live(key, hash_(key));
    return i == cache_npos ? nullptr : &value_at(i);
  }

  template <class Q>
  V* get_hashed(const Q& key, std::uint64_t h) noexcept(nothrow_lookup_for<Q>) {
    const std::uint32_t i = find_node(key, h);
    if (HOTPATH_LIKELY(i != cache_npos)) {
      if constexpr (expiring_) {
        if (expired_at(i, now_rep())) {
          if constexpr (counting_) ++stats_.expirations;
          remove_node(i, eviction_cause::expired);
          if constexpr (counting_) ++stats_.misses;
          return nullptr;
        }
      }
      touch(i);
      if constexpr (counting_) ++stats_.hits;
      return &value_at(i);
    }
    if constexpr (counting_) ++stats_.misses;
    return nullptr;
  }

  template <class KK, class F>
  V* get_or_insert_with_hashed(KK&& key, std::uint64_t h, F& fn) {
    const std::uint32_t i = find_node(key, h);
    if (i != cache_npos && !expired_at(i, now_rep())) {
      touch(i);
      if constexpr (counting_) ++stats_.hits;
      return &value_at(i);
    }
    if constexpr (counting_) ++stats_.misses;
    using R = std::invoke_result_t<F&>;
    if constexpr (std::is_nothrow_invocable_v<F&> && std::is_nothrow_constructible_v<V, R>) {
      return insert_new<true>(
          std::forward<KK>(key), h, [&](void* p) noexcept { ::new (p) V(std::invoke(fn)); }, i);
    } else if constexpr (std::is_nothrow_move_constructible_v<V>) {
      // Run the loader before touching the cache, then move its result in (no-throw).
      V fresh(std::invoke(fn));
      return insert_new<true>(
          std::forward<KK>(key), h, [&](void* p) noexcept { ::new (p) V(std::move(fresh)); }, i);
    } else {
      return insert_new<false>(
          std::forward<KK>(key), h, [&](void* p) { ::new (p) V(std::invoke(fn)); }, i);
    }
  }

  // ---- optimistic reads (cache_sharded in optimistic mode) -----------------------------------
  // Looks key up without the lock. Every load is an acquire load, and valid() (a re-read of
  // the shard's sequence counter) must pass before a copy is trusted. Returns 1 and
  // fills vout (value_bytes_ bytes, 8-aligned) on a hit, 0 on a miss, -1 when a writer
  // interfered. touch: the hit should still be applied to the eviction order (under the lock):
  // SIEVE when the bit is clear; LRU with `exact` (one shard) when the entry is not at the
  // front. LRU without `exact` never needs the lock: the hit marks the node (lazy promotion,
  // see pick_victim).
  template <class Q, class Valid>
  int read_optimistic(const Q& key, std::uint64_t h, Valid&& valid, void* vout, bool& touch,
                      std::uint32_t& node_out, bool exact) const
      noexcept(nothrow_lookup_for<Q>) {
    static_assert(optimistic_);
    using slot = typename index_type::slot;
    const std::size_t mask = __atomic_load_n(&pub_mask_, __ATOMIC_ACQUIRE);
    const slot* slots = __atomic_load_n(&pub_slots_, __ATOMIC_ACQUIRE);
    const std::uint32_t slab = __atomic_load_n(&pub_slab_, __ATOMIC_ACQUIRE);
    const node* nodes = __atomic_load_n(&pub_nodes_, __ATOMIC_ACQUIRE);
    if (slots == nullptr) return valid() ? 0 : -1;
    const std::uint32_t fp = fp_of(h);
    alignas(8) std::byte kb[key_bytes_];
    for (std::size_t i = fp & mask, probes = 0; probes <= mask; i = (i + 1) & mask, ++probes) {
      const slot sl = index_type::load_shared(slots, i);
      if (sl.ref == 0) return valid() ? 0 : -1;
      if (sl.fp != fp) continue;
      const std::uint32_t n = sl.ref - 1;
      if (n >= slab) return -1;  // a torn view; valid() would fail
      cache_load_words(kb, nodes[n].key, key_bytes_);
      cache_load_words(vout, nodes[n].value, value_bytes_);
      bool t = false;
      bool mark = false;
      if constexpr (algo_ == cache_eviction_algo::lru) {
        if (exact) {
          const std::uint32_t stamp = __atomic_load_n(&nodes[n].stamp, __ATOMIC_ACQUIRE);
          const std::uint32_t tick = __atomic_load_n(&tick_, __ATOMIC_ACQUIRE);
          t = tick != stamp;
        } else {
          mark = !__atomic_load_n(&nodes[n].visited, __ATOMIC_ACQUIRE);
        }
      } else if constexpr (algo_ == cache_eviction_algo::sieve) {
        t = !__atomic_load_n(&nodes[n].visited, __ATOMIC_ACQUIRE);
      }
      if (!valid()) return -1;  // only now is the key copy known to be a real key
      if (*std::launder(reinterpret_cast<const K*>(kb)) == key) {
        // Lazy promotion: the mark, not a move; the eviction moves marked entries to the
        // front (pick_victim). A node reused since the read gets a mark it did not earn: one
        // extra trip through the list for that entry, nothing worse.
        if (mark) __atomic_store_n(&const_cast<node*>(nodes)[n].visited, true, __ATOMIC_RELEASE);
        touch = t;
        node_out = n;
        return 1;
      }
    }
    return -1;  // probed every slot: only a concurrent writer can cause that
  }
  // The eviction-order half of a hit read optimistically (under the lock; no stats). same:
  // no writer ran since the read (sequence unchanged), so node still holds key: no lookup.
  template <class Q>
  void promote(const Q& key, std::uint64_t h, std::uint32_t node, bool same) noexcept(
      nothrow_lookup_for<Q>) {
    const std::uint32_t i = same ? node : find_node(key, h);
    if (i != cache_npos) touch(i);
  }

  template <class Q>
  bool erase_hashed(const Q& key, std::uint64_t h) noexcept(nothrow_lookup_for<Q>) {
    const std::uint32_t i = find_node(key, h);
    if (i == cache_npos) return false;
    if (expired_at(i, now_rep())) {
      if constexpr (counting_) ++stats_.expirations;
      remove_node(i, eviction_cause::expired);
      return false;
    }
    remove_node(i, eviction_cause::explicit_);
    return true;
  }

  // Optimistic readers probe without the lock: they need the 8-byte atomic slots of
  // cache_shared_index. Everyone else gets the bucket index (no loop on a miss or an erase).
  using index_type = std::conditional_t<optimistic_, cache_shared_index, cache_bucket_index>;
  using shared_slot = cache_shared_index::slot;
  // What every insert and eviction writes comes first (56 bytes: the index's count, the list
  // ends, the free list, the size): cache_sharded puts a shard's sequence counter and lock in
  // front of the core, so a put under the lock writes one line of the shard's header instead
  // of three or four, and the published arrays that lock-free readers read (pub_*, below)
  // sit on lines a put does not write. Paired runs: two threads 1.07-1.13x, one unchanged.
  index_type index_;
  std::uint32_t head_ = cache_npos;
  std::uint32_t tail_ = cache_npos;
  std::uint32_t free_ = cache_npos;
  std::uint32_t used_ = 0;           // nodes [0, used_) have been handed out at least once
  std::uint32_t hand_ = cache_npos;  // SIEVE hand (cache_npos: start at the tail)
  std::uint32_t tick_ = 0;           // optimistic LRU: moves to the front so far
  std::size_t size_ = 0;
  std::unique_ptr<node[]> nodes_;
  std::unique_ptr<link[]> links_;
  std::uint32_t slab_ = 0;  // nodes allocated
  std::size_t weight_ = 0;
  std::size_t capacity_;
  // Optimistic mode: the live arrays as readers see them, the LRU clock, the arrays kept alive.
  struct retired_arrays {
    std::vector<std::unique_ptr<node[]>> nodes;
    std::vector<std::unique_ptr<shared_slot[]>> slots;
  };
  const node* pub_nodes_ = nullptr;
  std::uint32_t pub_slab_ = 0;
  const shared_slot* pub_slots_ = nullptr;
  std::size_t pub_mask_ = 0;
  std::size_t retired_bytes_ = 0;
  [[no_unique_address]] std::conditional_t<optimistic_, retired_arrays, cache_no_retired> retired_;
  hasher_type hash_;
  [[no_unique_address]] Wg weigher_;
  [[no_unique_address]] Ex expiry_;
  [[no_unique_address]] std::conditional_t<counting_, cache_stats, cache_no_stats> stats_{};
  listener_type listener_;
};

}  // namespace hotpath::detail

#endif  // HOTPATH_DETAIL_CACHE_CORE_HPP
