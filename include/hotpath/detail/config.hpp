// hotpath/detail/config.hpp: library-wide macros (assertions, feature detection, sanitizer
// hooks). Included by every public header; nothing here is meant for users except
// HOTPATH_ASSERT, which they may override by defining it before including hotpath.
#ifndef HOTPATH_DETAIL_CONFIG_HPP
#define HOTPATH_DETAIL_CONFIG_HPP

#include <cstdio>
#include <cstdlib>

#define HOTPATH_VERSION_MAJOR 0
#define HOTPATH_VERSION_MINOR 1
#define HOTPATH_VERSION_PATCH 0

// HOTPATH_HAS_SHA256 is 1 when OpenSSL libcrypto is linked (the CMake target defines
// HOTPATH_HAS_OPENSSL); the sha256 policy exists only then.
#if defined(HOTPATH_HAS_OPENSSL) && HOTPATH_HAS_OPENSSL
#define HOTPATH_HAS_SHA256 1
#else
#define HOTPATH_HAS_SHA256 0
#endif

#if defined(__GNUC__) || defined(__clang__)
#define HOTPATH_LIKELY(x) __builtin_expect(!!(x), 1)
#define HOTPATH_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define HOTPATH_NOINLINE __attribute__((noinline))
#define HOTPATH_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define HOTPATH_LIKELY(x) (x)
#define HOTPATH_UNLIKELY(x) (x)
#define HOTPATH_NOINLINE
#define HOTPATH_ALWAYS_INLINE inline
#endif

// AddressSanitizer / HWASan / ThreadSanitizer detection (gcc defines __SANITIZE_*, clang has
// __has_feature).
#if defined(__SANITIZE_ADDRESS__)
#define HOTPATH_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HOTPATH_ASAN 1
#endif
#endif
#ifndef HOTPATH_ASAN
#define HOTPATH_ASAN 0
#endif

#if defined(__SANITIZE_HWADDRESS__)
#define HOTPATH_HWASAN 1
#elif defined(__has_feature)
#if __has_feature(hwaddress_sanitizer)
#define HOTPATH_HWASAN 1
#endif
#endif
#ifndef HOTPATH_HWASAN
#define HOTPATH_HWASAN 0
#endif

#if defined(__SANITIZE_THREAD__)
#define HOTPATH_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define HOTPATH_TSAN 1
#endif
#endif
#ifndef HOTPATH_TSAN
#define HOTPATH_TSAN 0
#endif

#if HOTPATH_ASAN
#include <sanitizer/asan_interface.h>
// Marks [p, p+n) unaddressable / addressable again. No-ops without ASan.
#define HOTPATH_POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define HOTPATH_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define HOTPATH_POISON(p, n) ((void)(p), (void)(n))
#define HOTPATH_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

// HOTPATH_DEBUG: extra checks (double free detection, ...) that cost time on hot paths.
// On in debug builds (no NDEBUG); define it to 0 or 1 to force.
#ifndef HOTPATH_DEBUG
#ifdef NDEBUG
#define HOTPATH_DEBUG 0
#else
#define HOTPATH_DEBUG 1
#endif
#endif

namespace hotpath::detail {

// Out of line and cold so that assertions cost one predictable branch on the hot path.
[[noreturn]] HOTPATH_NOINLINE inline void assert_failed(const char* expr, const char* file,
                                                        int line) noexcept {
  std::fprintf(stderr, "hotpath: assertion failed: %s (%s:%d)\n", expr, file, line);
  std::abort();
}

}  // namespace hotpath::detail

// HOTPATH_ASSERT(cond): checks an internal invariant or a precondition whose violation
// would corrupt memory. Active when HOTPATH_DEBUG is on; override by defining it first.
#ifndef HOTPATH_ASSERT
#if HOTPATH_DEBUG
#define HOTPATH_ASSERT(cond)                                                   \
  (HOTPATH_LIKELY(cond) ? static_cast<void>(0)                                 \
                        : ::hotpath::detail::assert_failed(#cond, __FILE__, __LINE__))
#else
#define HOTPATH_ASSERT(cond) static_cast<void>(0)
#endif
#endif

#endif  // HOTPATH_DETAIL_CONFIG_HPP
