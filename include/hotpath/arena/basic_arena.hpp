// hotpath/arena/basic_arena.hpp: the arena engine, hotpath::basic_arena<Policies...>, and its
// aliases hotpath::arena and hotpath::inline_arena<N>. Included by <hotpath/arena.hpp>, which
// has the overview; the design notes are in docs/memory.md ("Arena").
//
// Layout. Memory comes in chunks from the upstream policy. Each chunk starts with a 16-byte
// header {prev, size}; regular chunks form a list (newest first) and the newest one is the
// current region [begin_, end_) in which cur_ bumps upwards. Requests larger than the next
// regular chunk get a dedicated chunk in a second list, so they neither waste the current
// region nor double the growth sequence. One freed chunk (the largest seen by rewind) is kept
// as a spare and reused before asking upstream again.
//
// Hot path invariant: end_ is always 16-aligned, so for alignments <= 16 the aligned cursor
// never passes end_ and "does it fit" is one unsigned compare: add, and, sub, cmp, branch, store.
// Everything else (bigger alignments, new chunks, errors) is in out-of-line functions.
#ifndef HOTPATH_ARENA_BASIC_ARENA_HPP
#define HOTPATH_ARENA_BASIC_ARENA_HPP

#include <hotpath/arena/policies.hpp>
#include <hotpath/detail/config.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <new>
#include <stdexcept>
#include <string_view>
#include <type_traits>
#include <utility>

namespace hotpath {

// What an arena holds, see basic_arena::stats().
struct arena_stats {
  std::size_t bytes_used;      // bytes handed out (padding and destructor records included)
  std::size_t bytes_reserved;  // bytes currently held from upstream (inline buffer excluded)
  std::size_t chunk_count;     // chunks currently held from upstream
};

namespace detail {

inline constexpr std::size_t arena_header_size = 16;  // sizeof(arena_chunk), keeps data 16-aligned
inline constexpr std::size_t arena_fast_align = 16;   // alignments handled by the inline path
inline constexpr std::size_t arena_max_align = 4096;

struct arena_chunk {
  arena_chunk* prev;
  std::size_t size;  // whole chunk, header included, as given to upstream
};
static_assert(sizeof(arena_chunk) <= arena_header_size);

// Record of a non-trivially-destructible object made by create(); lives right after the object.
struct arena_dtor_node {
  arena_dtor_node* next;
  void (*destroy)(arena_dtor_node*) noexcept;
};

// Where cur_/end_ point when the arena has no memory: 16-aligned, never written (only zero-byte
// requests are served from it).
alignas(arena_fast_align) inline std::byte arena_empty_region[arena_fast_align];

[[nodiscard]] constexpr bool arena_valid_alignment(std::size_t align) noexcept {
  return align != 0 && (align & (align - 1)) == 0 && align <= arena_max_align;
}

[[noreturn]] HOTPATH_NOINLINE inline void arena_allocation_failed(std::size_t align) {
  if (!arena_valid_alignment(align)) {
    throw std::invalid_argument("hotpath::arena: alignment must be a power of two in [1, 4096]");
  }
  throw std::bad_alloc();
}

[[noreturn]] HOTPATH_NOINLINE inline void arena_array_too_long() {
  throw std::bad_array_new_length();
}

inline std::uintptr_t arena_addr(const void* p) noexcept {
  return reinterpret_cast<std::uintptr_t>(p);
}

template <std::size_t N>
struct arena_inline_storage {
  static constexpr std::size_t usable = N & ~(arena_fast_align - 1);
  alignas(arena_fast_align) std::byte data_[N];
  std::byte* begin() noexcept { return data_; }
};
template <>
struct arena_inline_storage<0> {
  static constexpr std::size_t usable = 0;
  static std::byte* begin() noexcept { return arena_empty_region; }
};

template <class T, std::size_t NodeOffset>
void arena_destroy(arena_dtor_node* node) noexcept {
  std::destroy_at(
      std::launder(reinterpret_cast<T*>(reinterpret_cast<std::byte*>(node) - NodeOffset)));
}

}  // namespace detail

// A bump-pointer arena. Not thread-safe: one arena per thread (or external locking).
template <arena_policy... Policies>
class basic_arena {
  static_assert(detail::count_arena_policy<arena_upstream_tag, Policies...> <= 1,
                "basic_arena: pass at most one upstream policy (new_delete_upstream, "
                "malloc_upstream, pmr_upstream or your own)");
  static_assert(detail::count_arena_policy<arena_growth_tag, Policies...> <= 1,
                "basic_arena: pass at most one growth policy (chunk_growth<...>)");
  static_assert(detail::count_arena_policy<arena_inline_tag, Policies...> <= 1,
                "basic_arena: pass at most one inline_buffer<N>");

