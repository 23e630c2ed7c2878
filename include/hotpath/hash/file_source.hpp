// hotpath/hash/file_source.hpp: how hash_file() gets a file's bytes — read_source,
// mmap_source, auto_source — and the concept they satisfy.
//
// What: a source policy streams an open file descriptor's bytes into a sink in chunks.
//   read_source<BufferBytes>  read() loop into a reused thread-local buffer (EINTR and short
//                             reads handled, POSIX_FADV_SEQUENTIAL). Works on anything.
//   mmap_source               maps regular files (MADV_SEQUENTIAL) and, for large ones, has a
//                             helper thread populate page tables ahead of the hashing thread
//                             (MADV_POPULATE_READ), so page faults overlap with hashing.
//                             HAZARD: if another process truncates the file while it is
//                             mapped, touching the lost pages raises SIGBUS and kills the
//                             process. Use it only on files nobody truncates.
//   auto_source (default)     read() for small files and anything not a regular file; mmap
//                             for large regular files, but only under a read lease
//                             (F_SETLEASE), which makes a truncating or writing opener wait
//                             until the lease is dropped; the lease is polled every chunk and,
//                             once someone waits on it, dropped and the rest is read() — so
//                             SIGBUS cannot happen. Without a lease (not the owner, file open
//                             for writing, filesystem without leases) it uses read().
// Differs from peers: `xxhsum` and `sha256sum` read() through one buffer on one core; these
// sources overlap kernel work with hashing and pick the cheaper path per file.
// Performance: see docs/hashing.md. Measured on the reference VM (quiet, medians of 5): read()
// beats a plain mapping up to 8 MiB (faults cost more than the copy: 1 MiB 70 vs 113 us);
// from 16 MiB, where the populate-ahead helper starts, mapping wins (1.5x at 16 MiB, 1.9x at
// 64 MiB), hence auto_mmap_min_bytes = 16 MiB.
// Example:
//   auto a = hotpath::hash_file<hotpath::xxh3_64>("f");                          // auto_source
//   auto b = hotpath::hash_file<hotpath::xxh3_64, hotpath::read_source<>>("f");
//   auto c = hotpath::hash_file<hotpath::xxh3_64, hotpath::mmap_source>("f");  // no truncation!
//   assert(a == b && b == c);
#ifndef HOTPATH_HASH_FILE_SOURCE_HPP
#define HOTPATH_HASH_FILE_SOURCE_HPP

#include <hotpath/detail/config.hpp>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <concepts>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <span>
#include <system_error>
#include <thread>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace hotpath {

