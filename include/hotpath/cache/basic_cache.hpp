// hotpath/cache/basic_cache.hpp: hotpath::basic_cache<Key, Value, Policies...> and its aliases
// (lru_cache, sieve_cache, fifo_cache, concurrent_lru_cache). Included by <hotpath/cache.hpp>,
// which documents the API.
#ifndef HOTPATH_CACHE_BASIC_CACHE_HPP
#define HOTPATH_CACHE_BASIC_CACHE_HPP

#include <hotpath/cache/policies.hpp>
#include <hotpath/detail/cache_core.hpp>
#include <hotpath/detail/cache_sharded.hpp>
#include <hotpath/detail/config.hpp>

#include <type_traits>

namespace hotpath {

namespace detail {
template <class K, class V, class P>
using cache_engine =
    std::conditional_t<P::locking::concurrent, cache_sharded<K, V, P>, cache_core<K, V, P>>;
}  // namespace detail

// One engine, chosen by the locking policy: cache::unlocked (the default) gives the
// single-threaded API, cache::sharded<N> the concurrent one. Policies may come in any order;
// each kind at most once; missing kinds take their default (lru, unlocked, unit_weight,
// no_expiry, seeded_hash, stats_on).
template <class Key, class Value, class... Policies>
class basic_cache
    : public detail::cache_engine<Key, Value, detail::cache_policies<Key, Value, Policies...>> {
  using engine = detail::cache_engine<Key, Value, detail::cache_policies<Key, Value, Policies...>>;

 public:
  using policies = detail::cache_policies<Key, Value, Policies...>;
  using eviction_policy = typename policies::eviction;
  using locking_policy = typename policies::locking;
  using weigher_policy = typename policies::weigher;
  using expiry_policy = typename policies::expiry;
  using hash_policy = typename policies::hash;
  using stats_policy = typename policies::stats;
  static constexpr bool is_concurrent = locking_policy::concurrent;

  using engine::engine;
};

// Exact LRU, single-threaded, `get` returns V*.
template <class Key, class Value, class... Policies>
using lru_cache = basic_cache<Key, Value, cache::lru, Policies...>;
// SIEVE eviction (NSDI'24): a hit sets a bit; usually a better hit ratio than LRU, cheaper hits.
template <class Key, class Value, class... Policies>
using sieve_cache = basic_cache<Key, Value, cache::sieve, Policies...>;
// FIFO eviction: a hit changes nothing.
template <class Key, class Value, class... Policies>
using fifo_cache = basic_cache<Key, Value, cache::fifo, Policies...>;
// Sharded LRU with the concurrent API (copies, single-flight get_or_insert_with).
template <class Key, class Value, class... Policies>
using concurrent_lru_cache = basic_cache<Key, Value, cache::lru, cache::sharded<>, Policies...>;
// Sharded SIEVE with the concurrent API.
template <class Key, class Value, class... Policies>
using concurrent_sieve_cache = basic_cache<Key, Value, cache::sieve, cache::sharded<>, Policies...>;

}  // namespace hotpath

#endif  // HOTPATH_CACHE_BASIC_CACHE_HPP
