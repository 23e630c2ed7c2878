// Tests for hotpath/logger.hpp and hotpath/log/{record,sinks}.hpp: the "{}" formatter against
// std::to_string / snprintf, truncation, call-site capture, flush and shutdown draining, exact
// accounting in lossy and lossless modes with several producers (label `concurrency`), the
// memory sink's last-N window and the fd sink's output. Logger tests run on both ring
// topologies (shared_ring, per_thread_rings); per_thread_rings also gets threads that start and
// exit while others log, and loggers destroyed before the threads that used them.
#include <hotpath/logger.hpp>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include <gtest/gtest.h>

#include <unistd.h>

namespace {

using hotpath::log_level;
using hotpath::log_record;

std::string fmt(const log_record& r) { return std::string(r.message()); }

TEST(LogRecord, FormatsArguments) {
  enum class side : int { buy = 1 };
  const int x = 0;
  const log_record r(log_level::info, "a={} b={} c={} d={} e={} f={} g={} h={} {{x}} {} {:x}", -42,
                     18446744073709551615ull, 2.5, true, 'z', std::string("str"),
                     std::string_view("sv"), side::buy, static_cast<const char*>(nullptr));
  EXPECT_EQ(fmt(r), "a=-42 b=18446744073709551615 c=2.5 d=true e=z f=str g=sv h=1 {x} (null) {:x}");
  EXPECT_FALSE(r.truncated);
  EXPECT_EQ(r.level, log_level::info);
  const log_record p(log_level::info, "{}", &x);
  char expect[32];
  std::snprintf(expect, sizeof expect, "%p", static_cast<const void*>(&x));
  EXPECT_EQ(fmt(p), expect);
  EXPECT_EQ(fmt(log_record(log_level::info, "no args {}")), "no args {}");
  EXPECT_EQ(fmt(log_record(log_level::info, "}} {", 1)), "} {");
}

TEST(LogRecord, MatchesStdToString) {
  std::uint64_t v = 1;
  for (int i = 0; i < 64; ++i, v = v * 3 + 7) {
    EXPECT_EQ(fmt(log_record(log_level::debug, "{}", v)), std::to_string(v));
    EXPECT_EQ(fmt(log_record(log_level::debug, "{}", -static_cast<std::int64_t>(v >> 1))),
              std::to_string(-static_cast<std::int64_t>(v >> 1)));
  }
}

TEST(LogRecord, CapturesCallSite) {
  const int line = __LINE__ + 1;
  const log_record r(log_level::warn, "here");
  EXPECT_EQ(r.line, static_cast<std::uint32_t>(line));
  EXPECT_NE(std::string(r.file).find("logger_test.cpp"), std::string::npos);
  EXPECT_NE(std::string(r.function).find("TestBody"), std::string::npos);
}

TEST(LogRecord, LongTextIsTruncatedAndFlagged) {
  const std::string big(1000, 'x');
  const log_record r(log_level::info, "head {} tail {}", big, 123456);
  EXPECT_TRUE(r.truncated);
  EXPECT_EQ(r.size, log_record::text_capacity);
  EXPECT_EQ(fmt(r), "head " + big.substr(0, log_record::text_capacity - 5));
  // A number cut at the boundary keeps its leading digits.
  const std::string pad(log_record::text_capacity - 3, 'p');
  const log_record n(log_level::info, "{}{}", pad, 987654);
  EXPECT_TRUE(n.truncated);
  EXPECT_EQ(fmt(n), pad + "987");
  const log_record exact(log_level::info, "{}", std::string(log_record::text_capacity, 'e'));
  EXPECT_FALSE(exact.truncated);
  char line[512];
  const std::size_t len = hotpath::format_log_line(r, line, sizeof line);
  EXPECT_EQ(std::string(line, len).substr(len - 5), "x...\n");
}

struct collected {
  std::mutex mu;
  std::vector<std::string> lines;
};

template <class Topology>
class LoggerTopology : public ::testing::Test {};
using topologies = ::testing::Types<hotpath::shared_ring, hotpath::per_thread_rings>;
struct topology_names {
  template <class T>
  static std::string GetName(int) {
    return std::is_same_v<T, hotpath::shared_ring> ? "shared_ring" : "per_thread_rings";
  }
};
TYPED_TEST_SUITE(LoggerTopology, topologies, topology_names);

TYPED_TEST(LoggerTopology, FlushWritesEverythingPushedBefore) {
  collected c;
  auto cb = [&](const log_record& r) {
    std::lock_guard<std::mutex> lock(c.mu);
    c.lines.emplace_back(r.message());
  };
  hotpath::async_logger<hotpath::callback_sink<decltype(cb)>, hotpath::drop_newest, TypeParam> log(
      hotpath::callback_sink<decltype(cb)>(cb), {.capacity = 1024});
  for (int i = 0; i < 500; ++i) ASSERT_TRUE(log.info("msg {}", i));
  log.flush();
  {
    std::lock_guard<std::mutex> lock(c.mu);
    ASSERT_EQ(c.lines.size(), 500u);
    for (int i = 0; i < 500; ++i) EXPECT_EQ(c.lines[i], "msg " + std::to_string(i));
  }
  const auto s = log.stats();
  EXPECT_EQ(s.pushed, 500u);
  EXPECT_EQ(s.written, 500u);
  EXPECT_EQ(s.dropped, 0u);
}

TEST(Logger, LevelFilter) {
  hotpath::async_logger<hotpath::memory_sink> log(hotpath::memory_sink{8},
                                                  {.level = log_level::warn});
  EXPECT_FALSE(log.info("filtered"));
  EXPECT_TRUE(log.error("kept"));
  log.set_level(log_level::off);
  EXPECT_FALSE(log.critical("filtered"));
  log.flush();
  EXPECT_EQ(log.stats().pushed, 1u);
  EXPECT_EQ(log.sink().total(), 1u);
}

TEST(Logger, MemorySinkKeepsLastN) {
  hotpath::async_logger<hotpath::memory_sink, hotpath::block_when_full<>> log(
      hotpath::memory_sink{10}, {.capacity = 16});
  for (int i = 0; i < 100; ++i) log.info("{}", i);
  log.flush();
  const auto snap = log.sink().snapshot();
  ASSERT_EQ(snap.size(), 10u);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(fmt(snap[i]), std::to_string(90 + i));
  EXPECT_EQ(log.sink().total(), 100u);
}

TYPED_TEST(LoggerTopology, DestructorDrains) {
  std::atomic<int> written{0};
  auto cb = [&](const log_record&) { written.fetch_add(1); };
  {
    hotpath::async_logger<hotpath::callback_sink<decltype(cb)>, hotpath::block_when_full<>,
                          TypeParam>
        log(hotpath::callback_sink<decltype(cb)>(cb), {.capacity = 64});
    for (int i = 0; i < 3000; ++i) log.info("{}", i);
  }
  EXPECT_EQ(written.load(), 3000);
}

TEST(Logger, FdSinkWritesLines) {
  std::FILE* tmp = std::tmpfile();
  ASSERT_NE(tmp, nullptr);
  {
    hotpath::async_logger<hotpath::fd_sink> log(hotpath::fd_sink{::fileno(tmp)});
    log.warn("disk {} at {}%", "sda", 91.5);
  }
  std::rewind(tmp);
  char buf[512] = {};
  ASSERT_NE(std::fgets(buf, sizeof buf, tmp), nullptr);
  std::fclose(tmp);
  const std::string line(buf);
  EXPECT_NE(line.find(" WARN ["), std::string::npos) << line;
  EXPECT_NE(line.find("logger_test.cpp:"), std::string::npos) << line;
  EXPECT_NE(line.find("disk sda at 91.5%\n"), std::string::npos) << line;
  EXPECT_EQ(line.substr(0, 2), "20") << line;  // an ISO date
}

// Several producers; each record's text carries "producer seq". The sink checks per-producer
// order and counts; pushed == written + dropped exactly.
template <class Overflow, class Topology>
void logger_stress(bool expect_lossless) {
  constexpr int producers = 3;
  constexpr int per = HOTPATH_TSAN ? 5000 : 50000;
  std::vector<long> last(producers, -1);
  long written = 0;
  bool ordered = true;
  auto cb = [&](const log_record& r) {
    int p = 0;
    long s = 0;
    const std::string text(r.message());  // text is not NUL-terminated
    std::sscanf(text.c_str(), "%d %ld", &p, &s);
    if (p < 0 || p >= producers || s <= last[p]) ordered = false;
    if (p >= 0 && p < producers) last[p] = s;
    ++written;
  };
  hotpath::async_logger<hotpath::callback_sink<decltype(cb)>, Overflow, Topology> log(
      hotpath::callback_sink<decltype(cb)>(cb), {.capacity = 64, .batch = 16});
  std::vector<std::thread> threads;
  threads.reserve(producers);
  for (int p = 0; p < producers; ++p) {
    threads.emplace_back([&, p] {
      for (int s = 0; s < per; ++s) {
        log.info("{} {}", p, s);
        if (s % 1000 == 500) log.flush();
      }
    });
  }
  for (auto& t : threads) t.join();
  log.flush();
  const auto st = log.stats();
  EXPECT_EQ(st.pushed, std::uint64_t{producers} * per);
  EXPECT_EQ(st.pushed, st.written + st.dropped);
  EXPECT_EQ(st.written, static_cast<std::uint64_t>(written));
  EXPECT_TRUE(ordered);
  if (expect_lossless) {
    EXPECT_EQ(st.dropped, 0u);
    for (int p = 0; p < producers; ++p) EXPECT_EQ(last[p], per - 1);
  }
}

TYPED_TEST(LoggerTopology, StressLossyCountsEveryDrop) {
  logger_stress<hotpath::drop_newest, TypeParam>(false);
}
TYPED_TEST(LoggerTopology, StressOverwriteCountsEveryDrop) {
  logger_stress<hotpath::overwrite_oldest, TypeParam>(false);
}
TYPED_TEST(LoggerTopology, StressLosslessNeverDrops) {
  logger_stress<hotpath::block_when_full<>, TypeParam>(true);
}

// per_thread_rings: waves of short-lived threads log while the main thread logs and flushes;
// every exiting thread's ring is drained and freed (LeakSanitizer checks the freeing), each
// producer's order is kept, and the counters add up.
template <class Overflow>
void churn(bool expect_lossless) {
  constexpr int waves = HOTPATH_TSAN ? 4 : 10;
  constexpr int per_wave = 3;
  constexpr int producers = waves * per_wave + 1;  // the last one is the main thread
  constexpr int per = HOTPATH_TSAN ? 500 : 2000;
  std::vector<long> last(producers, -1);
  std::vector<long> count(producers, 0);
  bool ordered = true;
  auto cb = [&](const log_record& r) {
    int p = -1;
    long s = 0;
    const std::string text(r.message());
    std::sscanf(text.c_str(), "%d %ld", &p, &s);
    if (p < 0 || p >= producers || s <= last[p]) {
      ordered = false;
      return;
    }
    last[p] = s;
    ++count[p];
  };
  hotpath::async_logger<hotpath::callback_sink<decltype(cb)>, Overflow, hotpath::per_thread_rings>
      log(hotpath::callback_sink<decltype(cb)>(cb), {.capacity = 32, .batch = 8});
  const int me = producers - 1;
  long mine = 0;
  for (int w = 0; w < waves; ++w) {
    std::vector<std::thread> threads;
    threads.reserve(per_wave);
    for (int i = 0; i < per_wave; ++i) {
      const int p = w * per_wave + i;
      threads.emplace_back([&log, p] {
        for (int s = 0; s < per; ++s) {
          log.info("{} {}", p, s);
          if (s == per / 2 && p % 2 == 0) log.flush();
        }
      });
    }
    for (int s = 0; s < per / 4; ++s) log.info("{} {}", me, mine++);
    if (w % 3 == 1) log.flush();  // while threads log and exit
    for (auto& t : threads) t.join();
  }
  log.flush();
  const auto st = log.stats();
  EXPECT_EQ(st.pushed, std::uint64_t{waves} * per_wave * per + static_cast<std::uint64_t>(mine));
  EXPECT_EQ(st.pushed, st.written + st.dropped);
  EXPECT_TRUE(ordered);
  long total = 0;
  for (long c : count) total += c;
  EXPECT_EQ(st.written, static_cast<std::uint64_t>(total));
  if (expect_lossless) {
    EXPECT_EQ(st.dropped, 0u);
    for (int p = 0; p < me; ++p) EXPECT_EQ(count[p], per) << p;
    EXPECT_EQ(count[me], mine);
  }
}

TEST(PerThreadRings, ThreadsStartAndExitWhileLoggingLossless) {
  churn<hotpath::block_when_full<>>(true);
}
TEST(PerThreadRings, ThreadsStartAndExitWhileLoggingLossy) { churn<hotpath::drop_newest>(false); }
TEST(PerThreadRings, ThreadsStartAndExitWhileLoggingOverwrite) {
  churn<hotpath::overwrite_oldest>(false);
}

// A thread that outlives a logger it used, then logs to a newer logger of the same type: its
// cached node of the old logger must not be used, and nothing leaks or is freed twice.
TEST(PerThreadRings, LoggerDestroyedBeforeThread) {
  using logger = hotpath::async_logger<hotpath::memory_sink, hotpath::block_when_full<>,
                                       hotpath::per_thread_rings>;
  std::mutex mu;
  std::condition_variable cv;
  int step = 0;
  auto wait_step = [&](int s) {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return step >= s; });
  };
  auto set_step = [&](int s) {
    {
      std::lock_guard<std::mutex> lock(mu);
      step = s;
    }
    cv.notify_all();
  };
  auto a = std::make_unique<logger>(hotpath::memory_sink{100});
  std::unique_ptr<logger> b;
  std::thread t([&] {
    a->info("to a {}", 1);
    set_step(1);
    wait_step(2);  // a is gone, b exists
    b->info("to b {}", 2);
    b->info("to b {}", 3);
  });
  wait_step(1);
  a->flush();
  EXPECT_EQ(a->sink().total(), 1u);
  a.reset();
  b = std::make_unique<logger>(hotpath::memory_sink{100});
  set_step(2);
  t.join();
  b->flush();
  const auto snap = b->sink().snapshot();
  ASSERT_EQ(snap.size(), 2u);
  EXPECT_EQ(fmt(snap[0]), "to b 2");
  EXPECT_EQ(fmt(snap[1]), "to b 3");
  const auto st = b->stats();
  EXPECT_EQ(st.pushed, 2u);
  EXPECT_EQ(st.written, 2u);
}

