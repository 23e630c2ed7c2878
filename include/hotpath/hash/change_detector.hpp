// hotpath/hash/change_detector.hpp: "did this file's content change since I last saw it?"
//
// What: change_detector<Algo> remembers, per path, the file's digest and its metadata
// (device, inode, size, mtime and ctime in nanoseconds). check(path) stats the file; when the
// metadata is unchanged (and the entry is not racy, below) it answers `unchanged` without
// reading a byte; otherwise it re-hashes and compares digests, so a touch without a change
// is still `unchanged`. The cache persists to a versioned, checksummed file written
// atomically (temp file + fsync + rename); a corrupt or foreign file loads as an error and an
// empty cache.
// Racy stat (as in git): a file rewritten within one timestamp tick after it was hashed can
// keep the same size and mtime. An entry whose mtime is not older than (hash start -
// racy_window) is therefore re-verified by content on its next check.
// Differs from peers: make/ninja trust mtime alone (a touch rebuilds, a same-tick rewrite is
// missed); git's index has the racy guard but is tied to a repository.
// Performance: an unchanged, settled file costs one stat() and one hash-map lookup. Not
// thread-safe: use one detector per thread or lock around it.
// Example:
//   hotpath::change_detector<hotpath::xxh3_64> cd;
//   std::error_code ec;
//   cd.load(".cache/hashes", ec);                 // missing/corrupt: starts empty
//   auto r = cd.check("src/main.cpp");            // r.status, r.digest
//   if (r.status != hotpath::change_status::unchanged) rebuild();
//   cd.save(".cache/hashes");
#ifndef HOTPATH_HASH_CHANGE_DETECTOR_HPP
#define HOTPATH_HASH_CHANGE_DETECTOR_HPP

#include <hotpath/detail/config.hpp>
#include <hotpath/hash/algorithms.hpp>
#include <hotpath/hash/file_source.hpp>
#include <hotpath/hash/hash_file.hpp>
#include <hotpath/hash/hasher.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <system_error>
#include <unordered_map>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace hotpath {

// Errors of change_detector::load().
enum class change_cache_errc {
  foreign_file = 1,     // not a hotpath change cache (bad magic)
  unsupported_version,  // written by another format version
  wrong_algorithm,      // written with another hash algorithm
  corrupt,              // truncated, checksum mismatch or inconsistent content
};

namespace detail {
class change_cache_category_impl final : public std::error_category {
 public:
  const char* name() const noexcept override { return "hotpath.change_cache"; }
  std::string message(int c) const override {
    switch (static_cast<change_cache_errc>(c)) {
      case change_cache_errc::foreign_file:
        return "not a hotpath change cache file";
      case change_cache_errc::unsupported_version:
        return "unsupported change cache version";
      case change_cache_errc::wrong_algorithm:
        return "change cache was written with another hash algorithm";
      case change_cache_errc::corrupt:
        return "change cache file is corrupt";
    }
    return "unknown change cache error";
  }
};
}  // namespace detail

inline const std::error_category& change_cache_category() noexcept {
  static const detail::change_cache_category_impl cat;
  return cat;
}
inline std::error_code make_error_code(change_cache_errc e) noexcept {
  return {static_cast<int>(e), change_cache_category()};
}

}  // namespace hotpath

template <>
struct std::is_error_code_enum<hotpath::change_cache_errc> : std::true_type {};

namespace hotpath {

enum class change_status : std::uint8_t {
  unchanged,  // same content as at the last check
  modified,   // content differs
  added,      // first time this path is seen
  removed,    // it was known and no longer exists (the entry is dropped)
};

template <hash_algorithm Algo>
struct change_result {
  change_status status = change_status::unchanged;
  digest_t<Algo> digest{};  // current content digest (zero when removed)
};

struct change_stats {
  std::uint64_t lookups = 0;        // check() calls
  std::uint64_t metadata_hits = 0;  // answered from metadata, no byte read
  std::uint64_t rehashes = 0;       // files read and hashed
};

template <hash_algorithm Algo>
class change_detector {
 public:
  // What is remembered per path.
  struct entry {
    std::uint64_t dev = 0, ino = 0, size = 0;
    std::int64_t mtime_ns = 0, ctime_ns = 0;
    std::int64_t verified_ns = 0;  // wall clock when the hash that produced `digest` began
    digest_t<Algo> digest{};
  };

