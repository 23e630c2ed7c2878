// Benchmarks for hotpath/log_ring.hpp and hotpath/logger.hpp. Rows are log_ring/<subject>/
// <workload>; hotpath's subjects start with "hotpath". Peers: boost::lockfree::spsc_queue and
// boost::lockfree::queue, moodycamel::ReaderWriterQueue and ConcurrentQueue, std::mutex +
// std::deque, and spdlog's async logger (to a counting null sink).
// Workloads (records are 64 bytes, every ring holds 8192; all multi-threaded rows use real
// time, one iteration per repetition, and a watchdog that aborts a stalled run):
//   spsc       kSpsc records, producer pinned to CPU 0, consumer to CPU 1; items/s. After a
//              failed push or pop a thread pauses once and retries; counters empty_polls and
//              full_polls count the consumer's failed pops and the producer's failed pushes.
//              spsc_16M_backoff: the same, but a failed push or pop waits ~400 ns first.
//   mpsc_2p    2 producers (kMpsc records in all) and 1 consumer, not pinned; each producer
//              pushes once before the clock starts (moodycamel can starve a late producer).
//   push_lat   producer-side push latency with the consumer draining: bursts of 8 pushes,
//              each burst timed with rdtsc (which ticks in ~10 ns steps on the VM measured)
//              and divided by 8; p50/p99/p999 counters in ns over kBursts bursts.
//   log_int    logger: kLog messages "order {} filled" with one integer from one producer
//              thread, then wait until the sink saw all; items/s (lossless/blocking mode for
//              all). log_int_2p: two producer threads, kLog / 2 each.
//   log_lat    logger: producer-side latency of that call, measured like push_lat;
//              log_lat_2p: two producer threads, percentiles over both threads' bursts.
//              Logger subjects: hotpath_logger (shared_ring, the default), hotpath_logger_tls
//              (per_thread_rings) and spdlog_async.
//   st_pushpop64  one thread pushes 64 records then pops them: the instruction cost without
//              cross-core traffic (stable on a loaded machine, unlike the two-thread rows).
#include <hotpath/log_ring.hpp>
#include <hotpath/logger.hpp>

#include <algorithm>
#include <atomic>
#include <boost/lockfree/queue.hpp>
#include <boost/lockfree/spsc_queue.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <benchmark/benchmark.h>

#include <concurrentqueue/concurrentqueue.h>
#include <pthread.h>
#include <readerwriterqueue/readerwriterqueue.h>
#include <spdlog/async.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>
#include <x86intrin.h>

namespace {

constexpr std::size_t kCap = 8192;
// HOTPATH_BENCH_LOG_SCALE=k divides every record/burst count by k (for a loaded machine).
std::uint64_t scaled(std::uint64_t n) {
  static const std::uint64_t k = [] {
    const char* e = std::getenv("HOTPATH_BENCH_LOG_SCALE");
    const long v = e != nullptr ? std::atol(e) : 1;
    return static_cast<std::uint64_t>(v < 1 ? 1 : v);
  }();
  return std::max<std::uint64_t>(n / k, 1024);
}
const std::uint64_t kSpsc = scaled(std::uint64_t{16} << 20);     // 16M records
const std::uint64_t kSpscSlow = scaled(std::uint64_t{2} << 20);  // mutex + deque: 2M (7M/s)
const std::uint64_t kMpsc = scaled(std::uint64_t{4} << 20);
const std::size_t kBursts = scaled(100000);
constexpr int kBurst = 8;
const std::uint64_t kLog = scaled(std::uint64_t{1} << 20);

struct msg {
  std::uint64_t seq;
  std::uint64_t pad[7];
};
static_assert(sizeof(msg) == 64);

void pin(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}
void unpin() {
  cpu_set_t set;
  CPU_ZERO(&set);
  for (int c = 0; c < CPU_SETSIZE; ++c) CPU_SET(c, &set);
  pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

// Aborts the process when a run takes longer than `limit`: a stalled queue fails loudly.
class watchdog {
 public:
  watchdog(const char* what, std::chrono::seconds limit) : what_(what) {
    t_ = std::thread([this, limit] {
      std::unique_lock<std::mutex> lock(mu_);
      if (!cv_.wait_for(lock, limit, [&] { return done_; })) {
        std::fprintf(stderr, "watchdog: %s stalled for %llds, aborting\n", what_,
                     static_cast<long long>(limit.count()));
        std::_Exit(3);
      }
    });
  }
  ~watchdog() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      done_ = true;
    }
    cv_.notify_one();
    t_.join();
  }

