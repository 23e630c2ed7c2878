// Concurrency stress tests of hotpath::concurrent_interner (label `concurrency`, run under
// ThreadSanitizer): threads interning overlapping sets agree on every id, resolve runs without
// a lock while other threads append, find/freeze race with intern, and the symbol limit holds
// under contention.
#include <hotpath/interner.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include <gtest/gtest.h>

namespace {

constexpr int thread_count = 4;
#if HOTPATH_TSAN
constexpr int per_thread = 6000;
#else
constexpr int per_thread = 30000;
#endif

template <class I>
class interner_concurrency : public ::testing::Test {};
using concurrent_types =
    ::testing::Types<hotpath::concurrent_interner,
                     hotpath::basic_interner<hotpath::sharded<2>, hotpath::fixed_seed_xxh3<3>>>;
TYPED_TEST_SUITE(interner_concurrency, concurrent_types);

TYPED_TEST(interner_concurrency, overlapping_sets_agree_on_ids) {
  TypeParam in;
  std::vector<std::vector<std::pair<std::string, hotpath::symbol>>> seen(thread_count);
  std::atomic<int> ready{0};
  std::vector<std::thread> threads;
  threads.reserve(8);
  for (int t = 0; t < thread_count; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(static_cast<unsigned>(t));
      ready.fetch_add(1);
      while (ready.load() < thread_count) {
      }
      for (int i = 0; i < per_thread; ++i) {
        // Half shared by everyone, half private to this thread.
        std::string s = (rng() % 2 == 0) ? "shared/" + std::to_string(rng() % 5000)
                                         : "own" + std::to_string(t) + "/" + std::to_string(i);
        const hotpath::symbol sym = in.intern(s);
        seen[static_cast<std::size_t>(t)].emplace_back(std::move(s), sym);
      }
    });
  }
  for (auto& th : threads) th.join();
  std::unordered_map<std::string, hotpath::symbol> ids;
  for (const auto& v : seen) {
    for (const auto& [s, sym] : v) {
      auto [it, inserted] = ids.emplace(s, sym);
      ASSERT_EQ(it->second, sym) << s << " got two ids";
      ASSERT_EQ(in.resolve(sym), s);
    }
  }
  // Ids are dense and distinct: exactly one string per id.
  ASSERT_EQ(in.size(), ids.size());
  std::vector<bool> used(in.size(), false);
  for (const auto& [s, sym] : ids) {
    ASSERT_LT(sym.id(), in.size());
    ASSERT_FALSE(used[sym.id()]);
    used[sym.id()] = true;
  }
  std::size_t n = 0;
  for (auto [sym, str] : in) {
    ASSERT_EQ(ids.at(std::string(str)), sym);
    ++n;
  }
  EXPECT_EQ(n, ids.size());
}

TYPED_TEST(interner_concurrency, resolve_without_lock_while_others_intern) {
  TypeParam in;
  // Writers publish each new symbol through `published` (release); readers resolve any
  // symbol below it (acquire) while the table keeps growing under them.
  constexpr int writers = 2;
  constexpr int readers = 2;
  constexpr std::uint32_t total = writers * per_thread;
  std::vector<std::atomic<std::uint32_t>> slots(total);
  for (auto& s : slots) s.store(hotpath::symbol::invalid_id);
  std::atomic<std::uint32_t> published{0};
  std::atomic<bool> failed{false};
  std::vector<std::thread> threads;
  threads.reserve(8);
  for (int w = 0; w < writers; ++w) {
    threads.emplace_back([&, w] {
      for (int i = 0; i < per_thread; ++i) {
        const auto sym = in.intern("w" + std::to_string(w) + "_" + std::to_string(i));
        slots[static_cast<std::size_t>(w) * per_thread + static_cast<std::size_t>(i)].store(
            sym.id(), std::memory_order_release);
        published.fetch_add(1, std::memory_order_release);
      }
    });
  }
  for (int r = 0; r < readers; ++r) {
    threads.emplace_back([&, r] {
      std::mt19937 rng(static_cast<unsigned>(100 + r));
      while (published.load(std::memory_order_acquire) < total) {
        const std::size_t k = rng() % total;
        const std::uint32_t id = slots[k].load(std::memory_order_acquire);
        if (id == hotpath::symbol::invalid_id) continue;
        const std::string_view v = in.resolve(hotpath::symbol{id});
        const int w = static_cast<int>(k) / per_thread;
        const int i = static_cast<int>(k) % per_thread;
        // NOLINTNEXTLINE(readability-simplify-subscript-expr): reads the NUL past the view
        if (v != "w" + std::to_string(w) + "_" + std::to_string(i) || v.data()[v.size()] != '\0') {
          failed.store(true);
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_FALSE(failed.load());
  EXPECT_EQ(in.size(), total);
}

TYPED_TEST(interner_concurrency, find_and_freeze_race_with_intern) {
  TypeParam in;
  for (int i = 0; i < 1000; ++i) (void)in.intern("pre" + std::to_string(i));
  std::atomic<bool> stop{false};
  std::atomic<int> frozen_rejections{0};
  std::atomic<bool> failed{false};
  std::vector<std::thread> threads;
  threads.reserve(8);
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < per_thread && !stop.load(); ++i) {
        try {
          (void)in.intern("late" + std::to_string(t) + "_" + std::to_string(i));
        } catch (const std::logic_error&) {  // after freeze()
          frozen_rejections.fetch_add(1);
          break;
        }
      }
    });
  }
  threads.emplace_back([&] {
    for (int i = 0; i < per_thread; ++i) {
      const auto f = in.find("pre" + std::to_string(i % 1000));
      if (!f || f->id() != static_cast<std::uint32_t>(i % 1000)) failed.store(true);
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const auto view = in.freeze();
  const std::size_t frozen_size = in.size();
  for (int i = 0; i < 1000; ++i) {  // lock-free reads while the other threads still run
    const auto f = view.find("pre" + std::to_string(i));
    if (!f || view.resolve(*f) != "pre" + std::to_string(i)) failed.store(true);
  }
  stop.store(true);
  for (auto& th : threads) th.join();
  EXPECT_FALSE(failed.load());
  EXPECT_EQ(in.size(), frozen_size);  // nothing was added after freeze() returned
  for (auto [sym, str] : view) ASSERT_EQ(view.find(str), sym);
}

TEST(interner_concurrency_limits, symbol_limit_holds_under_contention) {
  hotpath::basic_interner<hotpath::sharded<4>, hotpath::interner_limits<500>> in;
  std::atomic<int> ok{0};
  std::atomic<int> full{0};
  std::vector<std::thread> threads;
  threads.reserve(8);
  for (int t = 0; t < thread_count; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 400; ++i) {
        try {
          (void)in.intern(std::to_string(t) + ":" + std::to_string(i));
          ok.fetch_add(1);
        } catch (const hotpath::interner_full&) {
          full.fetch_add(1);
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(in.size(), 500u);
  EXPECT_EQ(ok.load(), 500);
  EXPECT_EQ(full.load(), thread_count * 400 - 500);
  std::vector<bool> used(500, false);
  for (auto [sym, str] : in) {
    ASSERT_FALSE(str.empty());
    ASSERT_EQ(in.find(str), sym);
    used[sym.id()] = true;
  }
  EXPECT_TRUE(std::all_of(used.begin(), used.end(), [](bool b) { return b; }));
}

}  // namespace
