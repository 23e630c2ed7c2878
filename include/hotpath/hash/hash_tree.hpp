// hotpath/hash/hash_tree.hpp: one digest for a whole directory tree.
//
// What: hash_tree<Algo>(root, options) walks `root`, hashes every regular file on several
// threads and combines, in bytewise order of the relative paths, each entry's type, relative
// path, (optionally) permission bits and content digest (symlinks: the link text; they are
// never followed) into one digest. The result depends only on those — never on directory
// enumeration order, creation order or the thread count.
// Differs from peers: `find | sort | xargs sha256sum | sha256sum` needs three processes, reads
// on one core and forgets symlinks and empty directories; git's tree hashes need an index.
// Performance: files are hashed on options.threads threads (default: all cores) with
// auto_source; the walk is one readdir pass. One std::string per entry is allocated.
// Example:
//   std::vector<hotpath::tree_entry<hotpath::xxh3_64>> files;
//   hotpath::tree_options<hotpath::xxh3_64> opt;
//   opt.filter = [](const std::filesystem::path& rel, bool) { return rel.filename() != ".git"; };
//   opt.manifest = &files;
//   auto d = hotpath::hash_tree<hotpath::xxh3_64>("src", opt);
#ifndef HOTPATH_HASH_HASH_TREE_HPP
#define HOTPATH_HASH_HASH_TREE_HPP

#include <hotpath/detail/config.hpp>
#include <hotpath/hash/algorithms.hpp>
#include <hotpath/hash/file_source.hpp>
#include <hotpath/hash/hash_file.hpp>
#include <hotpath/hash/hasher.hpp>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace hotpath {

// What kind of entry a tree_entry is (part of the tree digest).
enum class tree_entry_type : std::uint8_t { regular = 1, directory = 2, symlink = 3, other = 4 };

// One entry of a hashed tree, as reported in tree_options::manifest.
template <hash_algorithm Algo>
struct tree_entry {
  std::string path;  // relative to the root, '/'-separated
  tree_entry_type type = tree_entry_type::other;
  std::uint32_t mode = 0;   // permission bits (07777) when options.include_mode, else 0
  std::uint64_t size = 0;   // bytes hashed (regular files), link text length (symlinks)
  digest_t<Algo> digest{};  // content digest (regular files); zero otherwise
  std::string link_target;  // symlinks only
};

template <hash_algorithm Algo>
struct tree_options {
  // Keep an entry? Called with the relative path and whether it is a directory; a rejected
  // directory is not descended into. Empty: keep everything.
  std::function<bool(const std::filesystem::path& relative, bool is_directory)> filter;
  // Threads hashing file contents (the calling thread is one of them). 0: all cores.
  unsigned threads = 0;
  // Include permission bits (07777) of every entry in the digest.
  bool include_mode = false;
  // When set, receives every entry in digest order (bytewise by path).
  std::vector<tree_entry<Algo>>* manifest = nullptr;
};

namespace detail {

inline void put_u64le(std::byte* out, std::uint64_t v) noexcept {
  for (int i = 0; i < 8; ++i) out[i] = static_cast<std::byte>(v >> (8 * i));
}

// Feeds one entry's canonical encoding: type, path length + bytes, [mode], payload.
template <hash_algorithm Algo>
void absorb_entry(hasher<Algo>& h, const tree_entry<Algo>& e, bool include_mode) {
  std::byte head[1 + 8 + 4];
  head[0] = static_cast<std::byte>(e.type);
  put_u64le(head + 1, e.path.size());
  h.update(std::span<const std::byte>(head, 9));
  h.update(std::string_view(e.path));
  if (include_mode) {
    for (int i = 0; i < 4; ++i) head[9 + i] = static_cast<std::byte>(e.mode >> (8 * i));
    h.update(std::span<const std::byte>(head + 9, 4));
  }
  if (e.type == tree_entry_type::regular) {
    std::byte len[8];
    put_u64le(len, e.size);
    h.update(std::span<const std::byte>(len, 8));
    h.update(e.digest.bytes());
  } else if (e.type == tree_entry_type::symlink) {
    std::byte len[8];
    put_u64le(len, e.link_target.size());
    h.update(std::span<const std::byte>(len, 8));
    h.update(std::string_view(e.link_target));
  }
}

// Hashes one regular file of the tree (O_NOFOLLOW: it was a regular file when listed).
template <hash_algorithm Algo>
void hash_tree_file(const std::filesystem::path& root, tree_entry<Algo>& e, bool include_mode,
                    std::error_code& ec) {
  const std::filesystem::path full = root / e.path;
  auto fd = open_for_hash(full.c_str(), false, ec);
  if (ec) return;
  struct ::stat st;
  if (::fstat(fd.get(), &st) != 0) {
    ec = errno_code();
    return;
  }
  if (include_mode) e.mode = static_cast<std::uint32_t>(st.st_mode & 07777);
  hasher<Algo> h;
  std::uint64_t bytes = 0;
  auto sink = [&](std::span<const std::byte> chunk) {
    bytes += chunk.size();
    h.update(chunk);
  };
  if (S_ISREG(st.st_mode)) {
    auto_source::feed(fd.get(), st, sink, ec);
  } else {
    ec = std::make_error_code(std::errc::invalid_argument);  // replaced since it was listed
  }
  e.size = bytes;
  e.digest = h.digest();
}

}  // namespace detail

