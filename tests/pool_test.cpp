// Tests of hotpath::basic_object_pool and hotpath::fixed_pool_resource (single-threaded
// behaviour; the multi-threaded stress tests are in pool_concurrency_test.cpp): a
// differential test against a std::set of live pointers on every policy set, alignment,
// caps, spare-block release counted at the upstream, exception safety, make_unique, the pmr
// resource with std::pmr containers, and the debug aids (double destroy, ASan poisoning).
#include <hotpath/pool.hpp>

#include <algorithm>
#include <cstdint>
#include <list>
#include <map>
#include <memory_resource>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include <gtest/gtest.h>

namespace {

// Upstream that counts calls and can be told to fail.
class counting_resource : public std::pmr::memory_resource {
 public:
  std::size_t allocations = 0;
  std::size_t deallocations = 0;
  std::size_t bytes_live = 0;
  std::size_t max_align_seen = 0;
  std::size_t fail_after = SIZE_MAX;  // allocations allowed before throwing

  std::size_t blocks_live() const { return allocations - deallocations; }

 private:
  void* do_allocate(std::size_t bytes, std::size_t align) override {
    if (allocations >= fail_after) throw std::bad_alloc();
    ++allocations;
    bytes_live += bytes;
    max_align_seen = std::max(max_align_seen, align);
    return std::pmr::new_delete_resource()->allocate(bytes, align);
  }
  void do_deallocate(void* p, std::size_t bytes, std::size_t align) override {
    ++deallocations;
    bytes_live -= bytes;
    std::pmr::new_delete_resource()->deallocate(p, bytes, align);
  }
  bool do_is_equal(const std::pmr::memory_resource& o) const noexcept override {
    return this == &o;
  }
};

struct item {
  std::uint64_t id;
  std::uint64_t check;
  explicit item(std::uint64_t i) noexcept : id(i), check(~i) {}
  bool intact(std::uint64_t i) const { return id == i && check == ~i; }
};

struct alignas(64) item64 {
  std::uint64_t id;
  explicit item64(std::uint64_t i) noexcept : id(i) {}
  bool intact(std::uint64_t i) const { return id == i; }
};

struct alignas(256) item256 {
  std::uint64_t id;
  char pad[300]{};
  explicit item256(std::uint64_t i) noexcept : id(i) {}
  bool intact(std::uint64_t i) const { return id == i; }
};

// ---- Typed suite: the same behaviour on every policy set ----

template <class Pool>
class PoolTyped : public ::testing::Test {};

using pool_types =
    ::testing::Types<hotpath::object_pool<item>, hotpath::locked_object_pool<item>,
                     hotpath::concurrent_object_pool<item>,
                     hotpath::concurrent_object_pool<item, 1>,
                     hotpath::basic_object_pool<item, hotpath::pool::max_spare_blocks<1>>,
                     hotpath::basic_object_pool<item, hotpath::pool::max_spare_blocks<0>,
                                                hotpath::pool::fixed_growth<3>>,
                     hotpath::basic_object_pool<item, hotpath::pool::thread_cached<8>,
                                                hotpath::pool::max_spare_blocks<2>>,
                     hotpath::basic_object_pool<item, hotpath::pool::geometric_growth<1, 4>>,
                     hotpath::basic_object_pool<item64, hotpath::pool::geometric_growth<2, 32>>,
                     hotpath::basic_object_pool<item64, hotpath::pool::max_spare_blocks<1>,
                                                hotpath::pool::mutex_locked>,
                     hotpath::basic_object_pool<item256, hotpath::pool::geometric_growth<2, 32>>,
                     hotpath::concurrent_object_pool<item256, 4>,
                     hotpath::basic_object_pool<item256, hotpath::pool::max_spare_blocks<1>>>;
TYPED_TEST_SUITE(PoolTyped, pool_types);

TYPED_TEST(PoolTyped, DifferentialAgainstSetOfLivePointers) {
  using T = typename TypeParam::value_type;
  counting_resource upstream;
  {
    TypeParam pool(&upstream);
    std::map<T*, std::uint64_t> live;  // the reference model: pointer -> id
    std::mt19937_64 rng(20261123);
    std::uint64_t next_id = 0;
    std::size_t peak = 0;
    for (int step = 0; step < 20000; ++step) {
      // Drift between growing and shrinking phases so blocks fill up and empty out.
      const bool grow_phase = (step / 2500) % 2 == 0;
      const bool do_create = live.empty() || (rng() % 100) < (grow_phase ? 65u : 35u);
      if (do_create) {
        T* p = pool.create(next_id);
        ASSERT_NE(p, nullptr);
        ASSERT_EQ(reinterpret_cast<std::uintptr_t>(p) % alignof(T), 0u);
        // Not overlapping any live object: neighbours in address order are >= sizeof(T) away.
        auto [it, inserted] = live.emplace(p, next_id);
        ASSERT_TRUE(inserted) << "pool returned a live pointer again";
        if (it != live.begin()) {
          ASSERT_GE(reinterpret_cast<char*>(p) - reinterpret_cast<char*>(std::prev(it)->first),
                    static_cast<std::ptrdiff_t>(sizeof(T)));
        }
        if (std::next(it) != live.end()) {
          ASSERT_GE(reinterpret_cast<char*>(std::next(it)->first) - reinterpret_cast<char*>(p),
                    static_cast<std::ptrdiff_t>(sizeof(T)));
        }
        ++next_id;
        peak = std::max(peak, live.size());
      } else {
        auto it = live.begin();
        std::advance(it,
                     static_cast<std::ptrdiff_t>(rng() % std::min<std::size_t>(live.size(), 64)));
        if (rng() % 2 != 0) it = std::prev(live.end());
        ASSERT_TRUE(it->first->intact(it->second)) << "object overwritten while live";
        pool.destroy(it->first);
        live.erase(it);
      }
      ASSERT_EQ(pool.live(), live.size());
      ASSERT_GE(pool.capacity(), live.size());
    }
    if constexpr (!hotpath::detail::is_thread_cached<typename TypeParam::thread_policy>) {
      EXPECT_EQ(pool.peak(), peak);
    } else {
      EXPECT_GE(pool.peak(), peak);  // counts slots parked in the magazine too
    }
    for (auto& [p, id] : live) {
      ASSERT_TRUE(p->intact(id));
      pool.destroy(p);
    }
    EXPECT_EQ(pool.live(), 0u);
    EXPECT_GE(upstream.max_align_seen, alignof(T));
  }
  EXPECT_EQ(upstream.blocks_live(), 0u) << "the pool's destructor returns every block";
  EXPECT_EQ(upstream.bytes_live, 0u);
}

TYPED_TEST(PoolTyped, DestroyInAnyOrderThenReuse) {
  using T = typename TypeParam::value_type;
  TypeParam pool;
  std::vector<T*> v;
  for (std::uint64_t i = 0; i < 1000; ++i) v.push_back(pool.create(i));
  const std::size_t cap = pool.capacity();
  std::shuffle(v.begin(), v.end(), std::mt19937(7));
  for (T* p : v) pool.destroy(p);
  EXPECT_EQ(pool.live(), 0u);
  std::set<T*> again;
  for (std::uint64_t i = 0; i < 1000; ++i) again.insert(pool.create(i));
  EXPECT_EQ(again.size(), 1000u);
  if constexpr (!TypeParam::spare_capped) {
    EXPECT_EQ(pool.capacity(), cap) << "slots reused";
  }
  for (T* p : again) pool.destroy(p);
}

TYPED_TEST(PoolTyped, MakeUniqueDestroysThroughThePool) {
  TypeParam pool;
  {
    auto a = pool.make_unique(1u);
    auto b = pool.make_unique(2u);
    EXPECT_TRUE(a->intact(1) && b->intact(2));
    EXPECT_EQ(pool.live(), 2u);
    EXPECT_EQ(a.get_deleter().pool(), &pool);
    a.reset();
    EXPECT_EQ(pool.live(), 1u);
  }
  EXPECT_EQ(pool.live(), 0u);
  static_assert(std::is_same_v<
                typename TypeParam::unique_ptr,
                std::unique_ptr<typename TypeParam::value_type, hotpath::pool_deleter<TypeParam>>>);
}

TYPED_TEST(PoolTyped, DestroyIsNoexceptAndNullIsANoOp) {
  TypeParam pool;
  static_assert(noexcept(pool.destroy(nullptr)));
  pool.destroy(nullptr);
  EXPECT_EQ(pool.live(), 0u);
}

// ---- Policies and aliases ----

static_assert(
    std::is_same_v<hotpath::object_pool<int>::thread_policy, hotpath::pool::single_threaded>);
static_assert(
    std::is_same_v<hotpath::locked_object_pool<int>::thread_policy, hotpath::pool::mutex_locked>);
static_assert(std::is_same_v<hotpath::concurrent_object_pool<int>::thread_policy,
                             hotpath::pool::thread_cached<64>>);
static_assert(!hotpath::object_pool<int>::is_thread_safe);
static_assert(std::is_nothrow_default_constructible_v<hotpath::object_pool<int>>);
static_assert(!std::is_nothrow_default_constructible_v<hotpath::concurrent_object_pool<int>>);
static_assert(!std::is_copy_constructible_v<hotpath::object_pool<int>>);
static_assert(hotpath::concurrent_object_pool<int>::is_thread_safe);
static_assert(hotpath::basic_object_pool<int, hotpath::pool::max_live<5>>::live_cap == 5);
static_assert(hotpath::pool_policy<hotpath::pool::max_spare_blocks<3>>);
static_assert(!hotpath::pool_policy<int>);
static_assert(hotpath::object_pool<char>::slot_stride() % alignof(void*) == 0);
static_assert(hotpath::object_pool<item256>::slot_stride() % 256 == 0);

// ---- Caps ----

template <class Pool>
void check_live_cap() {
  Pool pool;
  std::vector<item*> v;
  for (std::uint64_t i = 0; i < 10; ++i) v.push_back(pool.create(i));
  EXPECT_THROW((void)pool.create(99u), std::bad_alloc);
  EXPECT_EQ(pool.try_create(99u), nullptr);
  EXPECT_EQ(pool.live(), 10u);
  if constexpr (!Pool::spare_capped) {
    EXPECT_EQ(pool.capacity(), 10u) << "blocks sized to the cap";
  }
  pool.destroy(v.back());
  v.pop_back();
  item* again = pool.try_create(5u);
  ASSERT_NE(again, nullptr);
  v.push_back(again);
  EXPECT_EQ(pool.try_create(6u), nullptr);
  for (item* p : v) pool.destroy(p);
}

TEST(PoolCaps, MaxLiveSingleThreaded) {
  check_live_cap<hotpath::basic_object_pool<item, hotpath::pool::max_live<10>>>();
  check_live_cap<hotpath::basic_object_pool<item, hotpath::pool::max_live<10>,
                                            hotpath::pool::fixed_growth<4>>>();
}
TEST(PoolCaps, MaxLiveLocked) {
  check_live_cap<
      hotpath::basic_object_pool<item, hotpath::pool::max_live<10>, hotpath::pool::mutex_locked>>();
}
TEST(PoolCaps, MaxLiveThreadCachedOnOneThread) {
  check_live_cap<hotpath::basic_object_pool<item, hotpath::pool::max_live<10>,
                                            hotpath::pool::thread_cached<4>>>();
}
TEST(PoolCaps, MaxLiveWithSlabLayout) {
  check_live_cap<hotpath::basic_object_pool<item, hotpath::pool::max_live<10>,
                                            hotpath::pool::max_spare_blocks<0>,
                                            hotpath::pool::fixed_growth<3>>>();
}

TEST(PoolCaps, UpstreamFailureIsBadAllocAndPoolStaysUsable) {
  counting_resource upstream;
  upstream.fail_after = 2;  // the first block and the free-slot stack
  hotpath::basic_object_pool<item, hotpath::pool::fixed_growth<4>> pool(&upstream);
  std::vector<item*> v;
  for (std::uint64_t i = 0; i < 4; ++i) v.push_back(pool.create(i));
  EXPECT_THROW((void)pool.create(4u), std::bad_alloc);
  EXPECT_EQ(pool.try_create(4u), nullptr);
  EXPECT_EQ(pool.live(), 4u);
  upstream.fail_after = SIZE_MAX;
  v.push_back(pool.create(4u));
  EXPECT_EQ(pool.blocks(), 2u);
  for (item* p : v) pool.destroy(p);
}

TEST(PoolGrowth, GeometricBlockSizesUpToTheMax) {
  counting_resource upstream;
  hotpath::basic_object_pool<item, hotpath::pool::geometric_growth<4, 16>> pool(&upstream);
  std::vector<item*> v;
  std::vector<std::size_t> caps;
  for (std::uint64_t i = 0; i < 60; ++i) {
    v.push_back(pool.create(i));
    if (caps.empty() || caps.back() != pool.capacity()) caps.push_back(pool.capacity());
  }
  EXPECT_EQ(caps, (std::vector<std::size_t>{4, 12, 28, 44, 60}));
  EXPECT_EQ(pool.blocks(), 5u);
  EXPECT_EQ(upstream.blocks_live(), 6u) << "5 blocks and the free-slot stack";
  for (item* p : v) pool.destroy(p);
  EXPECT_EQ(upstream.blocks_live(), 6u) << "no spare cap: blocks kept until destruction";
}

TEST(PoolReuse, MostRecentlyDestroyedSlotIsReusedFirstAcrossStackGrowth) {
  // The free-slot stack is LIFO whatever the free order, also after it grew (1000 slots take
  // several blocks and several stack reallocations); live() is exact throughout.
  counting_resource upstream;
  hotpath::basic_object_pool<item, hotpath::pool::geometric_growth<4, 64>> pool(&upstream);
  std::vector<item*> v;
  for (std::uint64_t i = 0; i < 1000; ++i) v.push_back(pool.create(i));
  std::vector<item*> order = v;
  std::shuffle(order.begin(), order.end(), std::mt19937(7));
  for (std::size_t i = 0; i < order.size(); ++i) {
    pool.destroy(order[i]);
    EXPECT_EQ(pool.live(), order.size() - i - 1);
  }
  const std::size_t capacity = pool.capacity();
  for (std::size_t i = 0; i < order.size(); ++i) {
    item* p = pool.create(std::uint64_t{5000} + i);
    EXPECT_EQ(p, order[order.size() - 1 - i]);
    EXPECT_TRUE(p->intact(5000 + i));
  }
  EXPECT_EQ(pool.live(), 1000u);
  EXPECT_EQ(pool.peak(), 1000u);
  EXPECT_EQ(pool.capacity(), capacity) << "every slot reused, no new block";
  for (item* p : order) pool.destroy(p);
}

// ---- Spare-block cap, counted at the upstream ----

TEST(PoolSpareBlocks, WhollyFreeBlocksBeyondTheCapGoUpstream) {
  counting_resource upstream;
  using pool_t = hotpath::basic_object_pool<item, hotpath::pool::max_spare_blocks<2>,
                                            hotpath::pool::fixed_growth<100>>;
  pool_t pool(&upstream);
  std::vector<item*> v;
  for (std::uint64_t i = 0; i < 2000; ++i) v.push_back(pool.create(i));
  const std::size_t blocks = pool.blocks();
  EXPECT_GE(blocks, 8u);
  EXPECT_EQ(upstream.blocks_live(), blocks);
  std::shuffle(v.begin(), v.end(), std::mt19937(99));
  for (item* p : v) {
    pool.destroy(p);
    ASSERT_LE(upstream.blocks_live(), blocks);
  }
  EXPECT_EQ(pool.live(), 0u);
  EXPECT_EQ(pool.blocks(), 2u) << "two spare blocks retained";
  EXPECT_EQ(upstream.blocks_live(), 2u);
  EXPECT_EQ(upstream.deallocations, blocks - 2);
  // Reuse the retained blocks before asking upstream again.
  const std::size_t allocs = upstream.allocations;
  std::vector<item*> w;
  for (std::uint64_t i = 0; i < 150; ++i) w.push_back(pool.create(i));
  EXPECT_EQ(upstream.allocations, allocs);
  for (item* p : w) pool.destroy(p);
  EXPECT_EQ(upstream.blocks_live(), 2u);
}

TEST(PoolSpareBlocks, ZeroSparesReleasesEveryEmptyBlock) {
  counting_resource upstream;
  hotpath::basic_object_pool<item, hotpath::pool::max_spare_blocks<0>,
                             hotpath::pool::fixed_growth<10>>
      pool(&upstream);
  item* a = pool.create(1u);
  EXPECT_EQ(upstream.blocks_live(), 1u);
  pool.destroy(a);
  EXPECT_EQ(upstream.blocks_live(), 0u);
  EXPECT_EQ(pool.capacity(), 0u);
  item* b = pool.create(2u);
  EXPECT_TRUE(b->intact(2));
  pool.destroy(b);
  EXPECT_EQ(upstream.allocations, 2u);
  EXPECT_EQ(upstream.deallocations, 2u);
}

TEST(PoolSpareBlocks, PartlyUsedBlocksAreKept) {
  counting_resource upstream;
  hotpath::basic_object_pool<item, hotpath::pool::max_spare_blocks<0>,
                             hotpath::pool::fixed_growth<10>>
      pool(&upstream);
  std::vector<item*> v;
  for (std::uint64_t i = 0; i < 4000; ++i) v.push_back(pool.create(i));
  const std::size_t blocks = upstream.blocks_live();
  // Destroy all but every 1000th object: blocks that still hold one stay.
  std::vector<item*> keep;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i % 1000 == 0)
      keep.push_back(v[i]);
    else
      pool.destroy(v[i]);
  }
  EXPECT_LT(upstream.blocks_live(), blocks);
  EXPECT_GE(upstream.blocks_live(), 1u);
  EXPECT_LE(upstream.blocks_live(), keep.size());
  for (std::size_t i = 0; i < keep.size(); ++i) EXPECT_TRUE(keep[i]->intact(i * 1000));
  for (item* p : keep) pool.destroy(p);
  EXPECT_EQ(upstream.blocks_live(), 0u);
}

