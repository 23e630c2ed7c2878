// hotpath/interner/policies.hpp: the policies of hotpath::basic_interner (hash, threading,
// limits) and the concepts that check them. Included by <hotpath/interner.hpp>.
//
// A policy is a small type with a member `interner_policy_kind`; pass at most one of each kind,
// in any order. An arena upstream policy (hotpath::new_delete_upstream, malloc_upstream,
// pmr_upstream, see <hotpath/arena/policies.hpp>) may be passed too: every byte the interner
// holds (string store, index, symbol table) then comes from it.
//
//   hotpath::basic_interner<hotpath::fixed_seed_xxh3<42>> reproducible;
//   hotpath::basic_interner<hotpath::sharded<16>, hotpath::pmr_upstream> shared(&resource);
//   hotpath::basic_interner<hotpath::interner_limits<1000, 256>> bounded;  // untrusted input
#ifndef HOTPATH_INTERNER_POLICIES_HPP
#define HOTPATH_INTERNER_POLICIES_HPP

#include <hotpath/detail/config.hpp>
#include <hotpath/detail/interner_short.hpp>
#include <hotpath/detail/xxh.hpp>

#include <atomic>
#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <random>
#include <string_view>
#include <thread>
#include <type_traits>

namespace hotpath {

namespace detail {
struct interner_hash_kind {};
struct interner_threading_kind {};
struct interner_limits_kind {};

// A fresh 64-bit seed per call: one std::random_device draw per process, mixed with a counter,
// so seeding an interner costs a few instructions and no system call after the first.
inline std::uint64_t interner_fresh_seed() noexcept {
  static const std::uint64_t process_seed = [] {
    std::uint64_t s =
        static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
    try {
      std::random_device rd;
      s ^= (std::uint64_t{rd()} << 32) ^ rd();
    } catch (...) {  // no entropy source: the clock and the address below still differ per run
    }
    return interner_splitmix(s ^ reinterpret_cast<std::uintptr_t>(&s));
  }();
  static std::atomic<std::uint64_t> counter{0};
  return interner_splitmix(process_seed + counter.fetch_add(1, std::memory_order_relaxed));
}
// XXH3-64 of s: identifiers and keys are short, so the <= 16-byte kernel is called directly
// (inlined, no length dispatch or call); longer inputs take the usual entry point.
HOTPATH_ALWAYS_INLINE std::uint64_t interner_xxh3(std::string_view s, std::uint64_t seed) noexcept {
  if (HOTPATH_LIKELY(s.size() <= 16)) {
    return XXH3_len_0to16_64b(reinterpret_cast<const xxh_u8*>(s.data()), s.size(), XXH3_kSecret,
                              seed);
  }
  return xxh3_64(s.data(), s.size(), seed);
}

// The mix hash: 1 to 16 bytes through their key (detail/interner_short.hpp), others XXH3.
HOTPATH_ALWAYS_INLINE std::uint64_t interner_mix(std::string_view s, std::uint64_t seed,
                                                 const interner_mix_secret& secret) noexcept {
  if (HOTPATH_LIKELY(interner_is_short(s.size()))) {
    return interner_mix_key(interner_key(s.data(), s.size()), s.size(), secret);
  }
  return interner_xxh3(s, seed);
}

}  // namespace detail

// ---------------------------------------------------------------------------------------------
// Hash: a default-constructible callable `std::uint64_t operator()(std::string_view) const
// noexcept` whose bits are all well mixed (the index uses the high 32 bits, the shard choice
// the low ones).

// XXH3-64 with a seed drawn per instance (the default). Two interners hash differently, so an
// attacker who picks input strings cannot aim them at one probe sequence without observing
// this process (hash flooding protection; XXH3 with its public default secret has none).
struct seeded_xxh3 {
  using interner_policy_kind = detail::interner_hash_kind;
  seeded_xxh3() noexcept : seed_(detail::interner_fresh_seed()) {}
  explicit seeded_xxh3(std::uint64_t seed) noexcept : seed_(seed) {}
  [[nodiscard]] HOTPATH_ALWAYS_INLINE std::uint64_t operator()(std::string_view s) const noexcept {
    return detail::interner_xxh3(s, seed_);
  }
  [[nodiscard]] std::uint64_t seed() const noexcept { return seed_; }

 private:
  std::uint64_t seed_;
};

// XXH3-64 with a fixed seed: reproducible layouts (tests, benchmarks, golden files). Use only
// on trusted input.
template <std::uint64_t Seed = 0>
struct fixed_seed_xxh3 {
  using interner_policy_kind = detail::interner_hash_kind;
  [[nodiscard]] HOTPATH_ALWAYS_INLINE std::uint64_t operator()(std::string_view s) const noexcept {
    return detail::interner_xxh3(s, Seed);
  }
};

// The mix hash with a seed drawn per instance: strings of 1 to 16 bytes (most identifiers)
// are hashed as two words by two folded 64x64->128 multiplies with per-seed secret words, with
// no branch on their length (XXH3 branches on 1-3 / 4-8 / 9-16 bytes, which mispredict on a
// token stream: 3.8 ns per XXH3 on the benchmark corpus, 2.2 ns with the tokens sorted by
// length); the empty string and longer ones use seeded XXH3. Not a cryptographic function.
// The secret words come from the seed, so inputs cannot be aimed at one probe sequence
// without observing the process (as with seeded_xxh3).
struct seeded_mix {
  using interner_policy_kind = detail::interner_hash_kind;
  seeded_mix() noexcept : seeded_mix(detail::interner_fresh_seed()) {}
  explicit seeded_mix(std::uint64_t seed) noexcept
      : seed_(seed), secret_(detail::interner_make_secret(seed)) {}
  [[nodiscard]] HOTPATH_ALWAYS_INLINE std::uint64_t operator()(std::string_view s) const noexcept {
    return detail::interner_mix(s, seed_, secret_);
  }
  // operator() of a string of 1 to 16 bytes, from its key (detail::interner_key): lets
  // basic_interner build the key once for the hash and the comparison.
  [[nodiscard]] HOTPATH_ALWAYS_INLINE std::uint64_t short_key_hash(detail::interner_short_key k,
                                                                  std::size_t n) const noexcept {
    return detail::interner_mix_key(k, n, secret_);
  }
  [[nodiscard]] std::uint64_t seed() const noexcept { return seed_; }

