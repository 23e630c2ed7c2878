// hotpath/hash/hash_file.hpp: the digest of a file's content.
//
// What: hash_file<Algo, Source = auto_source>(path) opens, streams and hashes a file; the
// std::error_code overload reports failures instead of throwing (like std::filesystem).
// Regular files, empty files, files larger than memory, FIFOs and character/block devices
// (streamed to EOF, never mapped) work; a directory gives errc::is_a_directory, a missing or
// unreadable file the open() error.
// Differs from peers: same digest text as `xxhsum -H1/-H2/-H3` / `sha256sum`, but in-process
// and with the source chosen per file (file_source.hpp); the default is SIGBUS-safe.
// Performance: page-cached files hash near memory bandwidth with XXH3 (docs/hashing.md).
// Example:
//   std::error_code ec;
//   auto d = hotpath::hash_file<hotpath::xxh3_64>("data.bin", ec);
//   if (ec) std::fprintf(stderr, "%s\n", ec.message().c_str());
//   else std::printf("%s  data.bin\n", d.to_hex().c_str());
//   auto s = hotpath::hash_file<hotpath::sha256>("data.bin");  // throws filesystem_error
#ifndef HOTPATH_HASH_HASH_FILE_HPP
#define HOTPATH_HASH_HASH_FILE_HPP

#include <hotpath/detail/config.hpp>
#include <hotpath/hash/algorithms.hpp>
#include <hotpath/hash/file_source.hpp>
#include <hotpath/hash/hasher.hpp>

#include <filesystem>
#include <system_error>
#include <utility>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace hotpath {

namespace detail {

[[noreturn]] HOTPATH_NOINLINE inline void throw_hash_file_error(const char* what,
                                                                const std::filesystem::path& p,
                                                                std::error_code ec) {
  throw std::filesystem::filesystem_error(what, p, ec);
}

// Owns a file descriptor.
class unique_fd {
 public:
  explicit unique_fd(int fd = -1) noexcept : fd_(fd) {}
  unique_fd(unique_fd&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  unique_fd& operator=(unique_fd&& o) noexcept {
    std::swap(fd_, o.fd_);
    return *this;
  }
  ~unique_fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const noexcept { return fd_; }

 private:
  int fd_;
};

// Opens `path` for hashing (O_NOFOLLOW when follow is false: a symlink then gives ELOOP).
inline unique_fd open_for_hash(const char* path, bool follow, std::error_code& ec) noexcept {
  int flags = O_RDONLY | O_CLOEXEC | O_NOCTTY;
  if (!follow) flags |= O_NOFOLLOW;
  int fd;
  do {
    fd = ::open(path, flags);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) ec = errno_code();
  return unique_fd(fd);
}

// Hashes the open file `fd` whose fstat is `st` into h. Directories are an error.
template <hash_algorithm Algo, file_source Source>
void hash_fd(int fd, const struct ::stat& st, hasher<Algo>& h, std::error_code& ec) {
  if (S_ISDIR(st.st_mode)) {
    ec = std::make_error_code(std::errc::is_a_directory);
    return;
  }
  auto sink = [&h](std::span<const std::byte> chunk) { h.update(chunk); };
  Source::feed(fd, st, sink, ec);
}

}  // namespace detail

// Digest of the file at `path` (symlinks followed). On failure sets ec and returns an all-zero
// digest. Allocates nothing after a thread's first call (sha256: one EVP context per call).
// A file modified while it is hashed yields some digest of a mix of old and new bytes.
template <hash_algorithm Algo, file_source Source = auto_source>
digest_t<Algo> hash_file(const std::filesystem::path& path, std::error_code& ec) {
  ec.clear();
  auto fd = detail::open_for_hash(path.c_str(), true, ec);
  if (ec) return {};
  struct ::stat st;
  if (::fstat(fd.get(), &st) != 0) {
    ec = detail::errno_code();
    return {};
  }
  hasher<Algo> h;
  detail::hash_fd<Algo, Source>(fd.get(), st, h, ec);
  if (ec) return {};
  return h.digest();
}

// Throwing overload: std::filesystem::filesystem_error carrying the path and the error.
template <hash_algorithm Algo, file_source Source = auto_source>
digest_t<Algo> hash_file(const std::filesystem::path& path) {
  std::error_code ec;
  auto d = hash_file<Algo, Source>(path, ec);
  if (ec) detail::throw_hash_file_error("hotpath::hash_file", path, ec);
  return d;
}

}  // namespace hotpath

#endif  // HOTPATH_HASH_HASH_FILE_HPP
