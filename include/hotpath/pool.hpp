// hotpath/pool.hpp: a typed object pool (hotpath::object_pool<T>) and an untyped fixed-size
// pool exposed as a std::pmr::memory_resource (hotpath::fixed_pool_resource).
//
// What: create(args...) returns a T* built in a pooled slot, destroy(p) runs ~T and recycles
// the slot in O(1) whatever the order of frees. One engine, basic_object_pool<T, Policies...>,
// takes policies for thread safety (pool::single_threaded, pool::mutex_locked,
// pool::thread_cached<N>), growth (pool::geometric_growth<Initial, Max>), a live cap
// (pool::max_live<N>) and a spare-block cap (pool::max_spare_blocks<N>). Versus peers:
// boost::object_pool frees in O(n) and has no thread safety; boost::pool<> and
// std::pmr::*_pool_resource are untyped and never cap live objects; the pmr pools pay a size
// class lookup and a virtual call per operation. Over-aligned T is honoured (alignas(256) ok).
// Performance: the default (pool::single_threaded, no spare cap) pops a slot pointer off a stack of
// free slots per create and pushes one per destroy (no load through the freed slots, so reuse
// after random-order frees does not chase cache misses); pool::thread_cached adds a thread-local magazine lookup and
// takes the pool's mutex once per magazine batch. See docs/memory.md ("Object pool") for numbers.
//
//   hotpath::object_pool<node> pool;
//   node* n = pool.create(1, "a");                 // throws std::bad_alloc at a cap
//   pool.destroy(n);                               // O(1), any order
//   auto u = pool.make_unique(2, "b");             // destroyed through the pool
//   hotpath::concurrent_object_pool<node> shared;  // per-thread caches, cross-thread destroy
#ifndef HOTPATH_POOL_HPP
#define HOTPATH_POOL_HPP

#include <hotpath/detail/config.hpp>
#include <hotpath/pool/fixed_pool_resource.hpp>
#include <hotpath/pool/policies.hpp>
#include <hotpath/pool/storage.hpp>
#include <hotpath/pool/thread_cache.hpp>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <memory_resource>
#include <mutex>
#include <new>
#include <type_traits>
#include <utility>

namespace hotpath {

// Deleter of the unique_ptrs made by basic_object_pool::make_unique: destroys through the pool.
template <class Pool>
class pool_deleter {
 public:
  pool_deleter() noexcept = default;
  explicit pool_deleter(Pool& pool) noexcept : pool_(&pool) {}
  void operator()(typename Pool::value_type* p) const noexcept { pool_->destroy(p); }
  Pool* pool() const noexcept { return pool_; }

 private:
  Pool* pool_ = nullptr;
};

template <class T, pool_policy... Policies>
class basic_object_pool {
  static_assert(std::is_object_v<T> && !std::is_array_v<T> && !std::is_const_v<T> &&
                    !std::is_volatile_v<T>,
                "basic_object_pool<T>: T must be a non-const, non-volatile, non-array object type");
  static_assert(std::is_nothrow_destructible_v<T>,
                "basic_object_pool<T>: T's destructor must not throw");
  static_assert(detail::count_pool_policy<detail::pool_policy_kind::thread, Policies...> <= 1,
                "basic_object_pool takes at most one thread policy (pool::single_threaded, "
                "pool::mutex_locked or pool::thread_cached<N>)");
  static_assert(detail::count_pool_policy<detail::pool_policy_kind::growth, Policies...> <= 1,
                "basic_object_pool takes at most one growth policy (pool::geometric_growth<I, M>)");
  static_assert(detail::count_pool_policy<detail::pool_policy_kind::live_cap, Policies...> <= 1,
                "basic_object_pool takes at most one pool::max_live<N>");
  static_assert(detail::count_pool_policy<detail::pool_policy_kind::spare_cap, Policies...> <= 1,
                "basic_object_pool takes at most one pool::max_spare_blocks<N>");

