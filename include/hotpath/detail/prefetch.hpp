// hotpath/detail/prefetch.hpp: cache-line prefetch hints shared by the primitives (the cache's
// eviction look-ahead, the log ring's producer and consumer). Internal.
//
// On x86 they are asm statements: GCC's pure-const analysis treats __builtin_prefetch as free
// of side effects, so a function whose only work is a prefetch is deleted at its call sites.
// A prefetch never faults and never changes a result.
#ifndef HOTPATH_DETAIL_PREFETCH_HPP
#define HOTPATH_DETAIL_PREFETCH_HPP

#include <hotpath/detail/config.hpp>

namespace hotpath::detail {

// Asks for the cache line at p ahead of a load.
HOTPATH_ALWAYS_INLINE void prefetch_read([[maybe_unused]] const void* p) noexcept {
#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
  asm volatile("prefetcht0 %0" : : "m"(*static_cast<const char*>(p)));
#elif defined(__GNUC__) || defined(__clang__)
  __builtin_prefetch(p, 0, 3);
#endif
}

// Asks for the cache line at p in writable state ahead of a store (x86 PREFETCHW; CPUs without
// it decode the opcode as a no-op): the ownership transfer overlaps with the work in between
// instead of stalling the store buffer when the store commits.
HOTPATH_ALWAYS_INLINE void prefetch_write([[maybe_unused]] const void* p) noexcept {
#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
  asm volatile("prefetchw %0" : : "m"(*static_cast<const char*>(p)));
#elif defined(__GNUC__) || defined(__clang__)
  __builtin_prefetch(p, 1, 3);
#endif
}

}  // namespace hotpath::detail

#endif  // HOTPATH_DETAIL_PREFETCH_HPP
