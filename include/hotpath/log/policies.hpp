// hotpath/log/policies.hpp: the policy tags of hotpath::basic_log_ring and hotpath::async_logger
// (producers: single or multi; overflow: drop newest, overwrite oldest, block; the logger's ring
// topology: one shared ring or one ring per thread) and the concepts that check them. Included by <hotpath/log_ring.hpp>; users name the tags only.
#ifndef HOTPATH_LOG_POLICIES_HPP
#define HOTPATH_LOG_POLICIES_HPP

#include <hotpath/detail/config.hpp>

#include <concepts>
#include <cstddef>
#include <type_traits>

namespace hotpath {
namespace detail {

enum class log_policy_kind { producers, overflow };
enum class log_overflow_kind { drop_newest, overwrite_oldest, block };
enum class log_topology_kind { shared, per_thread };

}  // namespace detail

// Producers: exactly one thread pushes at a time (the default). Plain index arithmetic, no
// read-modify-write on the push path.
struct single_producer {
  static constexpr detail::log_policy_kind log_policy_kind = detail::log_policy_kind::producers;
  static constexpr bool multi = false;
};

// Producers: any number of threads push concurrently; each push claims a slot with one
// compare-and-swap on the shared tail.
struct multi_producer {
  static constexpr detail::log_policy_kind log_policy_kind = detail::log_policy_kind::producers;
  static constexpr bool multi = true;
};

// Overflow: a push into a full ring fails and the record is counted in dropped() (the
// default). Records already in the ring are never lost.
struct drop_newest {
  static constexpr detail::log_policy_kind log_policy_kind = detail::log_policy_kind::overflow;
  static constexpr detail::log_overflow_kind overflow = detail::log_overflow_kind::drop_newest;
};

// Overflow: a push into a full ring discards the oldest unread record (counted in dropped())
// and always succeeds; the consumer learns how many records it missed before each record it
// pops. The consumer claims records with a compare-and-swap because producers may evict.
struct overwrite_oldest {
  static constexpr detail::log_policy_kind log_policy_kind = detail::log_policy_kind::overflow;
  static constexpr detail::log_overflow_kind overflow = detail::log_overflow_kind::overwrite_oldest;
};

// Overflow: push() waits for space, first spinning SpinCount times (with a CPU pause), then
// sleeping in std::atomic::wait until the consumer frees a slot. Nothing is ever dropped;
// try_push() returns false on a full ring without counting a drop.
template <unsigned SpinCount = 256>
struct block_when_full {
  static_assert(SpinCount <= (1u << 20),
                "block_when_full<SpinCount>: SpinCount must be at most 2^20 pauses");
  static constexpr detail::log_policy_kind log_policy_kind = detail::log_policy_kind::overflow;
  static constexpr detail::log_overflow_kind overflow = detail::log_overflow_kind::block;
  static constexpr unsigned spin_count = SpinCount;
};

// A log ring policy is one of the tags above (or a user type of the same shape).
template <class P>
concept log_ring_policy = requires {
  { P::log_policy_kind } -> std::convertible_to<detail::log_policy_kind>;
};

// Logger topology: every producer thread pushes into one MPSC ring (one compare-and-swap per
// record); the sink sees records in the order their slots were claimed. The default.
struct shared_ring {
  static constexpr detail::log_topology_kind log_topology = detail::log_topology_kind::shared;
};

// Logger topology: each producer thread gets its own SPSC ring on its first log call to a
// logger (one allocation, then no read-modify-write per record); the logger thread drains the
// rings round-robin in batches. Each thread's records stay in order; records of different
// threads reach the sink interleaved batch by batch, not in timestamp order.
struct per_thread_rings {
  static constexpr detail::log_topology_kind log_topology = detail::log_topology_kind::per_thread;
};

// A logger topology is shared_ring or per_thread_rings.
template <class P>
concept log_ring_topology = requires {
  { P::log_topology } -> std::convertible_to<detail::log_topology_kind>;
};

namespace detail {

template <log_policy_kind K, class P>
inline constexpr bool log_is_kind = (P::log_policy_kind == K);

// The policy of kind K among Ps, or Default when none is given.
template <log_policy_kind K, class Default, class... Ps>
struct log_pick {
  using type = Default;
};
template <log_policy_kind K, class Default, class P, class... Ps>
struct log_pick<K, Default, P, Ps...> {
  using type = std::conditional_t<log_is_kind<K, P>, P, typename log_pick<K, Default, Ps...>::type>;
};

template <log_policy_kind K, class... Ps>
inline constexpr std::size_t log_count_kind = (std::size_t{0} + ... + (log_is_kind<K, Ps> ? 1 : 0));

}  // namespace detail
}  // namespace hotpath

#endif  // HOTPATH_LOG_POLICIES_HPP
