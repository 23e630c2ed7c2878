// Benchmarks for <hotpath/cache.hpp> against the textbook LRU (std::list + std::unordered_map
// of list iterators), alone and under one std::mutex.
//
// Workloads (traces generated once, fixed seeds, outside the timed loops):
//   zipf0.99, zipf0.7  10M requests, Zipf(s) over 1M uint64 keys (ranks scattered by splitmix64)
//   scan               10M requests: blocks of 100k Zipf(0.99) requests, each followed by a scan
//                      of 25k never-repeated keys (20% one-hit wonders that pollute an LRU)
// Every request is a get, and a put on a miss; capacity 100k; values are 64 bytes. One
// benchmark iteration is one pass over the trace from an empty cache; `hit_ratio` is reported
// as a counter, and items_per_second is requests per second (ns/request = 1e9 / that).
// Threaded rows split the trace in contiguous halves, one per thread, on one shared cache.
#include <hotpath/cache.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <benchmark/benchmark.h>

namespace {

constexpr std::size_t kKeys = 1'000'000;
constexpr std::size_t kRequests = 10'000'000;
constexpr std::size_t kCapacity = 100'000;

struct value64 {
  std::uint64_t w[8];
  static value64 from(std::uint64_t k) noexcept { return value64{{k, k, k, k, k, k, k, k}}; }
};
static_assert(sizeof(value64) == 64);

std::uint64_t splitmix64(std::uint64_t x) noexcept {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// Zipf(s) ranks 0..n-1 by inverting the CDF (binary search over the cumulative weights).
class zipf_sampler {
 public:
  zipf_sampler(std::size_t n, double s) : cdf_(n) {
    double sum = 0;
    for (std::size_t i = 0; i < n; ++i) {
      sum += 1.0 / std::pow(static_cast<double>(i + 1), s);
      cdf_[i] = sum;
    }
    for (auto& c : cdf_) c /= sum;
  }
  template <class Rng>
  std::size_t operator()(Rng& rng) const {
    const double u = std::uniform_real_distribution<double>(0.0, 1.0)(rng);
    return static_cast<std::size_t>(std::lower_bound(cdf_.begin(), cdf_.end(), u) - cdf_.begin());
  }

 private:
  std::vector<double> cdf_;
};

enum class workload { zipf099, zipf07, scan };

// The trace of a workload, generated on first use (under a lock: threaded rows may ask at once).
const std::vector<std::uint64_t>& trace(workload w) {
  static std::mutex m;
  static std::vector<std::uint64_t> traces[3];
  std::lock_guard lock(m);
  auto& t = traces[static_cast<int>(w)];
  if (!t.empty()) return t;
  t.reserve(kRequests);
  std::mt19937_64 rng(20261123 + static_cast<unsigned>(w));
  const zipf_sampler zipf(kKeys, w == workload::zipf07 ? 0.7 : 0.99);
  std::uint64_t scan_key = std::uint64_t{1} << 40;  // never a Zipf rank: fresh keys
  while (t.size() < kRequests) {
    if (w == workload::scan) {
      // 100k Zipf requests, then a scan of 25k fresh keys: 20% of the trace is scans.
      for (int i = 0; i < 100'000 && t.size() < kRequests; ++i) {
        t.push_back(splitmix64(zipf(rng)));
      }
      for (int i = 0; i < 25'000 && t.size() < kRequests; ++i) t.push_back(splitmix64(scan_key++));
    } else {
      t.push_back(splitmix64(zipf(rng)));
    }
  }
  return t;
}

// ---- peer: the textbook LRU ------------------------------------------------------------------
template <class K, class V>
class textbook_lru {
 public:
  explicit textbook_lru(std::size_t capacity) : capacity_(capacity) {}
  V* get(const K& key) {
    auto it = map_.find(key);
    if (it == map_.end()) return nullptr;
    list_.splice(list_.begin(), list_, it->second);
    return &it->second->second;
  }
  void put(const K& key, const V& value) {
    if (auto it = map_.find(key); it != map_.end()) {
      it->second->second = value;
      list_.splice(list_.begin(), list_, it->second);
      return;
    }
    if (map_.size() >= capacity_) {
      map_.erase(list_.back().first);
      list_.pop_back();
    }
    list_.emplace_front(key, value);
    map_.emplace(key, list_.begin());
  }

 private:
  std::size_t capacity_;
  std::list<std::pair<K, V>> list_;
  std::unordered_map<K, typename std::list<std::pair<K, V>>::iterator> map_;
};

template <class K, class V>
class textbook_lru_mutex {
 public:
  explicit textbook_lru_mutex(std::size_t capacity) : lru_(capacity) {}
  std::optional<V> get(const K& key) {
    std::lock_guard lock(m_);
    if (V* v = lru_.get(key)) return *v;
    return std::nullopt;
  }
  void put(const K& key, const V& value) {
    std::lock_guard lock(m_);
    lru_.put(key, value);
  }

 private:
  std::mutex m_;
  textbook_lru<K, V> lru_;
};

// ---- single-threaded runs --------------------------------------------------------------------
template <class Cache>
void run_single(benchmark::State& state, workload w) {
  const auto& t = trace(w);
  std::uint64_t hits = 0;
  std::uint64_t sum = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto c = std::make_unique<Cache>(kCapacity);
    hits = 0;
    state.ResumeTiming();
    for (const std::uint64_t k : t) {
      if (const value64* v = c->get(k)) {
        sum += v->w[3];
        ++hits;
      } else {
        c->put(k, value64::from(k));
      }
    }
    benchmark::DoNotOptimize(sum);
    state.PauseTiming();
    c.reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * t.size()));
  state.counters["hit_ratio"] = static_cast<double>(hits) / static_cast<double>(t.size());
}

// ---- threaded runs: one shared cache, each thread takes a contiguous part of the trace ------
// ReadOnly: thread 0 first fills the cache with one untimed pass, then every request is a get
// only (no put on a miss): the hit path's scaling without the miss path's shared writes.
template <class Cache, bool ReadOnly = false>
void run_shared(benchmark::State& state, workload w) {
  static std::unique_ptr<Cache> shared;
  const auto& t = trace(w);  // generated by the first thread in; others wait on the static
  if (state.thread_index() == 0) {
    shared = std::make_unique<Cache>(kCapacity);
    if constexpr (ReadOnly) {
      for (const std::uint64_t k : t) {
        if (!shared->get(k)) shared->put(k, value64::from(k));
      }
    }
  }
  const std::size_t n = static_cast<std::size_t>(state.threads());
  const std::size_t begin = t.size() * static_cast<std::size_t>(state.thread_index()) / n;
  const std::size_t end = t.size() * (static_cast<std::size_t>(state.thread_index()) + 1) / n;
  std::uint64_t hits = 0;
  std::uint64_t sum = 0;
  std::chrono::steady_clock::time_point start;
  for (auto _ : state) {
    // All threads leave GB's start barrier together; thread 0 clocks the whole pass.
    start = std::chrono::steady_clock::now();
    Cache& c = *shared;
    for (std::size_t i = begin; i < end; ++i) {
      const std::uint64_t k = t[i];
      if (auto v = c.get(k)) {
        sum += v->w[3];
        ++hits;
      } else if constexpr (!ReadOnly) {
        c.put(k, value64::from(k));
      }
    }
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * (end - begin)));
  state.counters["hit_ratio"] =
      benchmark::Counter(static_cast<double>(hits) / static_cast<double>(end - begin),
                         benchmark::Counter::kAvgThreads);
  if (state.thread_index() == 0) {
    // The loop's closing barrier waited for the slowest thread: this is the pass's wall time.
    // GB's Time column on threaded rows is that wall time divided by the thread count (its
    // items_per_second is the aggregate rate); agg_ns_per_req states the aggregate directly.
    const auto wall = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start);
    state.counters["agg_ns_per_req"] =
        wall.count() / static_cast<double>(t.size() * static_cast<std::size_t>(state.iterations()));
    // The other threads have passed the loop's closing barrier; nobody touches the cache now.
    shared.reset();
  }
}