 public:
  using value_type = T;
  using thread_policy = typename detail::pick_pool_policy<detail::pool_policy_kind::thread,
                                                          pool::single_threaded, Policies...>::type;
  using growth_policy =
      typename detail::pick_pool_policy<detail::pool_policy_kind::growth, pool::geometric_growth<>,
                                        Policies...>::type;
  using deleter_type = pool_deleter<basic_object_pool>;
  using unique_ptr = std::unique_ptr<T, deleter_type>;

  static constexpr bool is_thread_safe = !std::is_same_v<thread_policy, pool::single_threaded>;
  static constexpr std::size_t live_cap =
      detail::count_pool_policy<detail::pool_policy_kind::live_cap, Policies...> != 0
          ? detail::pick_pool_policy<detail::pool_policy_kind::live_cap, pool::max_live<1>,
                                     Policies...>::type::value
          : std::numeric_limits<std::size_t>::max();
  static constexpr bool spare_capped =
      detail::count_pool_policy<detail::pool_policy_kind::spare_cap, Policies...> != 0;

 private:
  static constexpr bool single = std::is_same_v<thread_policy, pool::single_threaded>;
  static constexpr bool locked = std::is_same_v<thread_policy, pool::mutex_locked>;
  static constexpr bool cached = detail::is_thread_cached<thread_policy>;
  static_assert(
      single || locked || cached,
      "basic_object_pool: the thread policy must be pool::single_threaded, pool::mutex_locked or "
      "pool::thread_cached<N>");

  static constexpr detail::pool_layout layout = detail::pool_layout::make(sizeof(T), alignof(T));
  using storage_type =
      std::conditional_t<spare_capped, detail::slab_storage, detail::freelist_storage>;

  static detail::pool_storage_config config(std::pmr::memory_resource* upstream) noexcept {
    detail::pool_storage_config c;
    c.layout = layout;
    c.initial_slots = growth_policy::initial_slots;
    c.max_slots = growth_policy::max_slots;
    c.slot_cap = live_cap;
    if constexpr (spare_capped) {
      c.spare_cap = detail::pick_pool_policy<detail::pool_policy_kind::spare_cap,
                                             pool::max_spare_blocks<0>, Policies...>::type::value;
    }
    c.upstream = upstream;
    return c;
  }

 public:
  // An empty pool; blocks come from `upstream` (which must outlive the pool). No block is
  // allocated; thread_cached allocates its shared control block (std::bad_alloc on failure).
  explicit basic_object_pool(
      std::pmr::memory_resource* upstream = std::pmr::new_delete_resource()) noexcept(!cached)
      : storage_(config(upstream)) {
    if constexpr (cached) {
      ctrl_ = std::make_shared<detail::tcache_ctrl>();
      id_ = detail::next_pool_id();
    }
  }

  basic_object_pool(const basic_object_pool&) = delete;
  basic_object_pool& operator=(const basic_object_pool&) = delete;

  // Returns every block upstream. Objects still live are NOT destroyed (their memory is
  // released). No other thread may use the pool concurrently.
  ~basic_object_pool() {
    if constexpr (cached) {
      std::lock_guard<std::mutex> g(ctrl_->mu);
      ctrl_->alive.store(false, std::memory_order_release);
      ctrl_->caches.clear();
    }
  }

  // Builds a T from args in a pooled slot. Throws std::bad_alloc when the live cap is reached
  // or upstream fails, and whatever T's constructor throws (then the slot is given back and
  // live() is unchanged). O(1) amortised; thread-safe unless pool::single_threaded.
  template <class... Args>
  [[nodiscard]] T* create(Args&&... args) {
    const std::size_t carved_before = carved_if_needed<Args...>();
    void* p = acquire();
    if (HOTPATH_UNLIKELY(p == nullptr)) detail::pool_throw_bad_alloc();
    return construct(p, carved_before, std::forward<Args>(args)...);
  }

