// Benchmarks for hotpath/arena.hpp. Rows are arena/<subject>/<workload>; hotpath's subjects
// start with "hotpath". Peers in this binary: a ten-line bump pointer over one preallocated
// buffer (the physical limit), malloc/free, new/delete, std::pmr::monotonic_buffer_resource
// with and without an initial buffer, and mimalloc's mi_heap_new/mi_heap_malloc/mi_heap_destroy
// loaded with dlopen(RTLD_LOCAL) so that it does not replace malloc/new for the other rows.
//
// Workloads:
//   alloc16, alloc64  1,000,000 allocations of 16 or 64 bytes (alignment 16), each one written
//                     (one 8-byte store) and passed to DoNotOptimize, then one bulk release
//                     (reset, destruction, mi_heap_destroy, or one free per block).
//                     ns_per_alloc is the time per allocation, release included.
//   map100k           build a std::pmr::unordered_map<std::pmr::string, int> with 100,000
//                     distinct 24..40-character keys (fixed seed), then destroy it.
// Subjects that reuse memory across iterations (bump_limit, hotpath_arena with reset(),
// pmr_monotonic_buffer) measure the steady state of a request loop; the *_fresh / pmr_monotonic
// rows build a new allocator every iteration and so include upstream calls and page faults.
// Every object lives in memory (its address escapes), like an allocator shared by real code.
//
// The three steady-state subjects run over the very same memory: the chunk that one warmed-up
// hotpath::arena per size keeps across reset(). The bump limit and the pmr resource borrow it
// for each round (one allocate() and one reset() per round of 1M allocations). At 64 B a round
// streams 64 MB, twice the L3, and on the VM these numbers come from two 64 MB buffers faulted
// in at different times store at speeds up to ~20% apart, so separate buffers would compare
// pages, not code. Every alloc row reports faults_per_round (minor page faults per round, from
// getrusage), which tells a fresh row that faulted its memory in from one glibc recycled.
#include <hotpath/arena.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <memory_resource>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <benchmark/benchmark.h>

#include <dlfcn.h>
#include <sys/resource.h>

namespace {

constexpr std::size_t kCount = 1'000'000;
constexpr std::size_t kAlign = 16;
constexpr std::size_t kMapEntries = 100'000;

// The physical limit: bump a pointer through one buffer, with the same bounds check an arena
// needs and nothing else.
struct bump_limit {
  std::byte* cur;
  std::byte* end;
  void* allocate(std::size_t n) noexcept {
    auto p = (reinterpret_cast<std::uintptr_t>(cur) + kAlign - 1) & ~(kAlign - 1);
    if (n > reinterpret_cast<std::uintptr_t>(end) - p) return nullptr;
    cur = reinterpret_cast<std::byte*>(p + n);
    return reinterpret_cast<void*>(p);
  }
};

void set_rate(benchmark::State& state, std::size_t per_iteration,
              const char* counter = "per_alloc") {
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * per_iteration));
  state.counters[counter] = benchmark::Counter(  // seconds per item, shown as e.g. "1.1n"
      static_cast<double>(per_iteration),
      benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

// The same per-allocation work in every row: one store, and the pointer escapes.
inline void touch(void* p, std::size_t i) {
  *static_cast<std::uint64_t*>(p) = i;
  benchmark::DoNotOptimize(p);
}

long minor_faults() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_minflt;
}

// Minor page faults per round between two minor_faults() readings (taken outside the loop).
void set_faults(benchmark::State& state, long before) {
  state.counters["faults_per_round"] =
      static_cast<double>(minor_faults() - before) / static_cast<double>(state.iterations());
}

// The memory of the steady-state rows: one arena per size, warmed up so that it holds a
// single chunk big enough for a whole round (reset() keeps the largest chunk: after two rounds
// no round calls upstream). A function-local static, so every row and repetition sees the same
// pages.
template <std::size_t size>
struct warmed_arena {
  hotpath::arena arena;
  warmed_arena() {
    for (int warm = 0; warm < 2; ++warm) {
      for (std::size_t i = 0; i < kCount; ++i) touch(arena.allocate(size, kAlign), i);
      arena.reset();
    }
  }
};
template <std::size_t size>
hotpath::arena& steady_arena() {
  static warmed_arena<size> w;
  return w.arena;
}

