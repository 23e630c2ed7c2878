// hotpath/hash/algorithms.hpp: hash algorithm policies and the concept they satisfy.
//
// What: tag types naming a hash function for hotpath::hasher, hash(), hash_file(),
// hash_tree() and change_detector: xxh3_64, xxh3_128, xxh64 (xxHash, seedable) and sha256
// (OpenSSL libcrypto; only when HOTPATH_HAS_SHA256 is 1).
// Differs from peers: the policies are thin adapters over libxxhash and OpenSSL (no
// re-implementation); XXH3 on long inputs is dispatched at run time to the AVX2/AVX-512
// kernel the CPU has, although the project is compiled without -march (see detail/xxh.hpp).
// Performance: XXH3 runs at memory/cache bandwidth on long inputs (tens of GB/s), XXH64 at
// ~1 byte/cycle per lane, SHA-256 at OpenSSL's speed (SHA-NI when present, ~2 GB/s).
// Example:
//   static_assert(hotpath::hash_algorithm<hotpath::xxh3_64>);
//   hotpath::hasher<hotpath::xxh3_128> h;                 // streaming
//   h.update(std::string_view{"ab"}).update(std::string_view{"c"});
//   auto d = h.digest();                                  // == hash<xxh3_128>("abc")
//   auto s = hotpath::hash<hotpath::xxh64>(std::string_view{"abc"}, /*seed=*/42);
#ifndef HOTPATH_HASH_ALGORITHMS_HPP
#define HOTPATH_HASH_ALGORITHMS_HPP

#include <hotpath/detail/config.hpp>
#include <hotpath/detail/xxh.hpp>

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <string_view>
#include <utility>

#if HOTPATH_HAS_SHA256
#include <openssl/evp.h>
#endif

namespace hotpath {

// A hash algorithm policy provides:
//   digest_size            bytes of output (constexpr std::size_t)
//   name                   printable name (constexpr std::string_view)
//   state_type             streaming state, default constructible, copyable
//   reset(state&)          start a new message
//   update(state&, p, n)   absorb n bytes
//   final(const state&, out)  write digest_size canonical bytes, state unchanged
//   oneshot(p, n, out)     hash of one buffer
template <class A>
concept hash_algorithm = requires(typename A::state_type& s, const typename A::state_type& cs,
                                  const std::byte* p, std::size_t n, std::byte* out) {
  { A::digest_size } -> std::convertible_to<std::size_t>;
  { A::name } -> std::convertible_to<std::string_view>;
  requires std::default_initializable<typename A::state_type>;
  requires std::copy_constructible<typename A::state_type>;
  A::reset(s);
  A::update(s, p, n);
  A::final(cs, out);
  A::oneshot(p, n, out);
};

// A seeded algorithm also takes a 64-bit seed when a message starts.
template <class A>
concept seeded_hash_algorithm = hash_algorithm<A> &&
    requires(typename A::state_type& s, const std::byte* p, std::size_t n, std::byte* out,
             std::uint64_t seed) {
  A::reset(s, seed);
  A::oneshot(p, n, out, seed);
};

namespace detail {

inline void store_be64(std::byte* out, std::uint64_t v) noexcept {
  v = __builtin_bswap64(v);  // canonical = big-endian; one bswap + store
  std::memcpy(out, &v, 8);
}

// XXH3 streaming state: XXH3_state_t wants 64-byte alignment, which the member carries.
struct xxh3_state {
  XXH3_state_t s{};
};

}  // namespace detail

// XXH3, 64-bit output; prints like `xxhsum -H3`.
struct xxh3_64 {
  static constexpr std::size_t digest_size = 8;
  static constexpr std::string_view name = "XXH3_64";
  using state_type = detail::xxh3_state;

  static void reset(state_type& st, std::uint64_t seed = 0) noexcept {
    (void)XXH3_64bits_reset_withSeed(&st.s, seed);
  }
  static void update(state_type& st, const std::byte* p, std::size_t n) noexcept {
    detail::xxh3_64_update(&st.s, p, n);
  }
  static void final(const state_type& st, std::byte* out) noexcept {
    detail::store_be64(out, XXH3_64bits_digest(&st.s));
  }
  static void oneshot(const std::byte* p, std::size_t n, std::byte* out,
                      std::uint64_t seed = 0) noexcept {
    detail::store_be64(out, detail::xxh3_64(p, n, seed));
  }
};

// XXH3, 128-bit output (XXH128); prints like `xxhsum -H2`.
struct xxh3_128 {
  static constexpr std::size_t digest_size = 16;
  static constexpr std::string_view name = "XXH128";
  using state_type = detail::xxh3_state;