 private:
  const char* what_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread t_;
};

HOTPATH_ALWAYS_INLINE void relax(unsigned& fails) {
  hotpath::detail::log_cpu_relax();
  if ((++fails & 1023) == 0) std::this_thread::yield();  // 3 threads on 2 cores
}

double ns_per_tick();

// The spsc_16M_backoff rows' idle step: after a failed push or pop, wait ~400 ns (TSC) before
// touching the queue again, like a consumer thread that backs off when it finds nothing to do.
HOTPATH_ALWAYS_INLINE void backoff(unsigned& fails) {
  static const std::uint64_t ticks = static_cast<std::uint64_t>(400.0 / ns_per_tick());
  const std::uint64_t until = __rdtsc() + ticks;
  while (__rdtsc() < until) hotpath::detail::log_cpu_relax();
  if ((++fails & 1023) == 0) std::this_thread::yield();
}

// --- adapters: try_push / try_pop on 64-byte records ----------------------------------------

struct hotpath_spsc {
  hotpath::spsc_log_ring<msg> q{kCap};
  bool push(const msg& m) { return q.try_push(m); }
  bool pop(msg& m) { return q.try_pop(m); }
};
struct hotpath_mpsc {
  hotpath::mpsc_log_ring<msg> q{kCap};
  bool push(const msg& m) { return q.try_push(m); }
  bool pop(msg& m) { return q.try_pop(m); }
};
struct boost_spsc {
  boost::lockfree::spsc_queue<msg, boost::lockfree::capacity<kCap>> q;
  bool push(const msg& m) { return q.push(m); }
  bool pop(msg& m) { return q.pop(m); }
};
struct boost_queue {
  boost::lockfree::queue<msg, boost::lockfree::capacity<kCap>> q;
  bool push(const msg& m) { return q.bounded_push(m); }
  bool pop(msg& m) { return q.pop(m); }
};
struct moodycamel_rwq {
  moodycamel::ReaderWriterQueue<msg> q{kCap};
  bool push(const msg& m) { return q.try_enqueue(m); }
  bool pop(msg& m) { return q.try_dequeue(m); }
};
struct moodycamel_cq {
  static inline std::atomic<std::uint64_t> next_id{1};
  moodycamel::ConcurrentQueue<msg> q{kCap, 2, 0};
  const std::uint64_t id = next_id.fetch_add(1);  // addresses get reused, ids do not
  bool push(const msg& m) {
    // A token per (thread, queue). Tokens are leaked on purpose: destroying one touches its
    // queue, which may be gone by then.
    thread_local moodycamel::ProducerToken* tok = nullptr;
    thread_local std::uint64_t owner = 0;
    if (owner != id) {
      tok = new moodycamel::ProducerToken(q);
      owner = id;
    }
    return q.try_enqueue(*tok, m);
  }
  bool pop(msg& m) { return q.try_dequeue(m); }
};
struct mutex_deque {
  std::mutex mu;
  std::deque<msg> d;
  bool push(const msg& m) {
    std::lock_guard<std::mutex> lock(mu);
    if (d.size() >= kCap) return false;
    d.push_back(m);
    return true;
  }
  bool pop(msg& m) {
    std::lock_guard<std::mutex> lock(mu);
    if (d.empty()) return false;
    m = d.front();
    d.pop_front();
    return true;
  }
};

// --- SPSC throughput ----------------------------------------------------------------------

