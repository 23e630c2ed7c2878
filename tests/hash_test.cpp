// Tests for hotpath/hash/{digest,algorithms,hasher}.hpp: golden vectors produced by
// `xxhsum -H1/-H2/-H3` and `sha256sum` (xxhash 0.8.1, coreutils 9.1), and differential
// tests against the libxxhash shared library (looked up with dlsym, so the real exported
// code is the reference, not hotpath's inline copy) and OpenSSL, on random lengths
// 0..100 KiB split into random chunks.
#include <hotpath/hash.hpp>

#include <cstdint>
#include <cstring>
#include <random>
#include <set>
#include <string>
#include <unordered_set>
#include <vector>

#include <gtest/gtest.h>

#include <dlfcn.h>

namespace {

// The pattern the golden files were generated from (python: see comment on golden_cases).
std::vector<std::byte> pattern(std::size_t n) {
  std::vector<std::byte> v(n);
  for (std::size_t i = 0; i < n; ++i) {
    v[i] = static_cast<std::byte>((i * 131 + (i >> 8) * 7 + 13) & 0xffu);
  }
  return v;
}

struct golden {
  std::size_t len;  // SIZE_MAX: the text "abc"
  const char* xxh64;
  const char* xxh128;
  const char* xxh3;
  const char* sha256;
};

// bytes(((i*131 + (i>>8)*7 + 13) & 0xff) for i in range(n)), hashed by the tools.
constexpr golden golden_cases[] = {
    {0, "ef46db3751d8e999", "99aa06d3014798d86001c324468d497f", "2d06800538d394c2",
     "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
    {SIZE_MAX, "44bc2cf5ad770999", "06b05ab6733a618578af5f94892f3950", "78af5f94892f3950",
     "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
    {17, "6680eed7c9fd1aa9", "4a824cae7ddc0238a871feeb1c4b949e", "0c6656a0d2938a0f",
     "bcba8fbd7152dba8038cb11ecca30a848b425529166da3d2db0e7e6c801f7e68"},
    {129, "537e7f7caeaad54f", "d93cb9165dcf8b8f109b25d4bc83e965", "2859e931becac906",
     "2c4c64d8d0ddc40a81d6f6ce9410fe8fc75fa42f6708c606f40eae0ffca4cd81"},
    {240, "5064a52b2a6a8cd9", "ea29a7673535bdad0665e03a3b8ddf3c", "655491fd302aece3",
     "eed0aead211a91de1fb656f52cd876e97c535e695a6aaecb111da2fd21f3e4bc"},
    {241, "393c47906f8570b2", "523388d3418a68166484cb6839a76c4d", "6484cb6839a76c4d",
     "8a9fc86aab7ad6c4a030e657849e0746289e1ca79e7c1222986deace9611d39e"},
    {1000, "3cf18559da2cec80", "67d067b1275e5ad29fd394c6b6160b41", "9fd394c6b6160b41",
     "445f572c5264ceb43297eda34573e6f8cd34b8ed18e43054e1c8523420f4405c"},
    {2048, "a214e3e6a7beae9d", "c0c818d01d65bbb5e9285cd4fbd10ee2", "e9285cd4fbd10ee2",
     "613154732475a6d0e48790de1ed206d9c07f05b9eea00cee9fc550f206bd8aa0"},
    {4099, "912f423d5e3022cc", "4226c155ea68614beb6d67775086ad1e", "eb6d67775086ad1e",
     "d82ecc7abaf238b830dba8576a27907095dccca172eb6073ea9f27c3ba20b99c"},
    {100000, "15bcc97069593a74", "1942564e6add03cfb0a8c36200b0793a", "b0a8c36200b0793a",
     "880d334e945bf609bfb3cb9aea8fa514c1c08c1ddafc233b0ad42aeb01c1fe47"},
    {1 << 20, "c8c82ece168aa3be", "481b5c28d0a2c55fa99855243f7e1d0d", "a99855243f7e1d0d",
     "9f1af822a6425d374279cfb44e201c6de96fcf200794289c2431034591e29d58"},
};

std::vector<std::byte> golden_input(const golden& g) {
  if (g.len == SIZE_MAX) {
    return {std::byte{'a'}, std::byte{'b'}, std::byte{'c'}};
  }
  return pattern(g.len);
}

// Hashes `data` through a hasher in random chunks.
template <class Algo>
hotpath::digest_t<Algo> chunked(std::span<const std::byte> data, std::mt19937_64& rng,
                                hotpath::hasher<Algo> h = {}) {
  std::size_t pos = 0;
  while (pos < data.size()) {
    std::size_t max_chunk = (rng() % 4 == 0) ? 8192 : 300;
    std::size_t n = std::min<std::size_t>(data.size() - pos, rng() % (max_chunk + 1));
    h.update(data.subspan(pos, n));
    pos += n;
  }
  return h.digest();
}

TEST(HashGolden, MatchesCommandLineTools) {
  for (const auto& g : golden_cases) {
    auto in = golden_input(g);
    SCOPED_TRACE(g.len);
    EXPECT_EQ(hotpath::hash<hotpath::xxh64>(in).to_hex(), g.xxh64);
    EXPECT_EQ(hotpath::hash<hotpath::xxh3_128>(in).to_hex(), g.xxh128);
    EXPECT_EQ(hotpath::hash<hotpath::xxh3_64>(in).to_hex(), g.xxh3);
#if HOTPATH_HAS_SHA256
    EXPECT_EQ(hotpath::hash<hotpath::sha256>(in).to_hex(), g.sha256);
#endif
    std::mt19937_64 rng(g.len);
    EXPECT_EQ(chunked<hotpath::xxh64>(in, rng).to_hex(), g.xxh64);
    EXPECT_EQ(chunked<hotpath::xxh3_128>(in, rng).to_hex(), g.xxh128);
    EXPECT_EQ(chunked<hotpath::xxh3_64>(in, rng).to_hex(), g.xxh3);
#if HOTPATH_HAS_SHA256
    EXPECT_EQ(chunked<hotpath::sha256>(in, rng).to_hex(), g.sha256);
#endif
  }
}

TEST(HashGolden, StringViewOverloads) {
  EXPECT_EQ(hotpath::hash<hotpath::xxh3_64>(std::string_view{"abc"}).to_hex(), "78af5f94892f3950");
  hotpath::hasher<hotpath::xxh3_64> h;
  h.update(std::string_view{"a"}).update(std::string_view{"bc"});
  EXPECT_EQ(h.digest().to_hex(), "78af5f94892f3950");
}

// The libxxhash shared object's own exported functions (not hotpath's inlined copy).
struct libxxhash {
  using h64_fn = std::uint64_t (*)(const void*, std::size_t, std::uint64_t);
  struct h128 {
    std::uint64_t low64, high64;
  };
  using h128_fn = h128 (*)(const void*, std::size_t, std::uint64_t);
  h64_fn xxh64 = reinterpret_cast<h64_fn>(dlsym(RTLD_DEFAULT, "XXH64"));
  h64_fn xxh3_64 = reinterpret_cast<h64_fn>(dlsym(RTLD_DEFAULT, "XXH3_64bits_withSeed"));
  h128_fn xxh3_128 = reinterpret_cast<h128_fn>(dlsym(RTLD_DEFAULT, "XXH3_128bits_withSeed"));
};

template <std::size_t N>
std::string hex_of(std::uint64_t hi, std::uint64_t lo = 0) {
  char buf[40];
  if constexpr (N == 8) {
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(hi));
  } else {
    std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(hi),
                  static_cast<unsigned long long>(lo));
  }
  return buf;
}

TEST(HashDifferential, RandomLengthsAndChunkingsAgainstLibxxhash) {
  libxxhash lib;
  ASSERT_NE(lib.xxh64, nullptr);
  ASSERT_NE(lib.xxh3_64, nullptr);
  ASSERT_NE(lib.xxh3_128, nullptr);
  std::mt19937_64 rng(12345);
  std::vector<std::byte> buf(std::size_t{100} * 1024 + 1);
  for (auto& b : buf) b = static_cast<std::byte>(rng());
  for (int iter = 0; iter < 150; ++iter) {
    const std::size_t len = (iter < 40) ? rng() % 600 : rng() % buf.size();
    const std::uint64_t seed = (iter % 3 == 0) ? 0 : rng();
    const std::size_t off = rng() % 64;  // unaligned starts too
    std::span<const std::byte> in(buf.data() + off, std::min(len, buf.size() - off));
    SCOPED_TRACE(testing::Message() << "len=" << in.size() << " seed=" << seed);

    const std::string e64 = hex_of<8>(lib.xxh64(in.data(), in.size(), seed));
    EXPECT_EQ(hotpath::hash<hotpath::xxh64>(in, seed).to_hex(), e64);
    EXPECT_EQ(chunked(in, rng, hotpath::hasher<hotpath::xxh64>(seed)).to_hex(), e64);

    const std::string e3 = hex_of<8>(lib.xxh3_64(in.data(), in.size(), seed));
    EXPECT_EQ(hotpath::hash<hotpath::xxh3_64>(in, seed).to_hex(), e3);
    EXPECT_EQ(chunked(in, rng, hotpath::hasher<hotpath::xxh3_64>(seed)).to_hex(), e3);

    const auto h = lib.xxh3_128(in.data(), in.size(), seed);
    const std::string e128 = hex_of<16>(h.high64, h.low64);
    EXPECT_EQ(hotpath::hash<hotpath::xxh3_128>(in, seed).to_hex(), e128);
    EXPECT_EQ(chunked(in, rng, hotpath::hasher<hotpath::xxh3_128>(seed)).to_hex(), e128);
  }
}

#if HOTPATH_HAS_SHA256
TEST(HashDifferential, RandomLengthsAndChunkingsAgainstOpenSSL) {
  std::mt19937_64 rng(777);
  std::vector<std::byte> buf(std::size_t{100} * 1024);
  for (auto& b : buf) b = static_cast<std::byte>(rng());
  for (int iter = 0; iter < 60; ++iter) {
    const std::size_t len = rng() % (buf.size() + 1);
    std::span<const std::byte> in(buf.data(), len);
    unsigned char md[32];
    unsigned mdlen = 0;
    ASSERT_EQ(EVP_Digest(in.data(), in.size(), md, &mdlen, EVP_sha256(), nullptr), 1);
    hotpath::digest<32> expect(std::as_bytes(std::span<const unsigned char, 32>(md)));
    EXPECT_EQ(hotpath::hash<hotpath::sha256>(in), expect);
    EXPECT_EQ(chunked<hotpath::sha256>(in, rng), expect);
  }
}
#endif

#if HOTPATH_XXH_DISPATCH
TEST(HashDispatch, LongInputsUseLibxxhashDispatchWhenTheCpuHasAvx2) {
  const bool available = dlsym(RTLD_DEFAULT, "XXH3_64bits_dispatch") != nullptr;
  EXPECT_EQ(hotpath::detail::xxh_use_dispatch(), available && __builtin_cpu_supports("avx2"));
}
#endif

TEST(Hasher, DigestIsNonDestructiveAndResetRestarts) {
  auto data = pattern(5000);
  std::span<const std::byte> in(data);
  hotpath::hasher<hotpath::xxh3_64> h(99);
  h.update(in.first(1000));
  auto mid = h.digest();
  EXPECT_EQ(mid, hotpath::hash<hotpath::xxh3_64>(in.first(1000), 99));
  h.update(in.subspan(1000));
  EXPECT_EQ(h.digest(), hotpath::hash<hotpath::xxh3_64>(in, 99));
  h.reset();  // keeps the seed
  h.update(in);
  EXPECT_EQ(h.digest(), hotpath::hash<hotpath::xxh3_64>(in, 99));
  hotpath::hasher<hotpath::xxh3_64> copy = h;
  copy.update(std::string_view{"x"});
  EXPECT_EQ(h.digest(), hotpath::hash<hotpath::xxh3_64>(in, 99));
  EXPECT_NE(copy.digest(), h.digest());
  EXPECT_NE(hotpath::hash<hotpath::xxh3_64>(in, 1), hotpath::hash<hotpath::xxh3_64>(in, 2));
#if HOTPATH_HAS_SHA256
  hotpath::hasher<hotpath::sha256> s;
  s.update(in.first(10));
  auto s2 = s;  // copies the OpenSSL context
  s.update(in.subspan(10));
  s2.update(in.subspan(10));
  EXPECT_EQ(s.digest(), s2.digest());
  EXPECT_EQ(s.digest(), s.digest());
  s.reset();
  EXPECT_EQ(s.digest().to_hex(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
#endif
}

TEST(Digest, HexRoundTripOrderingAndStdHash) {
  auto d = hotpath::hash<hotpath::xxh3_128>(std::string_view{"abc"});
  auto back = hotpath::digest<16>::from_hex(d.to_hex());
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, d);
  EXPECT_EQ(hotpath::digest<8>::from_hex("78AF5F94892F3950")->to_hex(), "78af5f94892f3950");
  EXPECT_FALSE(hotpath::digest<8>::from_hex("78af5f94892f395").has_value());    // short
  EXPECT_FALSE(hotpath::digest<8>::from_hex("78af5f94892f3950a").has_value());  // long
  EXPECT_FALSE(hotpath::digest<8>::from_hex("78af5f94892f395g").has_value());   // bad digit
  auto a = *hotpath::digest<8>::from_hex("00000000000000ff");
  auto b = *hotpath::digest<8>::from_hex("0000000000000100");
  EXPECT_LT(a, b);  // bytewise == numeric for canonical big-endian
  EXPECT_EQ(a.prefix_u64(), 0xffu);
  std::set<hotpath::digest<8>> ordered{b, a};
  EXPECT_EQ(*ordered.begin(), a);
  std::unordered_set<hotpath::digest<8>> seen{a, b, a};
  EXPECT_EQ(seen.size(), 2u);
  EXPECT_EQ(hotpath::digest<4>{}.to_hex(), "00000000");
  static_assert(hotpath::hash_algorithm<hotpath::xxh3_64>);
  static_assert(hotpath::seeded_hash_algorithm<hotpath::xxh64>);
#if HOTPATH_HAS_SHA256
  static_assert(hotpath::hash_algorithm<hotpath::sha256>);
  static_assert(!hotpath::seeded_hash_algorithm<hotpath::sha256>);
#endif
}

}  // namespace
