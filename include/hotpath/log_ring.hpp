// hotpath/log_ring.hpp: a bounded lock-free ring for log and audit records, one consumer, one or
// many producers, with a chosen overflow behaviour: drop the newest record and count it,
// overwrite the oldest and tell the consumer how many it missed, or block the producer.
//
// Versus peers: boost::lockfree::spsc_queue re-reads the other side's index on every operation
// and has no overflow policy; moodycamel::ConcurrentQueue is unbounded per producer and
// allocates. Here capacity is fixed at construction, producer and consumer state sit on
// separate 128-byte blocks, each side caches the other's index (SPSC) or checks only the
// slot it touches anyway (sequenced layout), and drain() consumes a batch in place.
//
// Performance: an SPSC push is a compare against a cached index, a write prefetch a few slots
// ahead, the record copy and one release store; the MPSC push adds one compare-and-swap on the
// shared tail. See docs/log_ring.md for the measured comparison and the memory-ordering
// argument.
//
// Example:
//   hotpath::mpsc_log_ring<event> ring(1024);            // capacity 1024 (rounded to 2^k)
//   if (!ring.try_push(event{id, 42})) { /* full: counted in ring.dropped() */ }
//   ring.drain([](event& e) { write(e); });              // consumer thread, in place
//   hotpath::basic_log_ring<event, hotpath::multi_producer, hotpath::block_when_full<>>
//   audit(4096); audit.push(event{id, 7});                            // waits for space, never
//   drops
#ifndef HOTPATH_LOG_RING_HPP
#define HOTPATH_LOG_RING_HPP

#include <hotpath/detail/config.hpp>
#include <hotpath/detail/log_util.hpp>
#include <hotpath/detail/prefetch.hpp>
#include <hotpath/log/policies.hpp>

#include <algorithm>
#include <atomic>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <new>
#include <thread>
#include <type_traits>
#include <utility>

namespace hotpath {

// The engine. Policies (any order, each kind at most once): single_producer (default) or
// multi_producer; drop_newest (default), overwrite_oldest or block_when_full<SpinCount>.
// T must be nothrow destructible and nothrow move-assignable (try_pop moves into `out`).
template <class T, log_ring_policy... Policies>
class basic_log_ring {
  static_assert(detail::log_count_kind<detail::log_policy_kind::producers, Policies...> <= 1,
                "basic_log_ring: give at most one producers policy (single_producer or "
                "multi_producer)");
  static_assert(detail::log_count_kind<detail::log_policy_kind::overflow, Policies...> <= 1,
                "basic_log_ring: give at most one overflow policy (drop_newest, "
                "overwrite_oldest or block_when_full<>)");
  static_assert(std::is_nothrow_destructible_v<T>,
                "basic_log_ring<T>: T must be nothrow destructible");
  static_assert(std::is_nothrow_move_assignable_v<T>,
                "basic_log_ring<T>: T must be nothrow move-assignable (try_pop moves into out)");

 public:
  using value_type = T;
  using producers_policy = typename detail::log_pick<detail::log_policy_kind::producers,
                                                     single_producer, Policies...>::type;
  using overflow_policy =
      typename detail::log_pick<detail::log_policy_kind::overflow, drop_newest, Policies...>::type;

  static constexpr bool is_multi_producer = producers_policy::multi;
  static constexpr bool is_overwriting =
      overflow_policy::overflow == detail::log_overflow_kind::overwrite_oldest;
  static constexpr bool is_blocking = overflow_policy::overflow == detail::log_overflow_kind::block;

 private:
  // Sequenced layout (per-slot sequence numbers) when several producers claim slots or when
  // producers may evict the consumer's next record; otherwise plain indices with caches.
  static constexpr bool sequenced = is_multi_producer || is_overwriting;

  struct plain_cell {
    alignas(T) unsigned char bytes[sizeof(T)];
  };
  struct seq_cell {
    std::atomic<std::uint64_t> seq;
    alignas(T) unsigned char bytes[sizeof(T)];
  };
  using cell = std::conditional_t<sequenced, seq_cell, plain_cell>;

  // Plain layout: the producer prefetches for writing the slot this many positions ahead of
  // the one it fills, try_pop prefetches for reading the record this many positions ahead.
  static constexpr std::uint64_t prefetch_distance = 8;

