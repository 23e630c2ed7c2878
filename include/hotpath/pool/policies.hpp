// hotpath/pool/policies.hpp: the policy tags of hotpath::basic_object_pool (thread safety,
// growth, live cap, spare-block cap) and the concept that checks them. Included by
// <hotpath/pool.hpp>; users name the tags, never the detail machinery below them.
#ifndef HOTPATH_POOL_POLICIES_HPP
#define HOTPATH_POOL_POLICIES_HPP

#include <hotpath/detail/config.hpp>

#include <concepts>
#include <cstddef>
#include <type_traits>

namespace hotpath {
namespace detail {

enum class pool_policy_kind { thread, growth, live_cap, spare_cap };

}  // namespace detail

// The policy tags live in hotpath::pool (hotpath::pool::thread_cached<64>, ...), next to the
// tags of other primitives that use the same words for different things.
namespace pool {

// Thread safety: no synchronisation; one thread at a time uses the pool (the default).
struct single_threaded {
  static constexpr detail::pool_policy_kind pool_policy_kind = detail::pool_policy_kind::thread;
};

// Thread safety: every create/destroy takes one std::mutex. Exact stats, no per-thread state.
struct mutex_locked {
  static constexpr detail::pool_policy_kind pool_policy_kind = detail::pool_policy_kind::thread;
};

// Thread safety: each thread keeps a magazine of up to 2 * MagazineSize free slots per pool;
// an empty magazine takes MagazineSize slots from the shared storage, a full one gives
// MagazineSize back (both under the pool's mutex). Objects may be destroyed on any thread.
template <std::size_t MagazineSize = 64>
struct thread_cached {
  static_assert(MagazineSize >= 1 && MagazineSize <= 4096,
                "thread_cached<MagazineSize>: MagazineSize must be between 1 and 4096");
  static constexpr detail::pool_policy_kind pool_policy_kind = detail::pool_policy_kind::thread;
  static constexpr std::size_t magazine_size = MagazineSize;
};

// Growth: the first block holds InitialSlots objects, each next block twice as many as the
// previous one, up to MaxSlots per block.
template <std::size_t InitialSlots = 64, std::size_t MaxSlots = 8192>
struct geometric_growth {
  static_assert(InitialSlots >= 1,
                "geometric_growth<InitialSlots, MaxSlots>: InitialSlots must be >= 1");
  static_assert(MaxSlots >= InitialSlots,
                "geometric_growth<InitialSlots, MaxSlots>: MaxSlots must be >= InitialSlots");
  static constexpr detail::pool_policy_kind pool_policy_kind = detail::pool_policy_kind::growth;
  static constexpr std::size_t initial_slots = InitialSlots;
  static constexpr std::size_t max_slots = MaxSlots;
};

// Growth: every block holds N objects.
template <std::size_t N>
using fixed_growth = geometric_growth<N, N>;

// Cap on live objects: create throws std::bad_alloc and try_create returns nullptr when N
// objects are live (with thread_cached: live plus those parked in per-thread magazines).
template <std::size_t N>
struct max_live {
  static_assert(N >= 1, "max_live<N>: N must be >= 1");
  static constexpr detail::pool_policy_kind pool_policy_kind = detail::pool_policy_kind::live_cap;
  static constexpr std::size_t value = N;
};

// Cap on retained spare blocks: a block whose objects are all destroyed is kept for reuse
// while at most N such blocks exist, and returned upstream beyond that. Selects the slab
// layout (per-block free lists and live counts, found from a pointer by address masking).
template <std::size_t N>
struct max_spare_blocks {
  static constexpr detail::pool_policy_kind pool_policy_kind = detail::pool_policy_kind::spare_cap;
  static constexpr std::size_t value = N;
};

}  // namespace pool

// A pool policy is one of the tags in hotpath::pool (or a user type with the same shape).
template <class P>
concept pool_policy = requires {
  { P::pool_policy_kind } -> std::convertible_to<detail::pool_policy_kind>;
};

namespace detail {

template <pool_policy_kind K, class Default, class... Ps>
struct pick_pool_policy {
  using type = Default;
};
template <pool_policy_kind K, class Default, class P, class... Rest>
struct pick_pool_policy<K, Default, P, Rest...> {
  using type = std::conditional_t<P::pool_policy_kind == K, P,
                                  typename pick_pool_policy<K, Default, Rest...>::type>;
};

template <pool_policy_kind K, class... Ps>
inline constexpr std::size_t count_pool_policy = ((Ps::pool_policy_kind == K ? 1u : 0u) + ... + 0u);

template <class P>
inline constexpr bool is_thread_cached = false;
template <std::size_t N>
inline constexpr bool is_thread_cached<pool::thread_cached<N>> = true;

}  // namespace detail
}  // namespace hotpath

#endif  // HOTPATH_POOL_POLICIES_HPP