// ---- Exceptions from T's constructor ----

struct throws_on_demand {
  static inline int live_count = 0;
  std::uint64_t v;
  explicit throws_on_demand(std::uint64_t x) : v(x) {
    if (x == 13) throw std::runtime_error("13");
    ++live_count;
  }
  ~throws_on_demand() { --live_count; }
};

template <class Pool>
void check_constructor_exception() {
  Pool pool;
  throws_on_demand* a = pool.create(1u);
  throws_on_demand* b = pool.create(2u);
  pool.destroy(b);
  const std::size_t cap = pool.capacity();
  EXPECT_THROW((void)pool.create(13u), std::runtime_error);
  EXPECT_THROW((void)pool.try_create(13u), std::runtime_error);
  EXPECT_EQ(pool.live(), 1u);
  EXPECT_EQ(pool.capacity(), cap);
  EXPECT_EQ(throws_on_demand::live_count, 1);
  throws_on_demand* c = pool.create(3u);
  EXPECT_EQ(c, b) << "the slot given back is the next one used";
  pool.destroy(c);
  pool.destroy(a);
  EXPECT_EQ(throws_on_demand::live_count, 0);
}

TEST(PoolExceptions, ConstructorThrowLeavesPoolUnchanged) {
  check_constructor_exception<hotpath::object_pool<throws_on_demand>>();
  check_constructor_exception<hotpath::locked_object_pool<throws_on_demand>>();
  check_constructor_exception<hotpath::concurrent_object_pool<throws_on_demand>>();
  check_constructor_exception<
      hotpath::basic_object_pool<throws_on_demand, hotpath::pool::max_spare_blocks<0>>>();
}

