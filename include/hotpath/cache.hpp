// hotpath/cache.hpp: bounded key -> value caches (LRU, SIEVE, FIFO) with stats, TTL, weights,
// an eviction listener, and a sharded concurrent variant.
//
// How it differs from the textbook LRU (std::list + std::unordered_map of iterators) and from
// peers: no heap allocation per hit, none per insert once the cache is full (nodes live in one
// slab addressed by 32-bit indices, the index is open addressing with fingerprints, the list
// links sit in their own compact array); policies are compile-time, so a cache without TTL,
// weights or stats pays nothing for them; the hash is seeded per instance.
// Performance: see docs/cache.md (Zipf 0.99 / 0.7 over 1M keys, capacity 100k: the numbers
// and the peers there).
//
//   hotpath::lru_cache<std::uint64_t, page> c(100);
//   c.put(7, page{...});
//   if (page* p = c.get(7)) use(*p);                      // nullptr on a miss; promotes
//   page& q = *c.get_or_insert_with(8, [] { return render(8); });
//   double r = c.stats().hit_rate();
//
// Single-threaded API (basic_cache with cache::unlocked; lru_cache, sieve_cache, fifo_cache):
//   basic_cache(capacity, policy_objects...)  capacity in entries (unit_weight) or total weight
//                               (weigh_by); the objects are weigh_by<F>{f} and
//                               expire_after_write<C>{ttl, clock} when they carry state.
//                               Allocates nothing until the first insert.
//   V* get(key)                 the live value or nullptr; counts a hit or a miss; promotes
//                               (LRU: to the front, SIEVE: sets the bit). O(1), no allocation.
//   V* peek(key) / contains(key) like get without promotion and without stats; never removes.
//   get/peek/contains/erase also take a transparent stand-in for the key without building a K:
//                               std::string_view / const char* for std::string keys (the
//                               default hasher is transparent for strings; hash_by<H> is when
//                               H::is_transparent exists, and K == Q must compile).
//   void put(key, value)        inserts, or assigns (the old value goes to the listener as
//                               `replaced`) and promotes. May evict. Strong guarantee (for the
//                               assignment: when V's move assignment is noexcept).
//   pair<V*, bool> emplace(key, args...)  inserts V(args...) only when key is absent (no
//                               promotion, no stats otherwise); {value, inserted}.
//   V* get_or_insert_with(key, fn)  the live value (a hit), or stores V(fn()) (a miss). fn must
//                               not use this cache. If fn or V's constructor throws, the cache
//                               is unchanged (the miss stays counted).
//   bool erase(key)             removes it (listener: `explicit_`); false when absent/expired.
//   void clear()                removes everything (listener: `explicit_` each); keeps memory.
//   void resize(capacity)       new capacity; evicts (`capacity`) down to it.
//   size(), empty(), capacity(), total_weight(), stats(), reset_stats(), memory_usage(),
//   purge_expired(), set_eviction_listener(fn(const K&, V&&, eviction_cause)).
//   Returned V* stay valid until the next call that inserts or removes an entry (put, emplace,
//   get_or_insert_with, erase, clear, resize, purge_expired, or get of an expired key).
//   An entry heavier than the whole capacity is never stored: it goes straight to the listener
//   (cause `capacity`) and put/emplace/get_or_insert_with return nullptr for it.
//
// Concurrent API (cache::sharded<N>; concurrent_lru_cache): every member is thread-safe and
// returns copies, never references into a shard:
//   optional<V> get(key), optional<V> peek(key), bool contains(key),
//   bool visit(key, f)          f(const V&) under the shard lock on a hit (no copy),
//   void put(key, value), bool emplace(key, args...),
//   V get_or_insert_with(key, fn)  single flight: concurrent misses on one key run fn once; the
//                               other callers wait and get a copy (or fn's exception),
//   erase, clear, resize, size, capacity, stats, memory_usage, purge_expired,
//   set_eviction_listener (runs under the shard lock: must not call into the cache).
//   lock_free_hits (K, V trivially copyable, unit weight, no expiry): get/peek/contains and the
//   hit of get_or_insert_with take no lock (seqlock-validated copies; detail/cache_sharded.hpp).
//   Eviction order then is LRU per shard with lazy promotion: a hit marks the entry, and the
//   eviction moves a marked entry back to the front instead of evicting it (CLOCK-like; SIEVE
//   stays exact; one_mutex: exact global LRU).
//
// Expiry (cache::expire_after_write<Clock>{ttl}): an entry expires ttl after its last write
// (insert or put). Expired entries are never returned, but they are removed lazily, not by a
// timer: when a get/put/emplace/get_or_insert_with/erase touches that key, when eviction reaches
// them (then their cause is `expired`, not `capacity`), or by purge_expired() (O(size)). Until
// then they count in size() and memory. peek/contains skip them without removing them.
//
// Eviction listener causes: capacity (evicted for room, or rejected as too heavy), expired,
// replaced (put assigned a new value), explicit_ (erase/clear). The listener must not throw.
#ifndef HOTPATH_CACHE_HPP
#define HOTPATH_CACHE_HPP

#include <hotpath/cache/basic_cache.hpp>
#include <hotpath/cache/policies.hpp>

#endif  // HOTPATH_CACHE_HPP
