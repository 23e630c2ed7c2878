// hotpath/logger.hpp: hotpath::async_logger<Sink, Overflow>, an asynchronous logger. Producer
// threads format a log_record in place in an MPSC log ring (no allocation, no lock, no
// syscall); one background thread drains the ring in batches into the sink.
//
// Versus spdlog's async logger: spdlog formats into a heap-backed buffer and enqueues through a
// mutex and condition variable; here a call is a TSC read, the "{}" formatting into the slot and
// one compare-and-swap. Overflow is a policy: drop_newest (lossy, the default, every drop
// counted), block_when_full<> (lossless, for audit trails: producers wait) or overwrite_oldest.
// Accounting is exact: once quiescent, stats().pushed == stats().written + stats().dropped.
//
// Example:
//   hotpath::async_logger<hotpath::fd_sink> log(hotpath::fd_sink{1});
//   log.info("order {} filled at {}", id, price);
//   hotpath::async_logger<hotpath::memory_sink, hotpath::block_when_full<>> audit(
//       hotpath::memory_sink{10000});
//   audit.warn("limit hit"); audit.flush(); auto last = audit.sink().snapshot();
#ifndef HOTPATH_LOGGER_HPP
#define HOTPATH_LOGGER_HPP

#include <hotpath/log/record.hpp>
#include <hotpath/log/sinks.hpp>
#include <hotpath/log_ring.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <thread>
#include <utility>

namespace hotpath {

struct async_logger_options {
  std::size_t capacity = 8192;         // ring slots (256 bytes each), rounded to 2^k
  std::size_t batch = 256;             // records per drain before the sink's flush point
  log_level level = log_level::trace;  // records below this level are discarded uncounted
};

struct log_stats {
  std::uint64_t pushed;   // records handed to the logger (log calls that passed the level)
  std::uint64_t written;  // records given to the sink
  std::uint64_t dropped;  // records lost to overflow
};

template <log_sink Sink, log_ring_policy Overflow = drop_newest>
class async_logger {
  static_assert(Overflow::log_policy_kind == detail::log_policy_kind::overflow,
                "async_logger<Sink, Overflow>: Overflow must be drop_newest, overwrite_oldest or "
                "block_when_full<>");
  using ring_type = basic_log_ring<log_record, multi_producer, Overflow>;

 public:
  // Starts the background thread. Allocates the ring; throws what the ring or std::thread
  // throw.
  explicit async_logger(Sink sink, async_logger_options opt = {})
      : ring_(opt.capacity),
        sink_(std::move(sink)),
        batch_(std::max<std::size_t>(opt.batch, 1)),
        level_(opt.level) {
    log_clock::calibrate();
    thread_ = std::thread([this] { run(); });
  }

  async_logger(const async_logger&) = delete;
  async_logger& operator=(const async_logger&) = delete;

  // Drains everything and stops the thread (see shutdown()).
  ~async_logger() { shutdown(); }

  // Any thread. Formats into the ring. Returns false when the record was filtered by level or
  // dropped (drop_newest on a full ring; counted). block_when_full waits for space instead.
  // Never allocates, locks or makes a syscall (except a blocked lossless producer's futex wait).
  template <class... Args>
  bool log(log_level lvl, log_format fmt, const Args&... args) noexcept {
    if (lvl < level_.load(std::memory_order_relaxed)) return false;
    if constexpr (ring_type::is_blocking) {
      ring_.emplace(lvl, fmt, args...);
      return true;
    } else {
      return ring_.try_emplace(lvl, fmt, args...);
    }
  }
  template <class... Args>
  bool trace(log_format fmt, const Args&... args) noexcept {
    return log(log_level::trace, fmt, args...);
  }
  template <class... Args>
  bool debug(log_format fmt, const Args&... args) noexcept {
    return log(log_level::debug, fmt, args...);
  }
  template <class... Args>
  bool info(log_format fmt, const Args&... args) noexcept {
    return log(log_level::info, fmt, args...);
  }
  template <class... Args>
  bool warn(log_format fmt, const Args&... args) noexcept {
    return log(log_level::warn, fmt, args...);
  }
  template <class... Args>
  bool error(log_format fmt, const Args&... args) noexcept {
    return log(log_level::error, fmt, args...);
  }
  template <class... Args>
  bool critical(log_format fmt, const Args&... args) noexcept {
    return log(log_level::critical, fmt, args...);
  }

  void set_level(log_level l) noexcept { level_.store(l, std::memory_order_relaxed); }
  log_level level() const noexcept { return level_.load(std::memory_order_relaxed); }