TEST(PoolExceptions, PeakIgnoresFailedCreates) {
  hotpath::object_pool<throws_on_demand> pool;
  EXPECT_THROW((void)pool.create(13u), std::runtime_error);
  EXPECT_EQ(pool.peak(), 0u);
}

// ---- Non-trivial T ----

TEST(PoolTypes, NonTrivialObjectsAreConstructedAndDestroyed) {
  hotpath::object_pool<std::string> pool;
  std::string* s = pool.create(100, 'x');
  EXPECT_EQ(*s, std::string(100, 'x'));
  std::string* t = pool.create("short");
  EXPECT_EQ(*t, "short");
  pool.destroy(s);  // under ASan/LSan a leak would be reported if ~string did not run
  pool.destroy(t);
}

// ---- fixed_pool_resource ----

TEST(FixedPoolResource, ServesSmallRequestsAndForwardsLargeOnes) {
  counting_resource upstream;
  {
    hotpath::fixed_pool_resource res(32, 16, &upstream, 8, 64);
    EXPECT_EQ(res.block_size(), 32u);
    EXPECT_EQ(res.alignment(), 16u);
    std::set<void*> seen;
    std::vector<void*> v;
    for (int i = 0; i < 100; ++i) {
      void* p = res.allocate(24, 8);
      EXPECT_EQ(reinterpret_cast<std::uintptr_t>(p) % 16, 0u);
      EXPECT_TRUE(seen.insert(p).second);
      v.push_back(p);
    }
    EXPECT_EQ(res.live(), 100u);
    const std::size_t allocs = upstream.allocations;
    const std::size_t deallocs = upstream.deallocations;  // old free-slot stacks
    void* big = res.allocate(4096, 64);
    EXPECT_EQ(upstream.allocations, allocs + 1) << "too large: forwarded";
    void* overaligned = res.allocate(16, 64);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(overaligned) % 64, 0u);
    EXPECT_EQ(upstream.allocations, allocs + 2) << "over-aligned: forwarded";
    res.deallocate(big, 4096, 64);
    res.deallocate(overaligned, 16, 64);
    EXPECT_EQ(upstream.deallocations, deallocs + 2);
    for (void* p : v) res.deallocate(p, 24, 8);
    EXPECT_EQ(res.live(), 0u);
    EXPECT_TRUE(res.is_equal(res));
    hotpath::fixed_pool_resource other(32);
    EXPECT_FALSE(res.is_equal(other));
  }
  EXPECT_EQ(upstream.blocks_live(), 0u);
}

