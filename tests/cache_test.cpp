// Tests for <hotpath/cache.hpp>: differential tests against reference LRU / SIEVE / FIFO
// models, expiry with a fake clock, weights, listener causes, exception safety, allocation
// counts, noexcept contracts, and concurrency stress for the sharded cache (label concurrency).
#include <hotpath/cache.hpp>
#include <hotpath/detail/cache_bucket_index.hpp>

#include <algorithm>
#include <atomic>
#include <barrier>
#include <chrono>
#include <climits>
#include <cstdint>
#include <cstdlib>
#include <list>
#include <new>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

// ---- allocation counting: replaces the global operator new for this binary ------------------
// gcc -O2 flags malloc/free inside replaced operator new/delete as mismatched; they match here.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
namespace {
std::atomic<std::uint64_t> g_allocations{0};
}
void* operator new(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
// The array and over-aligned forms too (the bucket index's 64-byte buckets): a sanitizer
// runtime replaces each form on its own, so each must be counted here.
void* operator new[](std::size_t n) { return ::operator new(n); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void* operator new(std::size_t n, std::align_val_t align) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  const auto a = static_cast<std::size_t>(align);
  if (void* p = std::aligned_alloc(a, (n + a - 1) / a * a + (n == 0 ? a : 0))) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n, std::align_val_t align) { return ::operator new(n, align); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

namespace {

using hotpath::eviction_cause;
namespace hc = hotpath::cache;

// ---- reference models ----------------------------------------------------------------------
// The textbook LRU: std::list (front = most recent) + std::unordered_map of iterators.
template <class K, class V>
class ref_lru {
 public:
  explicit ref_lru(std::size_t cap) : cap_(cap) {}
  V* get(const K& k) {
    auto it = map_.find(k);
    if (it == map_.end()) return nullptr;
    list_.splice(list_.begin(), list_, it->second);
    return &it->second->second;
  }
  // Returns the evicted key, if any.
  std::optional<K> put(const K& k, const V& v) {
    if (auto it = map_.find(k); it != map_.end()) {
      it->second->second = v;
      list_.splice(list_.begin(), list_, it->second);
      return std::nullopt;
    }
    std::optional<K> victim;
    if (map_.size() == cap_) {
      victim = list_.back().first;
      map_.erase(list_.back().first);
      list_.pop_back();
    }
    list_.emplace_front(k, v);
    map_[k] = list_.begin();
    return victim;
  }
  bool erase(const K& k) {
    auto it = map_.find(k);
    if (it == map_.end()) return false;
    list_.erase(it->second);
    map_.erase(it);
    return true;
  }
  std::size_t size() const { return map_.size(); }
  bool contains(const K& k) const { return map_.count(k) != 0; }

 private:
  std::size_t cap_;
  std::list<std::pair<K, V>> list_;
  std::unordered_map<K, typename std::list<std::pair<K, V>>::iterator> map_;
};

// SIEVE / FIFO as described in the paper: a queue (front = newest), a visited bit, a hand
// moving from the tail towards the head. fifo = true ignores the bit.
template <class K, class V>
class ref_sieve {
  struct entry {
    K key;
    V value;
    bool visited;
  };
  using iter = typename std::list<entry>::iterator;

 public:
  ref_sieve(std::size_t cap, bool fifo) : cap_(cap), fifo_(fifo), hand_(list_.end()) {}
  V* get(const K& k) {
    auto it = map_.find(k);
    if (it == map_.end()) return nullptr;
    it->second->visited = !fifo_;
    return &it->second->value;
  }
  std::optional<K> put(const K& k, const V& v) {
    if (auto it = map_.find(k); it != map_.end()) {
      it->second->value = v;
      it->second->visited = !fifo_;
      return std::nullopt;
    }
    std::optional<K> victim;
    if (map_.size() == cap_) victim = evict();
    list_.push_front(entry{k, v, false});
    map_[k] = list_.begin();
    return victim;
  }
  bool erase(const K& k) {
    auto it = map_.find(k);
    if (it == map_.end()) return false;
    remove(it->second);
    return true;
  }

 private:
  K evict() {
    auto o = hand_ != list_.end() ? hand_ : std::prev(list_.end());
    while (o->visited) {
      o->visited = false;
      o = o == list_.begin() ? std::prev(list_.end()) : std::prev(o);
    }
    K k = o->key;
    hand_ = o;  // remove() moves the hand on to the next newer entry
    remove(o);
    return k;
  }
  void remove(iter o) {
    if (hand_ == o) hand_ = o == list_.begin() ? list_.end() : std::prev(o);
    map_.erase(o->key);
    list_.erase(o);
  }
  std::size_t cap_;
  bool fifo_;
  std::list<entry> list_;
  iter hand_;
  std::unordered_map<K, iter> map_;
};

// Runs the same random trace (get, put on miss, some puts of present keys, some erases) on a
// cache and a model; every result and every evicted key must agree.
template <class Cache, class Model>
void run_differential(std::size_t capacity, std::uint64_t keys, std::uint64_t seed, int ops) {
  Cache c(capacity);
  Model m = [&] {
    if constexpr (std::is_constructible_v<Model, std::size_t>) {
      return Model(capacity);
    } else {
      return Model(capacity, std::is_same_v<typename Cache::eviction_policy, hc::fifo>);
    }
  }();
  std::vector<std::uint64_t> evicted;
  c.set_eviction_listener([&](const std::uint64_t& k, std::uint64_t&&, eviction_cause cause) {
    if (cause == eviction_cause::capacity) evicted.push_back(k);
  });
  std::mt19937_64 rng(seed);
  std::uint64_t hits = 0;
  for (int op = 0; op < ops; ++op) {
    const std::uint64_t k = rng() % keys;
    const auto what = rng() % 16;
    evicted.clear();
    if (what == 0) {
      ASSERT_EQ(c.erase(k), m.erase(k)) << "op " << op;
    } else if (what == 1) {
      const std::uint64_t v = rng();
      c.put(k, v);
      const auto victim = m.put(k, v);
      ASSERT_EQ(evicted.size(), victim ? 1u : 0u) << "op " << op;
      if (victim) {
        ASSERT_EQ(evicted[0], *victim) << "op " << op;
      }
    } else {
      std::uint64_t* got = c.get(k);
      std::uint64_t* want = m.get(k);
      ASSERT_EQ(got != nullptr, want != nullptr) << "op " << op << " key " << k;
      if (got != nullptr) {
        ASSERT_EQ(*got, *want);
        ++hits;
      } else {
        c.put(k, k * 3);
        const auto victim = m.put(k, k * 3);
        ASSERT_EQ(evicted.size(), victim ? 1u : 0u) << "op " << op;
        if (victim) {
          ASSERT_EQ(evicted[0], *victim) << "op " << op;
        }
      }
    }
    ASSERT_LE(c.size(), capacity);
  }
  EXPECT_EQ(c.stats().hits, hits);
  EXPECT_GT(hits, 0u);
}

TEST(CacheTest, LruMatchesReferenceOnRandomTraces) {
  using cache = hotpath::lru_cache<std::uint64_t, std::uint64_t>;
  for (std::size_t cap : {1u, 2u, 7u, 64u, 300u}) {
    for (std::uint64_t seed = 1; seed <= 3; ++seed) {
      run_differential<cache, ref_lru<std::uint64_t, std::uint64_t>>(cap, cap * 3 + 5, seed, 6000);
    }
  }
}

TEST(CacheTest, LruWithAllPoliciesOffStillExact) {
  using cache = hotpath::basic_cache<std::uint64_t, std::uint64_t, hc::fixed_seed_hash<42>, hc::lru,
                                     hc::stats_on>;
  run_differential<cache, ref_lru<std::uint64_t, std::uint64_t>>(100, 400, 9, 20000);
}

TEST(CacheTest, OneMutexConcurrentLruMatchesReference) {
  // The concurrent API on one shard keeps the exact global LRU order.
  hotpath::basic_cache<std::uint64_t, std::uint64_t, hc::lru, hc::one_mutex> c(50);
  ref_lru<std::uint64_t, std::uint64_t> m(50);
  std::mt19937_64 rng(5);
  for (int op = 0; op < 20000; ++op) {
    const std::uint64_t k = rng() % 150;
    auto got = c.get(k);
    auto* want = m.get(k);
    ASSERT_EQ(got.has_value(), want != nullptr);
    if (!got) {
      c.put(k, k);
      m.put(k, k);
    }
  }
}

// The same at small capacities, victim by victim, with assignments, erases and peeks (a peek
// must not promote) between the lock-free hits.
TEST(CacheTest, OneMutexConcurrentLruVictimsMatchReference) {
  for (std::size_t cap : {1u, 2u, 7u, 50u}) {
    hotpath::basic_cache<std::uint64_t, std::uint64_t, hc::lru, hc::one_mutex> c(cap);
    static_assert(decltype(c)::lock_free_hits);
    ref_lru<std::uint64_t, std::uint64_t> m(cap);
    std::vector<std::uint64_t> evicted;
    c.set_eviction_listener([&](const std::uint64_t& k, std::uint64_t&&, eviction_cause cause) {
      if (cause == eviction_cause::capacity) evicted.push_back(k);
    });
    std::mt19937_64 rng(cap);
    for (int op = 0; op < 20000; ++op) {
      const std::uint64_t k = rng() % (cap * 3 + 2);
      const auto what = rng() % 8;
      evicted.clear();
      if (what == 0) {
        ASSERT_EQ(c.erase(k), m.erase(k)) << "op " << op;
      } else if (what == 1) {
        ASSERT_EQ(c.peek(k).has_value(), m.contains(k)) << "op " << op;
      } else {
        if (what != 2) {
          const bool hit = c.get(k).has_value();
          ASSERT_EQ(hit, m.get(k) != nullptr) << "cap " << cap << " op " << op;
          if (hit) continue;
        }
        const auto victim = m.put(k, k);
        c.put(k, k);
        ASSERT_EQ(evicted.size(), victim ? 1u : 0u) << "cap " << cap << " op " << op;
        if (victim) {
          ASSERT_EQ(evicted[0], *victim) << "cap " << cap << " op " << op;
        }
      }
    }
  }
}

TEST(CacheTest, SieveMatchesReferenceOnRandomTraces) {
  using cache = hotpath::sieve_cache<std::uint64_t, std::uint64_t>;
  for (std::size_t cap : {1u, 2u, 7u, 64u, 300u}) {
    for (std::uint64_t seed = 1; seed <= 3; ++seed) {
      run_differential<cache, ref_sieve<std::uint64_t, std::uint64_t>>(cap, cap * 3 + 5, seed,
                                                                       6000);
    }
  }
}

TEST(CacheTest, FifoMatchesReferenceOnRandomTraces) {
  using cache = hotpath::fifo_cache<std::uint64_t, std::uint64_t>;
  for (std::size_t cap : {1u, 5u, 64u}) {
    run_differential<cache, ref_sieve<std::uint64_t, std::uint64_t>>(cap, cap * 3 + 5, 77, 6000);
  }
}

// The bucket index against std::unordered_map, with fingerprints from a handful of values so
// that buckets fill, runs overflow into the next buckets (and wrap around the table), and
// equal fingerprints must be told apart by eq. Erasing everything must leave no overflow count.
TEST(CacheTest, BucketIndexMatchesMapUnderOverflow) {
  using hotpath::detail::cache_bucket_index;
  for (const std::uint32_t distinct_fps : {1u, 3u, 40u}) {
    cache_bucket_index index;
    std::vector<std::uint64_t> key_of;  // node -> key
    std::unordered_map<std::uint64_t, std::uint32_t> model;
    std::vector<std::uint32_t> free_nodes;
    std::mt19937_64 rng(distinct_fps);
    // Keys 0..299; a key's fingerprint is one of distinct_fps values chosen to share buckets.
    const auto fp_of = [&](std::uint64_t k) {
      return static_cast<std::uint32_t>((k % distinct_fps) * 0x9E3779B1u);
    };
    const auto find = [&](std::uint64_t k) {
      return index.find(fp_of(k), [&](std::uint32_t n) { return key_of[n] == k; });
    };
    for (int op = 0; op < 20000; ++op) {
      const std::uint64_t k = rng() % 300;
      const auto it = model.find(k);
      const std::uint32_t got = find(k);
      ASSERT_EQ(got, it == model.end() ? cache_bucket_index::npos : it->second) << "op " << op;
      if (it == model.end() && rng() % 3 != 0) {
        std::uint32_t n;
        if (free_nodes.empty()) {
          n = static_cast<std::uint32_t>(key_of.size());
          key_of.push_back(k);
        } else {
          n = free_nodes.back();
          free_nodes.pop_back();
          key_of[n] = k;
        }
        index.reserve(index.size() + 1);
        index.insert(fp_of(k), n);
        model.emplace(k, n);
      } else if (it != model.end() && rng() % 2 == 0) {
        index.erase(fp_of(k), it->second);
        free_nodes.push_back(it->second);
        model.erase(it);
      }
      ASSERT_EQ(index.size(), model.size());
    }
    for (const auto& [k, n] : model) ASSERT_EQ(find(k), n);
    for (const auto& [k, n] : model) index.erase(fp_of(k), n);
    EXPECT_EQ(index.size(), 0u);
    EXPECT_EQ(index.overflow_total(), 0u) << distinct_fps << " fingerprints";
  }
}

// Every bucket can end up with a non-zero overflow count (an entry passed each one while it
// was full, then the entries that filled it left): a lookup of an absent key must still end.
TEST(CacheTest, BucketIndexLookupEndsWhenEveryBucketOverflowed) {
  using hotpath::detail::cache_bucket_index;
  cache_bucket_index index;
  index.reserve(14);  // 4 buckets of 7; nothing below needs more than 11 entries
  const auto fp_at = [](std::uint32_t bucket, std::uint32_t j) { return 2 * bucket + 8 * j; };
  std::uint32_t node = 0;
  for (std::uint32_t b = 0; b < 4; ++b) {
    std::vector<std::pair<std::uint32_t, std::uint32_t>> fillers;  // {fp, node}
    for (std::uint32_t j = 1; j <= 7; ++j) {
      fillers.emplace_back(fp_at(b, 100 * b + j), node);
      index.insert(fp_at(b, 100 * b + j), node++);
    }
    index.insert(fp_at(b, 0), node++);  // bucket b is full: this one passes it
    for (const auto& [fp, n] : fillers) index.erase(fp, n);
  }
  ASSERT_EQ(index.size(), 4u);
  EXPECT_EQ(index.overflow_total(), 4u);
  EXPECT_EQ(index.find(fp_at(0, 55), [](std::uint32_t) { return false; }),
            cache_bucket_index::npos);
  for (std::uint32_t b = 0; b < 4; ++b) {
    const std::uint32_t n = index.find(fp_at(b, 0), [](std::uint32_t) { return true; });
    EXPECT_NE(n, cache_bucket_index::npos);
  }
}

// The same through the cache: a hash with 5 values (the cache mixes it with its seed, so 5
// fingerprints) puts every key in one of a few overflowing runs, told apart only by ==; the
// hit/miss sequence must still be exact LRU.
TEST(CacheTest, LruExactWithCollidingFingerprints) {
  struct few_fps {
    std::uint64_t operator()(std::uint64_t k) const noexcept { return k % 5; }
  };
  using cache = hotpath::basic_cache<std::uint64_t, std::uint64_t, hc::lru, hc::hash_by<few_fps>>;
  for (std::size_t cap : {7u, 64u, 300u}) {
    run_differential<cache, ref_lru<std::uint64_t, std::uint64_t>>(cap, cap * 3 + 5, cap, 6000);
  }
}

// ---- single-threaded API -------------------------------------------------------------------
TEST(CacheTest, BasicApi) {
  hotpath::lru_cache<std::string, std::string> c(3);
  EXPECT_TRUE(c.empty());
  EXPECT_EQ(c.capacity(), 3u);
  EXPECT_EQ(c.get("a"), nullptr);
  c.put("a", "1");
  c.put(std::string("b"), "2");
  auto [v, inserted] = c.emplace("c", 3, 'x');
  ASSERT_TRUE(inserted);
  EXPECT_EQ(*v, "xxx");
  auto [v2, inserted2] = c.emplace("c", 1, 'y');
  EXPECT_FALSE(inserted2);
  EXPECT_EQ(*v2, "xxx");
  EXPECT_EQ(c.size(), 3u);
  ASSERT_NE(c.get("a"), nullptr);  // a becomes most recent; b is now the LRU
  c.put("d", "4");
  EXPECT_FALSE(c.contains("b"));
  EXPECT_TRUE(c.contains("a"));
  // peek does not promote: c stays LRU and goes next.
  ASSERT_NE(c.peek("c"), nullptr);
  c.put("e", "5");
  EXPECT_FALSE(c.contains("c"));
  EXPECT_EQ(*c.get_or_insert_with("a", [] { return std::string("never"); }), "1");
  EXPECT_EQ(*c.get_or_insert_with("f", [] { return std::string("6"); }), "6");
  c.put("f", "7");
  EXPECT_EQ(*c.get("f"), "7");
  EXPECT_TRUE(c.erase("f"));
  EXPECT_FALSE(c.erase("f"));
  c.clear();
  EXPECT_TRUE(c.empty());
  EXPECT_EQ(c.get("a"), nullptr);
  c.put("z", "26");
  EXPECT_EQ(*c.get("z"), "26");
}

TEST(CacheTest, StatsAndHitRate) {
  hotpath::lru_cache<int, int> c(2);
  EXPECT_EQ(c.stats().hit_rate(), 0.0);
  c.put(1, 1);
  c.put(2, 2);
  (void)c.get(1);
  (void)c.get(3);
  (void)c.peek(1);  // not counted
  (void)c.contains(3);
  c.put(3, 3);  // evicts 2
  c.put(3, 4);  // assignment: not an insert
  const auto s = c.stats();
  EXPECT_EQ(s.hits, 1u);
  EXPECT_EQ(s.misses, 1u);
  EXPECT_EQ(s.inserts, 3u);
  EXPECT_EQ(s.evictions, 1u);
  EXPECT_EQ(s.expirations, 0u);
  EXPECT_DOUBLE_EQ(s.hit_rate(), 0.5);
  c.reset_stats();
  EXPECT_EQ(c.stats(), hotpath::cache_stats{});
}

template <class C>
concept has_stats = requires(const C& c) {
  c.stats();
};

TEST(CacheTest, StatsOffHasNoStatsMember) {
  using off = hotpath::lru_cache<int, int, hc::stats_off>;
  using on = hotpath::lru_cache<int, int>;
  static_assert(!has_stats<off>);
  static_assert(has_stats<on>);
  static_assert(sizeof(off) < sizeof(on));
  off c(4);
  c.put(1, 1);
  EXPECT_EQ(*c.get(1), 1);
}

TEST(CacheTest, ResizeEvictsInLruOrder) {
  hotpath::lru_cache<int, int> c(5);
  for (int i = 0; i < 5; ++i) c.put(i, i);
  (void)c.get(0);
  std::vector<int> victims;
  c.set_eviction_listener([&](const int& k, int&&, eviction_cause cause) {
    EXPECT_EQ(cause, eviction_cause::capacity);
    victims.push_back(k);
  });
  c.resize(2);
  EXPECT_EQ(victims, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(c.size(), 2u);
  c.resize(10);
  for (int i = 10; i < 18; ++i) c.put(i, i);
  EXPECT_EQ(c.size(), 10u);
}

TEST(CacheTest, ZeroCapacityStoresNothing) {
  hotpath::lru_cache<int, int> c(0);
  int rejected = 0;
  c.set_eviction_listener([&](const int&, int&&, eviction_cause cause) {
    EXPECT_EQ(cause, eviction_cause::capacity);
    ++rejected;
  });
  c.put(1, 1);
  EXPECT_EQ(c.get_or_insert_with(2, [] { return 2; }), nullptr);
  EXPECT_EQ(c.size(), 0u);
  EXPECT_EQ(rejected, 2);
}

TEST(CacheTest, ListenerCauses) {
  hotpath::lru_cache<int, std::string> c(2);
  std::vector<std::pair<int, eviction_cause>> log;
  std::vector<std::string> values;
  c.set_eviction_listener([&](const int& k, std::string&& v, eviction_cause cause) {
    log.emplace_back(k, cause);
    values.push_back(std::move(v));
  });
  c.put(1, "one");
  c.put(2, "two");
  c.put(1, "uno");    // replaced
  c.put(3, "three");  // evicts 2
  c.erase(1);         // explicit
  c.clear();          // explicit for 3
  const std::vector<std::pair<int, eviction_cause>> want{{1, eviction_cause::replaced},
                                                         {2, eviction_cause::capacity},
                                                         {1, eviction_cause::explicit_},
                                                         {3, eviction_cause::explicit_}};
  EXPECT_EQ(log, want);
  EXPECT_EQ(values, (std::vector<std::string>{"one", "two", "uno", "three"}));
}

TEST(CacheTest, MoveLeavesSourceEmpty) {
  hotpath::lru_cache<int, std::string> a(4);
  a.put(1, "x");
  a.put(2, "y");
  hotpath::lru_cache<int, std::string> b(std::move(a));
  EXPECT_EQ(*b.get(1), "x");
  EXPECT_EQ(a.size(), 0u);  // NOLINT(bugprone-use-after-move): documented state
  EXPECT_EQ(a.get(1), nullptr);
  hotpath::lru_cache<int, std::string> c(1);
  c.put(9, "z");
  c = std::move(b);
  EXPECT_EQ(*c.get(2), "y");
  EXPECT_FALSE(c.contains(9));
}

TEST(CacheTest, HashPoliciesAndStringKeys) {
  struct identity {
    std::size_t operator()(int k) const noexcept { return static_cast<std::size_t>(k); }
  };
  hotpath::lru_cache<int, int, hc::hash_by<identity>> a(1000);
  hotpath::sieve_cache<std::string, int, hc::fixed_seed_hash<7>> b(1000);
  for (int i = 0; i < 2000; ++i) {
    a.put(i * 1024, i);  // would cluster without the seed mix
    b.put("key-" + std::to_string(i), i);
  }
  EXPECT_EQ(a.size(), 1000u);
  EXPECT_EQ(*a.get(1999 * 1024), 1999);
  EXPECT_EQ(b.size(), 1000u);
  int found = 0;
  for (int i = 0; i < 2000; ++i) found += b.contains("key-" + std::to_string(i)) ? 1 : 0;
  EXPECT_EQ(found, 1000);
}

// get/peek/contains/erase take std::string_view and const char* for std::string keys and
// build no temporary std::string: keys longer than the SSO buffer would allocate one.
TEST(CacheTest, HeterogeneousLookupBuildsNoKey) {
  const std::string long_a(40, 'a');
  const std::string long_b(40, 'b');
  hotpath::lru_cache<std::string, int> c(8);
  c.put(long_a, 1);
  c.put(long_b, 2);
  const std::string_view va = long_a;
  const std::string_view vb = long_b;
  const std::string missing_s(40, 'z');
  const char* missing = missing_s.c_str();
  const auto before = g_allocations.load();
  ASSERT_NE(c.get(va), nullptr);
  EXPECT_EQ(*c.get(va), 1);
  EXPECT_EQ(c.get(missing), nullptr);
  EXPECT_EQ(*c.peek(vb), 2);
  EXPECT_EQ(*std::as_const(c).peek(long_b.c_str()), 2);
  EXPECT_TRUE(c.contains(va));
  EXPECT_FALSE(c.contains(missing));
  EXPECT_TRUE(c.erase(vb));
  EXPECT_FALSE(c.erase(vb));
  EXPECT_EQ(g_allocations.load(), before);
  EXPECT_EQ(c.size(), 1u);
  EXPECT_EQ(c.stats().hits, 2u);
  EXPECT_EQ(c.stats().misses, 1u);
  // The stand-in hashes like the key: it finds every stored key, also across slab growth.
  hotpath::sieve_cache<std::string, int, hc::fixed_seed_hash<3>> d(500);
  for (int i = 0; i < 500; ++i) d.put("long-key-prefix-to-defeat-sso-" + std::to_string(i), i);
  for (int i = 0; i < 500; ++i) {
    const std::string k = "long-key-prefix-to-defeat-sso-" + std::to_string(i);
    ASSERT_NE(d.peek(std::string_view(k)), nullptr);
    EXPECT_EQ(*d.peek(std::string_view(k)), i);
  }
  // Concurrent cache: copies of the value, still no key built.
  hotpath::concurrent_lru_cache<std::string, int> cc(64);
  cc.put(long_a, 1);
  const auto before_cc = g_allocations.load();
  EXPECT_EQ(cc.get(va), 1);
  EXPECT_EQ(cc.peek(long_a.c_str()), 1);
  EXPECT_FALSE(cc.get(missing).has_value());
  EXPECT_TRUE(cc.contains(va));
  int seen = 0;
  EXPECT_TRUE(cc.visit(va, [&](const int& v) { seen = v; }));
  EXPECT_TRUE(cc.erase(va));
  EXPECT_FALSE(cc.contains(va));
  EXPECT_EQ(g_allocations.load(), before_cc);
  EXPECT_EQ(seen, 1);
}
// Integer keys keep converting (no transparent overload): get(7) on a uint64_t key.
static_assert(!hotpath::lru_cache<std::uint64_t, int>::transparent_key<int>);
static_assert(hotpath::lru_cache<std::string, int>::transparent_key<std::string_view>);
static_assert(hotpath::lru_cache<std::string, int>::transparent_key<const char*>);
static_assert(noexcept(std::declval<hotpath::lru_cache<std::string, int>&>().get(
    std::declval<std::string_view>())));

TEST(CacheTest, MemoryUsageGrowsWithEntriesOnly) {
  hotpath::lru_cache<std::uint64_t, std::array<char, 64>> c(100000);
  const auto empty = c.memory_usage();
  EXPECT_LT(empty, 1024u);  // nothing allocated up front
  for (std::uint64_t i = 0; i < 1000; ++i) c.put(i, std::array<char, 64>{});
  const auto some = c.memory_usage();
  EXPECT_GT(some, 1000 * 64u);
  EXPECT_LT(some, 1000 * 256u);
}

// ---- allocation --------------------------------------------------------------------------------
// The counter sees the index's arrays (over-aligned new), so the test below covers the index.
TEST(CacheTest, AllocationCounterSeesTheBucketIndex) {
  hotpath::detail::cache_bucket_index index;
  const auto before = g_allocations.load();
  index.reserve(100);
  EXPECT_EQ(g_allocations.load(), before + 1);
}

TEST(CacheTest, NoAllocationPerHitNorPerInsertAtCapacity) {
  hotpath::lru_cache<std::uint64_t, std::array<std::uint64_t, 8>> lru(1000);
  hotpath::sieve_cache<std::uint64_t, std::array<std::uint64_t, 8>> sieve(1000);
  for (std::uint64_t i = 0; i < 1000; ++i) {
    lru.put(i, {});
    sieve.put(i, {});
  }
  const auto before = g_allocations.load();
  std::uint64_t hits = 0;
  for (std::uint64_t i = 0; i < 20000; ++i) {
    const std::uint64_t k = (i * 7919) % 3000;
    if (lru.get(k) != nullptr) {
      ++hits;
    } else {
      lru.put(k, {});
    }
    if (sieve.get(k) == nullptr) sieve.put(k, {});
    (void)lru.get_or_insert_with(k + 1, [] { return std::array<std::uint64_t, 8>{}; });
  }
  EXPECT_EQ(g_allocations.load(), before);
  EXPECT_GT(hits, 0u);
}

// ---- expiry ------------------------------------------------------------------------------------
struct fake_clock {
  using time_point = std::chrono::time_point<std::chrono::steady_clock, std::chrono::milliseconds>;
  const std::chrono::milliseconds* t;
  time_point now() const noexcept { return time_point(*t); }
};

TEST(CacheTest, ExpireAfterWriteWithFakeClock) {
  std::chrono::milliseconds now{1000};
  using ttl = hc::expire_after_write<fake_clock>;
  hotpath::lru_cache<int, int, ttl> c(10, ttl{std::chrono::milliseconds(100), fake_clock{&now}});
  std::vector<std::pair<int, eviction_cause>> log;
  c.set_eviction_listener(
      [&](const int& k, int&&, eviction_cause cause) { log.emplace_back(k, cause); });
  c.put(1, 10);
  c.put(2, 20);
  now += std::chrono::milliseconds(60);
  c.put(2, 21);  // refreshes 2's deadline (expire after *write*)
  EXPECT_EQ(*c.get(1), 10);
  now += std::chrono::milliseconds(40);  // 1 written 100 ms ago: expired exactly now
  EXPECT_EQ(c.peek(1), nullptr);         // peek hides it...
  EXPECT_FALSE(c.contains(1));
  EXPECT_EQ(c.size(), 2u);  // ...but does not remove it (lazy)
  EXPECT_EQ(c.get(1), nullptr);
  EXPECT_EQ(c.size(), 1u);
  EXPECT_EQ(*c.get(2), 21);
  now += std::chrono::milliseconds(59);
  EXPECT_EQ(*c.get(2), 21);
  now += std::chrono::milliseconds(1);
  EXPECT_EQ(c.get(2), nullptr);
  const auto s = c.stats();
  EXPECT_EQ(s.expirations, 2u);
  EXPECT_EQ(s.misses, 2u);
  EXPECT_EQ(log, (std::vector<std::pair<int, eviction_cause>>{{2, eviction_cause::replaced},
                                                              {1, eviction_cause::expired},
                                                              {2, eviction_cause::expired}}));
  // get_or_insert_with replaces an expired entry; purge_expired sweeps the rest.
  c.put(3, 30);
  c.put(4, 40);
  now += std::chrono::milliseconds(100);
  EXPECT_EQ(*c.get_or_insert_with(3, [] { return 31; }), 31);
  EXPECT_EQ(c.purge_expired(), 1u);
  EXPECT_EQ(c.size(), 1u);
  EXPECT_FALSE(c.erase(4));
}

TEST(CacheTest, EvictingAnExpiredEntryReportsExpired) {
  std::chrono::milliseconds now{0};
  using ttl = hc::expire_after_write<fake_clock>;
  hotpath::sieve_cache<int, int, ttl> c(2, ttl{std::chrono::milliseconds(10), fake_clock{&now}});
  std::vector<eviction_cause> causes;
  c.set_eviction_listener(
      [&](const int&, int&&, eviction_cause cause) { causes.push_back(cause); });
  c.put(1, 1);
  now += std::chrono::milliseconds(20);
  c.put(2, 2);
  c.put(3, 3);  // evicts 1, which had expired
  c.put(4, 4);  // evicts 2, live
  EXPECT_EQ(causes,
            (std::vector<eviction_cause>{eviction_cause::expired, eviction_cause::capacity}));
  EXPECT_EQ(c.stats().expirations, 1u);
  EXPECT_EQ(c.stats().evictions, 1u);
}

// ---- weights -----------------------------------------------------------------------------------
struct string_bytes {
  std::size_t operator()(const int&, const std::string& v) const noexcept { return v.size(); }
};

TEST(CacheTest, WeightLimit) {
  using w = hc::weigh_by<string_bytes>;
  hotpath::lru_cache<int, std::string, w> c(10);
  std::vector<std::pair<int, eviction_cause>> log;
  c.set_eviction_listener(
      [&](const int& k, std::string&&, eviction_cause cause) { log.emplace_back(k, cause); });
  c.put(1, "aaaa");  // 4
  c.put(2, "bbbb");  // 8
  c.put(3, "cc");    // 10
  EXPECT_EQ(c.total_weight(), 10u);
  EXPECT_EQ(c.size(), 3u);
  c.put(4, "d");  // 11 > 10: evicts 1
  EXPECT_EQ(c.total_weight(), 7u);
  EXPECT_FALSE(c.contains(1));
  c.put(3, "cccccc");  // reweighs 3 to 6: 11 > 10, evicts 2 (LRU), never 3 itself
  EXPECT_EQ(c.total_weight(), 7u);
  EXPECT_TRUE(c.contains(3));
  EXPECT_FALSE(c.contains(2));
  c.put(5, std::string(11, 'x'));  // alone heavier than the capacity: rejected
  EXPECT_FALSE(c.contains(5));
  EXPECT_EQ(c.total_weight(), 7u);
  c.put(4, std::string(11, 'y'));  // reassignment too heavy: the key leaves
  EXPECT_FALSE(c.contains(4));
  EXPECT_EQ(c.total_weight(), 6u);
  const std::vector<std::pair<int, eviction_cause>> want{
      {1, eviction_cause::capacity}, {3, eviction_cause::replaced}, {2, eviction_cause::capacity},
      {5, eviction_cause::capacity}, {4, eviction_cause::capacity}, {4, eviction_cause::replaced}};
  EXPECT_EQ(log, want);
}

TEST(CacheTest, StatefulWeigherAndManyEntries) {
  auto f = [scale = std::size_t{3}](const int&, const int&) { return scale; };
  using w = hc::weigh_by<decltype(f)>;
  hotpath::sieve_cache<int, int, w> c(3000, w{f});
  for (int i = 0; i < 5000; ++i) c.put(i, i);
  EXPECT_EQ(c.size(), 1000u);
  EXPECT_EQ(c.total_weight(), 3000u);
}

// ---- differential test of every eviction path ------------------------------------------------
// A reference LRU with weights, expire-after-write and the cache's documented rules: expired
// entries leave lazily (on get/put/erase/get_or_insert_with of their key, when they reach the
// eviction end, and in purge_expired), an entry heavier than the capacity is rejected, a
// reassignment that outweighs the capacity removes the key, resize evicts from the LRU end.
// Every listener call (key, value, cause), every result and the stats must agree.
struct ref_event {
  std::uint64_t key;
  std::uint64_t value;
  eviction_cause cause;
  bool operator==(const ref_event&) const = default;
};

class ref_full_lru {
  struct entry {
    std::uint64_t key;
    std::uint64_t value;
    std::size_t weight;
    std::int64_t deadline;
  };
  using iter = std::list<entry>::iterator;

 public:
  ref_full_lru(std::size_t cap, bool weighted, std::int64_t ttl, const std::int64_t* now)
      : cap_(cap), weighted_(weighted), ttl_(ttl), now_(now) {}
  std::size_t weigh(std::uint64_t v) const { return weighted_ ? 1 + v % 5 : 1; }

  const std::uint64_t* get(std::uint64_t k) {
    auto it = find_live(k);
    if (it == list_.end()) {
      ++stats.misses;
      return nullptr;
    }
    list_.splice(list_.begin(), list_, it);
    ++stats.hits;
    return &it->value;
  }
  void put(std::uint64_t k, std::uint64_t v) {
    auto it = find_live(k);
    if (it != list_.end()) {
      const std::size_t w = weigh(v);
      if (w > cap_) {
        ++stats.evictions;
        events.push_back({k, v, eviction_cause::capacity});
        remove(it, eviction_cause::replaced);
        return;
      }
      events.push_back({k, it->value, eviction_cause::replaced});
      load_ = load_ - it->weight + w;
      it->value = v;
      it->weight = w;
      it->deadline = deadline();
      list_.splice(list_.begin(), list_, it);
      while (load_ > cap_) evict_one(k);
      return;
    }
    insert(k, v);
  }
  const std::uint64_t* get_or_insert_with(std::uint64_t k, std::uint64_t v) {
    auto it = find_live(k);
    if (it != list_.end()) {
      list_.splice(list_.begin(), list_, it);
      ++stats.hits;
      return &it->value;
    }
    ++stats.misses;
    return insert(k, v);
  }
  bool erase(std::uint64_t k) {
    auto m = map_.find(k);
    if (m == map_.end()) return false;
    if (expired(*m->second)) {
      ++stats.expirations;
      remove(m->second, eviction_cause::expired);
      return false;
    }
    remove(m->second, eviction_cause::explicit_);
    return true;
  }
  void resize(std::size_t cap) {
    cap_ = cap;
    while (!list_.empty() && load_ > cap_) evict_one(std::nullopt);
  }
  std::size_t purge_expired() {
    std::size_t n = 0;
    for (auto it = list_.begin(); it != list_.end();) {
      auto next = std::next(it);
      if (expired(*it)) {
        remove(it, eviction_cause::expired);
        ++stats.expirations;
        ++n;
      }
      it = next;
    }
    return n;
  }
  std::size_t size() const { return list_.size(); }
  std::size_t load() const { return load_; }

  std::vector<ref_event> events;
  hotpath::cache_stats stats;

 private:
  std::int64_t deadline() const { return ttl_ > 0 ? *now_ + ttl_ : INT64_MAX; }
  bool expired(const entry& e) const { return *now_ >= e.deadline; }
  // The entry of k, or end(); an expired one is left in place (the caller decides).
  iter find_live(std::uint64_t k) {
    auto m = map_.find(k);
    if (m == map_.end()) return list_.end();
    if (expired(*m->second)) {
      ++stats.expirations;
      remove(m->second, eviction_cause::expired);
      return list_.end();
    }
    return m->second;
  }
  const std::uint64_t* insert(std::uint64_t k, std::uint64_t v) {
    const std::size_t w = weigh(v);
    if (w > cap_) {
      ++stats.evictions;
      events.push_back({k, v, eviction_cause::capacity});
      return nullptr;
    }
    while (!list_.empty() && load_ + w > cap_) evict_one(std::nullopt);
    list_.push_front(entry{k, v, w, deadline()});
    map_[k] = list_.begin();
    load_ += w;
    ++stats.inserts;
    return &list_.front().value;
  }
  void evict_one(std::optional<std::uint64_t> keep) {
    auto it = std::prev(list_.end());
    if (keep && it->key == *keep) it = std::prev(it);
    if (expired(*it)) {
      ++stats.expirations;
      remove(it, eviction_cause::expired);
    } else {
      ++stats.evictions;
      remove(it, eviction_cause::capacity);
    }
  }
  void remove(iter it, eviction_cause cause) {
    events.push_back({it->key, it->value, cause});
    load_ -= it->weight;
    map_.erase(it->key);
    list_.erase(it);
  }

  std::size_t cap_;
  bool weighted_;
  std::int64_t ttl_;
  const std::int64_t* now_;
  std::size_t load_ = 0;
  std::list<entry> list_;
  std::unordered_map<std::uint64_t, iter> map_;
};

struct ms_clock {
  using time_point = std::chrono::time_point<std::chrono::steady_clock, std::chrono::milliseconds>;
  const std::int64_t* t;
  time_point now() const noexcept { return time_point(std::chrono::milliseconds(*t)); }
};
struct value_weight {
  std::size_t operator()(const std::uint64_t&, const std::uint64_t& v) const noexcept {
    return 1 + v % 5;
  }
};

// Weighted and/or expiring LRU caches against ref_full_lru on random traces of get, put,
// get_or_insert_with, erase, resize, purge_expired and clock steps.
// Adds the cache's stats to `total`.
template <bool Weighted, bool Expiring>
void run_full_differential(std::size_t capacity, std::uint64_t keys, std::uint64_t seed, int ops,
                           hotpath::cache_stats& total) {
  using wp = std::conditional_t<Weighted, hc::weigh_by<value_weight>, hc::unit_weight>;
  using ep = std::conditional_t<Expiring, hc::expire_after_write<ms_clock>, hc::no_expiry>;
  constexpr std::int64_t ttl = Expiring ? 50 : 0;
  std::int64_t now = 1000;
  auto make = [&] {
    if constexpr (Expiring) {
      return hotpath::lru_cache<std::uint64_t, std::uint64_t, wp, ep>(
          capacity, ep{std::chrono::milliseconds(ttl), ms_clock{&now}});
    } else {
      return hotpath::lru_cache<std::uint64_t, std::uint64_t, wp, ep>(capacity);
    }
  };
  auto c = make();
  ref_full_lru m(capacity, Weighted, ttl, &now);
  std::vector<ref_event> events;
  c.set_eviction_listener([&](const std::uint64_t& k, std::uint64_t&& v, eviction_cause cause) {
    events.push_back({k, v, cause});
  });
  std::mt19937_64 rng(seed);
  for (int op = 0; op < ops; ++op) {
    const std::uint64_t k = rng() % keys;
    const std::uint64_t v = rng() % 1000;
    const auto what = rng() % 64;
    if (what < 2) {
      ASSERT_EQ(c.erase(k), m.erase(k)) << "op " << op;
    } else if (what < 3) {
      const std::size_t cap = 1 + rng() % (2 * capacity);
      c.resize(cap);
      m.resize(cap);
    } else if (what < 4) {
      ASSERT_EQ(c.purge_expired(), m.purge_expired()) << "op " << op;
    } else if (what < 12) {
      now += static_cast<std::int64_t>(rng() % 8);
    } else if (what < 20) {
      c.put(k, v);
      m.put(k, v);
    } else if (what < 28) {
      const std::uint64_t* got = c.get_or_insert_with(k, [v] { return v; });
      const std::uint64_t* want = m.get_or_insert_with(k, v);
      ASSERT_EQ(got != nullptr, want != nullptr) << "op " << op;
      if (got != nullptr) {
        ASSERT_EQ(*got, *want) << "op " << op;
      }
    } else {
      const std::uint64_t* got = c.get(k);
      const std::uint64_t* want = m.get(k);
      ASSERT_EQ(got != nullptr, want != nullptr) << "op " << op << " key " << k;
      if (got != nullptr) {
        ASSERT_EQ(*got, *want) << "op " << op;
      } else {
        c.put(k, v);
        m.put(k, v);
      }
    }
    ASSERT_EQ(events, m.events) << "op " << op;
    ASSERT_EQ(c.size(), m.size()) << "op " << op;
    ASSERT_EQ(c.total_weight(), m.load()) << "op " << op;
  }
  const auto s = c.stats();
  EXPECT_EQ(s.hits, m.stats.hits);
  EXPECT_EQ(s.misses, m.stats.misses);
  EXPECT_EQ(s.inserts, m.stats.inserts);
  EXPECT_EQ(s.evictions, m.stats.evictions);
  EXPECT_EQ(s.expirations, m.stats.expirations);
  total += s;
}

TEST(CacheTest, LruMatchesReferenceWithResizeWeightsTtlAndListener) {
  hotpath::cache_stats total;
  hotpath::cache_stats expiring;
  for (std::size_t cap : {1u, 3u, 16u, 120u}) {
    for (std::uint64_t seed = 1; seed <= 2; ++seed) {
      SCOPED_TRACE(testing::Message() << "capacity " << cap << " seed " << seed);
      run_full_differential<false, false>(cap, cap * 3 + 4, seed, 6000, total);
      run_full_differential<false, true>(cap, cap * 3 + 4, seed, 6000, expiring);
      run_full_differential<true, false>(cap * 3, cap * 3 + 4, seed, 6000, total);
      run_full_differential<true, true>(cap * 3, cap * 3 + 4, seed, 6000, expiring);
    }
  }
  // Every path was taken: hits, capacity evictions, expirations (lazy, at the eviction end and
  // by purge_expired).
  total += expiring;
  EXPECT_GT(total.hits, 0u);
  EXPECT_GT(total.evictions, 0u);
  EXPECT_GT(expiring.expirations, 0u);
}

// ---- exception safety
// ----------------------------------------------------------------------------
struct boom {};
struct fragile {
  static inline int throw_after = -1;  // the n-th construction from here throws
  int v;
  explicit fragile(int x) : v(x) {
    if (throw_after >= 0 && throw_after-- == 0) throw boom{};
  }
  fragile(const fragile& o) : fragile(o.v) {}
  fragile& operator=(const fragile&) = default;
};

template <class Cache>
std::vector<int> contents_in_eviction_order(Cache& c, int keys) {
  // Evicts everything by inserting fresh keys, recording the order.
  std::vector<int> order;
  c.set_eviction_listener([&](const int& k, fragile&&, eviction_cause) { order.push_back(k); });
  for (int i = 0; i < static_cast<int>(c.capacity()); ++i) c.put(keys + 1000 + i, fragile(0));
  c.set_eviction_listener(nullptr);
  return order;
}

TEST(CacheTest, ThrowingConstructorOrLoaderLeavesCacheUnchanged) {
  auto build = [] {
    hotpath::lru_cache<int, fragile> c(4);
    for (int i = 0; i < 4; ++i) c.put(i, fragile(i));
    (void)c.get(1);
    return c;
  };
  auto reference = build();
  const auto want = contents_in_eviction_order(reference, 4);

  {  // throwing loader
    auto c = build();
    EXPECT_THROW((void)c.get_or_insert_with(9, []() -> fragile { throw boom{}; }), boom);
    EXPECT_EQ(c.size(), 4u);
    EXPECT_EQ(contents_in_eviction_order(c, 4), want);
  }
  {  // throwing value constructor on insert at capacity
    auto c = build();
    fragile::throw_after = 0;
    EXPECT_THROW(c.emplace(9, 9), boom);
    fragile::throw_after = -1;
    EXPECT_EQ(c.stats().evictions, 0u);
    EXPECT_EQ(contents_in_eviction_order(c, 4), want);
  }
  {  // throwing copy in put (new key and assignment)
    auto c = build();
    const fragile f(5);
    fragile::throw_after = 0;
    EXPECT_THROW(c.put(9, f), boom);
    fragile::throw_after = 0;
    EXPECT_THROW(c.put(2, f), boom);
    fragile::throw_after = -1;
    EXPECT_EQ(c.peek(2)->v, 2);
    EXPECT_EQ(contents_in_eviction_order(c, 4), want);
  }
}

TEST(CacheTest, ThrowingCopyDuringSlabGrowthLeavesCacheUnchanged) {
  // fragile's copy may throw and it has no noexcept move: growth copies, and a throw mid-way
  // must leave every entry in place.
  hotpath::lru_cache<int, fragile> c(1000);
  for (int i = 0; i < 16; ++i) c.put(i, fragile(i));  // fills the first slab (16 nodes)
  fragile::throw_after = 5;
  EXPECT_THROW(c.put(100, fragile(100)), boom);
  fragile::throw_after = -1;
  EXPECT_EQ(c.size(), 16u);
  for (int i = 0; i < 16; ++i) ASSERT_EQ(c.peek(i)->v, i);
  c.put(100, fragile(100));
  EXPECT_EQ(c.size(), 17u);
}

// ---- noexcept contract (pinned)
// ------------------------------------------------------------------
using pinned = hotpath::lru_cache<std::uint64_t, std::array<char, 64>>;
static_assert(noexcept(std::declval<pinned&>().get(1)));
static_assert(noexcept(std::declval<pinned&>().peek(1)));
static_assert(noexcept(std::declval<const pinned&>().contains(1)));
static_assert(noexcept(std::declval<pinned&>().erase(1)));
static_assert(noexcept(std::declval<pinned&>().clear()));
static_assert(std::is_nothrow_move_constructible_v<pinned>);
static_assert(std::is_nothrow_move_assignable_v<pinned>);
static_assert(!noexcept(std::declval<pinned&>().put(1, std::array<char, 64>{})));  // may allocate
using pinned_ttl = hotpath::sieve_cache<std::string, int, hc::expire_after_write<>>;
static_assert(noexcept(std::declval<pinned_ttl&>().get(std::declval<const std::string&>())));
struct throwing_hash {
  std::size_t operator()(int) const { return 0; }
};
static_assert(
    !noexcept(std::declval<hotpath::lru_cache<int, int, hc::hash_by<throwing_hash>>&>().get(1)));

// ---- concurrent cache (label concurrency: runs under TSan)
// ----------------------------------------
TEST(CacheConcurrencyTest, BasicApi) {
  hotpath::concurrent_lru_cache<std::string, int> c(1000);
  EXPECT_GE(c.shard_count(), 1u);
  EXPECT_FALSE(c.get("a").has_value());
  c.put("a", 1);
  EXPECT_EQ(c.get("a"), 1);
  EXPECT_TRUE(c.emplace("b", 2));
  EXPECT_FALSE(c.emplace("b", 3));
  EXPECT_EQ(c.peek("b"), 2);
  int seen = 0;
  EXPECT_TRUE(c.visit("b", [&](const int& v) { seen = v; }));
  EXPECT_EQ(seen, 2);
  EXPECT_EQ(c.get_or_insert_with("c", [] { return 3; }), 3);
  EXPECT_EQ(c.size(), 3u);
  EXPECT_TRUE(c.erase("a"));
  EXPECT_FALSE(c.contains("a"));
  EXPECT_EQ(c.stats().hits, 2u);  // get a, visit b (peek does not count)
  c.clear();
  EXPECT_TRUE(c.empty());
  EXPECT_GT(c.memory_usage(), sizeof(c));
}

TEST(CacheConcurrencyTest, CapacityIsSplitExactly) {
  hotpath::basic_cache<int, int, hc::lru, hc::sharded<8>> c(100);
  for (int i = 0; i < 10000; ++i) c.put(i, i);
  EXPECT_EQ(c.size(), 100u);
  c.resize(37);
  EXPECT_EQ(c.size(), 37u);
}

TEST(CacheConcurrencyTest, StressMixedOperations) {
  hotpath::concurrent_lru_cache<std::uint64_t, std::uint64_t> c(256);
  std::atomic<std::uint64_t> evicted{0};
  c.set_eviction_listener([&](const std::uint64_t& k, std::uint64_t&& v, eviction_cause) {
    EXPECT_EQ(v, k * 7 + 1);
    evicted.fetch_add(1, std::memory_order_relaxed);
  });
  constexpr int threads = 4;
  std::vector<std::thread> ts;
  ts.reserve(threads);
  for (int t = 0; t < threads; ++t) {
    ts.emplace_back([&c, t] {
      std::mt19937_64 rng(static_cast<std::uint64_t>(t) + 100);
      for (int i = 0; i < 20000; ++i) {
        const std::uint64_t k = rng() % 1024;
        switch (rng() % 8) {
          case 0:
            c.erase(k);
            break;
          case 1:
            c.put(k, k * 7 + 1);
            break;
          case 2:
            EXPECT_EQ(c.get_or_insert_with(k, [k] { return k * 7 + 1; }), k * 7 + 1);
            break;
          default:
            if (auto v = c.get(k)) {
              EXPECT_EQ(*v, k * 7 + 1);
            }
        }
      }
    });
  }
  for (auto& th : ts) th.join();
  EXPECT_LE(c.size(), 256u);
  const auto s = c.stats();
  EXPECT_GT(s.hits, 0u);
  EXPECT_GT(s.evictions, 0u);
  EXPECT_GT(evicted.load(), 0u);
}

// Optimistic (lock-free) hits: trivially copyable keys and 64-byte values read under a seqlock
// while other threads insert, evict, assign, erase, clear and resize (slab and index growth).
// Every value a reader gets must be whole: all eight words written together.
struct wide_value {
  std::uint64_t w[8];
  static wide_value of(std::uint64_t k, std::uint64_t gen) noexcept {
    wide_value v{};
    for (auto& x : v.w) x = k * 1'000'003 + gen;
    return v;
  }
  bool whole(std::uint64_t k) const noexcept {
    for (const auto x : w) {
      if (x != w[0]) return false;
    }
    return (w[0] - k * 1'000'003) < 64;
  }
};
template <class Cache>
void optimistic_stress() {
  Cache c(300);
  static_assert(Cache::lock_free_hits);
  constexpr int threads = 4;
  std::atomic<int> torn{0};
  std::vector<std::thread> ts;
  ts.reserve(threads);
  for (int t = 0; t < threads; ++t) {
    ts.emplace_back([&c, &torn, t] {
      std::mt19937_64 rng(static_cast<std::uint64_t>(t) + 7);
      for (int i = 0; i < 20000; ++i) {
        const std::uint64_t k = rng() % 1200;
        const auto op = rng() % 64;
        if (op == 0) {
          c.erase(k);
        } else if (op == 1 && t == 0 && i % 4000 == 0) {
          c.resize(200 + static_cast<std::size_t>(rng() % 800));  // grows slab and index
        } else if (op == 2 && t == 1 && i % 5000 == 0) {
          c.clear();
        } else if (op < 12) {
          c.put(k, wide_value::of(k, rng() % 64));
        } else if (op < 16) {
          const auto v = c.get_or_insert_with(k, [k] { return wide_value::of(k, 0); });
          if (!v.whole(k)) torn.fetch_add(1);
        } else if (op < 20) {
          if (auto v = c.peek(k); v && !v->whole(k)) torn.fetch_add(1);
          (void)c.contains(k);
        } else if (auto v = c.get(k)) {
          if (!v->whole(k)) torn.fetch_add(1);
        } else {
          c.put(k, wide_value::of(k, 0));
        }
      }
    });
  }
  for (auto& th : ts) th.join();
  EXPECT_EQ(torn.load(), 0);
  EXPECT_LE(c.size(), c.capacity());
  const auto s = c.stats();
  EXPECT_GT(s.hits, 0u);
  EXPECT_GT(s.misses, 0u);
}
TEST(CacheConcurrencyTest, OptimisticHitsNeverSeeTornValues) {
  optimistic_stress<hotpath::concurrent_lru_cache<std::uint64_t, wide_value>>();
  optimistic_stress<hotpath::concurrent_sieve_cache<std::uint64_t, wide_value>>();
}

// The concurrent LRU promotes hits lazily (a mark; the eviction moves marked entries to the
// front), so a key read between every insert is never evicted, while FIFO would evict it.
TEST(CacheConcurrencyTest, ApproximateLruStillKeepsAHotKey) {
  hotpath::basic_cache<std::uint64_t, std::uint64_t, hc::lru, hc::sharded<4>> c(400);
  static_assert(decltype(c)::lock_free_hits);
  c.put(0, 0);
  for (std::uint64_t k = 1; k < 20000; ++k) {
    ASSERT_TRUE(c.get(0).has_value()) << "evicted after " << k << " inserts";
    c.put(k, k);
  }
  EXPECT_EQ(c.size(), 400u);
  const auto s = c.stats();
  EXPECT_EQ(s.hits, 19999u);  // counted on the lock-free path
  EXPECT_EQ(s.misses, 0u);
  c.reset_stats();
  EXPECT_EQ(c.stats().hits, 0u);
  // Types that are not trivially copyable take the locked path.
  static_assert(!hotpath::concurrent_lru_cache<std::string, int>::lock_free_hits);
  static_assert(!hotpath::concurrent_lru_cache<int, std::string>::lock_free_hits);
  static_assert(!hotpath::lru_cache<int, int>::lock_free_hits);
}

// The lazy promotion contract, single-threaded and with a reproducible layout: an entry hit
// (lock-free) since it last came to the front is not evicted before the unhit entries of its
// shard; its mark buys one trip through the list, no more.
TEST(CacheConcurrencyTest, LazyPromotionSparesAHitEntryOnce) {
  using cache = hotpath::basic_cache<std::uint64_t, std::uint64_t, hc::lru, hc::sharded<2>,
                                     hc::fixed_seed_hash<42>>;
  static_assert(cache::lock_free_hits);
  const hotpath::detail::cache_seeded_hasher<std::uint64_t> hash(42);
  std::vector<std::uint64_t> keys;  // keys of shard 0
  for (std::uint64_t k = 1; keys.size() < 8; ++k) {
    if ((hash(k) & 1u) == 0) keys.push_back(k);
  }
  cache c(6);  // 3 per shard
  std::vector<std::uint64_t> evicted;
  c.set_eviction_listener([&](const std::uint64_t& k, std::uint64_t&&, eviction_cause cause) {
    EXPECT_EQ(cause, eviction_cause::capacity);
    evicted.push_back(k);
  });
  const auto put = [&](int i) { c.put(keys[i], keys[i]); };
  put(0), put(1), put(2);                // front to back: 2 1 0
  ASSERT_TRUE(c.get(keys[0]));           // the tail, marked
  ASSERT_TRUE(c.get(keys[1]));           // not the tail, marked
  put(3);                                // 0 and 1 go to the front: 1 0 2, evicts 2
  EXPECT_EQ(evicted, (std::vector<std::uint64_t>{keys[2]}));
  put(4);                                // 4 3 1 0: marks are gone, evicts 0
  put(5);                                // evicts 1
  ASSERT_TRUE(c.get(keys[5]));           // the front, marked
  put(6);                                // evicts 3 (5 is marked; 4 and 3 are not)
  EXPECT_EQ(evicted, (std::vector<std::uint64_t>{keys[2], keys[0], keys[1], keys[3]}));
  for (const int i : {4, 5, 6}) EXPECT_TRUE(c.peek(keys[i])) << i;
  // Capacity 1 per shard: a marked sole entry still leaves (the pass ends).
  cache one(2);
  one.put(keys[0], 0);
  ASSERT_TRUE(one.get(keys[0]));
  one.put(keys[1], 1);
  EXPECT_FALSE(one.peek(keys[0]));
  EXPECT_TRUE(one.peek(keys[1]));
  const auto s = c.stats();
  EXPECT_EQ(s.hits, 3u);
  EXPECT_EQ(s.inserts, 7u);
  EXPECT_EQ(s.evictions, 4u);
}

// Concurrent resizes take turns: each shard ends with its share of the last one, and
// capacity() says which (filling the cache then fills it exactly).
TEST(CacheConcurrencyTest, ConcurrentResizesLeaveOneCapacity) {
  hotpath::basic_cache<std::uint64_t, std::uint64_t, hc::lru, hc::sharded<8>> c(64);
  for (int round = 0; round < 50; ++round) {
    std::barrier start(2);
    std::thread a([&] {
      start.arrive_and_wait();
      for (std::size_t i = 0; i < 20; ++i) c.resize(64 + i);
    });
    std::thread b([&] {
      start.arrive_and_wait();
      for (std::size_t i = 0; i < 20; ++i) c.resize(640 + i * 8);
    });
    a.join();
    b.join();
    for (std::uint64_t k = 0; k < 20000; ++k) c.put(k, k);
    ASSERT_EQ(c.size(), c.capacity()) << "round " << round;
  }
}

// A thread's stats stripe goes back when the thread exits: threads that come one after another
// reuse one stripe instead of counting up to the 17th, which would share the first thread's
// stripe (a line both write on every get), and threads alive at the same time get different
// stripes.
TEST(CacheConcurrencyTest, StatsStripesAreReusedAfterThreadExit) {
  using ids = hotpath::detail::cache_stripe_ids;
  const std::size_t main_id = ids::mine();
  EXPECT_LT(main_id, ids::count);
  std::vector<std::size_t> one_by_one;
  for (std::size_t i = 0; i < 3 * ids::count; ++i) {
    std::thread([&] { one_by_one.push_back(ids::mine()); }).join();
  }
  for (const std::size_t id : one_by_one) {
    EXPECT_NE(id, main_id);
    EXPECT_EQ(id, one_by_one.front());
  }
  constexpr std::size_t live = 8;
  std::barrier meet(static_cast<std::ptrdiff_t>(live));
  std::vector<std::size_t> together(live);
  std::vector<std::thread> ts;
  ts.reserve(live);
  for (std::size_t t = 0; t < live; ++t) {
    ts.emplace_back([&, t] {
      together[t] = ids::mine();
      meet.arrive_and_wait();  // all alive at once
    });
  }
  for (auto& th : ts) th.join();
  together.push_back(main_id);
  std::sort(together.begin(), together.end());
  EXPECT_EQ(std::adjacent_find(together.begin(), together.end()), together.end());
  // Counting through a cache from many short-lived threads stays exact.
  hotpath::concurrent_lru_cache<int, int> c(100);
  c.put(1, 1);
  for (std::size_t i = 0; i < 2 * ids::count; ++i) {
    std::thread([&] { EXPECT_EQ(c.get(1), 1); }).join();
  }
  EXPECT_EQ(c.stats().hits, 2 * ids::count);
}

// The shard lock (spin, then sleep): mutual exclusion on a plain counter (TSan checks the
// happens-before), with enough threads on 2 cores that some lockers reach the sleeping path.
TEST(CacheConcurrencyTest, ShardLockExcludes) {
  hotpath::detail::cache_mutex m;
  std::uint64_t counter = 0;
  constexpr int threads = 6;
  std::vector<std::thread> ts;
  ts.reserve(threads);
  for (int t = 0; t < threads; ++t) {
    ts.emplace_back([&] {
      for (int i = 0; i < 20000; ++i) {
        std::lock_guard lock(m);
        ++counter;
      }
    });
  }
  for (auto& th : ts) th.join();
  EXPECT_EQ(counter, std::uint64_t{threads} * 20000);
  EXPECT_TRUE(m.try_lock());
  EXPECT_FALSE(m.try_lock());
  m.unlock();
}

TEST(CacheConcurrencyTest, GetOrInsertWithIsSingleFlight) {
  for (int round = 0; round < 5; ++round) {
    hotpath::concurrent_lru_cache<int, std::string> c(100);
    std::atomic<int> calls{0};
    constexpr int threads = 6;
    std::barrier start(threads);
    std::vector<std::thread> ts;
    ts.reserve(threads);
    std::vector<std::string> results(threads);
    for (int t = 0; t < threads; ++t) {
      ts.emplace_back([&, t] {
        start.arrive_and_wait();
        results[static_cast<std::size_t>(t)] = c.get_or_insert_with(42, [&] {
          calls.fetch_add(1);
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
          return std::string("loaded");
        });
      });
    }
    for (auto& th : ts) th.join();
    EXPECT_EQ(calls.load(), 1);  // the others waited (or hit the stored value)
    for (const auto& r : results) EXPECT_EQ(r, "loaded");
  }
}

TEST(CacheConcurrencyTest, LoaderExceptionReachesWaitersAndCacheStaysEmpty) {
  hotpath::concurrent_lru_cache<int, int> c(100);
  constexpr int threads = 4;
  std::barrier start(threads);
  std::atomic<int> thrown{0};
  std::vector<std::thread> ts;
  ts.reserve(threads);
  for (int t = 0; t < threads; ++t) {
    ts.emplace_back([&] {
      start.arrive_and_wait();
      try {
        (void)c.get_or_insert_with(7, []() -> int {
          std::this_thread::sleep_for(std::chrono::milliseconds(10));
          throw std::runtime_error("load failed");
        });
      } catch (const std::runtime_error&) {
        thrown.fetch_add(1);
      }
    });
  }
  for (auto& th : ts) th.join();
  EXPECT_EQ(thrown.load(), threads);
  EXPECT_FALSE(c.contains(7));
}

TEST(CacheConcurrencyTest, ExpiryUnderConcurrency) {
  hotpath::basic_cache<int, int, hc::sharded<4>, hc::sieve, hc::expire_after_write<>> c(
      512, hc::expire_after_write<>{std::chrono::milliseconds(1)});
  std::vector<std::thread> ts;
  ts.reserve(3);
  for (int t = 0; t < 3; ++t) {
    ts.emplace_back([&c, t] {
      for (int i = 0; i < 5000; ++i) {
        const int k = (i * 31 + t) % 700;
        if (auto v = c.get(k)) {
          EXPECT_EQ(*v, k);
        } else {
          c.put(k, k);
        }
        if (i % 1000 == 0) c.purge_expired();
      }
    });
  }
  for (auto& th : ts) th.join();
  EXPECT_LE(c.size(), 512u);
}

}  // namespace