  // Any thread. Returns once every record whose log call completed before flush() was called
  // has been written to the sink (or dropped) and the sink's flush() ran. Blocks (condition
  // variable). After shutdown() it returns at once.
  void flush() {
    std::unique_lock<std::mutex> lock(mu_);
    if (stopped_) return;
    const std::uint64_t ticket = ++flush_requested_;
    flush_target_ = std::max(flush_target_, ring_.pushed());
    wake_.notify_one();
    done_.wait(lock, [&] { return flush_done_ >= ticket || stopped_; });
  }

  // Any thread, once: drains everything pushed so far, flushes the sink and joins the thread.
  // Logging concurrently with or after shutdown() is a contract violation.
  void shutdown() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
      wake_.notify_one();
    }
    if (thread_.joinable()) thread_.join();
  }

  // Counters; exact once no log call is in flight (e.g. after flush() or shutdown()).
  log_stats stats() const noexcept {
    const std::uint64_t written = written_.load(std::memory_order_acquire);
    const std::uint64_t dropped = ring_.dropped();
    const std::uint64_t accepted = ring_.pushed();
    // drop_newest: the ring never accepted the dropped ones; otherwise they were accepted.
    const std::uint64_t pushed =
        ring_type::is_overwriting || ring_type::is_blocking ? accepted : accepted + dropped;
    return log_stats{pushed, written, dropped};
  }

  // The sink, e.g. to read a memory_sink's snapshot(). Only thread-safe members may be used
  // while the logger runs.
  Sink& sink() noexcept { return sink_; }
  const Sink& sink() const noexcept { return sink_; }

 private:
  // Ring positions consumed so far (written, plus evicted under overwrite_oldest).
  std::uint64_t consumed() const noexcept {
    std::uint64_t c = written_.load(std::memory_order_relaxed);
    if constexpr (ring_type::is_overwriting) c += ring_.dropped();
    return c;
  }

  std::size_t drain_batch() {
    const std::size_t n = ring_.drain([this](log_record& r) { sink_.write(r); }, batch_);
    if (n != 0) {
      written_.store(written_.load(std::memory_order_relaxed) + n, std::memory_order_release);
    }
    return n;
  }

  // Drains until `target` ring positions are consumed (records in flight finish quickly).
  void drain_to(std::uint64_t target) {
    while (consumed() < target) {
      if (drain_batch() == 0) std::this_thread::yield();
    }
  }

  void run() {
    unsigned idle = 0;
    for (;;) {
      const std::size_t n = drain_batch();
      if (n == batch_) {  // probably more: keep going before flushing the sink
        idle = 0;
        continue;
      }
      if (n != 0) {
        sink_.flush();
        idle = 0;
      }
      std::unique_lock<std::mutex> lock(mu_);
      if (flush_done_ != flush_requested_) {
        const std::uint64_t ticket = flush_requested_;
        const std::uint64_t target = flush_target_;
        lock.unlock();
        drain_to(target);
        sink_.flush();
        lock.lock();
        flush_done_ = ticket;
        done_.notify_all();
        continue;
      }
      if (stop_) {
        lock.unlock();
        drain_to(ring_.pushed());
        sink_.flush();
        lock.lock();
        stopped_ = true;
        done_.notify_all();
        return;
      }
      // A partial batch: sleep briefly so that producers fill slots the consumer is not
      // reading (polling right behind them moves every record's cache lines twice).
      // Idle: yield a few times, then sleep with growing timeouts (up to 1 ms). flush() and
      // shutdown() wake us at once; producers never touch the mutex.
      if (n != 0) {
        idle = 8;
      } else if (++idle < 8) {
        lock.unlock();
        std::this_thread::yield();
        continue;
      }
      const auto wait =
          std::chrono::microseconds(std::min<unsigned>(1000, 10u << std::min(idle - 8, 7u)));
      wake_.wait_for(lock, wait, [&] { return stop_ || flush_done_ != flush_requested_; });
    }
  }

  ring_type ring_;
  Sink sink_;
  std::size_t batch_;
  std::atomic<log_level> level_;
  alignas(detail::log_line) std::atomic<std::uint64_t> written_{0};

  std::mutex mu_;
  std::condition_variable wake_;  // background thread: flush or stop requested
  std::condition_variable done_;  // flush()/shutdown callers: request served
  std::uint64_t flush_requested_ = 0;
  std::uint64_t flush_done_ = 0;
  std::uint64_t flush_target_ = 0;
  bool stop_ = false;
  bool stopped_ = false;
  std::thread thread_;
};

}  // namespace hotpath

#endif  // HOTPATH_LOGGER_HPP