// Backoff: the idle step after a failed push or pop (false: one pause, as everywhere else).
template <class Q, bool Drain = false, bool Backoff = false>
void spsc(benchmark::State& state, std::uint64_t n) {
  const auto idle = [](unsigned& fails) {
    if constexpr (Backoff) {
      backoff(fails);
    } else {
      relax(fails);
    }
  };
  for (auto _ : state) {
    auto q = std::make_unique<Q>();
    watchdog wd("spsc", std::chrono::seconds(60));
    std::atomic<bool> go{false};
    std::uint64_t bad = 0;
    std::uint64_t empty_polls = 0;
    std::thread consumer([&] {
      pin(1);
      while (!go.load(std::memory_order_acquire)) {
      }
      std::uint64_t expect = 0;
      unsigned fails = 0;
      msg m{};
      while (expect < n) {
        if constexpr (Drain) {
          const std::size_t got = q->q.drain([&](msg& r) { bad += r.seq != expect++; });
          if (got == 0) {
            ++empty_polls;
            idle(fails);
          }
        } else {
          if (q->pop(m)) {
            bad += m.seq != expect++;
          } else {
            ++empty_polls;
            idle(fails);
          }
        }
      }
    });
    pin(0);
    const auto t0 = std::chrono::steady_clock::now();
    go.store(true, std::memory_order_release);
    msg m{};
    unsigned fails = 0;
    std::uint64_t full_polls = 0;
    for (std::uint64_t i = 0; i < n; ++i) {
      m.seq = i;
      while (!q->push(m)) {
        ++full_polls;
        idle(fails);
      }
    }
    consumer.join();
    const auto t1 = std::chrono::steady_clock::now();
    unpin();
    state.SetIterationTime(std::chrono::duration<double>(t1 - t0).count());
    // Where the stream waited: the consumer on an empty ring, the producer on a full one.
    state.counters["empty_polls"] = static_cast<double>(empty_polls);
    state.counters["full_polls"] = static_cast<double>(full_polls);
    if (bad != 0) state.SkipWithError("records out of order");
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * n * sizeof(msg)));
}

// --- MPSC throughput ----------------------------------------------------------------------

template <class Q, bool Drain = false>
void mpsc(benchmark::State& state) {
  constexpr int producers = 2;
  const std::uint64_t per = kMpsc / producers;
  for (auto _ : state) {
    auto q = std::make_unique<Q>();
    watchdog wd("mpsc", std::chrono::seconds(60));
    std::atomic<int> ready{0};
    std::atomic<bool> go{false};
    std::vector<std::thread> threads;
    threads.reserve(producers);
    for (int p = 0; p < producers; ++p) {
      threads.emplace_back([&, p] {
        msg m{};
        m.pad[0] = static_cast<std::uint64_t>(p);
        m.seq = 0;
        unsigned fails = 0;
        while (!q->push(m)) relax(fails);  // first push before timing
        ready.fetch_add(1);
        while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
        for (std::uint64_t i = 1; i < per; ++i) {
          m.seq = i;
          while (!q->push(m)) relax(fails);
        }
      });
    }
    while (ready.load() != producers) std::this_thread::yield();
    std::uint64_t last[producers] = {0, 0};
    std::uint64_t got = 0, bad = 0;
    auto check = [&](msg& m) {
      const auto p = static_cast<std::size_t>(m.pad[0]);
      bad += (m.seq != 0 && m.seq != last[p] + 1);
      last[p] = m.seq;
      ++got;
    };
    const auto t0 = std::chrono::steady_clock::now();
    go.store(true, std::memory_order_release);
    unsigned fails = 0;
    msg m{};
    while (got < per * producers) {  // NOLINT(bugprone-infinite-loop): check() counts
      if constexpr (Drain) {
        if (q->q.drain(check) == 0) relax(fails);
      } else if (q->pop(m)) {
        check(m);
      } else {
        relax(fails);
      }
    }
    const auto t1 = std::chrono::steady_clock::now();
    for (auto& t : threads) t.join();
    state.SetIterationTime(std::chrono::duration<double>(t1 - t0).count());
    if (bad != 0) state.SkipWithError("per-producer order broken");
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * (kMpsc - 2)));
}

// --- single thread: the instruction cost without cross-core traffic ------------------------

// Pushes 64 records then pops them, on one thread; items/s counts records (push + pop each).
template <class Q>
void st_pushpop(benchmark::State& state) {
  auto q = std::make_unique<Q>();
  msg m{};
  std::uint64_t sum = 0;
  for (auto _ : state) {
    for (std::uint64_t i = 0; i < 64; ++i) {
      m.seq = i;
      q->push(m);
    }
    for (int i = 0; i < 64; ++i) {
      q->pop(m);
      sum += m.seq;
    }
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * 64));
}

// --- latency ------------------------------------------------------------------------------

double ns_per_tick() {
  static const double v = [] {
    const auto s0 = std::chrono::steady_clock::now();
    const std::uint64_t t0 = __rdtsc();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    const auto s1 = std::chrono::steady_clock::now();
    const std::uint64_t t1 = __rdtsc();
    return static_cast<double>(
               std::chrono::duration_cast<std::chrono::nanoseconds>(s1 - s0).count()) /
           static_cast<double>(t1 - t0);
  }();
  return v;
}

