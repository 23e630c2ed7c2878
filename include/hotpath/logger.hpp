// hotpath/logger.hpp: hotpath::async_logger<Sink, Overflow, Topology>, an asynchronous logger.
// Producer threads format a log_record in place in a log ring (no allocation, no lock, no
// syscall); one background thread drains the rings in batches into the sink.
//
// Versus spdlog's async logger: spdlog formats into a heap-backed buffer and enqueues through a
// mutex and condition variable; here a call is a TSC read, the "{}" formatting into the slot and
// one compare-and-swap (shared_ring, the default) or one release store (per_thread_rings).
// Overflow is a policy: drop_newest (lossy, the default, every drop counted), block_when_full<>
// (lossless, for audit trails: producers wait) or overwrite_oldest. Topology is a policy:
// shared_ring (one MPSC ring) or per_thread_rings (one SPSC ring per producer thread; see
// docs/log_ring.md for the measured choice). Accounting is exact: once quiescent,
// stats().pushed == stats().written + stats().dropped.
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
#include <hotpath/log/topology.hpp>
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
  std::size_t capacity = 8192;         // slots (256 bytes each) per ring, rounded to 2^k
  std::size_t batch = 256;             // records per drain before the sink's flush point
  log_level level = log_level::trace;  // records below this level are discarded uncounted
};

struct log_stats {
  std::uint64_t pushed;   // records handed to the logger (log calls that passed the level)
  std::uint64_t written;  // records given to the sink
  std::uint64_t dropped;  // records lost to overflow
};

template <log_sink Sink, log_ring_policy Overflow = drop_newest,
          log_ring_topology Topology = shared_ring>
class async_logger {
  static_assert(Overflow::log_policy_kind == detail::log_policy_kind::overflow,
                "async_logger<Sink, Overflow>: Overflow must be drop_newest, overwrite_oldest or "
                "block_when_full<>");
  using rings_type = detail::log_rings_for<Topology, Overflow>;

 public:
  // Starts the background thread. Allocates the ring (shared_ring; per_thread_rings allocates
  // each thread's ring on its first log call); throws what the ring or std::thread throw.
  explicit async_logger(Sink sink, async_logger_options opt = {})
      : rings_(opt.capacity),
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
  // Never allocates, locks or makes a syscall (except a blocked lossless producer's futex
  // wait, and per_thread_rings' first call on each thread, which allocates and registers the
  // thread's ring under a mutex; if that fails the record is dropped and counted).
  template <class... Args>
  bool log(log_level lvl, log_format fmt, const Args&... args) noexcept {
    if (lvl < level_.load(std::memory_order_relaxed)) return false;
    return rings_.push(lvl, fmt, args...);
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
    const detail::log_counts c = rings_.counts();
    return log_stats{c.pushed, c.written, c.dropped};
  }

  // The sink, e.g. to read a memory_sink's snapshot(). Only thread-safe members may be used
  // while the logger runs.
  Sink& sink() noexcept { return sink_; }
  const Sink& sink() const noexcept { return sink_; }

 private:
  struct writer {
    Sink* sink;
    void operator()(log_record& r) const { sink->write(r); }
  };

  // The background thread. Records logged before a flush request are in the rings when the
  // request arrives (through mu_), so drain_published() after reading it covers them.
  void run() {
    writer write{&sink_};
    unsigned idle = 0;
    for (;;) {
      bool more = false;
      const std::size_t n = rings_.drain_round(write, batch_, more);
      if (more) {  // probably more: keep going before flushing the sink
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
        lock.unlock();
        rings_.drain_published(write, batch_);
        sink_.flush();
        lock.lock();
        flush_done_ = ticket;
        done_.notify_all();
        continue;
      }
      if (stop_) {
        lock.unlock();
        rings_.drain_published(write, batch_);
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

  rings_type rings_;
  Sink sink_;
  std::size_t batch_;
  std::atomic<log_level> level_;

  std::mutex mu_;
  std::condition_variable wake_;  // background thread: flush or stop requested
  std::condition_variable done_;  // flush()/shutdown callers: request served
  std::uint64_t flush_requested_ = 0;
  std::uint64_t flush_done_ = 0;
  bool stop_ = false;
  bool stopped_ = false;
  std::thread thread_;
};

}  // namespace hotpath

#endif  // HOTPATH_LOGGER_HPP