 public:
  // Creates an empty ring of capacity bit_ceil(max(capacity, 2)). Allocates once and touches
  // every page (no page faults on the first lap); throws
  // std::length_error when capacity is 0 or above 2^40, std::bad_alloc when out of memory.
  explicit basic_log_ring(std::size_t capacity)
      : shared_{nullptr, detail::log_round_capacity(capacity) - 1,
                detail::log_round_capacity(capacity)} {
    shared_.cells = static_cast<cell*>(
        ::operator new (sizeof(cell) * shared_.cap, std::align_val_t{detail::log_line}));
    if constexpr (sequenced) {
      for (std::uint64_t i = 0; i < shared_.cap; ++i) {
        ::new (static_cast<void*>(&shared_.cells[i].seq)) std::atomic<std::uint64_t>(i);
      }
    } else {
      // Touch every page now (the sequenced layout does so above): the first lap must not
      // page-fault on the producer's hot path.
      std::memset(static_cast<void*>(shared_.cells), 0, sizeof(cell) * shared_.cap);
    }
  }

  basic_log_ring(const basic_log_ring&) = delete;
  basic_log_ring& operator=(const basic_log_ring&) = delete;

  // Destroys the records still in the ring. No thread may use the ring concurrently.
  ~basic_log_ring() {
    const std::uint64_t t = prod_.tail.load(std::memory_order_acquire);
    for (std::uint64_t h = cons_.head.load(std::memory_order_acquire); h != t; ++h) {
      cell& c = at(h);
      if constexpr (sequenced) {
        if (c.seq.load(std::memory_order_acquire) != h + 1) continue;
      }
      value(c)->~T();
    }
    ::operator delete (static_cast<void*>(shared_.cells), std::align_val_t{detail::log_line});
  }

  // Producer. Copies v into the ring. Returns false when the ring is full: counted in
  // dropped() under drop_newest, not counted under block_when_full; always true under
  // overwrite_oldest (the oldest record is discarded instead). Never allocates or blocks
  // (overwrite_oldest may spin while the consumer finishes copying the record it evicts).
  bool try_push(const T& v) noexcept requires std::is_nothrow_copy_constructible_v<T> {
    return try_emplace(v);
  }
  bool try_push(T&& v) noexcept requires std::is_nothrow_move_constructible_v<T> {
    return try_emplace(std::move(v));
  }

  // Producer. As try_push, constructing T(args...) in the slot (nothing is constructed when
  // it returns false).
  template <class... Args>
  requires std::is_nothrow_constructible_v<T, Args&&...>
  bool try_emplace(Args&&... args) noexcept {
    if constexpr (!sequenced) {
      const std::uint64_t t = prod_.tail.load(std::memory_order_relaxed);
      if (HOTPATH_UNLIKELY(t - prod_.head_cache >= shared_.cap)) {
        prod_.head_cache = cons_.head.load(std::memory_order_acquire);
        if (t - prod_.head_cache >= shared_.cap) {
          note_full();
          return false;
        }
      }
      // Request the line prefetch_distance slots ahead in writable state now, so its
      // ownership transfer overlaps with the pushes in between instead of stalling the store
      // buffer when that push commits (only if the consumer is known to be done with it).
      if (t + prefetch_distance - prod_.head_cache < shared_.cap) {
        detail::prefetch_write(&at(t + prefetch_distance));
      }
      ::new (static_cast<void*>(at(t).bytes)) T(std::forward<Args>(args)...);
      prod_.tail.store(t + 1, std::memory_order_release);
      return true;
    } else {
      std::uint64_t pos;
      cell* c = claim(pos);
      if (c == nullptr) return false;
      ::new (static_cast<void*>(c->bytes)) T(std::forward<Args>(args)...);
      c->seq.store(pos + 1, std::memory_order_release);
      return true;
    }
  }

  // Producer, block_when_full only: waits until the record fits (spins, then sleeps in
  // std::atomic::wait until the consumer frees a slot). Never drops.
  void push(const T& v) noexcept requires is_blocking && std::is_nothrow_copy_constructible_v<T> {
    emplace(v);
  }
  void push(T&& v) noexcept requires is_blocking && std::is_nothrow_move_constructible_v<T> {
    emplace(std::move(v));
  }
  template <class... Args>
  requires is_blocking && std::is_nothrow_constructible_v<T, Args&&...>
  void emplace(Args&&... args) noexcept {
    // try_emplace constructs only on success, so forwarding again after a failure is safe.
    while (!try_emplace(std::forward<Args>(args)...)) wait_for_space();
  }