  // As create, but returns nullptr instead of throwing std::bad_alloc (T's constructor may
  // still throw).
  template <class... Args>
  [[nodiscard]] T* try_create(Args&&... args) {
    const std::size_t carved_before = carved_if_needed<Args...>();
    void* p = acquire();
    if (HOTPATH_UNLIKELY(p == nullptr)) return nullptr;
    return construct(p, carved_before, std::forward<Args>(args)...);
  }

  // Runs ~T and recycles the slot. p must come from this pool's create (or be nullptr: no-op);
  // any thread may destroy (unless pool::single_threaded). O(1). Double destroy aborts in
  // HOTPATH_DEBUG builds; under ASan the slot is poisoned afterwards.
  void destroy(T* p) noexcept {
    if (p == nullptr) return;
    void* s = p;
    HOTPATH_UNPOISON(s, layout.stride);  // lets the double-free check read a freed slot
    detail::pool_check_not_freed(s);
    p->~T();
    detail::pool_mark_freed(s);
    HOTPATH_POISON(s, layout.stride);
    release(s);
  }

  // create() wrapped in a unique_ptr whose deleter destroys through this pool.
  template <class... Args>
  [[nodiscard]] unique_ptr make_unique(Args&&... args) {
    return unique_ptr(create(std::forward<Args>(args)...), deleter_type(*this));
  }

  // Objects currently live. With pool::thread_cached, a snapshot (exact when no thread is inside
  // create/destroy).
  std::size_t live() const noexcept {
    if constexpr (peak_is_carved) {
      return storage_.carved() - storage_.free_count();
    } else if constexpr (single) {
      return created_ - destroyed_;
    } else if constexpr (locked) {
      std::lock_guard<std::mutex> g(mu_);
      return live_;
    } else {
      std::lock_guard<std::mutex> g(ctrl_->mu);
      std::size_t cached_slots = 0;
      for (detail::tcache_base* c : ctrl_->caches) {
        cached_slots += c->count.load(std::memory_order_relaxed);
      }
      return live_ - std::min(live_, cached_slots);
    }
  }

  // Highest live() so far. With pool::thread_cached: the highest number of slots out of the shared
  // storage (live plus those parked in per-thread magazines), an upper bound.
  std::size_t peak() const noexcept {
    if constexpr (peak_is_carved) {
      return storage_.carved();
    } else if constexpr (single) {
      return peak_;
    } else {
      std::lock_guard<std::mutex> g(mutex());
      return peak_;
    }
  }

  // Slots in the blocks currently held from upstream.
  std::size_t capacity() const noexcept {
    if constexpr (single) {
      return storage_.capacity();
    } else {
      std::lock_guard<std::mutex> g(mutex());
      return storage_.capacity();
    }
  }

  // Blocks currently held from upstream.
  std::size_t blocks() const noexcept {
    if constexpr (single) {
      return storage_.blocks();
    } else {
      std::lock_guard<std::mutex> g(mutex());
      return storage_.blocks();
    }
  }

  // Bytes between two slots (sizeof(T) rounded up to its alignment, at least one pointer).
  static constexpr std::size_t slot_stride() noexcept { return layout.stride; }

 private:
  using magazine_size_t = std::uint32_t;

  // The per-thread cache of one pool::thread_cached pool.
  struct magazine final : detail::tcache_base {
    static constexpr magazine_size_t batch = [] {
      if constexpr (cached)
        return static_cast<magazine_size_t>(thread_policy::magazine_size);
      else
        return magazine_size_t{1};
    }();
    magazine(std::shared_ptr<detail::tcache_ctrl> c, basic_object_pool* p) noexcept
        : tcache_base(std::move(c)), pool(p) {}
    void retire() noexcept override {
      std::lock_guard<std::mutex> g(ctrl->mu);
      if (!ctrl->alive.load(std::memory_order_relaxed)) return;
      const magazine_size_t n = count.load(std::memory_order_relaxed);
      for (magazine_size_t i = 0; i < n; ++i) pool->storage_.deallocate(slots[i]);
      pool->live_ -= n;
      count.store(0, std::memory_order_relaxed);
      std::erase(ctrl->caches, this);
    }
    basic_object_pool* pool;
    void* slots[2 * batch];
  };