HOTPATH_ALWAYS_INLINE std::uint64_t tsc_begin() {
  _mm_lfence();
  return __rdtsc();
}
HOTPATH_ALWAYS_INLINE std::uint64_t tsc_end() {
  unsigned aux;
  const std::uint64_t t = __rdtscp(&aux);
  _mm_lfence();
  return t;
}

// Runs `burst(b)` (kBurst operations) `bursts` times with a ~1 us gap; ns per op, sorted.
template <class Burst>
std::vector<double> burst_samples(std::size_t bursts, Burst&& burst) {
  std::vector<double> ns;
  ns.reserve(bursts);
  const double k = ns_per_tick() / kBurst;
  for (std::size_t b = 0; b < bursts; ++b) {
    const std::uint64_t t0 = tsc_begin();
    burst(b);
    const std::uint64_t t1 = tsc_end();
    ns.push_back(static_cast<double>(t1 - t0) * k);
    const std::uint64_t until = __rdtsc() + static_cast<std::uint64_t>(1000.0 / ns_per_tick());
    while (__rdtsc() < until) hotpath::detail::log_cpu_relax();
  }
  std::sort(ns.begin(), ns.end());
  return ns;
}

void report_percentiles(benchmark::State& state, const std::vector<double>& sorted) {
  auto pct = [&](double p) {
    return sorted[static_cast<std::size_t>(p * static_cast<double>(sorted.size() - 1))];
  };
  state.counters["p50_ns"] = pct(0.50);
  state.counters["p99_ns"] = pct(0.99);
  state.counters["p999_ns"] = pct(0.999);
}

// kBursts bursts on the calling thread, percentiles into the state's counters.
template <class Burst>
void latency_samples(benchmark::State& state, Burst&& burst) {
  report_percentiles(state, burst_samples(kBursts, std::forward<Burst>(burst)));
}

template <class Q>
void push_latency(benchmark::State& state) {
  for (auto _ : state) {
    auto q = std::make_unique<Q>();
    watchdog wd("push_lat", std::chrono::seconds(60));
    std::atomic<bool> stop{false};
    std::thread consumer([&] {
      pin(1);
      msg m{};
      while (!stop.load(std::memory_order_relaxed)) {
        if (!q->pop(m)) hotpath::detail::log_cpu_relax();
      }
    });
    pin(0);
    msg m{};
    std::uint64_t retries = 0;
    latency_samples(state, [&](std::size_t b) {
      for (int i = 0; i < kBurst; ++i) {
        m.seq = b * kBurst + static_cast<std::size_t>(i);
        while (!q->push(m)) ++retries;
      }
    });
    stop.store(true);
    consumer.join();
    unpin();
    state.counters["full_retries"] = static_cast<double>(retries);
  }
}

// --- logger -------------------------------------------------------------------------------

struct counting_sink final : spdlog::sinks::base_sink<spdlog::details::null_mutex> {
  std::atomic<std::uint64_t> n{0};

 protected:
  void sink_it_(const spdlog::details::log_msg&) override {
    n.store(n.load(std::memory_order_relaxed) + 1, std::memory_order_release);
  }
  void flush_() override {}
};

struct counter_cb {
  std::atomic<std::uint64_t>* n;
  void operator()(const hotpath::log_record&) const {
    n->store(n->load(std::memory_order_relaxed) + 1, std::memory_order_release);
  }
};

// Logger subjects: info(i) logs "order {} filled" with i; count() is what the sink has seen.
// Lossless (blocking) mode for all, one ring / queue of kCap slots (per_thread_rings: kCap
// per producer thread).
template <class Topology>
struct hotpath_log {
  std::atomic<std::uint64_t> n{0};
  hotpath::async_logger<hotpath::callback_sink<counter_cb>, hotpath::block_when_full<>, Topology>
      log{hotpath::callback_sink<counter_cb>(counter_cb{&n}), {.capacity = kCap}};
  void info(std::uint64_t i) { log.info("order {} filled", i); }
  std::uint64_t count() const { return n.load(std::memory_order_acquire); }
};
struct spdlog_log {
  std::shared_ptr<counting_sink> sink = std::make_shared<counting_sink>();
  std::shared_ptr<spdlog::details::thread_pool> tp =
      std::make_shared<spdlog::details::thread_pool>(kCap, 1);
  std::shared_ptr<spdlog::async_logger> log = std::make_shared<spdlog::async_logger>(
      "bench", sink, tp, spdlog::async_overflow_policy::block);
  void info(std::uint64_t i) { log->info("order {} filled", i); }
  std::uint64_t count() const { return sink->n.load(std::memory_order_acquire); }
};