  // Consumer (one thread). Moves the oldest record into out; false when the ring is empty
  // (or the next record is still being written). `missed` receives how many records were
  // overwritten between the previous popped record and this one (always 0 unless
  // overwrite_oldest).
  bool try_pop(T& out) noexcept {
    std::uint64_t missed;
    return try_pop(out, missed);
  }
  bool try_pop(T& out, std::uint64_t& missed) noexcept {
    if constexpr (!sequenced) {  // the common case, without drain()'s batch bookkeeping
      const std::uint64_t h = cons_.head.load(std::memory_order_relaxed);
      if (h == cons_.tail_cache) {
        cons_.tail_cache = prod_.tail.load(std::memory_order_acquire);
        if (h == cons_.tail_cache) return false;
      }
      // Fetch a later record's line while this one is copied, only one already published
      // (an unwritten slot's line would be pulled away from the producer).
      if (h + prefetch_distance < cons_.tail_cache) {
        detail::prefetch_read(&at(h + prefetch_distance));
      }
      T* v = value(at(h));
      out = std::move(*v);
      v->~T();
      cons_.head.store(h + 1, std::memory_order_release);
      after_consume();
      missed = 0;
      return true;
    } else if constexpr (!is_overwriting) {
      const std::uint64_t h = cons_.head.load(std::memory_order_relaxed);
      cell& c = at(h);
      if (c.seq.load(std::memory_order_acquire) != h + 1) return false;
      T* v = value(c);
      out = std::move(*v);
      v->~T();
      c.seq.store(h + shared_.cap, std::memory_order_release);
      cons_.head.store(h + 1, std::memory_order_release);
      after_consume();
      missed = 0;
      return true;
    } else {
      return drain(
                 [&](T& v, std::uint64_t m) noexcept {
                   out = std::move(v);
                   missed = m;
                 },
                 1) == 1;
    }
  }

  // Consumer (one thread). Calls f(T&) or f(T&, std::uint64_t missed) on up to max records,
  // oldest first, in place in the ring; each record is destroyed after f returns (or throws:
  // it then counts as consumed and the exception propagates). Returns the number consumed.
  template <class F>
  requires std::invocable<F&, T&> || std::invocable<F&, T&, std::uint64_t> std::size_t drain(
      F&& f, std::size_t max = std::numeric_limits<std::size_t>::max()) {
    if constexpr (!sequenced) {
      std::uint64_t h = cons_.head.load(std::memory_order_relaxed);
      std::uint64_t avail = cons_.tail_cache - h;
      if (avail == 0) {
        cons_.tail_cache = prod_.tail.load(std::memory_order_acquire);
        avail = cons_.tail_cache - h;
        if (avail == 0) return 0;
      }
      const std::uint64_t n = std::min<std::uint64_t>(avail, max);
      const std::uint64_t end = h + n;
      finisher fin{this, h};
      while (fin.pos != end) {
        fin.current = &at(fin.pos);
        invoke(f, *value(*fin.current), 0);
        fin.done();
        // Give the producer room during long batches without a store per record.
        if ((fin.pos & 63) == 0) cons_.head.store(fin.pos, std::memory_order_release);
      }
      return static_cast<std::size_t>(n);
    } else if constexpr (!is_overwriting) {
      const std::uint64_t start = cons_.head.load(std::memory_order_relaxed);
      finisher fin{this, start};
      while (fin.pos - start < max) {
        cell& c = at(fin.pos);
        if (c.seq.load(std::memory_order_acquire) != fin.pos + 1) break;
        fin.current = &c;
        invoke(f, *value(c), 0);
        fin.done();
        if ((fin.pos & 63) == 0) cons_.head.store(fin.pos, std::memory_order_release);
      }
      return static_cast<std::size_t>(fin.pos - start);
    } else {
      std::size_t n = 0;
      while (n < max) {
        std::uint64_t h = cons_.head.load(std::memory_order_acquire);
        cell& c = at(h);
        const std::uint64_t seq = c.seq.load(std::memory_order_acquire);
        if (seq != h + 1) {
          if (static_cast<std::int64_t>(seq - (h + 1)) < 0) break;  // empty or being written
          continue;  // a producer evicted h meanwhile
        }
        // Producers evict by advancing head too: whoever moves head past h owns record h.
        if (!cons_.head.compare_exchange_weak(h, h + 1, std::memory_order_acq_rel,
                                              std::memory_order_relaxed)) {
          continue;
        }
        const std::uint64_t missed = h - cons_.next;
        cons_.next = h + 1;
        ++n;
        overwrite_finisher fin{this, &c, h};
        invoke(f, *value(c), missed);
      }
      return n;
    }
  }