 public:
  using upstream_type =
      typename detail::select_arena_policy<arena_upstream_tag, new_delete_upstream,
                                           Policies...>::type;
  using growth_type =
      typename detail::select_arena_policy<arena_growth_tag, chunk_growth<>, Policies...>::type;
  static_assert(arena_upstream<upstream_type>,
                "basic_arena: the upstream policy needs noexcept `void* allocate(size_t)` "
                "(nullptr on failure) and noexcept `deallocate(void*, size_t)`, and must be "
                "nothrow-movable");
  static_assert(arena_growth<growth_type>,
                "basic_arena: the growth policy needs `initial_chunk`, `max_chunk` and a noexcept "
                "static `size_t next(size_t)`");

  // Bytes served from inside the arena object before any upstream call (multiple of 16).
  static constexpr std::size_t inline_capacity =
      detail::arena_inline_storage<detail::select_arena_policy<arena_inline_tag, inline_buffer<0>,
                                                               Policies...>::type::size>::usable;
  static constexpr std::size_t max_alignment = detail::arena_max_align;

  // A position to rewind to. Valid until the arena is reset, released, moved, or rewound to an
  // earlier marker.
  class marker {
    friend basic_arena;
    std::byte* cur_;
    detail::arena_chunk* head_;
    detail::arena_chunk* large_;
    detail::arena_dtor_node* dtors_;
    std::size_t used_before_;
  };

  // No allocation: the first chunk is requested on the first allocation that does not fit the
  // inline buffer.
  basic_arena() noexcept(std::is_nothrow_default_constructible_v<upstream_type>) requires
      std::default_initializable<upstream_type> {
    init_empty();
  }
  explicit basic_arena(upstream_type upstream) noexcept : upstream_(std::move(upstream)) {
    init_empty();
  }
  basic_arena(const basic_arena&) = delete;
  basic_arena& operator=(const basic_arena&) = delete;
  // Moves transfer every chunk (pointers stay valid); the source is left empty. Arenas with an
  // inline buffer cannot move: their first allocations live inside the object.
  basic_arena(basic_arena&& other) noexcept requires(inline_capacity == 0)
      : upstream_(std::move(other.upstream_)) {
    steal(other);
  }
  basic_arena& operator=(basic_arena&& other) noexcept requires(inline_capacity == 0) {
    if (this != &other) {
      release();
      upstream_ = std::move(other.upstream_);
      steal(other);
    }
    return *this;
  }
  // Runs the destructors of create()d objects (newest first), returns every chunk upstream.
  ~basic_arena() {
    release();
    HOTPATH_UNPOISON(inline_.begin(), inline_capacity);
  }

  // ---- allocation ------------------------------------------------------------------------

  // `bytes` bytes aligned to `align` (power of two in [1, 4096]); amortised O(1).
  // Throws std::bad_alloc when upstream fails, std::invalid_argument for a bad alignment.
  [[nodiscard]] HOTPATH_ALWAYS_INLINE void* allocate(
      std::size_t bytes, std::size_t align = alignof(std::max_align_t)) {
    return allocate_impl<true>(bytes, align);
  }

