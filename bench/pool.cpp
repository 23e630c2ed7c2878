// Benchmarks for hotpath/pool.hpp. Rows are pool/<subject>/<workload>; hotpath's subjects
// start with "hotpath". Peers in this binary: malloc/free, new/delete,
// std::pmr::unsynchronized_pool_resource and synchronized_pool_resource, boost::pool<>,
// boost::object_pool<T>, and mimalloc's mi_malloc/mi_free loaded with
// dlopen(RTLD_LOCAL) so that it does not replace malloc/new for the other rows.
// Workloads on 64-byte objects (every row writes one word of the object and passes the
// pointer to DoNotOptimize):
//   lifo    create one, destroy it.
//   batch   create 10k, destroy them in a fixed random order (seed 42).
//   lifo_2t two threads churning LIFO on one shared pool/allocator (real time).
// One item = one create+destroy pair: ns per op = 1e9 / items_per_second; for lifo_2t that
// is the aggregate throughput of both threads.
// loop_floor is no allocator at all: objects built in order in a preallocated array and
// "freed" by doing nothing; what every row pays for the loop, the constructor and
// DoNotOptimize, the floor under any pool.
#include <hotpath/pool.hpp>

#include <algorithm>
#include <boost/pool/object_pool.hpp>
#include <boost/pool/pool.hpp>
#include <cstdint>
#include <cstdlib>
#include <memory_resource>
#include <numeric>
#include <random>
#include <vector>

#include <benchmark/benchmark.h>

#include <dlfcn.h>

