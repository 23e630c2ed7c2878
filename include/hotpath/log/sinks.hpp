// hotpath/log/sinks.hpp: where hotpath::async_logger's background thread writes records:
// fd_sink (a file descriptor, through a 64 KiB buffer), file_sink (a FILE*), callback_sink
// (any callable) and memory_sink (the last N records, for a live monitor). A sink is any type
// with write(const log_record&) and flush(); both run on the logger's thread only.
#ifndef HOTPATH_LOG_SINKS_HPP
#define HOTPATH_LOG_SINKS_HPP

#include <hotpath/log/record.hpp>

#include <cerrno>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include <unistd.h>

namespace hotpath {

// A sink: write() receives each record in order, flush() ends a batch (and flush()/shutdown).
template <class S>
concept log_sink = requires(S& s, const log_record& r) {
  s.write(r);
  s.flush();
};

// Formats lines into a buffer and write(2)s it when full and on flush(). Does not close fd.
// Write errors are counted in errors(), never thrown (the logger thread must keep going).
class fd_sink {
 public:
  static constexpr std::size_t buffer_size = std::size_t{64} * 1024;

  explicit fd_sink(int fd) : fd_(fd), buf_(new char[buffer_size]) {}

  void write(const log_record& r) {
    if (buffer_size - used_ < 512) flush();
    used_ += format_log_line(r, buf_.get() + used_, buffer_size - used_);
  }
  void flush() noexcept {
    std::size_t off = 0;
    while (off < used_) {
      const ssize_t n = ::write(fd_, buf_.get() + off, used_ - off);
      if (n < 0) {
        if (errno == EINTR) continue;
        ++errors_;
        break;
      }
      off += static_cast<std::size_t>(n);
    }
    used_ = 0;
  }
  std::uint64_t errors() const noexcept { return errors_; }

 private:
  int fd_;
  std::unique_ptr<char[]> buf_;
  std::size_t used_ = 0;
  std::uint64_t errors_ = 0;
};

// Writes formatted lines with fwrite (the FILE*'s own buffering) and fflush()es on flush().
// Does not close the file.
class file_sink {
 public:
  explicit file_sink(std::FILE* f) noexcept : f_(f) {}
  void write(const log_record& r) {
    char line[512];
    std::fwrite(line, 1, format_log_line(r, line, sizeof line), f_);
  }
  void flush() noexcept { std::fflush(f_); }

 private:
  std::FILE* f_;
};

// Calls f(const log_record&) for every record; flush() does nothing.
template <class F>
requires std::invocable<F&, const log_record&>
class callback_sink {
 public:
  explicit callback_sink(F f) : f_(std::move(f)) {}
  void write(const log_record& r) { f_(r); }
  void flush() noexcept {}
  F& callback() noexcept { return f_; }

 private:
  F f_;
};

// Keeps the last N records (N fixed at construction) for a live monitor. write() runs on the
// logger thread; snapshot() and total() may be called from any thread (one short mutex).
class memory_sink {
 public:
  explicit memory_sink(std::size_t n) : records_(n == 0 ? 1 : n) {}
  // Moves the kept records (to hand the sink to a logger); `o` must not be in use.
  memory_sink(memory_sink&& o) noexcept : records_(std::move(o.records_)), total_(o.total_) {}

  void write(const log_record& r) {
    std::lock_guard<std::mutex> lock(mu_);
    records_[total_ % records_.size()] = r;
    ++total_;
  }
  void flush() noexcept {}

  // The kept records, oldest first (at most N). Allocates the returned vector.
  std::vector<log_record> snapshot() const {
    std::lock_guard<std::mutex> lock(mu_);
    const std::size_t n = total_ < records_.size() ? total_ : records_.size();
    std::vector<log_record> out;
    out.reserve(n);
    for (std::uint64_t i = total_ - n; i < total_; ++i)
      out.push_back(records_[i % records_.size()]);
    return out;
  }
  // Records written since construction (kept or not).
  std::uint64_t total() const {
    std::lock_guard<std::mutex> lock(mu_);
    return total_;
  }
  std::size_t max_records() const noexcept { return records_.size(); }

 private:
  mutable std::mutex mu_;
  std::vector<log_record> records_;
  std::uint64_t total_ = 0;
};

}  // namespace hotpath

#endif  // HOTPATH_LOG_SINKS_HPP
