// Tests of hotpath::basic_interner, hotpath::symbol and hotpath::static_symbols: differential
// tests against a std::unordered_map + std::vector reference on random, adversarial and corpus
// strings (for every policy combination), stable NUL-terminated views across growth, find()
// never inserting, freeze(), static symbols, limits (through a small-limit policy), iteration
// order, memory accounting against a counting upstream and the exception guarantees when the
// upstream fails.
#include <hotpath/interner.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <limits>
#include <memory_resource>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <gtest/gtest.h>

#if defined(__linux__)
#include <sys/mman.h>
#include <unistd.h>
#endif

namespace {

// ---- reference model ------------------------------------------------------------------------

struct reference_interner {
  std::unordered_map<std::string, std::uint32_t> ids;
  std::vector<std::string> strings;
  std::uint32_t intern(std::string_view s) {
    auto [it, inserted] = ids.try_emplace(std::string(s), static_cast<std::uint32_t>(ids.size()));
    if (inserted) strings.emplace_back(s);
    return it->second;
  }
  std::optional<std::uint32_t> find(std::string_view s) const {
    auto it = ids.find(std::string(s));
    if (it == ids.end()) return std::nullopt;
    return it->second;
  }
};

// Random strings with many collisions: short alphabet, lengths skewed short, shared prefixes,
// embedded NULs, empty strings.
std::vector<std::string> random_strings(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::string> out;
  out.reserve(n);
  const std::string prefix(40, 'p');
  for (std::size_t i = 0; i < n; ++i) {
    std::string s;
    switch (rng() % 6) {
      case 0:  // tiny, collides often
        s = std::string(rng() % 3, static_cast<char>('a' + rng() % 3));
        break;
      case 1:  // shared long prefix, different tails
        s = prefix + std::to_string(rng() % 5000);
        break;
      case 2: {  // binary with embedded NULs
        s.resize(rng() % 24);
        for (auto& c : s) c = static_cast<char>(rng() % 4);  // lots of '\0'
        break;
      }
      default: {
        s.resize(1 + rng() % 20);
        for (auto& c : s) c = static_cast<char>('a' + rng() % 26);
      }
    }
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<std::string> corpus_strings(std::size_t max_tokens) {
  std::vector<std::string> out;
  auto add_tokens = [&](const std::string& text) {
    std::size_t i = 0;
    auto ident = [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    };
    while (i < text.size() && out.size() < max_tokens) {
      while (i < text.size() && !ident(text[i])) ++i;
      const std::size_t b = i;
      while (i < text.size() && ident(text[i])) ++i;
      if (i > b) out.push_back(text.substr(b, i - b));
    }
  };
  for (const char* path : {"/usr/include/boost/optional/optional.hpp",
                           "/usr/include/boost/variant/variant.hpp", "/usr/share/dict/words"}) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    add_tokens(ss.str());
  }
  return out;
}

// Differential check: the interner and the reference agree on every id, find and resolve.
template <class Interner>
void check_against_reference(const std::vector<std::string>& input) {
  Interner in;
  reference_interner ref;
  for (std::size_t i = 0; i < input.size(); ++i) {
    const std::string& s = input[i];
    if (i % 3 == 0) {  // find before intern: must agree, must not insert
      const auto f = in.find(s);
      const auto r = ref.find(s);
      ASSERT_EQ(f.has_value(), r.has_value()) << "find of #" << i;
      if (f) {
        ASSERT_EQ(f->id(), *r);
      }
      ASSERT_EQ(in.size(), ref.strings.size());
    }
    const hotpath::symbol sym = in.intern(s);
    ASSERT_EQ(sym.id(), ref.intern(s)) << "intern of #" << i;
    ASSERT_EQ(in.resolve(sym), s);
  }
  ASSERT_EQ(in.size(), ref.strings.size());
  for (std::uint32_t id = 0; id < ref.strings.size(); ++id) {
    const std::string_view v = in.resolve(hotpath::symbol{id});
    ASSERT_EQ(v, ref.strings[id]);
    // NOLINTNEXTLINE(readability-simplify-subscript-expr): reads the NUL past the view
    ASSERT_EQ(v.data()[v.size()], '\0');
  }
}

// ---- typed tests over every policy combination ----------------------------------------------

template <class I>
class interner_typed : public ::testing::Test {};

using interner_types =
    ::testing::Types<hotpath::interner, hotpath::concurrent_interner,
                     hotpath::basic_interner<hotpath::fixed_seed_xxh3<7>>,
                     hotpath::basic_interner<hotpath::fixed_seed_mix<7>>,
                     hotpath::basic_interner<hotpath::seeded_xxh3, hotpath::sharded<2>>,
                     hotpath::basic_interner<hotpath::sharded<1>, hotpath::malloc_upstream>,
                     hotpath::basic_interner<hotpath::sharded<4>, hotpath::fixed_seed_xxh3<>>>;
TYPED_TEST_SUITE(interner_typed, interner_types);

TYPED_TEST(interner_typed, differential_random) {
  check_against_reference<TypeParam>(random_strings(30000, 1));
}

TYPED_TEST(interner_typed, differential_corpus) {
  check_against_reference<TypeParam>(corpus_strings(60000));
}

TYPED_TEST(interner_typed, adversarial_strings) {
  std::vector<std::string> input;
  input.emplace_back("");
  input.emplace_back(std::string_view("\0", 1));
  input.emplace_back(std::string_view("\0\0", 2));
  input.emplace_back(std::string_view("a\0b", 3));
  input.emplace_back(std::string_view("a\0c", 3));
  input.emplace_back("a");
  input.emplace_back(std::size_t{1} << 20, 'x');        // 1 MiB
  input.emplace_back((std::size_t{1} << 20) - 1, 'x');  // differs only in length
  input.emplace_back(0xFFFE, 'y');                      // longest short form
  input.emplace_back(0xFFFF, 'y');                      // first long form
  input.emplace_back(0x10000, 'y');
  std::string big(0x10000, 'y');
  big.back() = 'z';  // same length as the previous one, last byte differs
  input.push_back(big);
  for (int i = 0; i < 2000; ++i) input.push_back(std::string(64, 'q') + std::to_string(i));
  for (int i = 0; i < 64; ++i) input.emplace_back(static_cast<std::size_t>(i), 'q');
  std::vector<std::string> twice = input;  // every string again, reversed
  twice.insert(twice.end(), input.rbegin(), input.rend());
  check_against_reference<TypeParam>(twice);
}

// Lengths that fill store chunks exactly (4 KiB, 8 KiB and 64 KiB chunks with the NUL), strings
// that need a chunk of their own between short ones, and empty strings at chunk edges: the
// single-threaded store derives lengths from the next string's position, so every string that
// ends a chunk must still resolve to its own length once later chunks exist.
TYPED_TEST(interner_typed, chunk_boundaries_and_long_strings) {
  std::vector<std::string> input;
  input.emplace_back(4095, 'a');  // fills the first 4 KiB chunk exactly
  input.emplace_back("");
  input.emplace_back("b");
  input.emplace_back(8190, 'c');  // does not fit the rest of the second (8 KiB) chunk
  input.emplace_back(8191, 'd');
  input.emplace_back(65535, 'e');  // 64 KiB with its NUL: the largest regular chunk
  input.emplace_back(65536, 'f');  // one byte too many: a chunk of its own
  input.emplace_back("g");
  input.emplace_back(200000, 'h');  // a chunk of its own spanning 4 pages
  input.emplace_back("");           // already present: same symbol
  input.emplace_back(std::string_view("i\0", 2));
  for (int i = 0; i < 30000; ++i) input.push_back("tail_" + std::to_string(i));
  input.emplace_back(70000, 'j');
  input.emplace_back("k");
  check_against_reference<TypeParam>(input);
}

TYPED_TEST(interner_typed, views_stay_valid_and_nul_terminated_across_growth) {
  TypeParam in;
  std::vector<std::pair<hotpath::symbol, std::string_view>> early;
  for (int i = 0; i < 1000; ++i) {
    const std::string s = "early_" + std::to_string(i);
    const auto sym = in.intern(s);
    early.emplace_back(sym, in.resolve(sym));
  }
  for (int i = 0; i < 100000; ++i) (void)in.intern("later_" + std::to_string(i));
  for (int i = 0; i < 1000; ++i) {
    const auto& [sym, view] = early[static_cast<std::size_t>(i)];
    EXPECT_EQ(in.resolve(sym).data(), view.data());  // same bytes, not a copy
    EXPECT_EQ(view, "early_" + std::to_string(i));
    // NOLINTNEXTLINE(readability-simplify-subscript-expr): reads the NUL past the view
    EXPECT_EQ(view.data()[view.size()], '\0');
    EXPECT_STREQ(in.c_str(sym), ("early_" + std::to_string(i)).c_str());
  }
}

TYPED_TEST(interner_typed, find_never_inserts) {
  TypeParam in;
  (void)in.intern("present");
  const std::size_t mem = in.memory_usage();
  for (int i = 0; i < 5000; ++i) EXPECT_FALSE(in.find("absent" + std::to_string(i)).has_value());
  EXPECT_FALSE(in.find("").has_value());
  EXPECT_FALSE(in.contains("absent0"));
  EXPECT_EQ(in.size(), 1u);
  EXPECT_EQ(in.memory_usage(), mem);
  ASSERT_TRUE(in.find("present").has_value());
  EXPECT_EQ(in.find("present")->id(), 0u);
}

TYPED_TEST(interner_typed, iteration_in_symbol_order) {
  TypeParam in;
  std::vector<std::string> order;
  for (int i = 0; i < 5000; ++i) {
    std::string s = std::to_string((i * 7919) % 3001);  // repeats
    if (!in.find(s)) order.push_back(s);
    (void)in.intern(s);
  }
  std::size_t n = 0;
  for (auto [sym, str] : in) {
    ASSERT_EQ(sym.id(), n);
    ASSERT_EQ(str, order[n]);
    ++n;
  }
  EXPECT_EQ(n, in.size());
  EXPECT_EQ(n, order.size());
  static_assert(std::forward_iterator<typename TypeParam::iterator>);
}

TYPED_TEST(interner_typed, freeze_gives_a_read_only_view) {
  TypeParam in;
  const auto a = in.intern("alpha");
  const auto b = in.intern("beta");
  EXPECT_FALSE(in.frozen());
  const auto view = in.freeze();
  EXPECT_TRUE(in.frozen());
  EXPECT_EQ(view.size(), 2u);
  EXPECT_EQ(view.find("alpha"), a);
  EXPECT_EQ(view.find("beta"), b);
  EXPECT_FALSE(view.find("gamma").has_value());
  EXPECT_EQ(view.resolve(b), "beta");
  EXPECT_STREQ(view.c_str(a), "alpha");
  EXPECT_EQ(in.intern("alpha"), a);  // existing strings still intern
  EXPECT_THROW((void)in.intern("gamma"), std::logic_error);
  EXPECT_EQ(in.size(), 2u);
  EXPECT_FALSE(in.find("gamma").has_value());
  std::vector<std::string_view> seen;
  for (auto [sym, str] : view) seen.push_back(str);
  EXPECT_EQ(seen, (std::vector<std::string_view>{"alpha", "beta"}));
  EXPECT_EQ(&in.freeze().interner(), &in);  // idempotent
}

// ---- static symbols ---------------------------------------------------------------------

using http = hotpath::static_symbols<"GET", "POST", "PUT", "DELETE", "">;

static_assert(http::size == 5);
static_assert(http::get<"GET">() == hotpath::symbol{0});
static_assert(http::get<"DELETE">().id() == 3);
static_assert(http::of("PUT") == hotpath::symbol{2});
static_assert(http::of("") == hotpath::symbol{4});
static_assert(http::find("POST") == hotpath::symbol{1});
static_assert(!http::find("PATCH").has_value());
static_assert(http::resolve(http::get<"POST">()) == "POST");
static_assert(http::contains(hotpath::symbol{4}) && !http::contains(hotpath::symbol{5}));
static_assert(hotpath::static_symbol_set<http> && !hotpath::static_symbol_set<int>);

// A switch on compile-time symbols.
constexpr int method_code(hotpath::symbol s) {
  switch (s.id()) {
    case http::get<"GET">().id():
      return 1;
    case http::get<"POST">().id():
      return 2;
    default:
      return 0;
  }
}
static_assert(method_code(http::of("POST")) == 2);

TYPED_TEST(interner_typed, static_symbols_are_returned_for_their_strings) {
  TypeParam in{http{}};
  EXPECT_EQ(in.size(), http::size);
  EXPECT_EQ(in.static_size(), http::size);
  EXPECT_EQ(in.intern("GET"), http::get<"GET">());
  EXPECT_EQ(in.intern("DELETE"), http::of("DELETE"));
  EXPECT_EQ(in.find(""), http::get<"">());
  EXPECT_EQ(in.resolve(http::get<"PUT">()), "PUT");
  const auto other = in.intern("PATCH");
  EXPECT_EQ(other.id(), http::size);
  EXPECT_FALSE(http::contains(other));
  TypeParam second{http{}};  // a second interner agrees on the static ids
  (void)second.intern("something else first");
  EXPECT_EQ(second.intern("POST"), in.intern("POST"));
  EXPECT_EQ(method_code(in.intern("GET")), 1);
}

// ---- symbol -----------------------------------------------------------------------------

static_assert(sizeof(hotpath::symbol) == 4);
static_assert(!hotpath::symbol{}.valid());
static_assert(hotpath::symbol{} == hotpath::symbol::invalid());
static_assert(hotpath::symbol::invalid().id() == 0xFFFFFFFFu);
static_assert(hotpath::symbol{3} < hotpath::symbol{4});
static_assert(!std::is_convertible_v<std::uint32_t, hotpath::symbol>);  // explicit only
static_assert(!std::is_convertible_v<hotpath::symbol, std::uint32_t>);

TEST(interner_symbol, hash_and_containers) {
  std::unordered_set<hotpath::symbol> set;
  std::set<hotpath::symbol> ordered;
  for (std::uint32_t i = 0; i < 1000; ++i) {
    set.insert(hotpath::symbol{i});
    ordered.insert(hotpath::symbol{999 - i});
  }
  EXPECT_EQ(set.size(), 1000u);
  EXPECT_EQ(ordered.begin()->id(), 0u);
  EXPECT_NE(std::hash<hotpath::symbol>{}(hotpath::symbol{1}),
            std::hash<hotpath::symbol>{}(hotpath::symbol{2}));
  hotpath::interner in;
  EXPECT_TRUE(in.intern("x").valid());
}

// ---- hashing ----------------------------------------------------------------------------

TEST(interner_hash, seeded_per_instance_by_default) {
  hotpath::interner a;
  hotpath::interner b;
  EXPECT_NE(a.hash_function().seed(), b.hash_function().seed());
  EXPECT_NE(a.hash_function()("flood"), b.hash_function()("flood"));
  hotpath::basic_interner<hotpath::fixed_seed_xxh3<9>> c;
  hotpath::basic_interner<hotpath::fixed_seed_xxh3<9>> d;
  EXPECT_EQ(c.hash_function()("same"), d.hash_function()("same"));
  static_assert(hotpath::interner_hash<hotpath::seeded_xxh3>);
  static_assert(hotpath::interner_hash<hotpath::fixed_seed_xxh3<>>);
  static_assert(hotpath::interner_hash<hotpath::seeded_mix>);
  static_assert(hotpath::interner_hash<hotpath::fixed_seed_mix<>>);
  static_assert(std::is_same_v<hotpath::interner::hash_type, hotpath::seeded_mix>);
  hotpath::basic_interner<hotpath::fixed_seed_mix<9>> e;
  hotpath::basic_interner<hotpath::fixed_seed_mix<9>> f;
  EXPECT_EQ(e.hash_function()("same"), f.hash_function()("same"));
  EXPECT_EQ(hotpath::seeded_mix(5)("same"), hotpath::seeded_mix(5)("same"));
  EXPECT_NE(hotpath::seeded_mix(5)("same"), hotpath::seeded_mix(6)("same"));
}

// The mix hash: 1 to 16 bytes go through the 16-byte key (read past the string within its
// page where allowed), others through XXH3; every way must give one value per string, and
// a string must never equal its prefix padded with NULs.
TEST(interner_hash, mix_hash_is_a_function_of_the_bytes_and_length) {
  const hotpath::fixed_seed_mix<3> h;
  std::mt19937_64 rng(11);
  // The same bytes at every offset of a buffer (different bytes around them) hash alike.
  std::vector<char> buf(4096 * 2 + 64);
  for (std::size_t n = 0; n <= 40; ++n) {
    std::string s(n, '\0');
    for (auto& c : s) c = static_cast<char>(rng());
    const std::uint64_t want = h(s);
    for (std::size_t off = 0; off + n <= buf.size(); off += 37) {
      for (auto& c : buf) c = static_cast<char>(rng());
      std::memcpy(buf.data() + off, s.data(), n);
      ASSERT_EQ(h(std::string_view(buf.data() + off, n)), want) << n << " " << off;
    }
  }
  // short_key_hash (the interner's short path: the key built once for hash and compare) is
  // operator() for 1 to 16 bytes, for both mix policies.
  const hotpath::seeded_mix hs(7);
  for (std::size_t n = 1; n <= 16; ++n) {
    for (int r = 0; r < 64; ++r) {
      std::string s(n, '\0');
      for (auto& c : s) c = static_cast<char>(rng());
      const auto k = hotpath::detail::interner_key(s.data(), n);
      ASSERT_EQ(h.short_key_hash(k, n), h(s)) << n;
      ASSERT_EQ(hs.short_key_hash(k, n), hs(s)) << n;
    }
  }
  // NUL padding and length are part of the key.
  std::set<std::uint64_t> seen;
  for (std::size_t n = 0; n <= 17; ++n) EXPECT_TRUE(seen.insert(h(std::string(n, '\0'))).second);
  EXPECT_NE(h(std::string_view("ab", 2)), h(std::string_view("ab\0", 3)));
  // No 64-bit collision among 200k distinct short strings, and the index's high bits spread.
  std::unordered_set<std::uint64_t> all;
  std::vector<std::size_t> buckets(256);
  std::unordered_set<std::string> strings;
  while (strings.size() < 200000) {
    std::string t(1 + rng() % 16, 'a');
    for (auto& c : t) c = static_cast<char>('a' + rng() % 4);  // low-entropy bytes
    strings.insert(t);
  }
  for (const auto& t : strings) {
    const std::uint64_t v = h(t);
    EXPECT_TRUE(all.insert(v).second) << t;
    ++buckets[v >> 56];
  }
  for (std::size_t b : buckets) {  // expected 781 per bucket
    EXPECT_GT(b, 600u);
    EXPECT_LT(b, 1000u);
  }
}

#if defined(__linux__)
// Strings of 1 to 16 bytes that end right before an unmapped page: the short paths (hash and
// comparison) must not read past the page, and must still find them.
TEST(interner_hash, short_strings_at_a_page_end_do_not_fault) {
  const long page = sysconf(_SC_PAGESIZE);
  void* mem = mmap(nullptr, static_cast<std::size_t>(2 * page), PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(mem, MAP_FAILED);
  char* guard = static_cast<char*>(mem) + page;
  ASSERT_EQ(mprotect(guard, static_cast<std::size_t>(page), PROT_NONE), 0);
  hotpath::basic_interner<hotpath::fixed_seed_mix<1>> in;
  hotpath::basic_interner<hotpath::fixed_seed_xxh3<1>> in_xxh3;
  std::vector<hotpath::symbol> syms;
  for (std::size_t n = 1; n <= 16; ++n) {
    char* p = guard - n;
    std::memset(p, static_cast<int>('a' + n), n);
    const std::string_view s(p, n);
    syms.push_back(in.intern(s));
    EXPECT_EQ(in.find(std::string(s)), syms.back());
    EXPECT_EQ(in.find(s), syms.back());
    EXPECT_EQ(in.resolve(syms.back()), s);
    const hotpath::symbol x = in_xxh3.intern(s);
    EXPECT_EQ(in_xxh3.find(s), x);
    EXPECT_EQ(hotpath::fixed_seed_mix<1>{}(s), hotpath::fixed_seed_mix<1>{}(std::string(s)));
  }
  for (std::size_t n = 1; n <= 16; ++n) {  // the loop above overwrote shorter ones: rewrite
    std::memset(guard - n, static_cast<int>('a' + n), n);
    EXPECT_EQ(in.find(std::string_view(guard - n, n)), syms[n - 1]);
    EXPECT_TRUE(in_xxh3.find(std::string_view(guard - n, n)).has_value());
  }
  munmap(mem, static_cast<std::size_t>(2 * page));
}
#endif

// Every string in one probe run, so comparisons decide everything.
struct same_hash {
  using interner_policy_kind = hotpath::detail::interner_hash_kind;
  std::uint64_t operator()(std::string_view) const noexcept { return 0x9876543200000000ull; }
};
// The same with short_key_hash: a 1-16 byte string takes the short-key path (the key built
// once, compared by interner_strings::equals_key), which the mix hashes take but cannot drive
// into collisions of one length against another.
struct same_hash_short_key : same_hash {
  static std::uint64_t short_key_hash(hotpath::detail::interner_short_key, std::size_t) noexcept {
    return 0x9876543200000000ull;
  }
};

// Strings that differ only in one byte, or only in length (NUL padding), at every short
// length: the masked comparison must tell them apart, on both comparison paths.
template <class Hash>
void check_short_comparison() {
  hotpath::basic_interner<Hash> in;
  reference_interner ref;
  std::vector<std::string> all;
  for (std::size_t n = 0; n <= 18; ++n) {
    std::string base(n, 'q');
    all.push_back(base);
    for (std::size_t i = 0; i < n; ++i) {
      std::string t = base;
      t[i] = 'r';
      all.push_back(t);
      t[i] = '\0';
      all.push_back(t);
    }
    all.push_back(base + std::string(1, '\0'));
  }
  for (const auto& t : all) ASSERT_EQ(in.intern(t).id(), ref.intern(t)) << t.size();
  for (const auto& t : all) ASSERT_EQ(in.find(t)->id(), *ref.find(t));
  EXPECT_EQ(in.size(), ref.strings.size());
}

TEST(interner_hash, short_comparison_sees_every_byte_and_the_length) {
  check_short_comparison<same_hash>();            // interner_strings::equals
  check_short_comparison<same_hash_short_key>();  // the short-key path: equals_key
}

// A policy whose short_key_hash is not operator() of the same bytes: growth re-hashes stored
// strings the way lookups hash them, so nothing is lost across many doublings.
struct short_key_differs {
  using interner_policy_kind = hotpath::detail::interner_hash_kind;
  std::uint64_t operator()(std::string_view s) const noexcept {
    return hotpath::detail::interner_splitmix(std::hash<std::string_view>{}(s));
  }
  static std::uint64_t short_key_hash(hotpath::detail::interner_short_key k,
                                      std::size_t n) noexcept {
    return hotpath::detail::interner_splitmix(k.lo * 31 + k.hi * 7 + n);
  }
};

TEST(interner_hash, growth_rehashes_like_lookups) {
  hotpath::basic_interner<short_key_differs> in;
  reference_interner ref;
  for (int i = 0; i < 5000; ++i) {
    const std::string s = "k" + std::to_string(i * 7919) + (i % 3 == 0 ? std::string(20, 'x') : "");
    ASSERT_EQ(in.intern(s).id(), ref.intern(s));
  }
  for (const auto& t : ref.strings) ASSERT_EQ(in.find(t)->id(), *ref.find(t)) << t;
}

// find()'s optional is built from one word where the library allows it; both cases must
// round-trip.
TEST(interner_hash, find_returns_engaged_and_empty_optionals) {
  const std::optional<hotpath::symbol> hit = hotpath::detail::interner_optional(42);
  ASSERT_TRUE(hit.has_value());
  EXPECT_EQ(hit->id(), 42u);
  EXPECT_FALSE(hotpath::detail::interner_optional(hotpath::detail::interner_empty_id));
  hotpath::interner in;
  const auto a = in.intern("a");
  EXPECT_EQ(in.find("a"), a);
  EXPECT_EQ(in.find("b"), std::nullopt);
}

// Every string lands in one probe run (constant hash): still correct, only slower.
struct constant_hash {
  using interner_policy_kind = hotpath::detail::interner_hash_kind;
  std::uint64_t operator()(std::string_view) const noexcept { return 0x1234567800000000ull; }
};

TEST(interner_hash, worst_case_collisions_stay_correct) {
  check_against_reference<hotpath::basic_interner<constant_hash>>(random_strings(2000, 5));
  check_against_reference<hotpath::basic_interner<constant_hash, hotpath::sharded<4>>>(
      random_strings(2000, 6));
}

// ---- limits -----------------------------------------------------------------------------

static_assert(hotpath::interner::max_symbols == 0xFFFFFFFFull);  // 2^32 - 1: ids never wrap
static_assert(hotpath::concurrent_interner::max_symbols == 0xFFFFFFFFull);

template <class I>
class interner_limits_typed : public ::testing::Test {};
using limited_types = ::testing::Types<
    hotpath::basic_interner<hotpath::interner_limits<10, 16>>,
    hotpath::basic_interner<hotpath::interner_limits<10, 16>, hotpath::sharded<4>>>;
TYPED_TEST_SUITE(interner_limits_typed, limited_types);

TYPED_TEST(interner_limits_typed, symbol_limit_throws_and_never_wraps) {
  TypeParam in;
  for (int i = 0; i < 10; ++i) EXPECT_EQ(in.intern("s" + std::to_string(i)).id(), i);
  const std::size_t mem = in.memory_usage();
  for (int i = 0; i < 1000; ++i) {  // untrusted input after the limit: no growth, no wrap
    EXPECT_THROW((void)in.intern("new" + std::to_string(i)), hotpath::interner_full);
  }
  EXPECT_EQ(in.size(), 10u);
  EXPECT_EQ(in.memory_usage(), mem);
  EXPECT_EQ(in.intern("s3").id(), 3u);  // existing strings still work
  EXPECT_EQ(in.resolve(hotpath::symbol{9}), "s9");
  try {
    (void)in.intern("one more");
    FAIL() << "expected interner_full";
  } catch (const std::length_error& e) {  // interner_full is a std::length_error
    EXPECT_NE(std::string(e.what()).find("limit"), std::string::npos);
  }
}

TYPED_TEST(interner_limits_typed, over_long_string_throws) {
  TypeParam in;
  EXPECT_EQ(in.resolve(in.intern(std::string(16, 'a'))), std::string(16, 'a'));
  EXPECT_THROW((void)in.intern(std::string(17, 'a')), std::length_error);
  EXPECT_FALSE(in.find(std::string(17, 'a')).has_value());
  EXPECT_EQ(in.size(), 1u);
}

TEST(interner_limits, static_set_counts_against_the_limit) {
  hotpath::basic_interner<hotpath::interner_limits<6, 100>> in{http{}};
  EXPECT_EQ(in.intern("x").id(), 5u);
  EXPECT_THROW((void)in.intern("y"), hotpath::interner_full);
}

// ---- memory accounting and allocation failure -------------------------------------------

class counting_resource : public std::pmr::memory_resource {
 public:
  std::size_t live = 0;
  std::size_t budget = std::numeric_limits<std::size_t>::max();

 private:
  void* do_allocate(std::size_t n, std::size_t a) override {
    if (n > budget - live) throw std::bad_alloc();
    live += n;
    return std::pmr::new_delete_resource()->allocate(n, a);
  }
  void do_deallocate(void* p, std::size_t n, std::size_t a) override {
    live -= n;
    std::pmr::new_delete_resource()->deallocate(p, n, a);
  }
  bool do_is_equal(const std::pmr::memory_resource& o) const noexcept override {
    return this == &o;
  }
};

template <class I>
class interner_memory_typed : public ::testing::Test {};
using pmr_types =
    ::testing::Types<hotpath::basic_interner<hotpath::pmr_upstream>,
                     hotpath::basic_interner<hotpath::pmr_upstream, hotpath::sharded<8>>>;
TYPED_TEST_SUITE(interner_memory_typed, pmr_types);

TYPED_TEST(interner_memory_typed, memory_usage_matches_the_upstream) {
  counting_resource res;
  {
    TypeParam in(&res);
    EXPECT_EQ(res.live, 0u);  // nothing before the first intern
    for (int i = 0; i < 20000; ++i) (void)in.intern("string number " + std::to_string(i));
    EXPECT_EQ(in.memory_usage(), res.live);
    // Budget check: bytes + NUL + index + table stay within a small factor of the payload.
    EXPECT_LT(res.live, 20000u * (20 + 64));
  }
  EXPECT_EQ(res.live, 0u);  // everything returned
}

TYPED_TEST(interner_memory_typed, allocation_failure_leaves_the_interner_consistent) {
  counting_resource res;
  TypeParam in(&res);
  reference_interner ref;
  res.budget = 200000;
  int failures = 0;
  for (int i = 0; i < 20000; ++i) {
    const std::string s = "value/" + std::to_string(i % 15000);
    try {
      const auto sym = in.intern(s);
      ASSERT_EQ(sym.id(), ref.intern(s));
    } catch (const std::bad_alloc&) {
      ++failures;
      ASSERT_FALSE(in.find(s).has_value());
    }
  }
  EXPECT_GT(failures, 0);
  ASSERT_EQ(in.size(), ref.strings.size());
  for (std::uint32_t id = 0; id < in.size(); ++id) {
    ASSERT_EQ(in.resolve(hotpath::symbol{id}), ref.strings[id]);
  }
  res.budget = std::numeric_limits<std::size_t>::max();  // recovers once memory is back
  EXPECT_EQ(in.resolve(in.intern("after")), "after");
}

// ---- debug aids -------------------------------------------------------------------------

#if HOTPATH_DEBUG && !HOTPATH_TSAN
TEST(interner_death, resolve_of_a_foreign_symbol_asserts) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  hotpath::interner in;
  (void)in.intern("only");
  EXPECT_DEATH((void)in.resolve(hotpath::symbol{5}), "assertion failed");
  EXPECT_DEATH((void)in.resolve(hotpath::symbol{}), "assertion failed");
}
#endif

}  // namespace