  std::mutex& mutex() const noexcept {
    if constexpr (cached)
      return ctrl_->mu;
    else
      return mu_;
  }

  // For a constructor that may throw in the counter-free layout: whether acquire() carved a
  // fresh slot (which unacquire then uncarves, keeping peak() as it was).
  template <class... Args>
  std::size_t carved_if_needed() const noexcept {
    if constexpr (peak_is_carved && !std::is_nothrow_constructible_v<T, Args...>) {
      return storage_.carved();
    } else {
      return 0;
    }
  }

  template <class... Args>
  T* construct(void* p, [[maybe_unused]] std::size_t carved_before, Args&&... args) {
    HOTPATH_UNPOISON(p, layout.stride);
    detail::pool_mark_used(p);
    if constexpr (std::is_nothrow_constructible_v<T, Args...>) {
      T* t = ::new (p) T(std::forward<Args>(args)...);
      note_created();
      return t;
    } else {
      T* t;
      try {
        t = ::new (p) T(std::forward<Args>(args)...);
      } catch (...) {
        detail::pool_mark_freed(p);
        HOTPATH_POISON(p, layout.stride);
        unacquire(p, carved_before);
        throw;
      }
      note_created();
      return t;
    }
  }

  // pool::single_threaded over the free-stack layout keeps no counter besides the stack height:
  // live() is carved - free slots and peak() the carved count (see storage.hpp). The slab
  // layout releases blocks, so it counts.
  static constexpr bool peak_is_carved = single && !spare_capped;

  HOTPATH_ALWAYS_INLINE void note_created() noexcept {
    if constexpr (single && !peak_is_carved) {
      ++created_;
      if (created_ - destroyed_ > peak_) peak_ = created_ - destroyed_;
    }
  }

  // A raw slot, or nullptr at the cap / on upstream failure. Stats of locked and cached pools
  // count the slot here; pool::single_threaded ones in note_created.
  HOTPATH_ALWAYS_INLINE void* acquire() noexcept {
    if constexpr (single) {
      return storage_.allocate();
    } else if constexpr (locked) {
      std::lock_guard<std::mutex> g(mu_);
      void* p = storage_.allocate();
      if (p != nullptr && ++live_ > peak_) peak_ = live_;
      return p;
    } else {
      magazine* m = my_magazine();
      if (HOTPATH_UNLIKELY(m == nullptr)) return acquire_locked();
      magazine_size_t n = m->count.load(std::memory_order_relaxed);
      if (HOTPATH_UNLIKELY(n == 0)) {
        n = refill(m);
        if (n == 0) return nullptr;
      }
      void* p = m->slots[--n];
      m->count.store(n, std::memory_order_relaxed);
      return p;
    }
  }

  // Gives back a slot whose constructor threw: live() is as before the create.
  void unacquire(void* p, std::size_t carved_before) noexcept {
    if constexpr (peak_is_carved) {
      if (storage_.carved() != carved_before)
        storage_.uncarve(p);
      else
        storage_.deallocate(p);
    } else if constexpr (single) {
      storage_.deallocate(p);
    } else {
      release(p);
    }
  }

  HOTPATH_ALWAYS_INLINE void release(void* p) noexcept {
    if constexpr (single) {
      if constexpr (!peak_is_carved) ++destroyed_;
      storage_.deallocate(p);
    } else if constexpr (locked) {
      std::lock_guard<std::mutex> g(mu_);
      --live_;
      storage_.deallocate(p);
    } else {
      magazine* m = my_magazine();
      if (HOTPATH_UNLIKELY(m == nullptr)) return release_locked(p);
      magazine_size_t n = m->count.load(std::memory_order_relaxed);
      if (HOTPATH_UNLIKELY(n == 2 * magazine::batch)) n = flush(m);
      m->slots[n] = p;
      m->count.store(n + 1, std::memory_order_relaxed);
    }
  }