  // racy_window: how long after hashing a file's mtime must lie in the past before metadata
  // alone is trusted. 1 s covers file systems with 1 s timestamps and coarse kernel clocks.
  explicit change_detector(std::chrono::nanoseconds racy_window = std::chrono::seconds(1))
      : racy_window_ns_(racy_window.count()) {}

  // Compares `path` (symlinks followed) with what was seen last time and records the current
  // state. A missing file that was known is `removed`; missing and unknown sets ec
  // (no_such_file_or_directory); directories and unreadable files set ec. Reads the file only
  // when metadata changed or the entry is racy.
  change_result<Algo> check(const std::filesystem::path& path, std::error_code& ec) {
    ec.clear();
    ++stats_.lookups;
    const std::string& key = path.native();  // no copy: lookups are heterogeneous
    auto it = entries_.find(std::string_view(key));
    struct ::stat st;
    if (::stat(key.c_str(), &st) != 0) {
      const int e = errno;
      if (e == ENOENT && it != entries_.end()) {
        entries_.erase(it);
        return {change_status::removed, {}};
      }
      ec = detail::errno_code(e);
      return {};
    }
    if (it != entries_.end() && same_metadata(it->second, st) && !racy(it->second)) {
      ++stats_.metadata_hits;
      return {change_status::unchanged, it->second.digest};
    }
    entry fresh;
    if (!hash_now(key, fresh, ec)) return {};
    if (it == entries_.end()) {
      entries_.emplace(key, fresh);
      return {change_status::added, fresh.digest};
    }
    const bool same = it->second.digest == fresh.digest;
    it->second = fresh;
    return {same ? change_status::unchanged : change_status::modified, fresh.digest};
  }

  // Throwing overload (std::filesystem::filesystem_error).
  change_result<Algo> check(const std::filesystem::path& path) {
    std::error_code ec;
    auto r = check(path, ec);
    if (ec) detail::throw_hash_file_error("hotpath::change_detector::check", path, ec);
    return r;
  }

  void forget(const std::filesystem::path& path) {
    auto it = entries_.find(std::string_view(path.native()));
    if (it != entries_.end()) entries_.erase(it);
  }
  void clear() noexcept { entries_.clear(); }
  std::size_t size() const noexcept { return entries_.size(); }
  const change_stats& stats() const noexcept { return stats_; }
  // Calls f(const std::string& path, const entry&) for every remembered path (unspecified
  // order); f must not modify the detector.
  template <class F>
  void for_each(F&& f) const {
    for (const auto& [path, e] : entries_) f(path, e);
  }
  // The remembered entry for `path`, or nullptr.
  const entry* find(const std::filesystem::path& path) const {
    auto it = entries_.find(std::string_view(path.native()));
    return it == entries_.end() ? nullptr : &it->second;
  }

  // Writes the cache to `file` atomically: a temporary file in the same directory, fsync,
  // rename over `file`. On failure `file` is untouched and ec is set.
  void save(const std::filesystem::path& file, std::error_code& ec) const {
    ec.clear();
    std::vector<std::byte> out;
    serialize(out);
    static std::atomic<unsigned> counter{0};
    std::filesystem::path tmp = file;
    tmp += ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter.fetch_add(1));
    {
      detail::unique_fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
      if (fd.get() < 0) {
        ec = detail::errno_code();
        return;
      }
      std::size_t off = 0;
      while (off < out.size()) {
        const ssize_t n = ::write(fd.get(), out.data() + off, out.size() - off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
          ec = detail::errno_code(n < 0 ? errno : EIO);
          break;
        }
        off += static_cast<std::size_t>(n);
      }
      if (!ec && ::fsync(fd.get()) != 0) ec = detail::errno_code();
    }
    if (!ec && ::rename(tmp.c_str(), file.c_str()) != 0) ec = detail::errno_code();
    if (ec) ::unlink(tmp.c_str());
  }
  void save(const std::filesystem::path& file) const {
    std::error_code ec;
    save(file, ec);
    if (ec) detail::throw_hash_file_error("hotpath::change_detector::save", file, ec);
  }