// Two loggers of the same type used alternately from one thread: each record goes to its own
// logger (the one-entry thread_local cache is refilled from the thread's node list).
TEST(PerThreadRings, TwoLoggersOneThread) {
  using logger = hotpath::async_logger<hotpath::memory_sink, hotpath::block_when_full<>,
                                       hotpath::per_thread_rings>;
  logger a(hotpath::memory_sink{100});
  logger b(hotpath::memory_sink{100});
  for (int i = 0; i < 20; ++i) (i % 2 == 0 ? a : b).info("{}", i);
  a.flush();
  b.flush();
  const auto sa = a.sink().snapshot();
  const auto sb = b.sink().snapshot();
  ASSERT_EQ(sa.size(), 10u);
  ASSERT_EQ(sb.size(), 10u);
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(fmt(sa[i]), std::to_string(2 * i));
    EXPECT_EQ(fmt(sb[i]), std::to_string(2 * i + 1));
  }
}

static_assert(hotpath::log_ring_topology<hotpath::shared_ring>);
static_assert(hotpath::log_ring_topology<hotpath::per_thread_rings>);
static_assert(!hotpath::log_ring_topology<hotpath::drop_newest>);
static_assert(!hotpath::log_ring_policy<hotpath::per_thread_rings>);

}  // namespace
