// hotpath/cache/policies.hpp: the policy tags of hotpath::basic_cache (eviction, locking,
// weigher, expiry, hash, stats), the concepts that check them, and the small public value types
// (eviction_cause, cache_stats). Included by <hotpath/cache.hpp>; users name the tags in
// namespace hotpath::cache, never the detail machinery below them.
#ifndef HOTPATH_CACHE_POLICIES_HPP
#define HOTPATH_CACHE_POLICIES_HPP

#include <hotpath/detail/cache_hash.hpp>
#include <hotpath/detail/config.hpp>

#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <type_traits>

namespace hotpath {

// Why an entry left the cache; passed to the eviction listener.
enum class eviction_cause : std::uint8_t {
  capacity,  // evicted to make room (or rejected: heavier than the whole capacity)
  expired,   // its time to live had passed
  replaced,  // put() assigned a new value to its key
  explicit_  // erase() or clear()
};

// Counters of a cache with stats on. get() and get_or_insert_with() count hits and misses;
// peek() and contains() count nothing.
struct cache_stats {
  std::uint64_t hits = 0;
  std::uint64_t misses = 0;
  std::uint64_t inserts = 0;      // entries added (not assignments to a present key)
  std::uint64_t evictions = 0;    // entries removed for capacity
  std::uint64_t expirations = 0;  // entries removed because they had expired
  // hits / (hits + misses), 0 before the first lookup.
  [[nodiscard]] double hit_rate() const noexcept {
    const auto total = hits + misses;
    return total == 0 ? 0.0 : static_cast<double>(hits) / static_cast<double>(total);
  }
  cache_stats& operator+=(const cache_stats& o) noexcept {
    hits += o.hits;
    misses += o.misses;
    inserts += o.inserts;
    evictions += o.evictions;
    expirations += o.expirations;
    return *this;
  }
  friend bool operator==(const cache_stats&, const cache_stats&) = default;
};

namespace detail {
enum class cache_policy_kind { eviction, locking, weigher, expiry, hash, stats };
enum class cache_eviction_algo { lru, sieve, fifo };
}  // namespace detail

namespace cache {

// ---- eviction -------------------------------------------------------------------------------
// Exact least-recently-used: a hit moves the entry to the front of a doubly linked list.
struct lru {
  static constexpr detail::cache_policy_kind cache_policy_kind =
      detail::cache_policy_kind::eviction;
  static constexpr detail::cache_eviction_algo algo = detail::cache_eviction_algo::lru;
};
// SIEVE (Zhang et al., NSDI'24): a hit only sets a bit; on eviction a hand walks from the oldest
// entry towards the newest, clearing set bits and evicting the first entry whose bit is clear.
struct sieve {
  static constexpr detail::cache_policy_kind cache_policy_kind =
      detail::cache_policy_kind::eviction;
  static constexpr detail::cache_eviction_algo algo = detail::cache_eviction_algo::sieve;
};
// First in, first out: hits change nothing; the oldest insertion is evicted.
struct fifo {
  static constexpr detail::cache_policy_kind cache_policy_kind =
      detail::cache_policy_kind::eviction;
  static constexpr detail::cache_eviction_algo algo = detail::cache_eviction_algo::fifo;
};

// ---- locking --------------------------------------------------------------------------------
// No synchronisation; the single-threaded API (get returns V*). The default.
struct unlocked {
  static constexpr detail::cache_policy_kind cache_policy_kind = detail::cache_policy_kind::locking;
  static constexpr std::size_t shards = 0;
  static constexpr bool concurrent = false;
};
// The concurrent API (get returns a copy) over Shards independent shards, each with its own
// mutex and its own share of the capacity; the key's hash picks the shard. Shards = 0 picks
// 32 x hardware threads (a power of two in [4, 256]), fewer for small capacities.
template <std::size_t Shards = 0>
struct sharded {
  static_assert(Shards == 0 || (Shards & (Shards - 1)) == 0,
                "hotpath::cache::sharded<Shards>: Shards must be 0 (automatic) or a power of two");
  static constexpr detail::cache_policy_kind cache_policy_kind = detail::cache_policy_kind::locking;
  static constexpr std::size_t shards = Shards;
  static constexpr bool concurrent = true;
};
// The concurrent API under one mutex (exact global eviction order, serialised).
using one_mutex = sharded<1>;

// ---- weigher --------------------------------------------------------------------------------
// Every entry weighs 1: the capacity is a number of entries. The default.
struct unit_weight {
  static constexpr detail::cache_policy_kind cache_policy_kind = detail::cache_policy_kind::weigher;
};
// Entries weigh F(key, value) (e.g. bytes); the capacity is the maximum total weight. F is
// called once when an entry is stored or assigned; it must not throw. Pass a weigh_by<F>{f}
// to the cache's constructor when F has state.
template <class F>
struct weigh_by {
  static constexpr detail::cache_policy_kind cache_policy_kind = detail::cache_policy_kind::weigher;
  [[no_unique_address]] F fn{};
};

// ---- expiry ---------------------------------------------------------------------------------
// Entries never expire. The default.
struct no_expiry {
  static constexpr detail::cache_policy_kind cache_policy_kind = detail::cache_policy_kind::expiry;
};
// Expire-after-write: an entry expires ttl after it was inserted or last assigned. Clock is
// anything with `now()` returning a std::chrono::time_point (a fake clock in tests); the cache
// keeps a copy of `clock`. Expiry is lazy: see "Expiry" in <hotpath/cache.hpp>.
template <class Clock = std::chrono::steady_clock>
struct expire_after_write {
  static constexpr detail::cache_policy_kind cache_policy_kind = detail::cache_policy_kind::expiry;
  using clock_type = Clock;
  typename std::remove_cvref_t<decltype(std::declval<Clock&>().now())>::duration ttl{};
  [[no_unique_address]] Clock clock{};
};

// ---- hash -----------------------------------------------------------------------------------
// Seeded hash, a fresh seed per cache instance (flooding a cache needs the seed). Integers
// and enums: a 64x64->128 multiply-fold; strings: XXH3 with the seed; other keys: std::hash
// mixed with the seed. The default.
struct seeded_hash {
  static constexpr detail::cache_policy_kind cache_policy_kind = detail::cache_policy_kind::hash;
  template <class K>
  using hasher = detail::cache_seeded_hasher<K>;
  static constexpr bool random_seed = true;
  static constexpr std::uint64_t seed = 0;
};
// Like seeded_hash with a fixed seed: reproducible layouts (tests, debugging).
template <std::uint64_t Seed>
struct fixed_seed_hash {
  static constexpr detail::cache_policy_kind cache_policy_kind = detail::cache_policy_kind::hash;
  template <class K>
  using hasher = detail::cache_seeded_hasher<K>;
  static constexpr bool random_seed = false;
  static constexpr std::uint64_t seed = Seed;
};
// A user hash H (default-constructible, H{}(key) -> integer); its result is mixed with the
// per-instance seed, so a weak H (identity) still spreads.
template <class H>
struct hash_by {
  static constexpr detail::cache_policy_kind cache_policy_kind = detail::cache_policy_kind::hash;
  template <class K>
  using hasher = detail::cache_custom_hasher<H>;
  static constexpr bool random_seed = true;
  static constexpr std::uint64_t seed = 0;
};

// ---- stats ----------------------------------------------------------------------------------
// Count hits, misses, inserts, evictions, expirations (stats() exists). The default.
struct stats_on {
  static constexpr detail::cache_policy_kind cache_policy_kind = detail::cache_policy_kind::stats;
  static constexpr bool enabled = true;
};
// No counters, no stats() member: nothing to pay on the hot path.
struct stats_off {
  static constexpr detail::cache_policy_kind cache_policy_kind = detail::cache_policy_kind::stats;
  static constexpr bool enabled = false;
};

}  // namespace cache

// A type is a cache policy when it names its kind.
template <class P>
concept cache_policy = requires {
  { P::cache_policy_kind } -> std::convertible_to<detail::cache_policy_kind>;
};

// A clock for expire_after_write: now() returns a std::chrono::time_point.
template <class C>
concept cache_clock = requires(C& c) {
  typename std::remove_cvref_t<decltype(c.now())>::duration;
  {
    c.now() - c.now()
    } -> std::convertible_to<typename std::remove_cvref_t<decltype(c.now())>::duration>;
};

namespace detail {

template <cache_policy_kind K, class Default, class... Ps>
struct pick_cache_policy {
  using type = Default;
};
template <cache_policy_kind K, class Default, class P, class... Rest>
struct pick_cache_policy<K, Default, P, Rest...> {
  using type = std::conditional_t<P::cache_policy_kind == K, P,
                                  typename pick_cache_policy<K, Default, Rest...>::type>;
};
template <cache_policy_kind K, class... Ps>
inline constexpr std::size_t count_cache_policy = ((Ps::cache_policy_kind == K ? 1u : 0u) + ... +
                                                   0u);

template <class P>
inline constexpr bool is_expire_after_write = false;
template <class C>
inline constexpr bool is_expire_after_write<cache::expire_after_write<C>> = true;

template <class P>
inline constexpr bool is_weigh_by = false;
template <class F>
inline constexpr bool is_weigh_by<cache::weigh_by<F>> = true;

// The resolved policy set of a basic_cache<K, V, Ps...>; checks the pack with readable errors.
template <class K, class V, class... Ps>
struct cache_policies {
  static_assert((cache_policy<Ps> && ...),
                "hotpath::basic_cache: every policy must be one of the hotpath::cache:: tags "
                "(lru, sieve, fifo, unlocked, sharded<N>, unit_weight, weigh_by<F>, no_expiry, "
                "expire_after_write<Clock>, seeded_hash, fixed_seed_hash<S>, hash_by<H>, "
                "stats_on, stats_off)");
  static_assert(count_cache_policy<cache_policy_kind::eviction, Ps...> <= 1,
                "hotpath::basic_cache: give at most one eviction policy");
  static_assert(count_cache_policy<cache_policy_kind::locking, Ps...> <= 1,
                "hotpath::basic_cache: give at most one locking policy");
  static_assert(count_cache_policy<cache_policy_kind::weigher, Ps...> <= 1,
                "hotpath::basic_cache: give at most one weigher policy");
  static_assert(count_cache_policy<cache_policy_kind::expiry, Ps...> <= 1,
                "hotpath::basic_cache: give at most one expiry policy");
  static_assert(count_cache_policy<cache_policy_kind::hash, Ps...> <= 1,
                "hotpath::basic_cache: give at most one hash policy");
  static_assert(count_cache_policy<cache_policy_kind::stats, Ps...> <= 1,
                "hotpath::basic_cache: give at most one stats policy");

  using eviction = typename pick_cache_policy<cache_policy_kind::eviction, cache::lru, Ps...>::type;
  using locking =
      typename pick_cache_policy<cache_policy_kind::locking, cache::unlocked, Ps...>::type;
  using weigher =
      typename pick_cache_policy<cache_policy_kind::weigher, cache::unit_weight, Ps...>::type;
  using expiry =
      typename pick_cache_policy<cache_policy_kind::expiry, cache::no_expiry, Ps...>::type;
  using hash = typename pick_cache_policy<cache_policy_kind::hash, cache::seeded_hash, Ps...>::type;
  using stats = typename pick_cache_policy<cache_policy_kind::stats, cache::stats_on, Ps...>::type;
};

}  // namespace detail
}  // namespace hotpath

#endif  // HOTPATH_CACHE_POLICIES_HPP
