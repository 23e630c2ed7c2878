// Tests of hotpath::basic_arena and its adaptors: alignment/non-overlap property tests against
// a reference interval set, rewind/reset/release semantics, destructor order, statistics checked
// against counting upstreams, exhaustion, inline buffers, containers on arena_allocator and
// arena_resource, and (under ASan) that use after reset is reported.
#include <hotpath/arena.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <map>
#include <memory_resource>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

namespace {

// ---- helpers ----------------------------------------------------------------------------

// Upstream bookkeeping shared by a counting upstream and the test.
struct upstream_log {
  std::size_t calls = 0;     // allocate calls, failed ones included
  std::size_t failures = 0;  // allocate calls that returned nullptr
  std::size_t live = 0;      // chunks held
  std::size_t live_bytes = 0;
  std::size_t budget = std::numeric_limits<std::size_t>::max();  // max live bytes
  std::size_t fail_above = std::numeric_limits<std::size_t>::max();
  std::vector<std::size_t> sizes;  // every successful request, in order
};

struct counting_upstream {
  using arena_policy_kind = hotpath::arena_upstream_tag;
  upstream_log* log;
  void* allocate(std::size_t n) const noexcept {
    ++log->calls;
    if (n > log->fail_above || n > log->budget - log->live_bytes) {
      ++log->failures;
      return nullptr;
    }
    void* p = std::malloc(n);
    if (p == nullptr) return nullptr;
    ++log->live;
    log->live_bytes += n;
    log->sizes.push_back(n);
    return p;
  }
  void deallocate(void* p, std::size_t n) const noexcept {
    --log->live;
    log->live_bytes -= n;
    std::free(p);
  }
};

// A memory_resource that counts what passes through it.
class counting_resource : public std::pmr::memory_resource {
 public:
  std::size_t allocations = 0, deallocations = 0, live_bytes = 0;

