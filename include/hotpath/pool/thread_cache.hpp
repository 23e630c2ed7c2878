// hotpath/pool/thread_cache.hpp: per-thread, per-pool magazines for the thread_cached policy
// of hotpath::basic_object_pool. Internal.
//
// Design
// - Every thread_cached pool owns a shared control block (mutex + alive flag + the list of its
//   magazines) and a process-unique 64-bit id (never reused, so a stale id cannot match).
// - A thread finds its magazine for a pool through a 4-entry direct-mapped hint table
//   (`thread_local`, trivially destructible, so the access is a plain TLS load), falling back
//   to the thread's registry (a vector, searched by control block) and creating the magazine
//   there on first use.
// - The registry is a thread_local with a destructor: at thread exit it hands each magazine's
//   slots back to its pool if the pool is still alive (checked under the pool's mutex, which
//   the pool's destructor also takes to clear the flag), then frees the magazine.
// - Slots move between threads only through the pool's mutex (a magazine flush on one thread,
//   a refill on another), which gives the happens-before edge; the magazine's count is a
//   relaxed atomic written only by its owner so that stats can read it from any thread.
#ifndef HOTPATH_POOL_THREAD_CACHE_HPP
#define HOTPATH_POOL_THREAD_CACHE_HPP

#include <hotpath/detail/config.hpp>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace hotpath::detail {

struct tcache_base;

// Shared by a pool and its magazines; outlives whichever goes last.
struct tcache_ctrl {
  std::mutex mu;
  std::atomic<bool> alive{true};     // false once the pool is destroyed (written under mu)
  std::vector<tcache_base*> caches;  // the pool's live magazines (guarded by mu)
};

struct tcache_base {
  explicit tcache_base(std::shared_ptr<tcache_ctrl> c) noexcept : ctrl(std::move(c)) {}
  tcache_base(const tcache_base&) = delete;
  tcache_base& operator=(const tcache_base&) = delete;
  virtual ~tcache_base() = default;
  // At thread exit: give the cached slots back to the pool if it is still alive.
  virtual void retire() noexcept = 0;

  std::shared_ptr<tcache_ctrl> ctrl;
  std::atomic<std::uint32_t> count{0};  // slots cached; written by the owner thread only
};

inline constexpr std::size_t tcache_hint_slots = 4;

struct tcache_hint {
  std::uint64_t id;
  tcache_base* cache;
};

// Direct-mapped by pool id; trivially destructible so that access needs no TLS wrapper.
inline constinit thread_local tcache_hint tl_tcache_hints[tcache_hint_slots] = {};
// 0: no registry yet, 1: registry alive, 2: registry destroyed (thread is exiting).
inline constinit thread_local int tl_tcache_state = 0;

inline std::uint64_t next_pool_id() noexcept {
  static std::atomic<std::uint64_t> counter{0};
  return counter.fetch_add(1, std::memory_order_relaxed) + 1;  // 0 marks an empty hint
}

struct tcache_registry {
  std::vector<tcache_base*> caches;  // owned

  tcache_registry() noexcept { tl_tcache_state = 1; }
  tcache_registry(const tcache_registry&) = delete;
  tcache_registry& operator=(const tcache_registry&) = delete;
  ~tcache_registry() {
    tl_tcache_state = 2;
    for (tcache_hint& h : tl_tcache_hints) h = {};
    for (tcache_base* c : caches) {
      c->retire();
      delete c;
    }
  }

  // The magazine of this thread for `ctrl`, or nullptr. Frees magazines of dead pools.
  tcache_base* find(const tcache_ctrl* ctrl) noexcept {
    tcache_base* found = nullptr;
    std::erase_if(caches, [&](tcache_base* c) {
      if (c->ctrl.get() == ctrl) {
        found = c;
        return false;
      }
      if (!c->ctrl->alive.load(std::memory_order_acquire)) {
        delete c;
        return true;
      }
      return false;
    });
    return found;
  }
};

inline tcache_registry& tl_tcache_registry() noexcept {
  static thread_local tcache_registry r;
  return r;
}

}  // namespace hotpath::detail

#endif  // HOTPATH_POOL_THREAD_CACHE_HPP