template <class L>
void wait_count(const L& l, std::uint64_t target) {
  while (l.count() < target) std::this_thread::yield();
}

// Messages/s: `producers` threads (not pinned) each log kLog / producers messages, timed from
// the start signal until the sink has seen them all. Each producer logs once before the clock
// starts (per_thread_rings allocates the thread's ring on its first call).
template <class L>
void log_throughput(benchmark::State& state, int producers) {
  const std::uint64_t per = kLog / static_cast<std::uint64_t>(producers);
  const auto np = static_cast<std::uint64_t>(producers);
  for (auto _ : state) {
    auto l = std::make_unique<L>();
    watchdog wd("log_int", std::chrono::seconds(60));
    std::atomic<int> ready{0};
    std::atomic<bool> go{false};
    std::vector<std::thread> threads;
    threads.reserve(np);
    for (int p = 0; p < producers; ++p) {
      threads.emplace_back([&] {
        l->info(0);
        ready.fetch_add(1);
        while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
        for (std::uint64_t i = 1; i < per; ++i) l->info(i);
      });
    }
    while (ready.load() != producers) std::this_thread::yield();
    wait_count(*l, np);
    const auto t0 = std::chrono::steady_clock::now();
    go.store(true, std::memory_order_release);
    for (auto& t : threads) t.join();
    wait_count(*l, per * np);
    const auto t1 = std::chrono::steady_clock::now();
    state.SetIterationTime(std::chrono::duration<double>(t1 - t0).count());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * (per - 1) * np));
}

// Producer latency: `producers` threads each time kBursts / producers bursts of kBurst calls;
// the percentiles are over all threads' bursts together.
template <class L>
void log_latency(benchmark::State& state, int producers) {
  const auto np = static_cast<std::size_t>(producers);
  for (auto _ : state) {
    auto l = std::make_unique<L>();
    watchdog wd("log_lat", std::chrono::seconds(60));
    std::vector<std::vector<double>> samples(np);
    std::vector<std::thread> threads;
    threads.reserve(np);
    for (std::size_t p = 0; p < np; ++p) {
      threads.emplace_back([&, p] {
        l->info(0);
        samples[p] = burst_samples(kBursts / np, [&](std::size_t b) {
          for (int i = 0; i < kBurst; ++i) l->info(b * kBurst + static_cast<std::size_t>(i));
        });
      });
    }
    for (auto& t : threads) t.join();
    std::vector<double> all;
    for (auto& v : samples) all.insert(all.end(), v.begin(), v.end());
    std::sort(all.begin(), all.end());
    report_percentiles(state, all);
  }
}

// Multi-threaded rows: one run per repetition, wall-clock time of the timed section (set with
// SetIterationTime, so queue construction, thread start and the MPSC warm-up push are excluded).
void mt(benchmark::internal::Benchmark* b) {
  b->Iterations(1)->UseManualTime()->Unit(benchmark::kMillisecond);
}