  // As allocate(), but returns nullptr instead of throwing; the arena stays usable.
  [[nodiscard]] HOTPATH_ALWAYS_INLINE void* try_allocate(
      std::size_t bytes, std::size_t align = alignof(std::max_align_t)) noexcept {
    return allocate_impl<false>(bytes, align);
  }

  // Gives the bytes back only if [p, p + bytes) is the most recent allocation (stack-like
  // use, e.g. a container freeing its last growth); otherwise a no-op. O(1), never fails.
  void deallocate(void* p, std::size_t bytes) noexcept {
    auto* b = static_cast<std::byte*>(p);
    if (b + bytes == cur_ && b >= begin_) {
      cur_ = b;
      HOTPATH_POISON(b, bytes);
    }
  }

  // Constructs a T in the arena (T(args...) or T{args...}). Trivially destructible T costs
  // sizeof(T) plus alignment; any other T also gets a 16-byte destructor record placed after it
  // and pushed on a list, and is destroyed by reset()/rewind()/release()/~basic_arena, newest
  // first. Throws what allocate() or T's constructor throws (the memory is then wasted until
  // reset).
  template <class T, class... Args>
  [[nodiscard]] T* create(Args&&... args) {
    static_assert(alignof(T) <= detail::arena_max_align, "arena::create: alignof(T) > 4096");
    static_assert(std::is_nothrow_destructible_v<T>, "arena::create: T's destructor may throw");
    if constexpr (std::is_trivially_destructible_v<T>) {
      return construct<T>(allocate_impl<true>(sizeof(T), alignof(T)), std::forward<Args>(args)...);
    } else {
      constexpr std::size_t node_offset = (sizeof(T) + alignof(detail::arena_dtor_node) - 1) &
                                          ~(alignof(detail::arena_dtor_node) - 1);
      constexpr std::size_t align = std::max(alignof(T), alignof(detail::arena_dtor_node));
      auto* p = static_cast<std::byte*>(
          allocate_impl<true>(node_offset + sizeof(detail::arena_dtor_node), align));
      T* obj = construct<T>(p, std::forward<Args>(args)...);
      dtors_ = ::new (p + node_offset)
          detail::arena_dtor_node{dtors_, &detail::arena_destroy<T, node_offset>};
      return obj;
    }
  }

  // Uninitialised storage for n objects of T (the caller constructs and destroys them).
  // Throws std::bad_array_new_length if n * sizeof(T) overflows, else as allocate().
  template <class T>
  [[nodiscard]] T* allocate_array(std::size_t n) {
    static_assert(alignof(T) <= detail::arena_max_align,
                  "arena::allocate_array: alignof(T) > 4096");
    if (HOTPATH_UNLIKELY(n > std::numeric_limits<std::size_t>::max() / sizeof(T))) {
      detail::arena_array_too_long();
    }
    return static_cast<T*>(allocate_impl<true>(n * sizeof(T), alignof(T)));
  }

  // Copies s into the arena; the view stays valid until reset/rewind/release. Unaligned (one
  // bump, one memcpy). Throws as allocate().
  [[nodiscard]] std::string_view copy(std::string_view s) {
    auto* p = static_cast<char*>(allocate_impl<true>(s.size(), 1));
    if (!s.empty()) std::memcpy(p, s.data(), s.size());
    return {p, s.size()};
  }

  // As copy(), plus a NUL after the last character, so .data() is a C string.
  [[nodiscard]] std::string_view copy_c_str(std::string_view s) {
    auto* p = static_cast<char*>(allocate_impl<true>(s.size() + 1, 1));
    if (!s.empty()) std::memcpy(p, s.data(), s.size());
    p[s.size()] = '\0';
    return {p, s.size()};
  }

  // ---- lifetime --------------------------------------------------------------------------

  // The current position. O(1), no allocation.
  [[nodiscard]] marker mark() const noexcept {
    marker m;
    m.cur_ = cur_;
    m.head_ = head_;
    m.large_ = large_;
    m.dtors_ = dtors_;
    m.used_before_ = used_before_;
    return m;
  }