  static void reset(state_type& st, std::uint64_t seed = 0) noexcept {
    (void)XXH3_128bits_reset_withSeed(&st.s, seed);
  }
  static void update(state_type& st, const std::byte* p, std::size_t n) noexcept {
    detail::xxh3_128_update(&st.s, p, n);
  }
  static void final(const state_type& st, std::byte* out) noexcept {
    const XXH128_hash_t h = XXH3_128bits_digest(&st.s);
    detail::store_be64(out, h.high64);
    detail::store_be64(out + 8, h.low64);
  }
  static void oneshot(const std::byte* p, std::size_t n, std::byte* out,
                      std::uint64_t seed = 0) noexcept {
    const XXH128_hash_t h = detail::xxh3_128(p, n, seed);
    detail::store_be64(out, h.high64);
    detail::store_be64(out + 8, h.low64);
  }
};

// XXH64 (scalar, no SIMD variant exists); prints like `xxhsum -H1`.
struct xxh64 {
  static constexpr std::size_t digest_size = 8;
  static constexpr std::string_view name = "XXH64";
  struct state_type {
    XXH64_state_t s{};
  };

  static void reset(state_type& st, std::uint64_t seed = 0) noexcept {
    (void)XXH64_reset(&st.s, seed);
  }
  static void update(state_type& st, const std::byte* p, std::size_t n) noexcept {
    (void)XXH64_update(&st.s, p, n);
  }
  static void final(const state_type& st, std::byte* out) noexcept {
    detail::store_be64(out, XXH64_digest(&st.s));
  }
  static void oneshot(const std::byte* p, std::size_t n, std::byte* out,
                      std::uint64_t seed = 0) noexcept {
    detail::store_be64(out, XXH64(p, n, seed));
  }
};

#if HOTPATH_HAS_SHA256
namespace detail {

[[noreturn]] HOTPATH_NOINLINE inline void throw_openssl_failure() { throw std::bad_alloc(); }

inline const EVP_MD* sha256_md() noexcept {
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
  // Fetched once: EVP_sha256() would re-fetch the provider's implementation on every init.
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md != nullptr ? md : EVP_sha256();
#else
  return EVP_sha256();
#endif
}

// Owns an EVP_MD_CTX (allocated by OpenSSL); copy duplicates the running state.
class sha256_state {
 public:
  sha256_state() : ctx_(EVP_MD_CTX_new()) {
    if (ctx_ == nullptr || EVP_DigestInit_ex(ctx_, sha256_md(), nullptr) != 1) {
      EVP_MD_CTX_free(ctx_);
      throw_openssl_failure();
    }
  }
  sha256_state(const sha256_state& o) : ctx_(EVP_MD_CTX_new()) {
    if (ctx_ == nullptr || EVP_MD_CTX_copy_ex(ctx_, o.ctx_) != 1) {
      EVP_MD_CTX_free(ctx_);
      throw_openssl_failure();
    }
  }
  sha256_state(sha256_state&& o) noexcept : ctx_(o.ctx_) { o.ctx_ = nullptr; }
  sha256_state& operator=(sha256_state o) noexcept {
    std::swap(ctx_, o.ctx_);
    return *this;
  }
  ~sha256_state() { EVP_MD_CTX_free(ctx_); }

  EVP_MD_CTX* get() const noexcept { return ctx_; }

 private:
  EVP_MD_CTX* ctx_;
};

}  // namespace detail

// SHA-256 through OpenSSL's EVP interface; prints like `sha256sum`. The state allocates an
// EVP_MD_CTX; one-shot hashing reuses a thread-local context (no allocation after the first).
struct sha256 {
  static constexpr std::size_t digest_size = 32;
  static constexpr std::string_view name = "SHA256";
  using state_type = detail::sha256_state;

  static void reset(state_type& st) {
    if (EVP_DigestInit_ex(st.get(), detail::sha256_md(), nullptr) != 1) {
      detail::throw_openssl_failure();
    }
  }
  static void update(state_type& st, const std::byte* p, std::size_t n) {
    (void)EVP_DigestUpdate(st.get(), p, n);
  }
  static void final(const state_type& st, std::byte* out) {
    // EVP_DigestFinal_ex consumes the context it finalizes: finalize a copy.
    state_type copy(st);  // NOLINT(performance-unnecessary-copy-initialization)
    unsigned len = 0;
    (void)EVP_DigestFinal_ex(copy.get(), reinterpret_cast<unsigned char*>(out), &len);
  }
  static void oneshot(const std::byte* p, std::size_t n, std::byte* out) {
    thread_local state_type st;
    reset(st);
    update(st, p, n);
    unsigned len = 0;
    (void)EVP_DigestFinal_ex(st.get(), reinterpret_cast<unsigned char*>(out), &len);
  }
};
#endif  // HOTPATH_HAS_SHA256

}  // namespace hotpath

#endif  // HOTPATH_HASH_ALGORITHMS_HPP
