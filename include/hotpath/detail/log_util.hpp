// hotpath/detail/log_util.hpp: small helpers shared by the log ring and the logger (cache-line
// size for padding, CPU pause, power-of-two rounding, the cold error path). Internal.
#ifndef HOTPATH_DETAIL_LOG_UTIL_HPP
#define HOTPATH_DETAIL_LOG_UTIL_HPP

#include <hotpath/detail/config.hpp>

#include <bit>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace hotpath::detail {

// Producer and consumer state live 128 bytes apart: x86 cores prefetch cache lines in
// adjacent pairs, so 64-byte separation still lets the two sides disturb each other.
inline constexpr std::size_t log_line = 128;

// One spin-wait step: tells the core we are spinning (frees the sibling hyperthread, avoids
// the memory-order machine clear on exit).
HOTPATH_ALWAYS_INLINE void log_cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#elif defined(__aarch64__)
  asm volatile("yield" ::: "memory");
#endif
}

[[noreturn]] HOTPATH_NOINLINE inline void log_throw_capacity(std::size_t requested) {
  throw std::length_error("hotpath::basic_log_ring: capacity " + std::to_string(requested) +
                          " is not in [1, 2^40]");
}

// Capacity rounded up to a power of two, at least 2 (the sequenced layout tells "written at
// pos" (pos + 1) from "free for pos + capacity" only when capacity > 1).
inline std::uint64_t log_round_capacity(std::size_t requested) {
  if (requested == 0 || requested > (std::size_t{1} << 40)) log_throw_capacity(requested);
  return std::bit_ceil(std::uint64_t{requested} < 2 ? std::uint64_t{2} : std::uint64_t{requested});
}

}  // namespace hotpath::detail

#endif  // HOTPATH_DETAIL_LOG_UTIL_HPP