// Registered at static initialisation, in this order (random interleaving shuffles them).
// SPSC rows: mutex+deque runs 2M records (it moves ~7M/s), the others 16M.
const bool registered = [] {
  using benchmark::RegisterBenchmark;
  mt(RegisterBenchmark("log_ring/hotpath_spsc/spsc_16M", spsc<hotpath_spsc>, kSpsc));
  mt(RegisterBenchmark("log_ring/hotpath_spsc_drain/spsc_16M", spsc<hotpath_spsc, true>, kSpsc));
  mt(RegisterBenchmark("log_ring/boost_spsc_queue/spsc_16M", spsc<boost_spsc>, kSpsc));
  mt(RegisterBenchmark("log_ring/moodycamel_rwq/spsc_16M", spsc<moodycamel_rwq>, kSpsc));
  mt(RegisterBenchmark("log_ring/moodycamel_cq/spsc_16M", spsc<moodycamel_cq>, kSpsc));
  mt(RegisterBenchmark("log_ring/mutex_deque/spsc_2M", spsc<mutex_deque>, kSpscSlow));
  // The same stream with a ~400 ns back-off after each failed push or pop, for every subject.
  mt(RegisterBenchmark("log_ring/hotpath_spsc/spsc_16M_backoff", spsc<hotpath_spsc, false, true>,
                       kSpsc));
  mt(RegisterBenchmark("log_ring/boost_spsc_queue/spsc_16M_backoff", spsc<boost_spsc, false, true>,
                       kSpsc));
  mt(RegisterBenchmark("log_ring/moodycamel_rwq/spsc_16M_backoff",
                       spsc<moodycamel_rwq, false, true>, kSpsc));

  mt(RegisterBenchmark("log_ring/hotpath_mpsc/mpsc_2p", mpsc<hotpath_mpsc>));
  mt(RegisterBenchmark("log_ring/hotpath_mpsc_drain/mpsc_2p", mpsc<hotpath_mpsc, true>));
  mt(RegisterBenchmark("log_ring/moodycamel_cq/mpsc_2p", mpsc<moodycamel_cq>));
  mt(RegisterBenchmark("log_ring/boost_queue/mpsc_2p", mpsc<boost_queue>));
  mt(RegisterBenchmark("log_ring/mutex_deque/mpsc_2p", mpsc<mutex_deque>));

  RegisterBenchmark("log_ring/hotpath_spsc/st_pushpop64", st_pushpop<hotpath_spsc>);
  RegisterBenchmark("log_ring/hotpath_mpsc/st_pushpop64", st_pushpop<hotpath_mpsc>);
  RegisterBenchmark("log_ring/boost_spsc_queue/st_pushpop64", st_pushpop<boost_spsc>);
  RegisterBenchmark("log_ring/boost_queue/st_pushpop64", st_pushpop<boost_queue>);
  RegisterBenchmark("log_ring/moodycamel_rwq/st_pushpop64", st_pushpop<moodycamel_rwq>);
  RegisterBenchmark("log_ring/moodycamel_cq/st_pushpop64", st_pushpop<moodycamel_cq>);
  RegisterBenchmark("log_ring/mutex_deque/st_pushpop64", st_pushpop<mutex_deque>);

  const auto lat = [](benchmark::internal::Benchmark* b) { b->Iterations(1)->UseRealTime(); };
  lat(RegisterBenchmark("log_ring/hotpath_spsc/push_lat", push_latency<hotpath_spsc>));
  lat(RegisterBenchmark("log_ring/hotpath_mpsc/push_lat", push_latency<hotpath_mpsc>));
  lat(RegisterBenchmark("log_ring/boost_spsc_queue/push_lat", push_latency<boost_spsc>));
  lat(RegisterBenchmark("log_ring/moodycamel_cq/push_lat", push_latency<moodycamel_cq>));

  // Logger rows: hotpath_logger is the default topology (shared_ring, one MPSC ring),
  // hotpath_logger_tls the alternative (per_thread_rings); 1 and 2 producer threads.
  using shared_log = hotpath_log<hotpath::shared_ring>;
  using tls_log = hotpath_log<hotpath::per_thread_rings>;
  mt(RegisterBenchmark("log_ring/hotpath_logger/log_int", log_throughput<shared_log>, 1));
  mt(RegisterBenchmark("log_ring/hotpath_logger_tls/log_int", log_throughput<tls_log>, 1));
  mt(RegisterBenchmark("log_ring/spdlog_async/log_int", log_throughput<spdlog_log>, 1));
  mt(RegisterBenchmark("log_ring/hotpath_logger/log_int_2p", log_throughput<shared_log>, 2));
  mt(RegisterBenchmark("log_ring/hotpath_logger_tls/log_int_2p", log_throughput<tls_log>, 2));
  mt(RegisterBenchmark("log_ring/spdlog_async/log_int_2p", log_throughput<spdlog_log>, 2));
  lat(RegisterBenchmark("log_ring/hotpath_logger/log_lat", log_latency<shared_log>, 1));
  lat(RegisterBenchmark("log_ring/hotpath_logger_tls/log_lat", log_latency<tls_log>, 1));
  lat(RegisterBenchmark("log_ring/spdlog_async/log_lat", log_latency<spdlog_log>, 1));
  lat(RegisterBenchmark("log_ring/hotpath_logger/log_lat_2p", log_latency<shared_log>, 2));
  lat(RegisterBenchmark("log_ring/hotpath_logger_tls/log_lat_2p", log_latency<tls_log>, 2));
  lat(RegisterBenchmark("log_ring/spdlog_async/log_lat_2p", log_latency<spdlog_log>, 2));
  return true;
}();

}  // namespace

BENCHMARK_MAIN();