 private:
  void* do_allocate(std::size_t n, std::size_t a) override {
    ++allocations;
    live_bytes += n;
    return std::pmr::new_delete_resource()->allocate(n, a);
  }
  void do_deallocate(void* p, std::size_t n, std::size_t a) override {
    ++deallocations;
    live_bytes -= n;
    std::pmr::new_delete_resource()->deallocate(p, n, a);
  }
  bool do_is_equal(const std::pmr::memory_resource& o) const noexcept override {
    return this == &o;
  }
};

bool aligned(const void* p, std::size_t a) { return reinterpret_cast<std::uintptr_t>(p) % a == 0; }

// ---- static contracts -------------------------------------------------------------------

static_assert(noexcept(std::declval<hotpath::arena&>().try_allocate(1, 1)));
static_assert(!noexcept(std::declval<hotpath::arena&>().allocate(1, 1)));
static_assert(noexcept(std::declval<hotpath::arena&>().reset()));
static_assert(std::is_nothrow_move_constructible_v<hotpath::arena>);
static_assert(std::is_nothrow_move_assignable_v<hotpath::arena>);
static_assert(!std::is_copy_constructible_v<hotpath::arena>);
static_assert(!std::is_move_constructible_v<hotpath::inline_arena<256>>);
static_assert(hotpath::inline_arena<100>::inline_capacity == 96);
static_assert(hotpath::arena::inline_capacity == 0);
static_assert(hotpath::arena_upstream<counting_upstream>);
static_assert(!hotpath::arena_policy<int>);
static_assert(std::is_same_v<hotpath::basic_arena<hotpath::malloc_upstream,
                                                  hotpath::inline_buffer<64>>::upstream_type,
                             hotpath::malloc_upstream>);
static_assert(
    std::is_same_v<std::allocator_traits<hotpath::arena_allocator<int>>::rebind_alloc<long>,
                   hotpath::arena_allocator<long>>);

// ---- typed tests over several policy combinations ---------------------------------------

using small_chunks =
    hotpath::basic_arena<hotpath::malloc_upstream, hotpath::chunk_growth<256, 4096>>;
using arena_types =
    ::testing::Types<hotpath::arena, hotpath::inline_arena<512>, small_chunks, hotpath::pmr_arena,
                     hotpath::basic_arena<hotpath::chunk_growth<64, 64, 1>>>;

template <class A>
class ArenaTyped : public ::testing::Test {};
TYPED_TEST_SUITE(ArenaTyped, arena_types);

// Random sizes and alignments (fixed seed): every block is aligned, inside no other block
// (checked against an ordered interval map), and keeps its contents until the end.
TYPED_TEST(ArenaTyped, RandomAllocationsAreAlignedAndDisjoint) {
  TypeParam a;
  std::mt19937_64 rng(0x5eed);
  struct block {
    unsigned char* p;
    std::size_t n;
    unsigned char tag;
  };
  std::vector<block> blocks;
  std::map<std::uintptr_t, std::uintptr_t> intervals;  // start -> end, non-empty blocks
  std::size_t requested = 0;
  for (int i = 0; i < 4000; ++i) {
    const std::size_t align = std::size_t{1} << (rng() % 13);  // 1 .. 4096
    std::size_t n = rng() % 4 == 0 ? rng() % 9000 : rng() % 100;
    if (i % 97 == 0) n = 0;
    auto* p = static_cast<unsigned char*>(i % 2 ? a.allocate(n, align) : a.try_allocate(n, align));
    ASSERT_NE(p, nullptr);
    ASSERT_TRUE(aligned(p, align)) << "align " << align;
    requested += n;
    const auto tag = static_cast<unsigned char>(i);
    std::memset(p, tag, n);
    blocks.push_back({p, n, tag});
    if (n == 0) continue;
    const auto s = reinterpret_cast<std::uintptr_t>(p), e = s + n;
    auto next = intervals.lower_bound(s);
    ASSERT_TRUE(next == intervals.end() || next->first >= e) << "overlaps the next block";
    if (next != intervals.begin()) {
      ASSERT_LE(std::prev(next)->second, s) << "overlaps the previous block";
    }
    intervals.emplace(s, e);
  }
  for (const block& b : blocks) {
    for (std::size_t k = 0; k < b.n; ++k) ASSERT_EQ(b.p[k], b.tag);
  }
  EXPECT_GE(a.bytes_used(), requested);
  EXPECT_GE(a.bytes_reserved() + TypeParam::inline_capacity, a.bytes_used());
}

TYPED_TEST(ArenaTyped, RewindRunsDestructorsAndReusesMemory) {
  TypeParam a;
  std::vector<int> log;
  struct noisy {
    std::vector<int>* log;
    int id;
    ~noisy() { log->push_back(id); }
  };
  (void)a.template create<noisy>(&log, 0);
  const auto m = a.mark();
  const std::size_t used = a.bytes_used();
  void* first = a.allocate(8, 8);
  for (int i = 1; i <= 300; ++i) {
    (void)a.template create<noisy>(&log, i);
    (void)a.allocate(static_cast<std::size_t>(i) * 7, 16);
  }
  a.rewind(m);
  ASSERT_EQ(log.size(), 300u);
  for (int i = 0; i < 300; ++i) EXPECT_EQ(log[static_cast<std::size_t>(i)], 300 - i);
  EXPECT_EQ(a.bytes_used(), used);
  EXPECT_EQ(a.allocate(8, 8), first) << "memory after the marker is reused";
  a.rewind(m);
  // Again: all chunks made after the mark were returned or kept as the one spare.
  for (int i = 1; i <= 300; ++i) (void)a.allocate(static_cast<std::size_t>(i) * 7, 16);
  a.reset();
  EXPECT_EQ(log.size(), 301u);
  EXPECT_EQ(log.back(), 0);
  EXPECT_EQ(a.bytes_used(), 0u);
}

TYPED_TEST(ArenaTyped, CopiedStringsAreStableAndTerminated) {
  TypeParam a;
  std::vector<std::pair<std::string, std::string_view>> kept;
  for (int i = 0; i < 2000; ++i) {
    std::string s =
        "string-" + std::to_string(i) + std::string(static_cast<std::size_t>(i % 50), 'x');
    const std::string_view v = i % 2 ? a.copy(s) : a.copy_c_str(s);
    EXPECT_NE(static_cast<const void*>(v.data()), static_cast<const void*>(s.data()));
    if (i % 2 == 0) {
      const char* chars = v.data();
      EXPECT_EQ(chars[v.size()], '\0');  // one past the view
    }
    kept.emplace_back(std::move(s), v);
  }
  for (const auto& [s, v] : kept) EXPECT_EQ(s, v);
  const std::string_view e = a.copy_c_str("");
  EXPECT_TRUE(e.empty());
  EXPECT_EQ(*e.data(), '\0');
  EXPECT_TRUE(a.copy(std::string_view{}).empty());
  const std::string with_nul("a\0b", 3);
  EXPECT_EQ(a.copy(with_nul), with_nul);
}

// ---- allocation contracts ---------------------------------------------------------------

TEST(Arena, BadAlignmentIsAClearError) {
  hotpath::arena a;
  for (std::size_t bad : {std::size_t{0}, std::size_t{3}, std::size_t{24}, std::size_t{8192}}) {
    EXPECT_THROW((void)a.allocate(8, bad), std::invalid_argument) << bad;
    EXPECT_EQ(a.try_allocate(8, bad), nullptr) << bad;
  }
  EXPECT_TRUE(aligned(a.allocate(1, 4096), 4096));
  EXPECT_NE(a.allocate(0, 1), nullptr);
}

TEST(Arena, AllocateArrayChecksOverflow) {
  hotpath::arena a;
  EXPECT_THROW((void)a.allocate_array<std::uint64_t>(std::numeric_limits<std::size_t>::max() / 4),
               std::bad_array_new_length);
  EXPECT_THROW((void)a.allocate(std::numeric_limits<std::size_t>::max() - 8, 1), std::bad_alloc);
  struct alignas(64) line {
    char c[64];
  };
  line* l = a.allocate_array<line>(10);
  EXPECT_TRUE(aligned(l, 64));
  std::memset(l, 1, 10 * sizeof(line));
  auto* d = a.allocate_array<double>(0);
  EXPECT_NE(d, nullptr);
}

TEST(Arena, TriviallyDestructibleObjectsCostOnlyTheirSize) {
  hotpath::arena a;
  struct pod {
    int x, y;
  };
  (void)a.allocate(1, 1);  // so that the next 4-aligned bump needs padding
  const std::size_t before = a.bytes_used();
  pod* p = a.create<pod>(1, 2);  // aggregate, brace-initialised
  EXPECT_EQ(p->x + p->y, 3);
  EXPECT_EQ(a.bytes_used() - before, 3 + sizeof(pod));
  auto* s = a.create<std::string>(100, 'z');  // non-trivial: object + 16-byte record
  EXPECT_EQ(*s, std::string(100, 'z'));
  EXPECT_LE(a.bytes_used() - before, 3 + sizeof(pod) + 7 + sizeof(std::string) + 16);
}

TEST(Arena, DestructorsRunAtDestructionNewestFirst) {
  std::vector<int> log;
  struct noisy {
    std::vector<int>* log;
    int id;
    ~noisy() { log->push_back(id); }
  };
  {
    hotpath::arena a;
    for (int i = 0; i < 5; ++i) (void)a.create<noisy>(&log, i);
    auto* big = a.create<std::vector<std::string>>(100, std::string(64, 'q'));  // owns heap memory
    EXPECT_EQ(big->size(), 100u);
  }
  EXPECT_EQ(log, (std::vector<int>{4, 3, 2, 1, 0}));
}

TEST(Arena, ThrowingConstructorLeavesArenaConsistent) {
  hotpath::arena a;
  struct thrower {
    explicit thrower(bool t) {
      if (t) throw std::runtime_error("no");
    }
    ~thrower() {}  // NOLINT(modernize-use-equals-default): must be non-trivial
  };
  EXPECT_THROW((void)a.create<thrower>(true), std::runtime_error);
  (void)a.create<thrower>(false);
  a.reset();  // runs exactly one destructor; nothing to observe but must not crash
}

TEST(Arena, LastAllocationCanBeGivenBack) {
  hotpath::arena a;
  void* p = a.allocate(104, 8);
  const std::size_t used = a.bytes_used();
  void* q = a.allocate(50, 8);
  a.deallocate(p, 104);  // not the last: no-op
  EXPECT_GT(a.bytes_used(), used);
  a.deallocate(q, 50);
  EXPECT_EQ(a.bytes_used(), used);
  EXPECT_EQ(a.allocate(50, 8), q);
}

// ---- chunks, growth, stats --------------------------------------------------------------

using counted_arena = hotpath::basic_arena<counting_upstream, hotpath::chunk_growth<1024, 8192>>;

TEST(Arena, GrowthIsGeometricWithCapAndOversizedRequestsGetTheirOwnChunk) {
  upstream_log log;
  counted_arena a(counting_upstream{&log});
  EXPECT_EQ(log.calls, 0u) << "construction allocates nothing";
  void* small = a.allocate(100, 8);
  ASSERT_EQ(log.sizes, (std::vector<std::size_t>{1024}));
  void* big = a.allocate(5000, 8);  // > next chunk (2048): dedicated chunk of just enough
  ASSERT_EQ(log.sizes.size(), 2u);
  EXPECT_EQ(log.sizes[1], 5000u + 16);
  void* after = a.allocate(100, 8);  // still from the first chunk
  EXPECT_EQ(static_cast<char*>(after), static_cast<char*>(small) + 104);
  EXPECT_NE(big, nullptr);
  for (int i = 0; i < 400; ++i) (void)a.allocate(104, 8);
  // Regular chunks: 1024, 2048, 4096, 8192, 8192, ... (capped), the dedicated one untouched.
  std::vector<std::size_t> regular;
  for (std::size_t i = 0; i < log.sizes.size(); ++i) {
    if (i != 1) regular.push_back(log.sizes[i]);
  }
  ASSERT_GE(regular.size(), 5u);
  EXPECT_EQ(regular[0], 1024u);
  EXPECT_EQ(regular[1], 2048u);
  EXPECT_EQ(regular[2], 4096u);
  for (std::size_t i = 3; i < regular.size(); ++i) EXPECT_EQ(regular[i], 8192u);
  // Stats agree with the upstream's own view.
  EXPECT_EQ(a.chunk_count(), log.live);
  EXPECT_EQ(a.bytes_reserved(), log.live_bytes);
  EXPECT_EQ(a.bytes_used(), 100u + 5000 + 4 + 100 + 4 + 400 * 104);  // 4 = padding to 8
  const hotpath::arena_stats s = a.stats();
  EXPECT_EQ(s.chunk_count, log.live);
  a.release();
  EXPECT_EQ(log.live, 0u);
  EXPECT_EQ(a.stats().bytes_reserved, 0u);
  (void)a.allocate(8, 8);
  EXPECT_EQ(log.sizes.back(), 1024u) << "release restarts the growth sequence";
}

TEST(Arena, ResetKeepsTheLargestChunk) {
  upstream_log log;
  counted_arena a(counting_upstream{&log});
  for (int i = 0; i < 200; ++i) (void)a.allocate(100, 8);
  (void)a.allocate(20000, 8);  // dedicated, the largest
  ASSERT_GT(log.live, 2u);
  a.reset();
  EXPECT_EQ(log.live, 1u);
  EXPECT_EQ(log.live_bytes, 20016u);
  EXPECT_EQ(a.chunk_count(), 1u);
  EXPECT_EQ(a.bytes_reserved(), 20016u);
  EXPECT_EQ(a.bytes_used(), 0u);
  const std::size_t calls = log.calls;
  for (int i = 0; i < 190; ++i) (void)a.allocate(100, 8);  // 190 * 104 < 20000
  EXPECT_EQ(log.calls, calls) << "the kept chunk serves the next round";
}

TEST(Arena, RewindKeepsOneSpareChunk) {
  upstream_log log;
  counted_arena a(counting_upstream{&log});
  (void)a.allocate(8, 8);
  const auto m = a.mark();
  for (int round = 0; round < 20; ++round) {
    for (int i = 0; i < 60; ++i) (void)a.allocate(100, 8);
    a.rewind(m);
    EXPECT_LE(log.live, 2u);  // the first chunk and one spare
  }
  EXPECT_LE(log.calls, 4u) << "rewinding and refilling does not call upstream each round";
}

TEST(Arena, PmrUpstreamIsCounted) {
  counting_resource res;
  {
    hotpath::pmr_arena a(&res);
    for (int i = 0; i < 1000; ++i) (void)a.allocate(64, 16);
    EXPECT_EQ(res.allocations, a.chunk_count());
    EXPECT_EQ(res.live_bytes, a.bytes_reserved());
    EXPECT_GE(a.bytes_reserved(), 64000u);
    a.reset();
    EXPECT_EQ(res.live_bytes, a.bytes_reserved());
    EXPECT_EQ(a.chunk_count(), 1u);
  }
  EXPECT_EQ(res.live_bytes, 0u);
  EXPECT_EQ(res.allocations, res.deallocations);
}

TEST(Arena, InlineBufferIsUsedBeforeAnyUpstreamCall) {
  counting_resource res;
  hotpath::basic_arena<hotpath::inline_buffer<1024>, hotpath::pmr_upstream> a(&res);
  const auto lo = reinterpret_cast<std::uintptr_t>(&a);
  const auto hi = lo + sizeof(a);
  auto inside = [&](void* p) {
    const auto x = reinterpret_cast<std::uintptr_t>(p);
    return x >= lo && x < hi;
  };
  for (int i = 0; i < 64; ++i) EXPECT_TRUE(inside(a.allocate(16, 16)));  // exactly 1024 bytes
  EXPECT_EQ(res.allocations, 0u);
  EXPECT_EQ(a.bytes_reserved(), 0u);
  EXPECT_FALSE(inside(a.allocate(16, 16)));
  EXPECT_EQ(res.allocations, 1u);
  a.reset();  // back to the inline buffer; the chunk is kept as a spare
  EXPECT_TRUE(inside(a.allocate(16, 16)));
  EXPECT_EQ(a.chunk_count(), 1u);
  a.release();
  EXPECT_EQ(res.live_bytes, 0u);
  EXPECT_TRUE(inside(a.allocate(16, 16)));
}

// ---- exhaustion -------------------------------------------------------------------------

TEST(Arena, UpstreamFailureGivesBadAllocOrNullAndTheArenaStaysUsable) {
  upstream_log log;
  log.budget = 1024 + 2048;  // room for two regular chunks
  counted_arena a(counting_upstream{&log});
  std::vector<char*> ok;
  for (;;) {
    auto* p = static_cast<char*>(a.try_allocate(100, 8));
    if (p == nullptr) break;
    std::memset(p, 7, 100);
    ok.push_back(p);
  }
  while (a.try_allocate(1, 1) != nullptr) {  // use up the tail of the last chunk
  }
  EXPECT_GT(ok.size(), 20u);
  EXPECT_EQ(log.live, 2u);
  EXPECT_THROW((void)a.allocate(100, 8), std::bad_alloc);
  EXPECT_THROW((void)a.create<int>(1), std::bad_alloc);
  EXPECT_THROW((void)a.copy("abc"), std::bad_alloc);
  for (char* p : ok) ASSERT_EQ(p[99], 7);  // earlier blocks intact
  log.budget = std::numeric_limits<std::size_t>::max();
  EXPECT_NE(a.try_allocate(100, 8), nullptr) << "usable once upstream recovers";
  const auto m = a.mark();
  log.budget = log.live_bytes;
  EXPECT_EQ(a.try_allocate(100000, 8), nullptr);
  a.rewind(m);
  a.reset();
  EXPECT_NE(a.try_allocate(100, 8), nullptr);
}

TEST(Arena, FallsBackToJustEnoughWhenTheNextChunkIsRefused) {
  upstream_log log;
  log.fail_above = 2000;  // the second regular chunk (2048) is refused
  counted_arena a(counting_upstream{&log});
  for (int i = 0; i < 30; ++i) ASSERT_NE(a.try_allocate(100, 8), nullptr);
  EXPECT_GE(log.failures, 1u);
  EXPECT_EQ(a.try_allocate(3000, 8), nullptr);
}

TEST(Arena, NullMemoryResourceUpstream) {
  hotpath::basic_arena<hotpath::pmr_upstream, hotpath::inline_buffer<64>> a(
      std::pmr::null_memory_resource());
  EXPECT_NE(a.try_allocate(64, 8), nullptr);  // inline buffer only
  EXPECT_EQ(a.try_allocate(1, 1), nullptr);
  EXPECT_THROW((void)a.allocate(1, 1), std::bad_alloc);
}

// ---- moves ------------------------------------------------------------------------------

TEST(Arena, MoveTransfersChunks) {
  hotpath::arena a;
  std::vector<std::string_view> views;
  views.reserve(500);
  for (int i = 0; i < 500; ++i) views.push_back(a.copy("value-" + std::to_string(i)));
  const hotpath::arena_stats s = a.stats();
  hotpath::arena b(std::move(a));
  EXPECT_EQ(b.stats().bytes_used, s.bytes_used);
  EXPECT_EQ(b.stats().chunk_count, s.chunk_count);
  EXPECT_EQ(a.stats().chunk_count, 0u);  // NOLINT(bugprone-use-after-move): documented empty
  for (int i = 0; i < 500; ++i)
    EXPECT_EQ(views[static_cast<std::size_t>(i)], "value-" + std::to_string(i));
  (void)a.allocate(10, 1);
  hotpath::arena c;
  c = std::move(b);
  EXPECT_EQ(c.stats().bytes_used, s.bytes_used);
  EXPECT_EQ(views[0], "value-0");
}

// ---- adaptors ---------------------------------------------------------------------------

template <class T>
using alloc = hotpath::arena_allocator<T>;
using arena_string = std::basic_string<char, std::char_traits<char>, alloc<char>>;

TEST(ArenaAdaptors, AllocatorEqualityAndRebinding) {
  hotpath::arena a, b;
  alloc<int> ai(a);
  alloc<long> al(ai);
  EXPECT_TRUE(ai == al);
  EXPECT_FALSE(ai == alloc<int>(b));
  EXPECT_TRUE(ai != alloc<int>(b));
  hotpath::arena_resource ra(a), ra2(a), rb(b);
  EXPECT_TRUE(ra.is_equal(ra2));
  EXPECT_FALSE(ra.is_equal(rb));
  EXPECT_FALSE(ra.is_equal(*std::pmr::new_delete_resource()));
  EXPECT_EQ(&ra.get_arena(), &a);
}

TEST(ArenaAdaptors, StdContainersOnArenaAllocator) {
  hotpath::arena a;
  std::vector<int, alloc<int>> v(a);
  std::vector<int> ref;
  for (int i = 0; i < 10000; ++i) {
    v.push_back(i * 3);
    ref.push_back(i * 3);
  }
  EXPECT_TRUE(std::equal(v.begin(), v.end(), ref.begin(), ref.end()));
  const std::size_t used = a.bytes_used();
  EXPECT_GE(used, 10000 * sizeof(int));

  arena_string s("a string long enough to leave the small buffer", a);
  s += s;
  EXPECT_EQ(s.size(), 92u);
  EXPECT_GT(a.bytes_used(), used);

  // Hashed through the string_view conversion every basic_string has.
  using map =
      std::unordered_map<arena_string, int, std::hash<std::string_view>,
                         std::equal_to<arena_string>,  // NOLINT(modernize-use-transparent-functors)
                         alloc<std::pair<const arena_string, int>>>;
  map m(16, std::hash<std::string_view>{}, std::equal_to<arena_string>{},  // NOLINT
        a);
  std::unordered_map<std::string, int> model;
  std::mt19937 rng(42);
  for (int i = 0; i < 5000; ++i) {
    std::string k = "key-with-some-length-" + std::to_string(rng() % 3000);
    m[arena_string(k.c_str(), a)] += i;
    model[k] += i;
  }
  ASSERT_EQ(m.size(), model.size());
  for (const auto& [k, val] : model) {
    auto it = m.find(arena_string(k.c_str(), a));
    ASSERT_NE(it, m.end());
    EXPECT_EQ(it->second, val);
  }
}

TEST(ArenaAdaptors, PmrContainersOnArenaResource) {
  hotpath::inline_arena<4096> a;
  hotpath::arena_resource res(a);
  // Nothing may fall back to the default resource.
  std::pmr::memory_resource* old = std::pmr::set_default_resource(std::pmr::null_memory_resource());
  {
    std::pmr::vector<std::pmr::string> v(&res);
    std::pmr::unordered_map<std::pmr::string, int> m(&res);
    std::map<std::string, int> model;
    for (int i = 0; i < 3000; ++i) {
      std::string k = "pmr-key-long-enough-for-the-heap-" + std::to_string(i % 1000);
      v.emplace_back(k);
      m[std::pmr::string(k, &res)] += i;
      model[k] += i;
    }
    EXPECT_EQ(v.size(), 3000u);
    EXPECT_EQ(v[2999], "pmr-key-long-enough-for-the-heap-999");
    EXPECT_EQ(v[5].get_allocator().resource(), &res);
    ASSERT_EQ(m.size(), model.size());
    for (const auto& [k, val] : m) EXPECT_EQ(model.at(std::string(k)), val);
  }
  std::pmr::set_default_resource(old);
  EXPECT_GT(a.bytes_used(), 3000u * 34);
  // A resource over an arena can itself be the upstream of a pmr pool.
  std::pmr::unsynchronized_pool_resource pool(&res);
  std::pmr::vector<int> w(&pool);
  w.assign(1000, 5);
  EXPECT_EQ(w[999], 5);
}

TEST(ArenaAdaptors, ResourceAlignmentAndErrors) {
  hotpath::arena a;
  hotpath::arena_resource res(a);
  EXPECT_TRUE(aligned(res.allocate(10, 2048), 2048));
  EXPECT_THROW((void)res.allocate(10, 8192), std::invalid_argument);
  upstream_log log;
  log.budget = 0;
  counted_arena empty(counting_upstream{&log});
  hotpath::arena_resource<counted_arena> r2(empty);
  EXPECT_THROW((void)r2.allocate(10, 8), std::bad_alloc);
}

// ---- sanitizer ---------------------------------------------------------------------------

#if HOTPATH_ASAN
TEST(ArenaDeathTest, UseAfterResetIsReported) {
  EXPECT_DEATH(
      {
        hotpath::arena a;
        auto* p = a.create<std::int64_t>(5);
        a.reset();
        volatile std::int64_t x = *p;
        (void)x;
      },
      "use-after-poison");
}

TEST(ArenaDeathTest, UseAfterRewindIsReported) {
  EXPECT_DEATH(
      {
        hotpath::inline_arena<256> a;
        (void)a.allocate(16, 16);
        const auto m = a.mark();
        auto* p = static_cast<char*>(a.allocate(16, 16));
        a.rewind(m);
        p[3] = 1;
      },
      "use-after-poison");
}
#endif

}  // namespace