  // Records discarded by the ring so far: rejected pushes (drop_newest) or evicted records
  // (overwrite_oldest); always 0 under block_when_full. Any thread; exact once quiescent.
  std::uint64_t dropped() const noexcept { return prod_.dropped.load(std::memory_order_acquire); }

  // Records accepted by the ring so far (successful pushes). Any thread. With drop_newest,
  // attempts == pushed() + dropped(); with overwrite_oldest, pushed() == popped + dropped().
  std::uint64_t pushed() const noexcept { return prod_.tail.load(std::memory_order_acquire); }

  // Records in the ring now, in [0, capacity()]; a snapshot that may be stale. Any thread.
  std::size_t size_approx() const noexcept {
    const std::uint64_t h = cons_.head.load(std::memory_order_acquire);
    const std::uint64_t t = prod_.tail.load(std::memory_order_acquire);
    const std::uint64_t d = t - h;
    return static_cast<std::size_t>(static_cast<std::int64_t>(d) < 0 ? 0
                                                                     : std::min(d, shared_.cap));
  }

  // The capacity: the constructor's argument rounded up to a power of two (at least 2).
  std::size_t capacity() const noexcept { return static_cast<std::size_t>(shared_.cap); }

 private:
  cell& at(std::uint64_t pos) const noexcept { return shared_.cells[pos & shared_.mask]; }
  static T* value(cell& c) noexcept { return std::launder(reinterpret_cast<T*>(c.bytes)); }

  template <class F>
  static void invoke(F& f, T& v, std::uint64_t missed) {
    if constexpr (std::invocable<F&, T&, std::uint64_t>) {
      f(v, missed);
    } else {
      f(v);
    }
  }

  void note_full() noexcept {
    if constexpr (overflow_policy::overflow == detail::log_overflow_kind::drop_newest) {
      if constexpr (is_multi_producer) {
        prod_.dropped.fetch_add(1, std::memory_order_relaxed);
      } else {  // one writer: no locked instruction needed
        prod_.dropped.store(prod_.dropped.load(std::memory_order_relaxed) + 1,
                            std::memory_order_relaxed);
      }
    }
  }

  // Sequenced layout: claims position pos for the calling producer, or returns nullptr when
  // the ring is full (drop_newest, block_when_full). Under overwrite_oldest, evicts instead.
  cell* claim(std::uint64_t& pos) noexcept {
    pos = prod_.tail.load(std::memory_order_relaxed);
    for (unsigned spins = 0;; ++spins) {
      cell& c = at(pos);
      const std::uint64_t seq = c.seq.load(std::memory_order_acquire);
      const auto dif = static_cast<std::int64_t>(seq - pos);
      if (dif == 0) {
        if constexpr (is_multi_producer) {
          if (prod_.tail.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed,
                                               std::memory_order_relaxed)) {
            return &c;
          }
          continue;  // pos holds the new tail
        } else {
          prod_.tail.store(pos + 1, std::memory_order_relaxed);
          return &c;
        }
      } else if (dif < 0) {  // the slot still holds record pos - cap: the ring is full
        if constexpr (is_overwriting) {
          if (seq == pos - shared_.cap + 1) evict(pos - shared_.cap, c);
          if ((spins & 127) == 127) std::this_thread::yield();  // its owner may be preempted
          detail::log_cpu_relax();
        } else {
          const std::uint64_t now = prod_.tail.load(std::memory_order_relaxed);
          if (now == pos) {
            note_full();
            return nullptr;
          }
        }
      }
      pos = prod_.tail.load(std::memory_order_relaxed);
    }
  }

