// hotpath/hash/digest.hpp: a fixed-size digest value (hash output) with hex text.
//
// What: hotpath::digest<N> holds N bytes in canonical (big-endian) order, the byte order
// xxhsum and sha256sum print. It is a regular value: ==, <=> (bytewise), std::hash,
// to_hex() and from_hex().
// Differs from peers: XXH64_hash_t / XXH128_hash_t are integers whose printed form depends
// on the caller; a digest always prints exactly what `xxhsum -H1/-H2/-H3` and `sha256sum`
// print, so hashes can be compared across tools.
// Performance: trivially copyable, no allocation except to_hex()'s std::string.
// Example:
//   auto d = hotpath::hash<hotpath::xxh3_64>(std::string_view{"abc"});
//   std::string s = d.to_hex();                 // "78af5f94892f3950"
//   auto back = hotpath::digest<8>::from_hex(s);  // std::optional<digest<8>>
//   assert(back && *back == d);
//   std::unordered_set<hotpath::digest<8>> seen{d};
#ifndef HOTPATH_HASH_DIGEST_HPP
#define HOTPATH_HASH_DIGEST_HPP

#include <hotpath/detail/config.hpp>

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace hotpath {

template <std::size_t N>
class digest {
  static_assert(N > 0, "hotpath::digest<N>: a digest needs at least one byte");

 public:
  static constexpr std::size_t size_bytes = N;

  // All-zero digest.
  constexpr digest() noexcept = default;
  // Copies N bytes in canonical (printed) order.
  constexpr explicit digest(std::span<const std::byte, N> bytes) noexcept {
    for (std::size_t i = 0; i < N; ++i) bytes_[i] = bytes[i];
  }

  // Canonical bytes, the order in which to_hex() prints them.
  constexpr std::span<const std::byte, N> bytes() const noexcept { return bytes_; }
  constexpr std::span<std::byte, N> bytes() noexcept { return bytes_; }
  constexpr std::byte* data() noexcept { return bytes_.data(); }
  constexpr const std::byte* data() const noexcept { return bytes_.data(); }
  static constexpr std::size_t size() noexcept { return N; }

  // The first 8 bytes as a big-endian integer: for 64-bit hashes this is the XXH64_hash_t
  // value; for longer ones a well-mixed prefix (what std::hash uses).
  constexpr std::uint64_t prefix_u64() const noexcept {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < (N < 8 ? N : 8); ++i) {
      v = (v << 8) | static_cast<std::uint64_t>(bytes_[i]);
    }
    return v;
  }

  // Lowercase hex, 2*N characters, exactly as xxhsum / sha256sum print the hash.
  std::string to_hex() const {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out(2 * N, '\0');
    for (std::size_t i = 0; i < N; ++i) {
      const auto b = static_cast<unsigned>(bytes_[i]);
      out[2 * i] = digits[b >> 4];
      out[2 * i + 1] = digits[b & 15u];
    }
    return out;
  }

  // Parses 2*N hex digits (either case, nothing else); std::nullopt on any other input.
  static constexpr std::optional<digest> from_hex(std::string_view text) noexcept {
    if (text.size() != 2 * N) return std::nullopt;
    digest d;
    for (std::size_t i = 0; i < N; ++i) {
      const int hi = nibble(text[2 * i]);
      const int lo = nibble(text[2 * i + 1]);
      if (hi < 0 || lo < 0) return std::nullopt;
      d.bytes_[i] = static_cast<std::byte>((hi << 4) | lo);
    }
    return d;
  }

  friend constexpr bool operator==(const digest&, const digest&) noexcept = default;
  friend constexpr std::strong_ordering operator<=>(const digest& a, const digest& b) noexcept {
    for (std::size_t i = 0; i < N; ++i) {
      if (a.bytes_[i] != b.bytes_[i]) {
        return static_cast<unsigned>(a.bytes_[i]) <=> static_cast<unsigned>(b.bytes_[i]);
      }
    }
    return std::strong_ordering::equal;
  }

 private:
  static constexpr int nibble(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  std::array<std::byte, N> bytes_{};
};

}  // namespace hotpath

// Digests are already uniformly distributed: the hash is the first 8 bytes.
template <std::size_t N>
struct std::hash<hotpath::digest<N>> {
  using is_avalanching = void;
  std::size_t operator()(const hotpath::digest<N>& d) const noexcept {
    return static_cast<std::size_t>(d.prefix_u64());
  }
};

#endif  // HOTPATH_HASH_DIGEST_HPP
