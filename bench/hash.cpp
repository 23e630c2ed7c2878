// Benchmarks for hotpath/hash.hpp. Rows are area/subject/workload; hotpath's subjects start
// with "hotpath". Peers: libxxhash inline (project flags: SSE2), libxxhash's *_dispatch
// functions, XXH3 inlined with AVX2 / AVX-512 target attributes (the best paths the CPU
// has), a memory-read loop (the physical limit), OpenSSL EVP for SHA-256.
#include <hotpath/hash.hpp>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <benchmark/benchmark.h>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

std::uint64_t bench_xxh3_inline_avx2(const void* p, std::size_t n);
std::uint64_t bench_xxh3_inline_avx512(const void* p, std::size_t n);

namespace {

const std::vector<std::byte>& buffer(std::size_t n) {
  static std::vector<std::byte> buf = [] {
    std::vector<std::byte> v(std::size_t{64} << 20);
    std::mt19937_64 rng(42);
    for (auto& b : v) b = static_cast<std::byte>(rng());
    return v;
  }();
  (void)n;
  return buf;
}

template <class F>
void run_mem(benchmark::State& state, F&& f) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const auto& buf = buffer(n);
  for (auto _ : state) {
    benchmark::DoNotOptimize(f(buf.data(), n));
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(n));
}

void hotpath_xxh3(benchmark::State& state) {
  run_mem(state, [](const std::byte* p, std::size_t n) {
    return hotpath::hash<hotpath::xxh3_64>(std::span<const std::byte>(p, n));
  });
}
void libxxhash_inline(benchmark::State& state) {
  run_mem(state, [](const std::byte* p, std::size_t n) { return XXH3_64bits(p, n); });
}
void libxxhash_dispatch(benchmark::State& state) {
  run_mem(state, [](const std::byte* p, std::size_t n) { return XXH3_64bits_dispatch(p, n); });
}
void inline_avx2(benchmark::State& state) {
  if (!__builtin_cpu_supports("avx2")) return state.SkipWithError("no AVX2");
  run_mem(state, [](const std::byte* p, std::size_t n) { return bench_xxh3_inline_avx2(p, n); });
}
void inline_avx512(benchmark::State& state) {
  if (!__builtin_cpu_supports("avx512bw")) return state.SkipWithError("no AVX-512");
  run_mem(state, [](const std::byte* p, std::size_t n) { return bench_xxh3_inline_avx512(p, n); });
}
// Physical limit: memchr for a byte that is not there reads every byte once (glibc's memchr is
// itself AVX2/EVEX-dispatched).
void memory_read(benchmark::State& state) {
  static std::vector<std::byte> zeros(std::size_t{64} << 20);
  run_mem(state, [](const std::byte*, std::size_t n) { return std::memchr(zeros.data(), 1, n); });
}

// The vzeroupper trap: SSE2 XXH3 on 4 KiB right after a dispatched AVX-512 call on 64 KiB,
// with and without the upper state being cleared in between.
void trap_raw_dispatch_then_sse(benchmark::State& state) {
  const auto& buf = buffer(0);
  for (auto _ : state) {
    benchmark::DoNotOptimize(XXH3_64bits_dispatch(buf.data(), 65536));
    for (int i = 0; i < 16; ++i) benchmark::DoNotOptimize(XXH3_64bits(buf.data() + i, 4096));
  }
}
void trap_hotpath_then_sse(benchmark::State& state) {
  const auto& buf = buffer(0);
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        hotpath::hash<hotpath::xxh3_64>(std::span<const std::byte>(buf.data(), 65536)));
    for (int i = 0; i < 16; ++i) benchmark::DoNotOptimize(XXH3_64bits(buf.data() + i, 4096));
  }
}

#if HOTPATH_HAS_SHA256
void hotpath_sha256(benchmark::State& state) {
  run_mem(state, [](const std::byte* p, std::size_t n) {
    return hotpath::hash<hotpath::sha256>(std::span<const std::byte>(p, n));
  });
}
void openssl_evp_sha256(benchmark::State& state) {
  run_mem(state, [](const std::byte* p, std::size_t n) {
    unsigned char md[32];
    unsigned len = 0;
    EVP_Digest(p, n, md, &len, EVP_sha256(), nullptr);
    return md[0];
  });
}
#endif

// ---- files ---------------------------------------------------------------------------------
namespace fs = std::filesystem;

// A scratch directory removed at exit.
struct scratch {
  fs::path dir;
  scratch() {
    std::string t = (fs::temp_directory_path() / "hotpath_bench_hash_XXXXXX").string();
    if (::mkdtemp(t.data()) == nullptr) std::abort();
    dir = t;
  }
  ~scratch() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};
scratch& tmp() {
  static scratch s;
  return s;
}

