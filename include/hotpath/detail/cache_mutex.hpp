// hotpath/detail/cache_mutex.hpp: the shard lock of the concurrent cache. Internal.
//
// Why not std::mutex: a shard's critical sections last ~50-200 ns, but glibc's default mutex
// puts a contended locker to sleep at once (futex wait, then a futex wake by the owner): two
// syscalls and a context switch, microseconds, for a wait that would have lasted a few hundred
// nanoseconds. Measured on the 2-vCPU VM (docs/cache.md): ~15k voluntary context switches and
// 0.35 s of system time per 10M-request two-thread pass. This lock spins first, reading
// (not writing) the state while it waits so the owner's line is not pulled away, and only then
// sleeps on the state word (C++20 atomic wait: a futex on Linux). State: 0 free, 1 held, 2 held
// with possible sleepers (Drepper's "mutexes are tricky" protocol).
#ifndef HOTPATH_DETAIL_CACHE_MUTEX_HPP
#define HOTPATH_DETAIL_CACHE_MUTEX_HPP

#include <hotpath/detail/config.hpp>

#include <atomic>
#include <cstdint>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace hotpath::detail {

HOTPATH_ALWAYS_INLINE void cache_cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#elif defined(__aarch64__)
  asm volatile("yield" ::: "memory");
#endif
}

class cache_mutex {
 public:
  cache_mutex() = default;
  cache_mutex(const cache_mutex&) = delete;
  cache_mutex& operator=(const cache_mutex&) = delete;

  void lock() noexcept {
    std::uint32_t expected = 0;
    if (HOTPATH_LIKELY(state_.compare_exchange_strong(expected, 1, std::memory_order_acquire,
                                                      std::memory_order_relaxed))) {
      return;
    }
    lock_slow();
  }
  bool try_lock() noexcept {
    std::uint32_t expected = 0;
    return state_.compare_exchange_strong(expected, 1, std::memory_order_acquire,
                                          std::memory_order_relaxed);
  }
  void unlock() noexcept {
    if (HOTPATH_UNLIKELY(state_.exchange(0, std::memory_order_release) == 2)) state_.notify_one();
  }

 private:
  HOTPATH_NOINLINE void lock_slow() noexcept {
    // ~2-4 us of spinning at most: far longer than a critical section, far shorter than a
    // scheduler quantum.
    for (int i = 0; i < 128; ++i) {
      cache_cpu_relax();
      if (state_.load(std::memory_order_relaxed) == 0) {
        std::uint32_t expected = 0;
        if (state_.compare_exchange_weak(expected, 1, std::memory_order_acquire,
                                         std::memory_order_relaxed)) {
          return;
        }
      }
    }
    // Mark "sleepers possible" and sleep until the owner's unlock wakes us.
    while (state_.exchange(2, std::memory_order_acquire) != 0) state_.wait(2);
  }

  std::atomic<std::uint32_t> state_{0};
};

}  // namespace hotpath::detail

#endif  // HOTPATH_DETAIL_CACHE_MUTEX_HPP
