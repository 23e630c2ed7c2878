// Tests for hotpath/logger.hpp and hotpath/log/{record,sinks}.hpp: the "{}" formatter against
// std::to_string / snprintf, truncation, call-site capture, flush and shutdown draining, exact
// accounting in lossy and lossless modes with several producers (label `concurrency`), the
// memory sink's last-N window and the fd sink's output.
#include <hotpath/logger.hpp>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
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

TEST(Logger, FlushWritesEverythingPushedBefore) {
  collected c;
  auto cb = [&](const log_record& r) {
    std::lock_guard<std::mutex> lock(c.mu);
    c.lines.emplace_back(r.message());
  };
  hotpath::async_logger<hotpath::callback_sink<decltype(cb)>> log(
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

TEST(Logger, DestructorDrains) {
  std::atomic<int> written{0};
  auto cb = [&](const log_record&) { written.fetch_add(1); };
  {
    hotpath::async_logger<hotpath::callback_sink<decltype(cb)>, hotpath::block_when_full<>> log(
        hotpath::callback_sink<decltype(cb)>(cb), {.capacity = 64});
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
template <class Overflow>
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
  hotpath::async_logger<hotpath::callback_sink<decltype(cb)>, Overflow> log(
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

TEST(LoggerStress, LossyCountsEveryDrop) { logger_stress<hotpath::drop_newest>(false); }
TEST(LoggerStress, OverwriteCountsEveryDrop) { logger_stress<hotpath::overwrite_oldest>(false); }
TEST(LoggerStress, LosslessNeverDrops) { logger_stress<hotpath::block_when_full<>>(true); }

}  // namespace