TEST(FixedPoolResource, WorksUnderPmrContainers) {
  hotpath::fixed_pool_resource res(64, alignof(std::max_align_t));
  {
    std::pmr::list<int> l(&res);
    std::pmr::set<int> s(&res);
    std::list<int> ref;
    std::mt19937 rng(3);
    for (int i = 0; i < 5000; ++i) {
      const int x = static_cast<int>(rng() % 1000);
      l.push_back(x);
      ref.push_back(x);
      s.insert(x);
      if (i % 3 == 0) {
        l.pop_front();
        ref.pop_front();
      }
    }
    EXPECT_TRUE(std::equal(l.begin(), l.end(), ref.begin(), ref.end()));
    EXPECT_EQ(res.live(), l.size() + s.size());
    std::pmr::vector<int> big(10000, 1, &res);  // 40 KB: forwarded upstream
    EXPECT_EQ(res.live(), l.size() + s.size());
  }
  EXPECT_EQ(res.live(), 0u);
}

TEST(FixedPoolResource, RejectsBadArguments) {
  EXPECT_THROW(hotpath::fixed_pool_resource(0), std::invalid_argument);
  EXPECT_THROW(hotpath::fixed_pool_resource(16, 24), std::invalid_argument);
}

// ---- Debug aids ----

#if HOTPATH_DEBUG
using PoolDeathTest = ::testing::Test;