// Digest of the tree at `root` (a directory; symlinks inside are hashed as links, never
// followed). On failure (unreadable entry, root not a directory, ...) sets ec to the first
// error and returns an all-zero digest. Blocks until all worker threads are joined.
template <hash_algorithm Algo>
digest_t<Algo> hash_tree(const std::filesystem::path& root, const tree_options<Algo>& options,
                         std::error_code& ec) {
  namespace fs = std::filesystem;
  ec.clear();
  std::vector<tree_entry<Algo>> entries;
  {
    fs::recursive_directory_iterator it(root, fs::directory_options::none, ec), end;
    const std::size_t prefix = root.native().size();
    if (ec) return {};
    for (; it != end; it.increment(ec)) {
      if (ec) return {};
      const fs::directory_entry& de = *it;
      const fs::file_status s = de.symlink_status(ec);
      if (ec) return {};
      // The iterator yields root + '/' + relative: cut the prefix instead of the (allocating)
      // lexically_relative. POSIX paths: native == generic.
      const std::string& full = de.path().native();
      const std::string_view rel_text = std::string_view(full).substr(
          std::min(full.size(), prefix + (full.size() > prefix && full[prefix] == '/' ? 1 : 0)));
      const bool is_dir = s.type() == fs::file_type::directory;
      if (options.filter && !options.filter(fs::path(rel_text), is_dir)) {
        if (is_dir) it.disable_recursion_pending();
        continue;
      }
      tree_entry<Algo> e;
      e.path = rel_text;
      switch (s.type()) {
        case fs::file_type::regular:
          e.type = tree_entry_type::regular;
          break;
        case fs::file_type::directory:
          e.type = tree_entry_type::directory;
          break;
        case fs::file_type::symlink:
          e.type = tree_entry_type::symlink;
          e.link_target = fs::read_symlink(de.path(), ec).string();
          if (ec) return {};
          e.size = e.link_target.size();
          break;
        default:
          e.type = tree_entry_type::other;
          break;  // FIFOs, sockets, devices: never read
      }
      if (options.include_mode && e.type != tree_entry_type::regular) {
        // The cached entry type comes from readdir without permissions: ask lstat.
        const fs::file_status full = fs::symlink_status(de.path(), ec);
        if (ec) return {};
        e.mode = static_cast<std::uint32_t>(full.permissions()) & 07777u;
      }
      entries.push_back(std::move(e));
    }
    if (ec) return {};
  }
  std::sort(entries.begin(), entries.end(),
            [](const auto& a, const auto& b) { return a.path < b.path; });

  // Regular files, hashed by `threads` workers pulling indices from one counter.
  std::vector<std::size_t> files;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (entries[i].type == tree_entry_type::regular) files.push_back(i);
  }
  unsigned threads = options.threads != 0 ? options.threads : std::thread::hardware_concurrency();
  threads = std::max(1u, std::min<unsigned>(threads, static_cast<unsigned>(files.size())));
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex error_mutex;
  std::error_code first_error;
  auto work = [&] {
    for (;;) {
      const std::size_t k = next.fetch_add(1, std::memory_order_relaxed);
      if (k >= files.size() || failed.load(std::memory_order_relaxed)) return;
      std::error_code fec;
      detail::hash_tree_file(root, entries[files[k]], options.include_mode, fec);
      if (fec) {
        std::lock_guard lock(error_mutex);
        if (!first_error) first_error = fec;
        failed.store(true, std::memory_order_relaxed);
      }
    }
  };
  {
    std::vector<std::jthread> pool;
    for (unsigned t = 1; t < threads; ++t) pool.emplace_back(work);
    work();
  }
  if (first_error) {
    ec = first_error;
    return {};
  }

  hasher<Algo> h;
  h.update(std::string_view("hotpath-tree-v1\n"));
  h.update(Algo::name);
  for (const auto& e : entries) detail::absorb_entry(h, e, options.include_mode);
  if (options.manifest != nullptr) *options.manifest = std::move(entries);
  return h.digest();
}

template <hash_algorithm Algo>
digest_t<Algo> hash_tree(const std::filesystem::path& root, std::error_code& ec) {
  return hash_tree<Algo>(root, tree_options<Algo>{}, ec);
}

// Throwing overloads: std::filesystem::filesystem_error with the root and the first error.
template <hash_algorithm Algo>
digest_t<Algo> hash_tree(const std::filesystem::path& root,
                         const tree_options<Algo>& options = {}) {
  std::error_code ec;
  auto d = hash_tree<Algo>(root, options, ec);
  if (ec) detail::throw_hash_file_error("hotpath::hash_tree", root, ec);
  return d;
}

}  // namespace hotpath

#endif  // HOTPATH_HASH_HASH_TREE_HPP