// Not a cache: what one cache-line transfer between the two threads' cores costs right now.
// On this VM it moves between ~45 ns and several hundred from one minute to the next, and
// every two-thread row above pays it on each line the threads share; the row tells a reader
// of a run which state the machine was in.
void run_line_transfer(benchmark::State& state) {
  alignas(64) static std::atomic<std::uint64_t> ball{0};
  constexpr std::uint64_t kRounds = 200'000;
  const std::uint64_t me = static_cast<std::uint64_t>(state.thread_index());
  if (me == 0) ball.store(0, std::memory_order_relaxed);
  for (auto _ : state) {
    // GB's start barrier has passed: thread 0 serves first, then each waits for its turn.
    for (std::uint64_t i = 0; i < kRounds; ++i) {
      while (ball.load(std::memory_order_acquire) != 2 * i + me) {
      }
      ball.store(2 * i + me + 1, std::memory_order_release);
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kRounds));
}

using k64 = std::uint64_t;
using hp_lru = hotpath::lru_cache<k64, value64>;
using hp_sieve = hotpath::sieve_cache<k64, value64>;
using hp_fifo = hotpath::fifo_cache<k64, value64>;
using hp_lru_nostats = hotpath::lru_cache<k64, value64, hotpath::cache::stats_off>;
using hp_concurrent = hotpath::concurrent_lru_cache<k64, value64>;
using hp_concurrent_sieve = hotpath::concurrent_sieve_cache<k64, value64>;
using hp_concurrent_8 =
    hotpath::basic_cache<k64, value64, hotpath::cache::lru, hotpath::cache::sharded<8>>;
