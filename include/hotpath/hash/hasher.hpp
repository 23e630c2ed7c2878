// hotpath/hash/hasher.hpp: streaming hasher<Algo> and one-shot hash<Algo>(data).
//
// What: hasher<Algo> absorbs bytes in any chunking (update) and yields the digest at any
// point (digest), giving exactly the one-shot hash<Algo>() of the concatenation.
// Differs from peers: one interface over xxHash and OpenSSL; digests are hotpath::digest
// values that print like the command-line tools; XXH3 is SIMD-dispatched at run time.
// Performance: no allocation for the xxHash policies (the XXH3 state is ~576 bytes, 64-byte
// aligned, inside the object); sha256's state allocates one EVP_MD_CTX.
// Example:
//   hotpath::hasher<hotpath::xxh3_64> h;
//   for (auto chunk : chunks) h.update(chunk);        // std::span<const std::byte>
//   hotpath::digest<8> d = h.digest();
//   assert(d == hotpath::hash<hotpath::xxh3_64>(whole));
//   h.reset();                                        // ready for the next message
#ifndef HOTPATH_HASH_HASHER_HPP
#define HOTPATH_HASH_HASHER_HPP

#include <hotpath/detail/config.hpp>
#include <hotpath/hash/algorithms.hpp>
#include <hotpath/hash/digest.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace hotpath {

// The digest type an algorithm produces.
template <hash_algorithm Algo>
using digest_t = digest<Algo::digest_size>;

template <hash_algorithm Algo>
class hasher {
 public:
  using algorithm = Algo;
  using digest_type = digest_t<Algo>;

  // Starts an empty message (seed 0 for seeded algorithms).
  hasher() { Algo::reset(state_); }
  // Starts an empty message with the given seed; remembered by reset().
  explicit hasher(std::uint64_t seed) requires seeded_hash_algorithm<Algo> : seed_(seed) {
    Algo::reset(state_, seed);
  }

  // Absorbs bytes. Any split of a message into update() calls gives the same digest.
  hasher& update(std::span<const std::byte> bytes) {
    Algo::update(state_, bytes.data(), bytes.size());
    return *this;
  }
  hasher& update(std::string_view text) {
    Algo::update(state_, reinterpret_cast<const std::byte*>(text.data()), text.size());
    return *this;
  }

  // Digest of everything absorbed since construction or reset(); the state is unchanged, so
  // update() may continue.
  digest_type digest() const {
    digest_type d;
    Algo::final(state_, d.data());
    return d;
  }

  // Starts a new message (with the constructor's seed).
  void reset() {
    if constexpr (seeded_hash_algorithm<Algo>) {
      Algo::reset(state_, seed_);
    } else {
      Algo::reset(state_);
    }
  }

 private:
  typename Algo::state_type state_{};
  [[no_unique_address]] std::uint64_t seed_ = 0;
};

// One-shot digest of a buffer; equal to hasher<Algo>{}.update(bytes).digest().
template <hash_algorithm Algo>
digest_t<Algo> hash(std::span<const std::byte> bytes) {
  digest_t<Algo> d;
  Algo::oneshot(bytes.data(), bytes.size(), d.data());
  return d;
}
template <hash_algorithm Algo>
digest_t<Algo> hash(std::string_view text) {
  return hash<Algo>(std::as_bytes(std::span<const char>(text.data(), text.size())));
}
// Seeded one-shot digest (xxHash policies).
template <seeded_hash_algorithm Algo>
digest_t<Algo> hash(std::span<const std::byte> bytes, std::uint64_t seed) {
  digest_t<Algo> d;
  Algo::oneshot(bytes.data(), bytes.size(), d.data(), seed);
  return d;
}
template <seeded_hash_algorithm Algo>
digest_t<Algo> hash(std::string_view text, std::uint64_t seed) {
  return hash<Algo>(std::as_bytes(std::span<const char>(text.data(), text.size())), seed);
}

}  // namespace hotpath

#endif  // HOTPATH_HASH_HASHER_HPP
