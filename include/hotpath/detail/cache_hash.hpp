// hotpath/detail/cache_hash.hpp: the hashers behind hotpath::cache's hash policies and the
// per-instance seed source. Internal; see <hotpath/cache/policies.hpp>.
//
// The cache's index keeps 32 bits of the 64-bit hash (its fingerprint and home slot) and the
// sharded cache picks a shard from the low bits, so every hasher here must mix all input bits
// into both halves: the integer path is a 64x64->128 multiply folded (hi ^ lo), which does.
#ifndef HOTPATH_DETAIL_CACHE_HASH_HPP
#define HOTPATH_DETAIL_CACHE_HASH_HPP

#include <hotpath/detail/config.hpp>

#include <atomic>
#include <chrono>
#include <concepts>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <type_traits>

#include <xxhash.h>

namespace hotpath::detail {

__extension__ using cache_u128 = unsigned __int128;

// Folded 128-bit product: cheap, and every input bit reaches both halves of the result.
[[nodiscard]] HOTPATH_ALWAYS_INLINE std::uint64_t cache_mix(std::uint64_t x,
                                                            std::uint64_t seed) noexcept {
  const cache_u128 r =
      static_cast<cache_u128>(x ^ seed) * static_cast<cache_u128>(0x9E3779B97F4A7C15ull);
  return static_cast<std::uint64_t>(r) ^ static_cast<std::uint64_t>(r >> 64);
}

[[nodiscard]] inline std::uint64_t cache_splitmix64(std::uint64_t x) noexcept {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// A fresh seed per call: a process-wide counter, the address of a global (ASLR) and the time,
// through splitmix64. Not cryptographic; enough that two processes (and two caches) differ.
[[nodiscard]] inline std::uint64_t cache_next_seed() noexcept {
  static std::atomic<std::uint64_t> counter{0};
  const auto n = counter.fetch_add(1, std::memory_order_relaxed);
  const auto addr = static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(&counter));
  const auto t =
      static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  return cache_splitmix64(cache_splitmix64(n ^ addr) ^ t);
}

template <class K>
inline constexpr bool cache_is_stringish =
    std::is_convertible_v<const K&, std::string_view> && !std::is_pointer_v<K>;

// Hashers that hash some other type Q exactly as the key it stands for (std::string_view or
// const char* for a std::string key) say so with is_transparent: the cache then accepts Q in
// get/peek/contains/erase without building a K.
struct cache_transparent_tag {
  using is_transparent = void;
};
struct cache_opaque_tag {};
template <class H>
concept cache_transparent_hasher = requires { typename H::is_transparent; };

// The hasher of seeded_hash / fixed_seed_hash.
template <class K>
class cache_seeded_hasher
    : public std::conditional_t<cache_is_stringish<K>, cache_transparent_tag, cache_opaque_tag> {
 public:
  explicit cache_seeded_hasher(std::uint64_t seed) noexcept : seed_(seed) {}
  [[nodiscard]] std::uint64_t seed() const noexcept { return seed_; }

  [[nodiscard]] std::uint64_t operator()(const K& key) const
      noexcept(std::is_integral_v<K> || std::is_enum_v<K> || cache_is_stringish<K> ||
               std::is_nothrow_invocable_v<std::hash<K>, const K&>) {
    if constexpr (std::is_integral_v<K> || std::is_enum_v<K>) {
      return cache_mix(static_cast<std::uint64_t>(key), seed_);
    } else if constexpr (cache_is_stringish<K>) {
      const std::string_view s(key);
      return XXH3_64bits_withSeed(s.data(), s.size(), seed_);
    } else {
      return cache_mix(static_cast<std::uint64_t>(std::hash<K>{}(key)), seed_);
    }
  }
  // A string key's stand-in (string_view, const char*, literal): the same bytes, the same hash.
  template <class Q>
  requires(cache_is_stringish<K> && !std::is_same_v<Q, K> &&
           std::is_convertible_v<const Q&, std::string_view>)
  [[nodiscard]] std::uint64_t operator()(const Q& key) const noexcept {
    const std::string_view s(key);
    return XXH3_64bits_withSeed(s.data(), s.size(), seed_);
  }

 private:
  std::uint64_t seed_;
};

// The hasher of hash_by<H>: the user's hash mixed with the seed.
template <class H>
class cache_custom_hasher
    : public std::conditional_t<cache_transparent_hasher<H>, cache_transparent_tag,
                                cache_opaque_tag> {
 public:
  explicit cache_custom_hasher(std::uint64_t seed) noexcept : seed_(seed) {}
  [[nodiscard]] std::uint64_t seed() const noexcept { return seed_; }

  template <class K>
  [[nodiscard]] std::uint64_t operator()(const K& key) const
      noexcept(std::is_nothrow_invocable_v<const H&, const K&>) {
    return cache_mix(static_cast<std::uint64_t>(h_(key)), seed_);
  }

 private:
  [[no_unique_address]] H h_{};
  std::uint64_t seed_;
};

}  // namespace hotpath::detail

#endif  // HOTPATH_DETAIL_CACHE_HASH_HPP