// A file of `bytes` random bytes (fixed seed), created once.
const fs::path& data_file(std::size_t bytes) {
  static std::vector<std::pair<std::size_t, fs::path>> made;
  for (auto& [n, p] : made) {
    if (n == bytes) return p;
  }
  fs::path p = tmp().dir / ("data_" + std::to_string(bytes));
  int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  const auto& src = buffer(0);
  std::size_t off = 0;
  while (off < bytes) {
    const std::size_t n = std::min(bytes - off, src.size());
    if (::write(fd, src.data(), n) != static_cast<ssize_t>(n)) std::abort();
    off += n;
  }
  ::fsync(fd);
  ::close(fd);
  made.emplace_back(bytes, p);
  return made.back().second;
}

// The VM evicts cold page cache in the background: read the file sequentially right before
// timing so every run starts from a fully cached file (and mmap vs read is not backwards).
void recache(const fs::path& p) {
  static std::vector<char> buf(1 << 20);
  int fd = ::open(p.c_str(), O_RDONLY);
  while (::read(fd, buf.data(), buf.size()) > 0) {
  }
  ::close(fd);
}

template <class F>
void run_file(benchmark::State& state, std::size_t bytes, F&& f) {
  const fs::path& p = data_file(bytes);
  {
    int fd = ::open(p.c_str(), O_RDONLY);
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);  // start from a clean, sequential re-read
    ::close(fd);
  }
  for (auto _ : state) {
    recache(p);
    const auto t0 = std::chrono::steady_clock::now();
    if (!f(p)) {
      state.SkipWithError("command failed (is the tool installed?)");
      break;
    }
    const auto t1 = std::chrono::steady_clock::now();
    state.SetIterationTime(std::chrono::duration<double>(t1 - t0).count());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(bytes));
}

// Runs a peer tool as a process (stdout to /dev/null); true when it exits with status 0.
bool run_tool(std::vector<std::string> argv) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  pid_t pid;
  const int rc = posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) return false;
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

template <class Algo, class Source>
void hotpath_file(benchmark::State& state) {
  run_file(state, static_cast<std::size_t>(state.range(0)), [](const fs::path& p) {
    std::error_code ec;
    benchmark::DoNotOptimize(hotpath::hash_file<Algo, Source>(p, ec));
    return !ec;
  });
}
void xxhsum_file(benchmark::State& state) {
  run_file(state, static_cast<std::size_t>(state.range(0)), [](const fs::path& p) {
    return run_tool({"xxhsum", "-H3", p.string()});
  });
}
void openssl_dgst_file(benchmark::State& state) {
  run_file(state, static_cast<std::size_t>(state.range(0)), [](const fs::path& p) {
    return run_tool({"openssl", "dgst", "-sha256", p.string()});
  });
}
void sha256sum_file(benchmark::State& state) {
  run_file(state, static_cast<std::size_t>(state.range(0)), [](const fs::path& p) {
    return run_tool({"sha256sum", p.string()});
  });
}

constexpr std::int64_t k256m = std::int64_t{256} << 20;

// ---- trees: 2,000 x 16 KiB + 8 x 8 MiB files in 50 directories ------------------------------
struct tree_fixture {
  fs::path root;
  std::vector<fs::path> files;
  std::size_t bytes = 0;
  tree_fixture() {
    root = tmp().dir / "tree";
    const auto& src = buffer(0);
    std::size_t off = 0;
    auto make = [&](const fs::path& p, std::size_t n) {
      int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (off + n > src.size()) off = 0;
      if (::write(fd, src.data() + off, n) != static_cast<ssize_t>(n)) std::abort();
      off += n;
      // Settled files (mtime an hour ago), as in a cache validation of an old tree.
      struct ::timespec ts[2];
      ::clock_gettime(CLOCK_REALTIME, &ts[0]);
      ts[0].tv_sec -= 3600;
      ts[1] = ts[0];
      ::futimens(fd, ts);
      ::close(fd);
      files.push_back(p);
      bytes += n;
    };
    for (int d = 0; d < 50; ++d) fs::create_directories(root / ("dir" + std::to_string(d)));
    for (int i = 0; i < 2000; ++i) {
      make(root / ("dir" + std::to_string(i % 50)) / ("small" + std::to_string(i)), 16 << 10);
    }
    for (int i = 0; i < 8; ++i) {
      make(root / ("dir" + std::to_string(i * 6)) / ("big" + std::to_string(i)), 8 << 20);
    }
    // futimens() can back-date mtime but not ctime, which is "now": wait out change_detector's
    // racy window (1 s) so a detector warmed after this point trusts metadata, as it would for
    // any tree older than a second. Without the wait, revalidation re-hashes racy files.
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  }
  void recache_all() const {
    for (const auto& f : files) recache(f);
  }
};
const tree_fixture& tree() {
  static tree_fixture t;
  return t;
}