namespace {

// A user-provided constructor that writes one word: every row does the same work on the
// object (pools that construct call it, raw allocators get it through placement new).
struct obj64 {
  explicit obj64(std::uint64_t i) noexcept { words[0] = i; }
  std::uint64_t words[8];
};
static_assert(sizeof(obj64) == 64);

constexpr std::size_t kBatch = 10000;

HOTPATH_ALWAYS_INLINE obj64* raw(void* p, std::uint64_t i) { return ::new (p) obj64(i); }
HOTPATH_ALWAYS_INLINE void touch(obj64* p) { benchmark::DoNotOptimize(p); }

void set_rate(benchmark::State& state, std::size_t ops_per_iter) {
  const auto ops = static_cast<double>(state.iterations()) * static_cast<double>(ops_per_iter);
  state.SetItemsProcessed(static_cast<std::int64_t>(ops));
}

const std::vector<std::uint32_t>& free_order() {
  static const std::vector<std::uint32_t> order = [] {
    std::vector<std::uint32_t> v(kBatch);
    std::iota(v.begin(), v.end(), 0u);
    std::shuffle(v.begin(), v.end(), std::mt19937(42));
    return v;
  }();
  return order;
}

// alloc() -> obj64*, free(obj64*): the two operations of one subject.
template <class Alloc, class Free>
void run_lifo(benchmark::State& state, Alloc&& alloc, Free&& free) {
  std::uint64_t i = 0;
  for (auto _ : state) {
    obj64* p = alloc(i++);
    touch(p);
    free(p);
  }
  set_rate(state, 1);
}

template <class Alloc, class Free>
void run_batch(benchmark::State& state, Alloc&& alloc, Free&& free) {
  std::vector<obj64*> ptrs(kBatch);
  const auto& order = free_order();
  for (auto _ : state) {
    for (std::size_t i = 0; i < kBatch; ++i) {
      ptrs[i] = alloc(i);
      touch(ptrs[i]);
    }
    for (std::uint32_t k : order) free(ptrs[k]);
  }
  set_rate(state, kBatch);
}

// ---- mimalloc through dlopen ----

struct mimalloc_api {
  void* (*malloc)(std::size_t) = nullptr;
  void (*free)(void*) = nullptr;
  mimalloc_api() {
    void* h = dlopen("libmimalloc.so.2", RTLD_NOW | RTLD_LOCAL);
    if (h == nullptr) return;
    malloc = reinterpret_cast<void* (*)(std::size_t)>(dlsym(h, "mi_malloc"));
    free = reinterpret_cast<void (*)(void*)>(dlsym(h, "mi_free"));
  }
};
const mimalloc_api& mimalloc() {
  static const mimalloc_api api;
  return api;
}

// ---- Subjects: each defines lifo and batch rows from one alloc/free pair ----

#define POOL_BENCH_ROWS(subject, SETUP, ALLOC, FREE)                             \
  void subject##_lifo(benchmark::State& state) {                                 \
    SETUP;                                                                       \
    run_lifo(                                                                    \
        state, [&](std::uint64_t i) { return ALLOC; }, [&](obj64* p) { FREE; }); \
  }                                                                              \
  void subject##_batch(benchmark::State& state) {                                \
    SETUP;                                                                       \
    run_batch(                                                                   \
        state, [&](std::uint64_t i) { return ALLOC; }, [&](obj64* p) { FREE; }); \
  }                                                                              \
  BENCHMARK(subject##_lifo)->Name("pool/" #subject "/lifo");                     \
  BENCHMARK(subject##_batch)->Name("pool/" #subject "/batch");

POOL_BENCH_ROWS(hotpath_object_pool, hotpath::object_pool<obj64> pool, pool.create(i),
                pool.destroy(p))
POOL_BENCH_ROWS(hotpath_concurrent_pool, hotpath::concurrent_object_pool<obj64> pool,
                pool.create(i), pool.destroy(p))
POOL_BENCH_ROWS(hotpath_locked_pool, hotpath::locked_object_pool<obj64> pool, pool.create(i),
                pool.destroy(p))
using spare_capped_pool = hotpath::basic_object_pool<obj64, hotpath::pool::max_spare_blocks<16>>;
POOL_BENCH_ROWS(hotpath_spare_capped_pool, spare_capped_pool pool, pool.create(i), pool.destroy(p))
POOL_BENCH_ROWS(hotpath_fixed_pool_resource, hotpath::fixed_pool_resource res(64, 64);
                std::pmr::memory_resource* r = &res, raw(r->allocate(64, alignof(obj64)), i),
                r->deallocate(p, 64, alignof(obj64)))
constexpr std::size_t kFloorSlots = 16384;  // a power of two >= kBatch
static_assert(kFloorSlots >= kBatch && (kFloorSlots & (kFloorSlots - 1)) == 0);
POOL_BENCH_ROWS(loop_floor, std::vector<obj64> slab(kFloorSlots, obj64(0)),
                raw(&slab[i & (kFloorSlots - 1)], i), (void)p)
POOL_BENCH_ROWS(boost_pool, boost::pool<> pool(sizeof(obj64)), raw(pool.malloc(), i), pool.free(p))
POOL_BENCH_ROWS(boost_object_pool, boost::object_pool<obj64> pool, pool.construct(i),
                pool.destroy(p))
POOL_BENCH_ROWS(malloc, (void)0, raw(std::malloc(sizeof(obj64)), i), std::free(p))
POOL_BENCH_ROWS(new_delete, (void)0, new obj64(i), delete p)
POOL_BENCH_ROWS(mimalloc, const mimalloc_api& mi = mimalloc();
                if (mi.malloc == nullptr) return state.SkipWithError("libmimalloc.so.2 not found"),
                raw(mi.malloc(sizeof(obj64)), i), mi.free(p))
POOL_BENCH_ROWS(pmr_unsynchronized, std::pmr::unsynchronized_pool_resource res;
                std::pmr::memory_resource* r = &res, raw(r->allocate(64, alignof(obj64)), i),
                r->deallocate(p, 64, alignof(obj64)))
POOL_BENCH_ROWS(pmr_synchronized, std::pmr::synchronized_pool_resource res;
                std::pmr::memory_resource* r = &res, raw(r->allocate(64, alignof(obj64)), i),
                r->deallocate(p, 64, alignof(obj64)))

// ---- Two threads churning on one shared subject ----

template <class Alloc, class Free>
void run_lifo_threads(benchmark::State& state, Alloc&& alloc, Free&& free) {
  run_lifo(state, alloc, free);
}

void hotpath_concurrent_pool_2t(benchmark::State& state) {
  static hotpath::concurrent_object_pool<obj64> pool;
  run_lifo_threads(
      state, [](std::uint64_t i) { return pool.create(i); }, [](obj64* p) { pool.destroy(p); });
}
void hotpath_locked_pool_2t(benchmark::State& state) {
  static hotpath::locked_object_pool<obj64> pool;
  run_lifo_threads(
      state, [](std::uint64_t i) { return pool.create(i); }, [](obj64* p) { pool.destroy(p); });
}
void mimalloc_2t(benchmark::State& state) {
  const mimalloc_api& mi = mimalloc();
  if (mi.malloc == nullptr) return state.SkipWithError("libmimalloc.so.2 not found");
  run_lifo_threads(
      state, [&](std::uint64_t i) { return raw(mi.malloc(sizeof(obj64)), i); },
      [&](obj64* p) { mi.free(p); });
}
void malloc_2t(benchmark::State& state) {
  run_lifo_threads(
      state, [](std::uint64_t i) { return raw(std::malloc(sizeof(obj64)), i); },
      [](obj64* p) { std::free(p); });
}
void pmr_synchronized_2t(benchmark::State& state) {
  static std::pmr::synchronized_pool_resource res;
  std::pmr::memory_resource* r = &res;
  run_lifo_threads(
      state, [&](std::uint64_t i) { return raw(r->allocate(64, alignof(obj64)), i); },
      [&](obj64* p) { r->deallocate(p, 64, alignof(obj64)); });
}

BENCHMARK(hotpath_concurrent_pool_2t)
    ->Name("pool/hotpath_concurrent_pool/lifo_2t")
    ->Threads(2)
    ->UseRealTime();
BENCHMARK(hotpath_locked_pool_2t)
    ->Name("pool/hotpath_locked_pool/lifo_2t")
    ->Threads(2)
    ->UseRealTime();
BENCHMARK(mimalloc_2t)->Name("pool/mimalloc/lifo_2t")->Threads(2)->UseRealTime();
BENCHMARK(malloc_2t)->Name("pool/malloc/lifo_2t")->Threads(2)->UseRealTime();
BENCHMARK(pmr_synchronized_2t)->Name("pool/pmr_synchronized/lifo_2t")->Threads(2)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