  // Frees everything allocated since `m` was taken: runs the destructors of objects created
  // since (newest first), returns later chunks upstream except the largest, which is kept as a
  // spare for reuse. The bytes handed back are poisoned under AddressSanitizer.
  void rewind(const marker& m) noexcept {
    run_destructors(m.dtors_);
    while (large_ != m.large_) retire(pop(large_));
    while (head_ != m.head_) retire(pop(head_));
    set_region(head_);
    HOTPATH_ASSERT(m.cur_ >= begin_ && m.cur_ <= end_);
    cur_ = m.cur_;
    used_before_ = m.used_before_;
    HOTPATH_POISON(cur_, static_cast<std::size_t>(end_ - cur_));
  }

  // Frees everything but keeps the largest chunk for reuse (the next allocations are served
  // from it, after the inline buffer if there is one); runs every destructor. O(chunks).
  void reset() noexcept {
    run_destructors(nullptr);
    detail::arena_chunk* keep = std::exchange(spare_, nullptr);
    auto consider = [&](detail::arena_chunk* c) {
      if (keep == nullptr || c->size > keep->size) std::swap(keep, c);
      if (c != nullptr) free_chunk(c);
    };
    while (large_ != nullptr) consider(pop(large_));
    while (head_ != nullptr) consider(pop(head_));
    used_before_ = 0;
    if (keep != nullptr && inline_capacity == 0) {
      keep->prev = nullptr;
      head_ = keep;
    } else if (keep != nullptr) {
      spare_ = keep;
      HOTPATH_POISON(data(keep), static_cast<std::size_t>(chunk_end(keep) - data(keep)));
    }
    set_region(head_);
    cur_ = begin_;
    HOTPATH_POISON(cur_, static_cast<std::size_t>(end_ - cur_));
  }

  // Runs every destructor and returns all memory upstream; the arena is as new (growth
  // restarts at the initial chunk size) and stays usable.
  void release() noexcept {
    run_destructors(nullptr);
    if (spare_ != nullptr) free_chunk(std::exchange(spare_, nullptr));
    while (large_ != nullptr) free_chunk(pop(large_));
    while (head_ != nullptr) free_chunk(pop(head_));
    init_empty();
  }

  // ---- observers -------------------------------------------------------------------------

  [[nodiscard]] std::size_t bytes_used() const noexcept {
    return used_before_ + static_cast<std::size_t>(cur_ - begin_);
  }
  [[nodiscard]] std::size_t bytes_reserved() const noexcept { return reserved_; }
  [[nodiscard]] std::size_t chunk_count() const noexcept { return chunks_; }
  [[nodiscard]] arena_stats stats() const noexcept {
    return {bytes_used(), bytes_reserved(), chunk_count()};
  }
  // Bytes left in the current region (what the next allocations get without a slow path).
  [[nodiscard]] std::size_t remaining() const noexcept {
    return static_cast<std::size_t>(end_ - cur_);
  }
  [[nodiscard]] upstream_type& upstream() noexcept { return upstream_; }
  [[nodiscard]] const upstream_type& upstream() const noexcept { return upstream_; }

 private:
  using chunk = detail::arena_chunk;

  template <class T, class... Args>
  static T* construct(void* p, Args&&... args) {
    if constexpr (std::is_constructible_v<T, Args...>) {
      return ::new (p) T(std::forward<Args>(args)...);
    } else {
      return ::new (p) T{std::forward<Args>(args)...};  // aggregates (no P0960 in clang 14)
    }
  }