TEST(PoolDeathTest, DoubleDestroyAborts) {
  EXPECT_DEATH(
      {
        hotpath::object_pool<item> pool;
        item* p = pool.create(1u);
        pool.destroy(p);
        pool.destroy(p);
      },
      "double destroy");
}

using slab_pool = hotpath::basic_object_pool<item, hotpath::pool::max_spare_blocks<4>>;

TEST(PoolDeathTest, DoubleDestroyAbortsInEveryLayout) {
  EXPECT_DEATH(
      {
        hotpath::concurrent_object_pool<item> pool;
        item* p = pool.create(1u);
        pool.destroy(p);
        pool.destroy(p);
      },
      "double destroy");
  EXPECT_DEATH(
      {
        slab_pool pool;
        item* p = pool.create(1u);
        item* q = pool.create(2u);
        pool.destroy(p);
        pool.destroy(p);
        pool.destroy(q);
      },
      "double destroy");
  EXPECT_DEATH(
      {
        hotpath::fixed_pool_resource res(16);
        void* p = res.allocate(16);
        res.deallocate(p, 16);
        res.deallocate(p, 16);
      },
      "double destroy");
}
#endif

#if HOTPATH_ASAN
TEST(PoolDeathTest, UseAfterDestroyIsReportedByAsan) {
  EXPECT_DEATH(
      {
        hotpath::object_pool<item> pool;
        item* p = pool.create(1u);
        pool.destroy(p);
        volatile std::uint64_t id = p->check;  // the slot is poisoned
        (void)id;
      },
      "use-after-poison");
  EXPECT_DEATH(
      {
        hotpath::concurrent_object_pool<item> pool;
        item* p = pool.create(1u);
        pool.destroy(p);
        volatile std::uint64_t id = p->check;
        (void)id;
      },
      "use-after-poison");
}
#endif

}  // namespace
