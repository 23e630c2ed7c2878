// hotpath/arena/policies.hpp: the policies of hotpath::basic_arena (upstream, growth, inline
// buffer) and the concepts that check them. Included by <hotpath/arena.hpp>.
//
// A policy is a small type with a member `arena_policy_kind` naming what it configures; pass at
// most one of each kind to basic_arena, in any order:
//
//   hotpath::basic_arena<hotpath::malloc_upstream, hotpath::chunk_growth<1 << 16>> a;
//   hotpath::basic_arena<hotpath::pmr_upstream> b(&my_memory_resource);
#ifndef HOTPATH_ARENA_POLICIES_HPP
#define HOTPATH_ARENA_POLICIES_HPP

#include <hotpath/detail/config.hpp>

#include <concepts>
#include <cstddef>
#include <cstdlib>
#include <memory_resource>
#include <new>
#include <type_traits>

namespace hotpath {

// The kinds of arena policy; a policy says which one it is with
// `using arena_policy_kind = arena_upstream_tag;` (and so on).
struct arena_upstream_tag {};
struct arena_growth_tag {};
struct arena_inline_tag {};

// ---------------------------------------------------------------------------------------------
// Upstream: where chunks come from. Contract: allocate(n) returns memory aligned to at least
// alignof(std::max_align_t), or nullptr on failure (never throws); deallocate(p, n) gets back
// exactly what allocate returned with the same n.

// Chunks from ::operator new(std::nothrow) / sized ::operator delete. The default.
struct new_delete_upstream {
  using arena_policy_kind = arena_upstream_tag;
  [[nodiscard]] static void* allocate(std::size_t n) noexcept {
    return ::operator new(n, std::nothrow);
  }
  static void deallocate(void* p, [[maybe_unused]] std::size_t n) noexcept {
#if defined(__cpp_sized_deallocation)  // clang < 19 needs -fsized-deallocation for it
    ::operator delete(p, n);
#else
    ::operator delete(p);
#endif
  }
};

// Chunks from std::malloc / std::free.
struct malloc_upstream {
  using arena_policy_kind = arena_upstream_tag;
  [[nodiscard]] static void* allocate(std::size_t n) noexcept { return std::malloc(n); }
  static void deallocate(void* p, std::size_t) noexcept { std::free(p); }
};

// Chunks from any std::pmr::memory_resource (not owned; it must outlive the arena). Implicitly
// constructible from the pointer, so `hotpath::basic_arena<hotpath::pmr_upstream> a(&res);`.
struct pmr_upstream {
  using arena_policy_kind = arena_upstream_tag;
  pmr_upstream() noexcept : resource_(std::pmr::get_default_resource()) {}
  pmr_upstream(std::pmr::memory_resource* r) noexcept : resource_(r) {  // NOLINT: implicit
    HOTPATH_ASSERT(r != nullptr);
  }
  [[nodiscard]] void* allocate(std::size_t n) noexcept {
    try {
      return resource_->allocate(n, alignof(std::max_align_t));
    } catch (...) {  // memory_resource reports failure by throwing; the arena wants nullptr
      return nullptr;
    }
  }
  void deallocate(void* p, std::size_t n) noexcept {
    resource_->deallocate(p, n, alignof(std::max_align_t));
  }
  [[nodiscard]] std::pmr::memory_resource* resource() const noexcept { return resource_; }

 private:
  std::pmr::memory_resource* resource_;
};

// ---------------------------------------------------------------------------------------------
// Growth: the size of the next regular chunk (chunk header included). Sizes grow by Factor from
// Initial up to Max. A request that does not fit in a fresh chunk of the next size gets a
// dedicated chunk of its own size and leaves the growth sequence untouched. (Not called
// geometric_growth: that is the object pool's slot-count policy, hotpath::pool::geometric_growth.)
template <std::size_t Initial = 4096, std::size_t Max = std::size_t{64} << 20,
          std::size_t Factor = 2>
struct chunk_growth {
  static_assert(Initial >= 64, "chunk_growth: Initial chunk size must be at least 64 bytes");
  static_assert(Initial <= Max, "chunk_growth: Initial must not exceed Max");
  static_assert(Factor >= 1, "chunk_growth: Factor must be >= 1 (1 means fixed-size chunks)");
  using arena_policy_kind = arena_growth_tag;
  static constexpr std::size_t initial_chunk = Initial;
  static constexpr std::size_t max_chunk = Max;
  // Size of the chunk after one of `current` bytes.
  [[nodiscard]] static constexpr std::size_t next(std::size_t current) noexcept {
    return current >= Max / Factor ? Max : current * Factor;
  }
};

// ---------------------------------------------------------------------------------------------
// Inline buffer: the first N bytes are served from a buffer inside the arena object itself (no
// upstream call until it is full). Makes the arena immovable. N = 0 means none.
template <std::size_t N>
struct inline_buffer {
  using arena_policy_kind = arena_inline_tag;
  static constexpr std::size_t size = N;
};

// ---------------------------------------------------------------------------------------------
// Concepts.

namespace detail {
template <class P>
inline constexpr bool is_arena_policy_kind =
    std::is_same_v<typename P::arena_policy_kind, arena_upstream_tag> ||
    std::is_same_v<typename P::arena_policy_kind, arena_growth_tag> ||
    std::is_same_v<typename P::arena_policy_kind, arena_inline_tag>;
}  // namespace detail

// A policy of basic_arena: names its kind with `arena_policy_kind`.
template <class P>
concept arena_policy = requires {
  typename P::arena_policy_kind;
  requires detail::is_arena_policy_kind<P>;
};

// An upstream: noexcept allocate(size_t) -> void* (nullptr on failure, memory aligned to
// alignof(max_align_t)) and noexcept deallocate(void*, size_t).
template <class U>
concept arena_upstream = std::is_nothrow_move_constructible_v<U> &&
    requires(U& u, std::size_t n, void* p) {
  { u.allocate(n) } -> std::same_as<void*>;
  requires noexcept(u.allocate(n));
  requires noexcept(u.deallocate(p, n));
};

// A growth policy: chunk sizes (header included), the first and the largest, and the next one.
template <class G>
concept arena_growth = requires(std::size_t n) {
  { G::initial_chunk } -> std::convertible_to<std::size_t>;
  { G::max_chunk } -> std::convertible_to<std::size_t>;
  { G::next(n) } -> std::same_as<std::size_t>;
  requires noexcept(G::next(n));
};

namespace detail {

// Picks the policy of kind Kind from Ps (Default when absent).
template <class Kind, class Default, class... Ps>
struct select_arena_policy {
  using type = Default;
};
template <class Kind, class Default, class P, class... Ps>
struct select_arena_policy<Kind, Default, P, Ps...> {
  using type = std::conditional_t<std::is_same_v<typename P::arena_policy_kind, Kind>, P,
                                  typename select_arena_policy<Kind, Default, Ps...>::type>;
};

template <class Kind, class... Ps>
inline constexpr std::size_t count_arena_policy =
    (std::size_t{0} + ... + (std::is_same_v<typename Ps::arena_policy_kind, Kind> ? 1 : 0));

}  // namespace detail

}  // namespace hotpath

#endif  // HOTPATH_ARENA_POLICIES_HPP
