// The interner with HOTPATH_NO_WIDE_READS (what a Valgrind build defines): short keys are
// copied instead of read as two words past the string, and everything still matches a model.
#define HOTPATH_NO_WIDE_READS 1
#include <hotpath/interner.hpp>

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <gtest/gtest.h>

static_assert(!hotpath::detail::interner_wide_reads);

namespace {

// The key is the first n bytes as two little-endian words, zero past the end.
TEST(interner_no_wide_reads, key_is_the_bytes_in_little_endian_order) {
  const char text[] = "0123456789abcdefXYZ";
  for (std::size_t n = 1; n <= 16; ++n) {
    std::uint64_t lo = 0;
    std::uint64_t hi = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const auto b = static_cast<std::uint64_t>(static_cast<unsigned char>(text[i]));
      (i < 8 ? lo : hi) |= b << (8 * (i % 8));
    }
    const hotpath::detail::interner_short_key k = hotpath::detail::interner_key(text, n);
    EXPECT_EQ(k.lo, lo) << n;
    EXPECT_EQ(k.hi, hi) << n;
  }
}

TEST(interner_no_wide_reads, matches_a_model_at_every_offset_and_short_length) {
  hotpath::interner in;
  std::unordered_map<std::string, std::uint32_t> model;
  std::mt19937_64 rng(7);
  std::string buffer(4096, '\0');
  for (int round = 0; round < 20000; ++round) {
    const std::size_t n = rng() % 20;
    const std::size_t at = rng() % (buffer.size() - n);
    for (std::size_t i = 0; i < n; ++i) buffer[at + i] = static_cast<char>("ab\0\x80"[rng() % 4]);
    const std::string_view s(buffer.data() + at, n);
    const auto [it, fresh] =
        model.try_emplace(std::string(s), static_cast<std::uint32_t>(model.size()));
    EXPECT_EQ(in.find(s).has_value(), !fresh);
    const hotpath::symbol sym = in.intern(s);
    EXPECT_EQ(sym.id(), it->second);
    EXPECT_EQ(in.resolve(sym), s);
  }
  EXPECT_EQ(in.size(), model.size());
}

}  // namespace