// ---- alloc16 / alloc64 rows --------------------------------------------------------------

template <std::size_t size>
void bm_bump_limit(benchmark::State& state) {
  constexpr std::size_t bytes = kCount * size + kAlign;
  hotpath::arena& a = steady_arena<size>();
  bump_limit b{};
  benchmark::DoNotOptimize(&b);
  const long faults = minor_faults();
  for (auto _ : state) {
    auto* base = static_cast<std::byte*>(a.allocate(bytes, kAlign));  // the arena's chunk
    b.cur = base;
    b.end = base + bytes;
    for (std::size_t i = 0; i < kCount; ++i) touch(b.allocate(size), i);
    a.reset();
  }
  set_faults(state, faults);
  set_rate(state, kCount);
}

template <std::size_t size>
void bm_hotpath_arena(benchmark::State& state) {
  // Steady state of a request loop: the warmed-up arena serves every round from its one chunk.
  hotpath::arena& a = steady_arena<size>();
  benchmark::DoNotOptimize(&a);
  const long faults = minor_faults();
  for (auto _ : state) {
    for (std::size_t i = 0; i < kCount; ++i) touch(a.allocate(size, kAlign), i);
    a.reset();
  }
  set_faults(state, faults);
  set_rate(state, kCount);
}

template <std::size_t size>
void bm_hotpath_arena_fresh(benchmark::State& state) {
  const long faults = minor_faults();
  for (auto _ : state) {
    hotpath::arena a;
    benchmark::DoNotOptimize(&a);
    for (std::size_t i = 0; i < kCount; ++i) touch(a.allocate(size, kAlign), i);
  }
  set_faults(state, faults);
  set_rate(state, kCount);
}

template <std::size_t size>
void bm_pmr_monotonic(benchmark::State& state) {
  const long faults = minor_faults();
  for (auto _ : state) {
    std::pmr::monotonic_buffer_resource r;
    benchmark::DoNotOptimize(&r);
    for (std::size_t i = 0; i < kCount; ++i) touch(r.allocate(size, kAlign), i);
  }
  set_faults(state, faults);
  set_rate(state, kCount);
}

// A monotonic resource whose initial buffer (the arena's chunk, as above) holds a whole round.
template <std::size_t size>
void bm_pmr_monotonic_buffer(benchmark::State& state) {
  constexpr std::size_t bytes = kCount * size + kAlign;
  hotpath::arena& a = steady_arena<size>();
  const long faults = minor_faults();
  for (auto _ : state) {
    std::pmr::monotonic_buffer_resource r(a.allocate(bytes, kAlign), bytes);
    benchmark::DoNotOptimize(&r);
    for (std::size_t i = 0; i < kCount; ++i) touch(r.allocate(size, kAlign), i);
    a.reset();
  }
  set_faults(state, faults);
  set_rate(state, kCount);
}

template <std::size_t size, class Alloc, class Free>
void run_individual(benchmark::State& state, Alloc alloc, Free free) {
  std::vector<void*> ptrs(kCount);
  const long faults = minor_faults();
  for (auto _ : state) {
    for (std::size_t i = 0; i < kCount; ++i) {
      void* p = alloc(size);
      touch(p, i);
      ptrs[i] = p;
    }
    for (void* p : ptrs) free(p, size);
  }
  set_faults(state, faults);
  set_rate(state, kCount);
}

template <std::size_t size>
void bm_malloc_free(benchmark::State& state) {
  run_individual<size>(
      state, [](std::size_t n) { return std::malloc(n); },
      [](void* p, std::size_t) { std::free(p); });
}

template <std::size_t size>
void bm_new_delete(benchmark::State& state) {
  run_individual<size>(
      state, [](std::size_t n) { return ::operator new(n); },
      [](void* p, std::size_t) { ::operator delete(p); });
}