  // ---- pool::thread_cached machinery (live_/peak_ count slots out of the shared storage) ----

  HOTPATH_ALWAYS_INLINE magazine* my_magazine() noexcept {
    detail::tcache_hint& h = detail::tl_tcache_hints[id_ % detail::tcache_hint_slots];
    if (HOTPATH_LIKELY(h.id == id_)) return static_cast<magazine*>(h.cache);
    return find_magazine();
  }

  HOTPATH_NOINLINE magazine* find_magazine() noexcept {
    if (detail::tl_tcache_state == 2) return nullptr;  // thread exiting: use the shared path
    detail::tcache_registry& reg = detail::tl_tcache_registry();
    auto* m = static_cast<magazine*>(reg.find(ctrl_.get()));
    if (m == nullptr) {
      m = new (std::nothrow) magazine(ctrl_, this);
      if (m == nullptr) return nullptr;
      try {
        reg.caches.push_back(m);
        std::lock_guard<std::mutex> g(ctrl_->mu);
        ctrl_->caches.push_back(m);
      } catch (...) {
        std::erase(reg.caches, m);
        delete m;
        return nullptr;
      }
    }
    detail::tl_tcache_hints[id_ % detail::tcache_hint_slots] = {id_, m};
    return m;
  }

  HOTPATH_NOINLINE magazine_size_t refill(magazine* m) noexcept {
    std::lock_guard<std::mutex> g(ctrl_->mu);
    magazine_size_t n = 0;
    while (n < magazine::batch) {
      void* p = storage_.allocate();
      if (p == nullptr) break;
      m->slots[n++] = p;
    }
    live_ += n;
    if (live_ > peak_) peak_ = live_;
    return n;
  }

  // Returns the older half of a full magazine to the shared storage; the new count.
  HOTPATH_NOINLINE magazine_size_t flush(magazine* m) noexcept {
    {
      std::lock_guard<std::mutex> g(ctrl_->mu);
      for (magazine_size_t i = 0; i < magazine::batch; ++i) storage_.deallocate(m->slots[i]);
      live_ -= magazine::batch;
    }
    std::memmove(m->slots, m->slots + magazine::batch, magazine::batch * sizeof(void*));
    return magazine::batch;
  }

  HOTPATH_NOINLINE void* acquire_locked() noexcept {
    std::lock_guard<std::mutex> g(ctrl_->mu);
    void* p = storage_.allocate();
    if (p != nullptr && ++live_ > peak_) peak_ = live_;
    return p;
  }

  HOTPATH_NOINLINE void release_locked(void* p) noexcept {
    std::lock_guard<std::mutex> g(ctrl_->mu);
    --live_;
    storage_.deallocate(p);
  }

  struct no_mutex {};
  storage_type storage_;
  std::size_t created_ = 0;  // pool::single_threaded slab layout: live = created_ - destroyed_

  std::size_t destroyed_ = 0;
  std::size_t live_ = 0;  // pool::mutex_locked / pool::thread_cached (under the mutex)
  std::size_t peak_ = 0;
  [[no_unique_address]] mutable std::conditional_t<locked, std::mutex, no_mutex> mu_;
  std::shared_ptr<detail::tcache_ctrl> ctrl_;  // pool::thread_cached only
  std::uint64_t id_ = 0;                       // pool::thread_cached only
};

// A single-threaded pool of T: the fastest policy set.
template <class T>
using object_pool = basic_object_pool<T>;

// A pool of T that several threads share: every operation takes one mutex.
template <class T>
using locked_object_pool = basic_object_pool<T, pool::mutex_locked>;

// A pool of T that several threads share, with per-thread magazines of 64 slots: creates and
// destroys touch no shared cache line except once per 64 operations.
template <class T, std::size_t MagazineSize = 64>
using concurrent_object_pool = basic_object_pool<T, pool::thread_cached<MagazineSize>>;

}  // namespace hotpath

#endif  // HOTPATH_POOL_HPP
