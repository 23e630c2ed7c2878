// hotpath/log/topology.hpp: the ring sets behind hotpath::async_logger's topology policy, one
// MPSC ring shared by all producer threads (shared_ring) or one SPSC ring per producer thread
// (per_thread_rings). Included by <hotpath/logger.hpp>; internal.
//
// Both offer the logger the same interface: push() on any producer thread; drain_round(),
// drain_published() and release on the logger's thread; stats() on any thread.
//
// per_thread_rings: a thread's first log call to a logger allocates a node (ring + counters),
// registers it in the logger's list under a mutex and remembers it in a thread_local cache
// keyed by the logger's id (ids are never reused, addresses are). Later calls read the cache:
// no lock, no read-modify-write. When the thread exits, a thread_local owner marks its nodes
// retired; the logger thread drains a retired node to empty, moves its counters into totals
// and frees it. A node is reference-counted (the thread and the logger) because either side
// may go first: the logger may be destroyed while threads that used it live on.
#ifndef HOTPATH_LOG_TOPOLOGY_HPP
#define HOTPATH_LOG_TOPOLOGY_HPP

#include <hotpath/detail/config.hpp>
#include <hotpath/detail/log_util.hpp>
#include <hotpath/log/policies.hpp>
#include <hotpath/log/record.hpp>
#include <hotpath/log_ring.hpp>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <new>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace hotpath::detail {

struct log_counts {
  std::uint64_t pushed;
  std::uint64_t written;
  std::uint64_t dropped;
};

// Ring positions a consumer has used up: written records, plus evicted ones when producers
// overwrite (they advance the ring's head too).
template <class Ring>
std::uint64_t log_consumed(const Ring& r, std::uint64_t written) noexcept {
  if constexpr (Ring::is_overwriting) return written + r.dropped();
  return written;
}

// Records handed to a ring: accepted ones, plus rejected ones under drop_newest.
template <class Ring>
std::uint64_t log_attempts(const Ring& r) noexcept {
  if constexpr (Ring::is_overwriting || Ring::is_blocking) return r.pushed();
  return r.pushed() + r.dropped();
}

// Pushes a record (blocking policy: waits for space). False when dropped.
template <class Ring, class... Args>
HOTPATH_ALWAYS_INLINE bool log_push(Ring& r, log_level lvl, const log_format& fmt,
                                    const Args&... args) noexcept {
  if constexpr (Ring::is_blocking) {
    r.emplace(lvl, fmt, args...);
    return true;
  } else {
    return r.try_emplace(lvl, fmt, args...);
  }
}

// --- shared_ring: one MPSC ring ------------------------------------------------------------

template <class Overflow>
class log_shared_rings {
  using ring_type = basic_log_ring<log_record, multi_producer, Overflow>;

 public:
  explicit log_shared_rings(std::size_t capacity) : ring_(capacity) {}

  template <class... Args>
  HOTPATH_ALWAYS_INLINE bool push(log_level lvl, const log_format& fmt,
                                  const Args&... args) noexcept {
    return log_push(ring_, lvl, fmt, args...);
  }

  // Logger thread: writes up to `batch` records; `more` says the ring probably has more.
  template <class W>
  std::size_t drain_round(W& write, std::size_t batch, bool& more) {
    const std::size_t n = drain(write, batch);
    more = n == batch;
    return n;
  }

  // Logger thread: writes every record whose push completed before the call (records still
  // being formatted in claimed slots finish quickly; we wait for them).
  template <class W>
  void drain_published(W& write, std::size_t batch) {
    const std::uint64_t target = ring_.pushed();
    while (log_consumed(ring_, written_.load(std::memory_order_relaxed)) < target) {
      if (drain(write, batch) == 0) std::this_thread::yield();
    }
  }

  log_counts counts() const noexcept {
    const std::uint64_t written = written_.load(std::memory_order_acquire);
    return {log_attempts(ring_), written, ring_.dropped()};
  }

 private:
  template <class W>
  std::size_t drain(W& write, std::size_t batch) {
    const std::size_t n = ring_.drain(write, batch);
    if (n != 0) {
      written_.store(written_.load(std::memory_order_relaxed) + n, std::memory_order_release);
    }
    return n;
  }