template <class F>
void run_tree(benchmark::State& state, bool recache_first, F&& f) {
  const auto& t = tree();
  for (auto _ : state) {
    if (recache_first) t.recache_all();
    const auto t0 = std::chrono::steady_clock::now();
    if (!f(t)) {
      state.SkipWithError("failed (is xxhsum installed?)");
      break;
    }
    const auto t1 = std::chrono::steady_clock::now();
    state.SetIterationTime(std::chrono::duration<double>(t1 - t0).count());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(t.files.size()));
}

void hotpath_hash_tree(benchmark::State& state) {
  run_tree(state, true, [&](const tree_fixture& t) {
    hotpath::tree_options<hotpath::xxh3_64> opt;
    opt.threads = static_cast<unsigned>(state.range(0));
    std::error_code ec;
    benchmark::DoNotOptimize(hotpath::hash_tree<hotpath::xxh3_64>(t.root, opt, ec));
    return !ec;
  });
}
void find_xargs_xxhsum(benchmark::State& state) {
  run_tree(state, true, [](const tree_fixture& t) {
    return run_tool(
        {"sh", "-c", "find '" + t.root.string() + "' -type f -print0 | xargs -0 xxhsum -H3"});
  });
}
// Revalidating the unchanged tree through a warmed change_detector (metadata hits only).
void hotpath_change_detector_revalidate(benchmark::State& state) {
  hotpath::change_detector<hotpath::xxh3_64> cd;
  for (const auto& f : tree().files) cd.check(f);
  const auto warm_rehashes = cd.stats().rehashes;
  run_tree(state, false, [&](const tree_fixture& t) {
    std::error_code ec;
    std::size_t changed = 0;
    for (fs::recursive_directory_iterator it(t.root), end; it != end; ++it) {
      if (!it->is_regular_file()) continue;
      changed += cd.check(it->path(), ec).status != hotpath::change_status::unchanged;
    }
    return changed == 0 && !ec;
  });
  // Must be 0: every timed check is answered from metadata.
  state.counters["rehashes"] = static_cast<double>(cd.stats().rehashes - warm_rehashes);
}
// The floor: the same walk and one stat() per file, nothing else.
void walk_and_stat(benchmark::State& state) {
  run_tree(state, false, [](const tree_fixture& t) {
    std::size_t total = 0;
    for (fs::recursive_directory_iterator it(t.root), end; it != end; ++it) {
      if (!it->is_regular_file()) continue;
      struct ::stat st;
      if (::stat(it->path().c_str(), &st) == 0) total += static_cast<std::size_t>(st.st_size);
    }
    benchmark::DoNotOptimize(total);
    return true;
  });
}

void mem_sizes(benchmark::internal::Benchmark* b) {
  b->Arg(64)->Arg(4096)->Arg(1 << 20)->Arg(64 << 20)->MinTime(0.2);
}

}  // namespace

BENCHMARK(hotpath_xxh3)->Name("hash/hotpath_xxh3_64/mem")->Apply(mem_sizes);
BENCHMARK(libxxhash_inline)->Name("hash/libxxhash_inline_sse2/mem")->Apply(mem_sizes);
BENCHMARK(libxxhash_dispatch)->Name("hash/libxxhash_dispatch/mem")->Apply(mem_sizes);
BENCHMARK(inline_avx2)->Name("hash/xxh3_inline_avx2/mem")->Apply(mem_sizes);
BENCHMARK(inline_avx512)->Name("hash/xxh3_inline_avx512/mem")->Apply(mem_sizes);
BENCHMARK(memory_read)->Name("hash/memchr_read_limit/mem")->Apply(mem_sizes);
BENCHMARK(trap_hotpath_then_sse)->Name("hash/hotpath_then_sse2_16x4k/trap");
BENCHMARK(trap_raw_dispatch_then_sse)->Name("hash/raw_dispatch_then_sse2_16x4k/trap");
#if HOTPATH_HAS_SHA256
BENCHMARK(hotpath_sha256)->Name("hash/hotpath_sha256/mem")->Arg(1024)->Arg(1 << 20);
BENCHMARK(openssl_evp_sha256)->Name("hash/openssl_evp_sha256/mem")->Arg(1024)->Arg(1 << 20);
#endif

// Explicit iteration counts keep the default run short: every file iteration first re-reads
// its file (untimed), and the 256 MiB SHA-256 peers take seconds each.
void file_rows(benchmark::internal::Benchmark* b, int iterations) {
  b->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(iterations);
}

// 256 MiB page-cached file: each source vs xxhsum -H3 as a process.
BENCHMARK(hotpath_file<hotpath::xxh3_64, hotpath::auto_source>)
    ->Name("hash/hotpath_xxh3_auto/file")
    ->Arg(k256m)
    ->Apply([](auto* b) { file_rows(b, 8); });
