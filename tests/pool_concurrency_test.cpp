// Concurrency stress tests of hotpath::basic_object_pool's thread-safe policies (label
// `concurrency`: the tsan preset runs them): several threads creating and destroying, objects
// destroyed on another thread than the one that created them, a live cap under contention,
// thread exit returning magazines, and a pool destroyed while a thread still caches for it.
#include <hotpath/pool.hpp>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace {

struct tagged {
  std::uint64_t owner_and_seq;
  std::uint64_t check;
  explicit tagged(std::uint64_t v) noexcept : owner_and_seq(v), check(~v) {}
  bool intact() const { return check == ~owner_and_seq; }
};

template <class Pool>
class PoolConcurrency : public ::testing::Test {};

using concurrent_pool_types = ::testing::Types<
    hotpath::locked_object_pool<tagged>, hotpath::concurrent_object_pool<tagged>,
    hotpath::concurrent_object_pool<tagged, 2>,
    hotpath::basic_object_pool<tagged, hotpath::pool::thread_cached<16>,
                               hotpath::pool::max_spare_blocks<1>, hotpath::pool::fixed_growth<32>>,
    hotpath::basic_object_pool<tagged, hotpath::pool::mutex_locked,
                               hotpath::pool::max_spare_blocks<0>>>;
TYPED_TEST_SUITE(PoolConcurrency, concurrent_pool_types);

constexpr int kThreads = 4;

// Each thread churns its own objects at random; checks every object is intact when freed.
TYPED_TEST(PoolConcurrency, ThreadsChurnPrivately) {
  TypeParam pool;
  std::atomic<int> corrupt{0};
  std::vector<std::thread> ts;
  ts.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    ts.emplace_back([&, t] {
      std::mt19937 rng(1000 + static_cast<unsigned>(t));
      std::vector<tagged*> mine;
      std::uint64_t seq = 0;
      for (int i = 0; i < 20000; ++i) {
        if (mine.empty() || rng() % 100 < 55) {
          mine.push_back(pool.create((std::uint64_t(t) << 32) | seq++));
        } else {
          const std::size_t k = rng() % mine.size();
          if (!mine[k]->intact() || (mine[k]->owner_and_seq >> 32) != std::uint64_t(t)) ++corrupt;
          pool.destroy(mine[k]);
          mine[k] = mine.back();
          mine.pop_back();
        }
      }
      for (tagged* p : mine) pool.destroy(p);
    });
  }
  for (auto& th : ts) th.join();
  EXPECT_EQ(corrupt.load(), 0);
  EXPECT_EQ(pool.live(), 0u) << "exited threads gave their magazines back";
}

// Producers create, consumers destroy: every object is freed on another thread.
TYPED_TEST(PoolConcurrency, CrossThreadDestroy) {
  TypeParam pool;
  std::mutex mu;
  std::condition_variable cv;
  std::deque<tagged*> queue;
  int producers_left = kThreads / 2;
  std::atomic<int> corrupt{0};
  std::atomic<std::uint64_t> destroyed{0};
  constexpr int kPerProducer = 20000;

  std::vector<std::thread> ts;
  ts.reserve(kThreads);
  for (int t = 0; t < kThreads / 2; ++t) {
    ts.emplace_back([&, t] {
      std::vector<tagged*> batch;
      for (int i = 0; i < kPerProducer; ++i) {
        batch.push_back(pool.create((std::uint64_t(t) << 32) | std::uint64_t(i)));
        if (batch.size() == 50 || i + 1 == kPerProducer) {
          std::lock_guard<std::mutex> g(mu);
          queue.insert(queue.end(), batch.begin(), batch.end());
          batch.clear();
          cv.notify_all();
        }
      }
      std::lock_guard<std::mutex> g(mu);
      --producers_left;
      cv.notify_all();
    });
  }
  for (int t = 0; t < kThreads / 2; ++t) {
    ts.emplace_back([&] {
      for (;;) {
        std::vector<tagged*> got;
        {
          std::unique_lock<std::mutex> lk(mu);
          cv.wait(lk, [&] { return !queue.empty() || producers_left == 0; });
          if (queue.empty()) return;
          while (!queue.empty() && got.size() < 64) {
            got.push_back(queue.front());
            queue.pop_front();
          }
        }
        for (tagged* p : got) {
          if (!p->intact()) ++corrupt;
          pool.destroy(p);
          destroyed.fetch_add(1, std::memory_order_relaxed);
        }
      }
    });
  }
  for (auto& th : ts) th.join();
  EXPECT_EQ(corrupt.load(), 0);
  EXPECT_EQ(destroyed.load(), std::uint64_t(kThreads / 2) * kPerProducer);
  EXPECT_EQ(pool.live(), 0u);
}