 private:
  std::uint64_t seed_;
  detail::interner_mix_secret secret_;
};

// The mix hash with a fixed seed: reproducible layouts (tests, benchmarks). Trusted input only.
template <std::uint64_t Seed = 0>
struct fixed_seed_mix {
  using interner_policy_kind = detail::interner_hash_kind;
  [[nodiscard]] HOTPATH_ALWAYS_INLINE std::uint64_t operator()(std::string_view s) const noexcept {
    return detail::interner_mix(s, Seed, secret);
  }
  // operator() of a string of 1 to 16 bytes, from its key (detail::interner_key): lets
  // basic_interner build the key once for the hash and the comparison.
  [[nodiscard]] HOTPATH_ALWAYS_INLINE std::uint64_t short_key_hash(detail::interner_short_key k,
                                                                  std::size_t n) const noexcept {
    return detail::interner_mix_key(k, n, secret);
  }

 private:
  static constexpr detail::interner_mix_secret secret = detail::interner_make_secret(Seed);
};

// ---------------------------------------------------------------------------------------------
// Threading.

// One thread at a time (the default): no locks, no atomics read-modify-writes.
struct single_threaded {
  using interner_policy_kind = detail::interner_threading_kind;
  static constexpr bool concurrent = false;
  static constexpr std::size_t shards = 1;
};

// Any number of threads may intern/find/resolve at once. The index is split into Shards
// sub-indexes (by hash bits), each with its own mutex and string store; resolve takes no lock.
template <std::size_t Shards = 32>
struct sharded {
  static_assert(Shards >= 1 && (Shards & (Shards - 1)) == 0 && Shards <= 4096,
                "sharded<Shards>: Shards must be a power of two in [1, 4096]");
  using interner_policy_kind = detail::interner_threading_kind;
  static constexpr bool concurrent = true;
  static constexpr std::size_t shards = Shards;
};

// ---------------------------------------------------------------------------------------------
// Limits: the most symbols an interner holds and the longest string it accepts. intern()
// beyond either throws (hotpath::interner_full / std::length_error); ids never wrap.

template <std::uint64_t MaxSymbols = 0xFFFFFFFFull, std::uint64_t MaxLength = 0xFFFFFFFFull>
struct interner_limits {
  static_assert(MaxSymbols >= 1 && MaxSymbols <= 0xFFFFFFFFull,
                "interner_limits: MaxSymbols must be in [1, 2^32 - 1] (symbols are 32-bit and "
                "2^32 - 1 is the invalid id)");
  static_assert(MaxLength <= (std::uint64_t{1} << 48),
                "interner_limits: MaxLength must be at most 2^48");
  using interner_policy_kind = detail::interner_limits_kind;
  static constexpr std::uint64_t max_symbols = MaxSymbols;
  static constexpr std::uint64_t max_length = MaxLength;
};

// ---------------------------------------------------------------------------------------------
// Concepts.

template <class H>
concept interner_hash = std::default_initializable<H> && std::copy_constructible<H> &&
    requires(const H& h, std::string_view s) {
  { h(s) }
  noexcept->std::same_as<std::uint64_t>;
};

template <class T>
concept interner_threading = requires {
  { T::concurrent } -> std::convertible_to<bool>;
  { T::shards } -> std::convertible_to<std::size_t>;
};

template <class L>
concept interner_limit = requires {
  { L::max_symbols } -> std::convertible_to<std::uint64_t>;
  { L::max_length } -> std::convertible_to<std::uint64_t>;
};

namespace detail {

template <class P, class Kind>
inline constexpr bool interner_policy_is = [] {
  if constexpr (requires { typename P::interner_policy_kind; }) {
    return std::is_same_v<typename P::interner_policy_kind, Kind>;
  } else {
    return false;
  }
}();

template <class Kind, class Default, class... Ps>
struct select_interner_policy {
  using type = Default;
};
template <class Kind, class Default, class P, class... Ps>
struct select_interner_policy<Kind, Default, P, Ps...> {
  using type = std::conditional_t<interner_policy_is<P, Kind>, P,
                                  typename select_interner_policy<Kind, Default, Ps...>::type>;
};

template <class Kind, class... Ps>
inline constexpr std::size_t count_interner_policy = (std::size_t{0} + ... +
                                                      (interner_policy_is<Ps, Kind> ? 1 : 0));

}  // namespace detail

}  // namespace hotpath

#endif  // HOTPATH_INTERNER_POLICIES_HPP