  ring_type ring_;
  alignas(log_line) std::atomic<std::uint64_t> written_{0};
};

// --- per_thread_rings: one SPSC ring per producer thread ------------------------------------

inline std::uint64_t log_new_logger_id() noexcept {
  static std::atomic<std::uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

template <class Ring>
struct log_thread_node {
  explicit log_thread_node(std::size_t capacity) : ring(capacity) {}

  Ring ring;
  alignas(log_line) std::atomic<std::uint64_t> written{0};  // logger thread
  std::atomic<bool> retired{false};    // the producer thread exited: it pushes no more
  std::atomic<std::uint32_t> refs{2};  // the producer thread and the logger

  static void release(log_thread_node* n) noexcept {
    if (n->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) delete n;
  }
};

template <class Overflow>
class log_thread_rings {
  using ring_type = basic_log_ring<log_record, single_producer, Overflow>;
  using node = log_thread_node<ring_type>;

  // The hot-path cache: trivially destructible, so reading it needs no TLS init guard.
  struct cache_entry {
    std::uint64_t id;
    node* n;
    bool exiting;  // the owner below is gone (a log call from a later thread_local destructor)
  };
  static cache_entry& cache() noexcept {
    static thread_local cache_entry c{0, nullptr, false};
    return c;
  }

  // Every node this thread created (for any logger of this type); retires them at exit.
  struct owner {
    std::vector<std::pair<std::uint64_t, node*>> nodes;
    owner() = default;
    owner(const owner&) = delete;
    owner& operator=(const owner&) = delete;
    ~owner() {
      for (auto& e : nodes) {
        e.second->retired.store(true, std::memory_order_release);
        node::release(e.second);
      }
      cache() = cache_entry{0, nullptr, true};
    }
  };
  static owner& owned() {
    static thread_local owner o;
    return o;
  }

 public:
  explicit log_thread_rings(std::size_t capacity)
      : capacity_(capacity), id_(log_new_logger_id()) {
    log_round_capacity(capacity);  // throws now for a bad capacity, not on a producer thread
  }
  log_thread_rings(const log_thread_rings&) = delete;
  log_thread_rings& operator=(const log_thread_rings&) = delete;

  // The logger thread has stopped: drop the logger's reference to every node. Nodes of live
  // threads stay allocated until those threads exit (or log to a newer logger).
  ~log_thread_rings() {
    for (node* n : nodes_) node::release(n);
  }

  template <class... Args>
  HOTPATH_ALWAYS_INLINE bool push(log_level lvl, const log_format& fmt,
                                  const Args&... args) noexcept {
    const cache_entry& c = cache();
    node* n = HOTPATH_LIKELY(c.id == id_) ? c.n : attach();
    if (HOTPATH_UNLIKELY(n == nullptr)) return false;  // counted in lost_
    return log_push(n->ring, lvl, fmt, args...);
  }

  template <class W>
  std::size_t drain_round(W& write, std::size_t batch, bool& more) {
    refresh();
    std::size_t total = 0;
    more = false;
    bool reap = false;
    for (node* n : local_) {
      const bool retired = n->retired.load(std::memory_order_acquire);
      const std::size_t k = drain(n, write, batch);
      total += k;
      if (k == batch) more = true;
      if (retired && empty(n)) reap = true;
    }
    if (reap) reap_retired();
    return total;
  }

  template <class W>
  void drain_published(W& write, std::size_t batch) {
    refresh();  // nodes registered before the request are in the list
    for (node* n : local_) {
      const std::uint64_t target = n->ring.pushed();
      while (log_consumed(n->ring, n->written.load(std::memory_order_relaxed)) < target) {
        if (drain(n, write, batch) == 0) std::this_thread::yield();
      }
    }
    reap_retired();
  }

  log_counts counts() const noexcept {
    std::lock_guard<std::mutex> lock(mu_);
    log_counts c = gone_;
    const std::uint64_t lost = lost_.load(std::memory_order_relaxed);
    c.pushed += lost;
    c.dropped += lost;
    for (const node* n : nodes_) {
      c.written += n->written.load(std::memory_order_acquire);
      c.dropped += n->ring.dropped();
      c.pushed += log_attempts(n->ring);
    }
    return c;
  }

 private:
  // Slow path of push(): this thread's node for this logger, created on first use. nullptr
  // (the record counted as lost) when the thread is exiting or memory runs out.
  HOTPATH_NOINLINE node* attach() noexcept {
    cache_entry& c = cache();
    node* n = nullptr;
    if (!c.exiting) {
      try {
        n = find_or_register(owned());
      } catch (...) {  // std::bad_alloc: a log call must not throw
        n = nullptr;
      }
    }
    if (n == nullptr) {
      lost_.fetch_add(1, std::memory_order_relaxed);
      return nullptr;
    }
    c = cache_entry{id_, n, false};
    return n;
  }

  node* find_or_register(owner& o) {
    for (auto& e : o.nodes) {
      if (e.first == id_) return e.second;
    }
    // Forget nodes of destroyed loggers (ours is then the only reference).
    std::erase_if(o.nodes, [](const std::pair<std::uint64_t, node*>& e) {
      if (e.second->refs.load(std::memory_order_acquire) != 1) return false;
      node::release(e.second);
      return true;
    });
    o.nodes.reserve(o.nodes.size() + 1);  // emplace_back below must not throw
    auto* n = new node(capacity_);
    {
      std::lock_guard<std::mutex> lock(mu_);
      try {
        nodes_.push_back(n);
      } catch (...) {
        delete n;
        throw;
      }
      version_.store(version_.load(std::memory_order_relaxed) + 1, std::memory_order_release);
    }
    o.nodes.emplace_back(id_, n);
    return n;
  }

  // Logger thread: picks up newly registered nodes.
  void refresh() {
    if (version_.load(std::memory_order_acquire) == seen_) return;
    std::lock_guard<std::mutex> lock(mu_);
    local_ = nodes_;
    seen_ = version_.load(std::memory_order_relaxed);
  }

  template <class W>
  std::size_t drain(node* n, W& write, std::size_t batch) {
    const std::size_t k = n->ring.drain(write, batch);
    if (k != 0) {
      n->written.store(n->written.load(std::memory_order_relaxed) + k, std::memory_order_release);
    }
    return k;
  }

  static bool empty(const node* n) noexcept {
    return log_consumed(n->ring, n->written.load(std::memory_order_relaxed)) == n->ring.pushed();
  }

  // Logger thread: frees nodes whose thread exited and whose ring is empty; their counters
  // move into gone_ under the same lock that counts() reads, so totals never jump.
  void reap_retired() {
    std::vector<node*> dead;
    {
      std::lock_guard<std::mutex> lock(mu_);
      dead.reserve(nodes_.size());
      std::erase_if(nodes_, [&](node* n) {
        if (!n->retired.load(std::memory_order_acquire) || !empty(n)) return false;
        gone_.pushed += log_attempts(n->ring);
        gone_.written += n->written.load(std::memory_order_relaxed);
        gone_.dropped += n->ring.dropped();
        dead.push_back(n);  // reserved: does not throw
        return true;
      });
      local_ = nodes_;
      seen_ = version_.load(std::memory_order_relaxed);
    }
    for (node* n : dead) node::release(n);
  }

  const std::size_t capacity_;
  const std::uint64_t id_;
  mutable std::mutex mu_;       // guards nodes_, gone_; taken on registration and reaping
  std::vector<node*> nodes_;    // live nodes (the logger holds a reference to each)
  log_counts gone_{0, 0, 0};    // counters of freed nodes
  std::atomic<std::uint64_t> version_{0};  // bumped on registration
  std::vector<node*> local_;    // logger thread: its copy of nodes_
  std::uint64_t seen_ = 0;      // logger thread: version_ of local_
  std::atomic<std::uint64_t> lost_{0};  // records of threads that could not get a node
};

template <class Topology, class Overflow>
using log_rings_for = std::conditional_t<Topology::log_topology == log_topology_kind::per_thread,
                                         log_thread_rings<Overflow>, log_shared_rings<Overflow>>;

}  // namespace hotpath::detail

#endif  // HOTPATH_LOG_TOPOLOGY_HPP