TEST(PoolConcurrencyCaps, LiveCapHoldsUnderContention) {
  constexpr std::size_t kCap = 200;
  hotpath::basic_object_pool<tagged, hotpath::pool::max_live<kCap>, hotpath::pool::thread_cached<8>>
      pool;
  std::atomic<std::size_t> live{0};
  std::atomic<std::size_t> max_seen{0};
  std::atomic<int> nulls{0};
  std::vector<std::thread> ts;
  ts.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    ts.emplace_back([&, t] {
      std::mt19937 rng(7 + static_cast<unsigned>(t));
      std::vector<tagged*> mine;
      for (int i = 0; i < 10000; ++i) {
        if (mine.empty() || rng() % 100 < 60) {
          tagged* p = pool.try_create(std::uint64_t(i));
          if (p == nullptr) {
            ++nulls;
            continue;
          }
          const std::size_t now = live.fetch_add(1) + 1;
          std::size_t m = max_seen.load();
          while (now > m && !max_seen.compare_exchange_weak(m, now)) {
          }
          mine.push_back(p);
        } else {
          live.fetch_sub(1);
          pool.destroy(mine.back());
          mine.pop_back();
        }
      }
      for (tagged* p : mine) {
        live.fetch_sub(1);
        pool.destroy(p);
      }
    });
  }
  for (auto& th : ts) th.join();
  EXPECT_LE(max_seen.load(), kCap);
  EXPECT_GT(nulls.load(), 0) << "the cap was reached";
  EXPECT_LE(pool.peak(), kCap);
  EXPECT_EQ(pool.live(), 0u);
}

TEST(PoolConcurrencyLifetime, PoolDestroyedWhileAThreadStillCachesForIt) {
  std::mutex mu;
  std::condition_variable cv;
  int stage = 0;
  auto pool = std::make_unique<hotpath::concurrent_object_pool<tagged>>();
  std::thread t([&] {
    tagged* p = pool->create(1u);
    pool->destroy(p);  // stays in this thread's magazine
    std::unique_lock<std::mutex> lk(mu);
    stage = 1;
    cv.notify_all();
    cv.wait(lk, [&] { return stage == 2; });
    // The pool is gone; this thread exits holding a magazine for it.
  });
  {
    std::unique_lock<std::mutex> lk(mu);
    cv.wait(lk, [&] { return stage == 1; });
  }
  EXPECT_EQ(pool->live(), 0u);
  pool.reset();
  auto other = std::make_unique<hotpath::concurrent_object_pool<tagged>>();  // fresh id
  tagged* q = other->create(2u);
  {
    std::lock_guard<std::mutex> g(mu);
    stage = 2;
    cv.notify_all();
  }
  t.join();
  EXPECT_TRUE(q->intact());
  other->destroy(q);
  EXPECT_EQ(other->live(), 0u);
}

TEST(PoolConcurrencyLifetime, ManyPoolsPerThread) {
  // More pools than hint slots, used alternately from two threads.
  std::vector<std::unique_ptr<hotpath::concurrent_object_pool<tagged, 4>>> pools;
  pools.reserve(9);
  for (int i = 0; i < 9; ++i) {
    pools.push_back(std::make_unique<hotpath::concurrent_object_pool<tagged, 4>>());
  }
  auto work = [&](unsigned seed) {
    std::mt19937 rng(seed);
    std::vector<std::pair<std::size_t, tagged*>> held;
    for (int i = 0; i < 5000; ++i) {
      if (held.empty() || rng() % 2 == 0) {
        const std::size_t k = rng() % pools.size();
        held.emplace_back(k, pools[k]->create(std::uint64_t(i)));
      } else {
        auto [k, p] = held.back();
        held.pop_back();
        EXPECT_TRUE(p->intact());
        pools[k]->destroy(p);
      }
    }
    for (auto [k, p] : held) pools[k]->destroy(p);
  };
  std::thread a(work, 1u), b(work, 2u);
  a.join();
  b.join();
  for (auto& p : pools) EXPECT_EQ(p->live(), 0u);
}

}  // namespace