  template <bool Throw>
  HOTPATH_ALWAYS_INLINE void* allocate_impl(std::size_t n, std::size_t align) noexcept(!Throw) {
    const std::size_t mask = align - 1;
    if (HOTPATH_LIKELY(mask < detail::arena_fast_align && (align & mask) == 0)) {
      const std::uintptr_t c = detail::arena_addr(cur_);
      const std::uintptr_t p = (c + mask) & ~std::uintptr_t{mask};
      if (HOTPATH_LIKELY(n <= detail::arena_addr(end_) - p)) {  // p <= end_: end_ is 16-aligned
        std::byte* r = cur_ + (p - c);
        cur_ = r + n;
        HOTPATH_UNPOISON(r, n);
        return r;
      }
    }
    if constexpr (Throw) {
      return allocate_slow_or_throw(n, align);
    } else {
      return allocate_slow(n, align);
    }
  }

  HOTPATH_NOINLINE void* allocate_slow_or_throw(std::size_t n, std::size_t align) {
    void* p = allocate_slow(n, align);
    if (p == nullptr) detail::arena_allocation_failed(align);
    return p;
  }

  // Bumps in the current region with full overflow checks (any valid alignment).
  void* bump_checked(std::size_t n, std::size_t align) noexcept {
    const std::uintptr_t c = detail::arena_addr(cur_);
    const std::uintptr_t e = detail::arena_addr(end_);
    const std::uintptr_t p = (c + align - 1) & ~std::uintptr_t{align - 1};
    if (p > e || n > e - p) return nullptr;
    std::byte* r = cur_ + (p - c);
    cur_ = r + n;
    HOTPATH_UNPOISON(r, n);
    return r;
  }

  HOTPATH_NOINLINE void* allocate_slow(std::size_t n, std::size_t align) noexcept {
    if (!detail::arena_valid_alignment(align)) return nullptr;
    if (void* p = bump_checked(n, align)) return p;  // alignments > 16 that still fit
    constexpr std::size_t max_request =
        std::numeric_limits<std::size_t>::max() / 2 - detail::arena_max_align;
    if (n > max_request) return nullptr;
    // Chunk data starts 16-aligned; larger alignments may need align - 16 bytes of padding.
    // Regular chunks end 16-aligned, so they need n rounded up to 16; dedicated ones just n.
    const std::size_t pad = align > detail::arena_fast_align ? align - detail::arena_fast_align : 0;
    const std::size_t exact = detail::arena_header_size + pad + n;
    const std::size_t needed =
        detail::arena_header_size + pad +
        ((n + detail::arena_fast_align - 1) & ~(detail::arena_fast_align - 1));
    if (spare_ != nullptr && needed <= spare_->size) {
      push_regular(std::exchange(spare_, nullptr));
      return bump_checked(n, align);
    }
    if (needed > next_chunk_) {  // oversized: a dedicated chunk, growth sequence untouched
      chunk* c = new_chunk(exact);
      if (c == nullptr) return nullptr;
      c->prev = large_;
      large_ = c;
      const std::uintptr_t d = detail::arena_addr(data(c));
      std::byte* r = data(c) + (((d + align - 1) & ~std::uintptr_t{align - 1}) - d);
      used_before_ += static_cast<std::size_t>(r - data(c)) + n;
      HOTPATH_UNPOISON(r, n);
      return r;
    }
    chunk* c = new_chunk(next_chunk_);
    if (c != nullptr) {
      next_chunk_ = growth_type::next(next_chunk_);
    } else if ((c = new_chunk(needed)) == nullptr) {  // the big chunk failed: try just enough
      return nullptr;
    }
    push_regular(c);
    return bump_checked(n, align);
  }

  static std::byte* data(chunk* c) noexcept {
    return reinterpret_cast<std::byte*>(c) + detail::arena_header_size;
  }
  static std::byte* chunk_end(chunk* c) noexcept {
    auto* e = reinterpret_cast<std::byte*>(c) + c->size;
    return e - (detail::arena_addr(e) & (detail::arena_fast_align - 1));
  }
  static chunk* pop(chunk*& list) noexcept {
    chunk* c = list;
    list = c->prev;
    return c;
  }