  // overwrite_oldest: takes record `old` away from the consumer by advancing head past it.
  void evict(std::uint64_t old, cell& c) noexcept {
    std::uint64_t h = old;
    if (cons_.head.compare_exchange_strong(h, old + 1, std::memory_order_acq_rel,
                                           std::memory_order_relaxed)) {
      value(c)->~T();
      prod_.dropped.fetch_add(1, std::memory_order_relaxed);
      c.seq.store(old + shared_.cap, std::memory_order_release);
    }
  }

  // Called by the consumer after publishing a new head: wakes producers blocked in push().
  void after_consume() noexcept {
    if constexpr (is_blocking) {
      // Pairs with the seq_cst increment of waiters in wait_for_space: either the producer
      // sees the new head or we see its waiter count (store-load order needs the fence).
#if HOTPATH_TSAN  // TSan does not model fences; a seq_cst RMW is a full fence on x86 too
      if (shared_.waiters.fetch_add(0, std::memory_order_seq_cst) != 0) cons_.head.notify_all();
#else
      std::atomic_thread_fence(std::memory_order_seq_cst);
      if (shared_.waiters.load(std::memory_order_relaxed) != 0) cons_.head.notify_all();
#endif
    }
  }

  bool has_space() const noexcept {
    return prod_.tail.load(std::memory_order_relaxed) - cons_.head.load(std::memory_order_acquire) <
           shared_.cap;
  }

  void wait_for_space() noexcept requires is_blocking {
    for (unsigned i = 0; i < overflow_policy::spin_count; ++i) {
      if (has_space()) return;
      detail::log_cpu_relax();
    }
    for (;;) {
      shared_.waiters.fetch_add(1, std::memory_order_seq_cst);
      const std::uint64_t h = cons_.head.load(std::memory_order_seq_cst);
      if (prod_.tail.load(std::memory_order_relaxed) - h < shared_.cap) {
        shared_.waiters.fetch_sub(1, std::memory_order_relaxed);
        return;
      }
      cons_.head.wait(h, std::memory_order_acquire);
      shared_.waiters.fetch_sub(1, std::memory_order_relaxed);
    }
  }

  // Consumer bookkeeping of drain(): destroys the current record and advances, also when the
  // callback throws; publishes the final head on scope exit.
  struct finisher {
    basic_log_ring* ring;
    std::uint64_t start;
    std::uint64_t pos = start;
    cell* current = nullptr;
    void done() noexcept {
      value(*current)->~T();
      if constexpr (sequenced) {
        current->seq.store(pos + ring->shared_.cap, std::memory_order_release);
      }
      current = nullptr;
      ++pos;
    }
    ~finisher() {
      if (current != nullptr) done();
      if (pos != start) {
        // The loop may have published pos already; blocked producers must be woken anyway.
        ring->cons_.head.store(pos, std::memory_order_release);
        ring->after_consume();
      }
    }
  };
  struct overwrite_finisher {
    basic_log_ring* ring;
    cell* c;
    std::uint64_t h;
    ~overwrite_finisher() {
      value(*c)->~T();
      c->seq.store(h + ring->shared_.cap, std::memory_order_release);
    }
  };

  // Written by producers: the tail, the SPSC producer's cache of head, the drop count.
  struct alignas(detail::log_line) producer_state {
    std::atomic<std::uint64_t> tail{0};
    std::uint64_t head_cache = 0;
    std::atomic<std::uint64_t> dropped{0};
  };
  // Written by the consumer (and by evicting producers under overwrite_oldest).
  struct alignas(detail::log_line) consumer_state {
    std::atomic<std::uint64_t> head{0};
    std::uint64_t tail_cache = 0;
    std::uint64_t next = 0;  // overwrite_oldest: the position after the last popped record
  };
  // Read-mostly: written only when a producer starts or stops waiting.
  struct alignas(detail::log_line) shared_state {
    cell* cells;
    std::uint64_t mask;
    std::uint64_t cap;
    std::atomic<std::uint32_t> waiters{0};
  };

  producer_state prod_;
  consumer_state cons_;
  shared_state shared_;
};

// One producer thread, one consumer thread, drop the newest record when full.
template <class T>
using spsc_log_ring = basic_log_ring<T, single_producer, drop_newest>;

// Any number of producer threads, one consumer thread, drop the newest record when full.
template <class T>
using mpsc_log_ring = basic_log_ring<T, multi_producer, drop_newest>;

}  // namespace hotpath

#endif  // HOTPATH_LOG_RING_HPP