namespace detail {

// What a source feeds; any callable taking std::span<const std::byte> works.
struct byte_sink_archetype {
  void operator()(std::span<const std::byte>) const {}
};

inline std::error_code errno_code(int e = errno) noexcept { return {e, std::generic_category()}; }

// Default read() buffer: 1 MiB. On the 256 MiB file, medians of 5 in two runs: 1 MiB 60 / 76 ms,
// 256 KiB 71 / 104 ms, 64 KiB 83 / 103 ms (docs/hashing.md): fewer, larger copies win, and the
// buffer still fits L2. Small files touch only the pages they use.
inline constexpr std::size_t default_read_buffer = std::size_t{1} << 20;

// Regular files at least this large take the mmap path in auto_source (measured crossover:
// read() wins up to 8 MiB, 569 vs 601 us; mmap + populate-ahead wins 920 vs 1486 us at 16 MiB).
inline constexpr std::size_t auto_mmap_min_bytes = std::size_t{16} << 20;

// Files at least this large get a page-table populating helper thread in the mmap path.
inline constexpr std::size_t mmap_ahead_min_bytes = std::size_t{16} << 20;

// Mapped files are hashed in chunks of this size (the unit of lease polling and populating).
inline constexpr std::size_t mmap_chunk = std::size_t{4} << 20;

struct aligned_delete {
  void operator()(std::byte* p) const noexcept { ::operator delete[](p, std::align_val_t{4096}); }
};

// One buffer per thread and buffer size, allocated on first use and kept: file hashing in a
// loop never allocates, and the buffer stays warm in cache.
template <std::size_t Bytes>
std::byte* thread_read_buffer() {
  thread_local std::unique_ptr<std::byte[], aligned_delete> buf(
      static_cast<std::byte*>(::operator new[](Bytes, std::align_val_t{4096})));
  return buf.get();
}

// Streams fd from its current offset to EOF through buf. Returns false with ec set on error.
template <class Sink>
bool read_loop(int fd, std::byte* buf, std::size_t cap, Sink& sink, std::error_code& ec) {
  for (;;) {
    std::size_t have = 0;
    // Fill the buffer (a pipe or a short read gives less), so the sink sees big chunks.
    while (have < cap) {
      const ssize_t n = ::read(fd, buf + have, cap - have);
      if (n > 0) {
        have += static_cast<std::size_t>(n);
        continue;
      }
      if (n == 0) break;
      if (errno == EINTR) continue;
      ec = errno_code();
      return false;
    }
    if (have > 0) sink(std::span<const std::byte>(buf, have));
    if (have < cap) return true;  // EOF reached inside this fill
  }
}

// Unmaps on scope exit.
struct mapping {
  void* addr = MAP_FAILED;
  std::size_t len = 0;
  mapping() = default;
  mapping(const mapping&) = delete;
  mapping& operator=(const mapping&) = delete;
  ~mapping() { reset(); }
  void reset() noexcept {
    if (addr != MAP_FAILED) ::munmap(addr, len);
    addr = MAP_FAILED;
  }
};

// A read lease on fd (see auto_source). Signals: acquiring a lease makes the kernel send
// SIGIO to the holder when someone breaks it, and SIGIO's default action kills. The signal is
// first switched to SIGURG (ignored by default) and then the owner cleared, so no signal is
// sent at all once the lease is held (a SIGURG can reach the process only in the microseconds
// in between, and only if it handles SIGURG).
class read_lease {
 public:
  explicit read_lease(int fd) noexcept : fd_(fd) {
    if (::fcntl(fd, F_SETSIG, SIGURG) != 0) return;
    if (::fcntl(fd, F_SETLEASE, F_RDLCK) != 0) return;
    (void)::fcntl(fd, F_SETOWN, 0);
    held_ = true;
  }
  read_lease(const read_lease&) = delete;
  read_lease& operator=(const read_lease&) = delete;
  ~read_lease() { release(); }

  bool held() const noexcept { return held_; }
  // True when another opener is waiting for the lease (it asked to write or truncate).
  bool broken() const noexcept { return ::fcntl(fd_, F_GETLEASE) != F_RDLCK; }
  void release() noexcept {
    if (held_) {
      (void)::fcntl(fd_, F_SETLEASE, F_UNLCK);
      held_ = false;
    }
  }

 private:
  int fd_;
  bool held_ = false;
};

// Populates page tables of [base, base+len) ahead of the hashing thread.
class populate_ahead {
 public:
  populate_ahead(std::byte* base, std::size_t len) : base_(base), len_(len) {
    thread_ = std::thread([this] { run(); });
  }
  populate_ahead(const populate_ahead&) = delete;
  populate_ahead& operator=(const populate_ahead&) = delete;
  ~populate_ahead() {
    stop_.store(true, std::memory_order_relaxed);
    thread_.join();
  }
  // The hashing thread reports how far it got, so the helper never works behind it.
  void consumed(std::size_t off) noexcept { done_.store(off, std::memory_order_relaxed); }

 private:
  void run() noexcept {
#ifdef MADV_POPULATE_READ
    std::size_t off = 0;
    while (off < len_ && !stop_.load(std::memory_order_relaxed)) {
      off = std::max(off, done_.load(std::memory_order_relaxed) + mmap_chunk);
      if (off >= len_) break;
      const std::size_t n = std::min(mmap_chunk, len_ - off);
      // EFAULT instead of SIGBUS past EOF; EINVAL on kernels before 5.14: stop helping.
      if (::madvise(base_ + off, n, MADV_POPULATE_READ) != 0) break;
      off += n;
    }
#endif
  }