  // Replaces the cache with the content of `file`. On any error (missing file: the open()
  // error; foreign, other version/algorithm, corrupt: a change_cache_errc) the cache is left
  // empty and ec is set; it never crashes on hostile input.
  void load(const std::filesystem::path& file, std::error_code& ec) {
    ec.clear();
    entries_.clear();
    std::vector<std::byte> in;
    {
      auto fd = detail::open_for_hash(file.c_str(), true, ec);
      if (ec) return;
      struct ::stat st;
      if (::fstat(fd.get(), &st) != 0) {
        ec = detail::errno_code();
        return;
      }
      auto sink = [&](std::span<const std::byte> c) { in.insert(in.end(), c.begin(), c.end()); };
      read_source<>::feed(fd.get(), st, sink, ec);
      if (ec) return;
    }
    ec = parse(in);
    if (ec) entries_.clear();
  }

 private:
  static constexpr char magic[8] = {'H', 'P', 'C', 'H', 'G', 'D', 'E', 'T'};
  static constexpr std::uint32_t version = 1;

  static std::int64_t ns_of(const struct ::timespec& t) noexcept {
    return static_cast<std::int64_t>(t.tv_sec) * 1'000'000'000 + t.tv_nsec;
  }
  static std::int64_t now_ns() noexcept {
    struct ::timespec t;
    ::clock_gettime(CLOCK_REALTIME, &t);
    return ns_of(t);
  }
  static bool same_metadata(const entry& e, const struct ::stat& st) noexcept {
    return e.dev == static_cast<std::uint64_t>(st.st_dev) &&
           e.ino == static_cast<std::uint64_t>(st.st_ino) &&
           e.size == static_cast<std::uint64_t>(st.st_size) && e.mtime_ns == ns_of(st.st_mtim) &&
           e.ctime_ns == ns_of(st.st_ctim);
  }
  // The file may have changed within the same timestamp tick after it was hashed.
  bool racy(const entry& e) const noexcept {
    return std::max(e.mtime_ns, e.ctime_ns) >= e.verified_ns - racy_window_ns_;
  }

  bool hash_now(const std::string& path, entry& e, std::error_code& ec) {
    ++stats_.rehashes;
    auto fd = detail::open_for_hash(path.c_str(), true, ec);
    if (ec) return false;
    struct ::stat st;
    if (::fstat(fd.get(), &st) != 0) {
      ec = detail::errno_code();
      return false;
    }
    e.verified_ns = now_ns();  // before the first byte is read
    hasher<Algo> h;
    detail::hash_fd<Algo, auto_source>(fd.get(), st, h, ec);
    if (ec) return false;
    e.dev = static_cast<std::uint64_t>(st.st_dev);
    e.ino = static_cast<std::uint64_t>(st.st_ino);
    e.size = static_cast<std::uint64_t>(st.st_size);
    e.mtime_ns = ns_of(st.st_mtim);
    e.ctime_ns = ns_of(st.st_ctim);
    e.digest = h.digest();
    return true;
  }

  static void put(std::vector<std::byte>& out, std::uint64_t v, int bytes = 8) {
    for (int i = 0; i < bytes; ++i) out.push_back(static_cast<std::byte>(v >> (8 * i)));
  }
  static void put(std::vector<std::byte>& out, std::string_view s) {
    put(out, s.size(), 4);
    const auto* p = reinterpret_cast<const std::byte*>(s.data());
    out.insert(out.end(), p, p + s.size());
  }