BENCHMARK(hotpath_file<hotpath::xxh3_64, hotpath::mmap_source>)
    ->Name("hash/hotpath_xxh3_mmap/file")
    ->Arg(k256m)
    ->Apply([](auto* b) { file_rows(b, 8); });
BENCHMARK(hotpath_file<hotpath::xxh3_64, hotpath::read_source<256 << 10>>)
    ->Name("hash/hotpath_xxh3_read256k/file")
    ->Arg(k256m)
    ->Apply([](auto* b) { file_rows(b, 4); });
BENCHMARK(hotpath_file<hotpath::xxh3_64, hotpath::read_source<64 << 10>>)
    ->Name("hash/hotpath_xxh3_read64k/file")
    ->Arg(k256m)
    ->Apply([](auto* b) { file_rows(b, 4); });
BENCHMARK(hotpath_file<hotpath::xxh3_64, hotpath::read_source<1 << 20>>)
    ->Name("hash/hotpath_xxh3_read1m/file")
    ->Arg(k256m)
    ->Apply([](auto* b) { file_rows(b, 4); });
BENCHMARK(xxhsum_file)->Name("hash/xxhsum_H3_process/file")->Arg(k256m)->Apply([](auto* b) {
  file_rows(b, 4);
});
#if HOTPATH_HAS_SHA256
// SHA-256: the 256 MiB comparison and the seed sizes (1 KiB, 1 MiB, 50 MiB).
BENCHMARK(hotpath_file<hotpath::sha256, hotpath::auto_source>)
    ->Name("hash/hotpath_sha256_auto/file")
    ->Arg(k256m)
    ->Arg(50 << 20)
    ->Apply([](auto* b) { file_rows(b, 1); });
BENCHMARK(openssl_dgst_file)
    ->Name("hash/openssl_dgst_sha256_process/file")
    ->Arg(k256m)
    ->Arg(50 << 20)
    ->Apply([](auto* b) { file_rows(b, 1); });
BENCHMARK(sha256sum_file)
    ->Name("hash/sha256sum_process/file")
    ->Arg(k256m)
    ->Arg(50 << 20)
    ->Apply([](auto* b) { file_rows(b, 1); });
BENCHMARK(hotpath_file<hotpath::sha256, hotpath::auto_source>)
    ->Name("hash/hotpath_sha256_auto/file")
    ->Arg(1024)
    ->Arg(1 << 20)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond)
    ->MinTime(0.1);
BENCHMARK(openssl_dgst_file)
    ->Name("hash/openssl_dgst_sha256_process/file")
    ->Arg(1024)
    ->Arg(1 << 20)
    ->Apply([](auto* b) { file_rows(b, 5); });
BENCHMARK(sha256sum_file)
    ->Name("hash/sha256sum_process/file")
    ->Arg(1024)
    ->Arg(1 << 20)
    ->Apply([](auto* b) { file_rows(b, 5); });
#endif
// Trees (files re-cached before each hash_tree / find|xargs iteration).
BENCHMARK(hotpath_hash_tree)
    ->Name("hash/hotpath_hash_tree/tree2008")
    ->Arg(2)
    ->Arg(1)
    ->Apply([](auto* b) { file_rows(b, 4); });
BENCHMARK(find_xargs_xxhsum)->Name("hash/find_xargs_xxhsum_H3/tree2008")->Apply([](auto* b) {
  file_rows(b, 4);
});
BENCHMARK(hotpath_change_detector_revalidate)
    ->Name("hash/hotpath_change_detector/revalidate2008")
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond)
    ->MinTime(0.2);
BENCHMARK(walk_and_stat)
    ->Name("hash/walk_and_stat_only/revalidate2008")
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond)
    ->MinTime(0.2);
// read vs mmap crossover (page-cached files of growing size).
BENCHMARK(hotpath_file<hotpath::xxh3_64, hotpath::read_source<>>)
    ->Name("hash/hotpath_xxh3_read/crossover")
    ->Arg(64 << 10)
    ->Arg(1 << 20)
    ->Arg(4 << 20)
    ->Arg(8 << 20)
    ->Arg(16 << 20)
    ->Arg(32 << 20)
    ->Arg(64 << 20)
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond)
    ->MinTime(0.1);
BENCHMARK(hotpath_file<hotpath::xxh3_64, hotpath::mmap_source>)
    ->Name("hash/hotpath_xxh3_mmap/crossover")
    ->Arg(64 << 10)
    ->Arg(1 << 20)
    ->Arg(4 << 20)
    ->Arg(8 << 20)
    ->Arg(16 << 20)
    ->Arg(32 << 20)
    ->Arg(64 << 20)
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond)
    ->MinTime(0.1);

BENCHMARK_MAIN();