// mimalloc through dlopen(RTLD_LOCAL): its malloc/new do not replace the process's.
struct mi_heap;
struct mimalloc_heap_api {
  mi_heap* (*heap_new)() = nullptr;
  void* (*heap_malloc)(mi_heap*, std::size_t) = nullptr;
  void (*heap_destroy)(mi_heap*) = nullptr;
  mimalloc_heap_api() {
    void* h = dlopen("libmimalloc.so.2", RTLD_NOW | RTLD_LOCAL);
    if (h == nullptr) return;
    heap_new = reinterpret_cast<mi_heap* (*)()>(dlsym(h, "mi_heap_new"));
    heap_malloc = reinterpret_cast<void* (*)(mi_heap*, std::size_t)>(dlsym(h, "mi_heap_malloc"));
    heap_destroy = reinterpret_cast<void (*)(mi_heap*)>(dlsym(h, "mi_heap_destroy"));
  }
  [[nodiscard]] bool ok() const { return heap_new && heap_malloc && heap_destroy; }
};
const mimalloc_heap_api& mimalloc() {
  static const mimalloc_heap_api api;
  return api;
}

template <std::size_t size>
void bm_mimalloc_heap(benchmark::State& state) {
  const auto& mi = mimalloc();
  if (!mi.ok()) {
    state.SkipWithError("libmimalloc.so.2 not found (apt-get install libmimalloc2.0)");
    return;
  }
  const long faults = minor_faults();
  for (auto _ : state) {
    mi_heap* h = mi.heap_new();
    for (std::size_t i = 0; i < kCount; ++i) touch(mi.heap_malloc(h, size), i);
    mi.heap_destroy(h);
  }
  set_faults(state, faults);
  set_rate(state, kCount);
}

#define ARENA_ALLOC_ROWS(subject)          \
  BENCHMARK_TEMPLATE(bm_##subject, 16)     \
      ->Name("arena/" #subject "/alloc16") \
      ->Unit(benchmark::kMillisecond);     \
  BENCHMARK_TEMPLATE(bm_##subject, 64)     \
      ->Name("arena/" #subject "/alloc64") \
      ->Unit(benchmark::kMillisecond);

ARENA_ALLOC_ROWS(hotpath_arena)
ARENA_ALLOC_ROWS(hotpath_arena_fresh)
ARENA_ALLOC_ROWS(bump_limit)
ARENA_ALLOC_ROWS(pmr_monotonic)
ARENA_ALLOC_ROWS(pmr_monotonic_buffer)
ARENA_ALLOC_ROWS(mimalloc_heap)
ARENA_ALLOC_ROWS(malloc_free)
ARENA_ALLOC_ROWS(new_delete)

// ---- map100k: a realistic container workload ----------------------------------------------

const std::vector<std::string>& map_keys() {
  static const std::vector<std::string> keys = [] {
    std::mt19937_64 rng(2024);
    std::vector<std::string> k;
    k.reserve(kMapEntries);
    for (std::size_t i = 0; i < kMapEntries; ++i) {
      std::string s = "config.section." + std::to_string(i) + ".";  // distinct
      const std::size_t len = 24 + rng() % 17;                      // past the SSO buffer
      while (s.size() < len) s.push_back(static_cast<char>('a' + rng() % 26));
      k.push_back(std::move(s));
    }
    return k;
  }();
  return keys;
}

void build_map(std::pmr::memory_resource* r) {
  std::pmr::unordered_map<std::pmr::string, int> m(r);
  int v = 0;
  for (const std::string& k : map_keys()) m.emplace(std::string_view(k), v++);
  benchmark::DoNotOptimize(m.size());
}

void bm_map_hotpath_arena(benchmark::State& state) {
  (void)map_keys();
  hotpath::arena a;
  hotpath::arena_resource res(a);
  build_map(&res);  // warm-up round, as above
  a.reset();
  for (auto _ : state) {
    build_map(&res);
    a.reset();
  }
  set_rate(state, kMapEntries, "per_entry");
}

void bm_map_default_resource(benchmark::State& state) {
  (void)map_keys();
  for (auto _ : state) build_map(std::pmr::get_default_resource());
  set_rate(state, kMapEntries, "per_entry");
}

void bm_map_pmr_monotonic(benchmark::State& state) {
  (void)map_keys();
  for (auto _ : state) {
    std::pmr::monotonic_buffer_resource r;
    build_map(&r);
  }
  set_rate(state, kMapEntries, "per_entry");
}

BENCHMARK(bm_map_hotpath_arena)->Name("arena/hotpath_arena/map100k")->Unit(benchmark::kMillisecond);
BENCHMARK(bm_map_default_resource)
    ->Name("arena/default_resource/map100k")
    ->Unit(benchmark::kMillisecond);
BENCHMARK(bm_map_pmr_monotonic)->Name("arena/pmr_monotonic/map100k")->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