  std::byte* base_;
  std::size_t len_;
  std::atomic<bool> stop_{false};
  std::atomic<std::size_t> done_{0};
  std::thread thread_;
};

// Maps a regular file of `size` bytes and feeds it in chunks. With a lease, polls it and
// switches to read() from the current offset once a writer waits. Returns false with ec set
// on error; `fell_back` tells the caller the mapping could not be made (use read()).
template <class Sink>
bool mmap_feed(int fd, std::size_t size, Sink& sink, read_lease* lease, bool& fell_back,
               std::error_code& ec) {
  fell_back = false;
  mapping m;
  m.addr = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
  if (m.addr == MAP_FAILED) {
    fell_back = true;
    return true;
  }
  m.len = size;
  (void)::madvise(m.addr, size, MADV_SEQUENTIAL);
  auto* base = static_cast<std::byte*>(m.addr);
  std::unique_ptr<populate_ahead> helper;
  if (size >= mmap_ahead_min_bytes) helper = std::make_unique<populate_ahead>(base, size);
  std::size_t off = 0;
  while (off < size) {
    if (lease != nullptr && lease->broken()) break;
    const std::size_t n = std::min(mmap_chunk, size - off);
    sink(std::span<const std::byte>(base + off, n));
    off += n;
    if (helper) helper->consumed(off);
  }
  helper.reset();
  if (off == size) return true;
  // A writer is waiting: stop touching the mapping, let it go, read whatever is left.
  m.reset();
  lease->release();
  if (::lseek(fd, static_cast<off_t>(off), SEEK_SET) < 0) {
    ec = errno_code();
    return false;
  }
  return read_loop(fd, thread_read_buffer<default_read_buffer>(), default_read_buffer, sink, ec);
}

}  // namespace detail

// A source policy: `S::feed(fd, st, sink, ec)` streams the open file `fd` (whose fstat is
// `st`) from offset 0 to EOF into `sink` (called with std::span<const std::byte> chunks, in
// order) and sets `ec` on failure.
template <class S>
concept file_source = requires(int fd, const struct ::stat& st, detail::byte_sink_archetype& sink,
                               std::error_code& ec) {
  S::feed(fd, st, sink, ec);
};

// read() loop with a BufferBytes buffer per thread (allocated once, kept for the thread's
// lifetime). Any file type. No helper threads.
template <std::size_t BufferBytes = detail::default_read_buffer>
struct read_source {
  static_assert(BufferBytes >= 4096 && BufferBytes % 4096 == 0,
                "hotpath::read_source<BufferBytes>: the buffer must be a positive multiple of "
                "4096 bytes (the page size)");
  static constexpr std::size_t buffer_bytes = BufferBytes;

  template <class Sink>
  static void feed(int fd, const struct ::stat& st, Sink& sink, std::error_code& ec) {
    // Read-ahead hint only where it can matter (one read() covers a small file anyway).
    if (S_ISREG(st.st_mode) && static_cast<std::uint64_t>(st.st_size) > BufferBytes) {
      (void)::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    }
    (void)detail::read_loop(fd, detail::thread_read_buffer<BufferBytes>(), BufferBytes, sink, ec);
  }
};

// mmap of regular files (read() for other types, which must be streamed). See the SIGBUS
// hazard in the banner: a concurrent truncation kills the process.
struct mmap_source {
  template <class Sink>
  static void feed(int fd, const struct ::stat& st, Sink& sink, std::error_code& ec) {
    if (S_ISREG(st.st_mode) && st.st_size > 0) {
      bool fell_back = false;
      if (!detail::mmap_feed(fd, static_cast<std::size_t>(st.st_size), sink, nullptr, fell_back,
                             ec) ||
          !fell_back) {
        return;
      }
    }
    read_source<>::feed(fd, st, sink, ec);
  }
};

// The default: read() below auto_mmap_min_bytes or for non-regular files, lease-guarded mmap
// above (SIGBUS-safe, see the banner), read() when no lease can be had.
struct auto_source {
  template <class Sink>
  static void feed(int fd, const struct ::stat& st, Sink& sink, std::error_code& ec) {
    if (S_ISREG(st.st_mode) &&
        static_cast<std::uint64_t>(st.st_size) >= detail::auto_mmap_min_bytes) {
      detail::read_lease lease(fd);
      struct ::stat now;
      // Re-check the size under the lease: a truncation before it would leave the mapping
      // longer than the file.
      if (lease.held() && ::fstat(fd, &now) == 0 && now.st_size > 0) {
        bool fell_back = false;
        if (!detail::mmap_feed(fd, static_cast<std::size_t>(now.st_size), sink, &lease, fell_back,
                               ec) ||
            !fell_back) {
          return;
        }
      }
    }
    read_source<>::feed(fd, st, sink, ec);
  }
};

}  // namespace hotpath

#endif  // HOTPATH_HASH_FILE_SOURCE_HPP