  // Layout (little-endian): magic[8] version:u32 name:(u32 len, bytes) digest_size:u32
  // count:u64 { path:(u32 len, bytes) dev ino size:u64 mtime ctime verified:i64
  // digest[digest_size] }* checksum:XXH3-64 of everything before it.
  void serialize(std::vector<std::byte>& out) const {
    const auto* m = reinterpret_cast<const std::byte*>(magic);
    out.insert(out.end(), m, m + 8);
    put(out, version, 4);
    put(out, Algo::name);
    put(out, Algo::digest_size, 4);
    put(out, entries_.size());
    for (const auto& [path, e] : entries_) {
      put(out, path);
      put(out, e.dev);
      put(out, e.ino);
      put(out, e.size);
      put(out, static_cast<std::uint64_t>(e.mtime_ns));
      put(out, static_cast<std::uint64_t>(e.ctime_ns));
      put(out, static_cast<std::uint64_t>(e.verified_ns));
      out.insert(out.end(), e.digest.bytes().begin(), e.digest.bytes().end());
    }
    put(out, hash<xxh3_64>(std::span<const std::byte>(out)).prefix_u64());
  }

  // Bounds-checked reader over the loaded bytes.
  struct reader {
    std::span<const std::byte> in;
    std::size_t pos = 0;
    bool ok = true;
    std::uint64_t u(int bytes = 8) {
      if (in.size() - pos < static_cast<std::size_t>(bytes)) {
        ok = false;
        return 0;
      }
      std::uint64_t v = 0;
      for (int i = 0; i < bytes; ++i) {
        v |= static_cast<std::uint64_t>(in[pos + static_cast<std::size_t>(i)]) << (8 * i);
      }
      pos += static_cast<std::size_t>(bytes);
      return v;
    }
    std::span<const std::byte> bytes(std::size_t n) {
      if (in.size() - pos < n) {
        ok = false;
        return {};
      }
      auto s = in.subspan(pos, n);
      pos += n;
      return s;
    }
  };

  std::error_code parse(std::span<const std::byte> in) {
    if (in.size() < 8 || std::memcmp(in.data(), magic, 8) != 0) {
      return change_cache_errc::foreign_file;
    }
    if (in.size() < 8 + 4 + 8) return change_cache_errc::corrupt;
    reader r{in.first(in.size() - 8), 8};
    if (r.u(4) != version) return change_cache_errc::unsupported_version;
    reader tail{in.last(8)};
    if (tail.u() != hash<xxh3_64>(in.first(in.size() - 8)).prefix_u64()) {
      return change_cache_errc::corrupt;
    }
    const auto name = r.bytes(r.u(4));
    if (!r.ok) return change_cache_errc::corrupt;
    if (std::string_view(reinterpret_cast<const char*>(name.data()), name.size()) != Algo::name ||
        r.u(4) != Algo::digest_size) {
      return r.ok ? change_cache_errc::wrong_algorithm : change_cache_errc::corrupt;
    }
    const std::uint64_t count = r.u();
    // Each entry takes at least 4 + 48 + digest bytes: reject counts the file cannot hold.
    if (!r.ok || count > (in.size() / (52 + Algo::digest_size))) return change_cache_errc::corrupt;
    entries_.reserve(static_cast<std::size_t>(count));
    for (std::uint64_t i = 0; i < count; ++i) {
      const auto p = r.bytes(r.u(4));
      entry e;
      e.dev = r.u();
      e.ino = r.u();
      e.size = r.u();
      e.mtime_ns = static_cast<std::int64_t>(r.u());
      e.ctime_ns = static_cast<std::int64_t>(r.u());
      e.verified_ns = static_cast<std::int64_t>(r.u());
      const auto d = r.bytes(Algo::digest_size);
      if (!r.ok) return change_cache_errc::corrupt;
      std::memcpy(e.digest.data(), d.data(), Algo::digest_size);
      entries_.insert_or_assign(std::string(reinterpret_cast<const char*>(p.data()), p.size()), e);
    }
    if (r.pos != r.in.size()) return change_cache_errc::corrupt;
    return {};
  }

  // Transparent XXH3 hash: lookups by std::string_view allocate nothing.
  struct path_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
      return static_cast<std::size_t>(hash<xxh3_64>(s).prefix_u64());
    }
  };
  std::unordered_map<std::string, entry, path_hash, std::equal_to<>> entries_;
  change_stats stats_;
  std::int64_t racy_window_ns_;
};

}  // namespace hotpath

#endif  // HOTPATH_HASH_CHANGE_DETECTOR_HPP