using hp_concurrent_256 =
    hotpath::basic_cache<k64, value64, hotpath::cache::lru, hotpath::cache::sharded<256>>;
using peer_lru = textbook_lru<k64, value64>;
using peer_lru_mutex = textbook_lru_mutex<k64, value64>;

template <class Cache>
void add_single(const char* subject, workload w, const char* wname) {
  benchmark::RegisterBenchmark((std::string("cache/") + subject + "/" + wname).c_str(),
                               [w](benchmark::State& st) { run_single<Cache>(st, w); })
      ->Iterations(1)
      ->Unit(benchmark::kMillisecond);
}
template <class Cache, bool ReadOnly = false>
void add_shared(const char* subject, workload w, const char* wname, int threads) {
  benchmark::RegisterBenchmark((std::string("cache/") + subject + "/" + wname).c_str(),
                               [w](benchmark::State& st) { run_shared<Cache, ReadOnly>(st, w); })
      ->Iterations(1)
      ->Threads(threads)
      ->UseRealTime()
      ->Unit(benchmark::kMillisecond);
}

void register_all() {
  const std::pair<workload, const char*> zipfs[] = {{workload::zipf099, "zipf0.99"},
                                                    {workload::zipf07, "zipf0.7"}};
  for (const auto& [w, name] : zipfs) {
    add_single<hp_lru>("hotpath_lru", w, name);
    add_single<hp_lru_nostats>("hotpath_lru_nostats", w, name);
    add_single<hp_sieve>("hotpath_sieve", w, name);
    add_single<hp_fifo>("hotpath_fifo", w, name);
    add_single<peer_lru>("textbook_lru", w, name);
    add_shared<hp_concurrent>("hotpath_concurrent_lru", w, name, 1);
    add_shared<hp_concurrent>("hotpath_concurrent_lru", w, name, 2);
    add_shared<hp_concurrent_sieve>("hotpath_concurrent_sieve", w, name, 1);
    add_shared<hp_concurrent_sieve>("hotpath_concurrent_sieve", w, name, 2);
    add_shared<peer_lru_mutex>("textbook_lru_mutex", w, name, 1);
    add_shared<peer_lru_mutex>("textbook_lru_mutex", w, name, 2);
  }
  // Where the two-thread time goes (docs/cache.md): fewer / more shards than the default (64
  // on 2 hardware threads), and gets only.
  for (const int threads : {1, 2}) {
    add_shared<hp_concurrent_8>("hotpath_concurrent_lru_8shards", workload::zipf099, "zipf0.99",
                                threads);
    add_shared<hp_concurrent_256>("hotpath_concurrent_lru_256shards", workload::zipf099,
                                  "zipf0.99", threads);
  }
  for (const int threads : {1, 2}) {
    add_shared<hp_concurrent, true>("hotpath_concurrent_lru_getonly", workload::zipf099,
                                    "zipf0.99", threads);
  }
  benchmark::RegisterBenchmark("cache/vm_line_transfer", run_line_transfer)
      ->Iterations(1)
      ->Threads(2)
      ->UseRealTime()
      ->Unit(benchmark::kMicrosecond);
  add_single<hp_lru>("hotpath_lru", workload::scan, "scan");
  add_single<hp_sieve>("hotpath_sieve", workload::scan, "scan");
  add_single<hp_fifo>("hotpath_fifo", workload::scan, "scan");
  add_single<peer_lru>("textbook_lru", workload::scan, "scan");
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  register_all();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