  chunk* new_chunk(std::size_t size) noexcept {
    void* m = upstream_.allocate(size);
    if (m == nullptr) return nullptr;
    HOTPATH_ASSERT(detail::arena_addr(m) % alignof(std::max_align_t) == 0);
    auto* c = ::new (m) chunk{nullptr, size};
    reserved_ += size;
    ++chunks_;
    HOTPATH_POISON(data(c), size - detail::arena_header_size);
    return c;
  }

  void free_chunk(chunk* c) noexcept {
    const std::size_t size = c->size;
    reserved_ -= size;
    --chunks_;
    HOTPATH_UNPOISON(c, size);  // upstream may hand these bytes to anyone
    upstream_.deallocate(c, size);
  }

  // Keeps the largest chunk given back by rewind as the spare, frees the others.
  void retire(chunk* c) noexcept {
    if (spare_ != nullptr && spare_->size >= c->size) {
      free_chunk(c);
      return;
    }
    if (spare_ != nullptr) free_chunk(spare_);
    spare_ = c;
    HOTPATH_POISON(data(c), static_cast<std::size_t>(chunk_end(c) - data(c)));
  }

  void push_regular(chunk* c) noexcept {
    used_before_ += static_cast<std::size_t>(cur_ - begin_);
    c->prev = head_;
    head_ = c;
    set_region(c);
    cur_ = begin_;
  }

  // The region of chunk c, or the inline buffer (possibly empty) when c is null.
  void set_region(chunk* c) noexcept {
    if (c != nullptr) {
      begin_ = data(c);
      end_ = chunk_end(c);
    } else {
      begin_ = inline_.begin();
      end_ = begin_ + inline_capacity;
    }
  }

  void run_destructors(detail::arena_dtor_node* stop) noexcept {
    while (dtors_ != stop) {
      detail::arena_dtor_node* n = dtors_;
      HOTPATH_ASSERT(n != nullptr);  // else the marker is not from this arena's history
      dtors_ = n->next;
      n->destroy(n);
    }
  }

  void init_empty() noexcept {
    head_ = large_ = spare_ = nullptr;
    dtors_ = nullptr;
    used_before_ = reserved_ = chunks_ = 0;
    next_chunk_ = growth_type::initial_chunk;
    set_region(nullptr);
    cur_ = begin_;
    HOTPATH_POISON(begin_, inline_capacity);
  }

  void steal(basic_arena& o) noexcept {
    cur_ = o.cur_;
    end_ = o.end_;
    begin_ = o.begin_;
    head_ = o.head_;
    large_ = o.large_;
    spare_ = o.spare_;
    dtors_ = o.dtors_;
    used_before_ = o.used_before_;
    reserved_ = o.reserved_;
    chunks_ = o.chunks_;
    next_chunk_ = o.next_chunk_;
    o.init_empty();
  }

  // Hot members first.
  std::byte* cur_;
  std::byte* end_;
  std::byte* begin_;
  chunk* head_;   // regular chunks, newest (the current region) first
  chunk* large_;  // dedicated chunks, newest first
  chunk* spare_;  // at most one empty chunk kept for reuse
  detail::arena_dtor_node* dtors_;
  std::size_t used_before_;  // bytes used outside the current region
  std::size_t reserved_;
  std::size_t chunks_;
  std::size_t next_chunk_;
  [[no_unique_address]] upstream_type upstream_;
  [[no_unique_address]] detail::arena_inline_storage<
      detail::select_arena_policy<arena_inline_tag, inline_buffer<0>, Policies...>::type::size>
      inline_;
};

// The default arena: operator new upstream, chunks from 4 KiB doubling up to 64 MiB.
using arena = basic_arena<>;

// An arena whose first N bytes (rounded down to a multiple of 16) live inside the object, e.g.
// on the stack; it calls upstream only when they run out. Not movable.
template <std::size_t N>
using inline_arena = basic_arena<inline_buffer<N>>;

// An arena whose chunks come from a std::pmr::memory_resource: `pmr_arena a(&resource);`.
using pmr_arena = basic_arena<pmr_upstream>;

}  // namespace hotpath

#endif  // HOTPATH_ARENA_BASIC_ARENA_HPP
