// Benchmarks of hotpath::interner against std::unordered_map + std::vector, absl::flat_hash_map
// + std::vector and boost::flyweight, on a real corpus: the identifier tokens of the Boost
// headers (sorted paths, capped at 2,000,000 tokens) followed by /usr/share/dict/words.
//
// Rows (items = tokens of the stream):
//   interner/<subject>/intern_stream   intern every token into a fresh structure (teardown untimed)
//   interner/<subject>/find_hit        look up every token in a structure holding all of them
//   interner/<subject>/resolve         symbol -> string for every token's symbol
//   interner/<subject>/memory          heap bytes per unique string (counter bytes_per_unique;
//                                      overhead_per_unique = bytes_per_unique - mean length - 1)
//   interner/<subject>/intern_stream_2threads  two threads intern interleaved halves at once
#include <hotpath/interner.hpp>

#include <algorithm>
#include <atomic>
#include <boost/flyweight.hpp>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <memory_resource>
#include <mutex>
#include <new>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include <benchmark/benchmark.h>

#include <absl/container/flat_hash_map.h>
#include <malloc.h>

// ---- heap accounting: global operator new/delete count malloc_usable_size while enabled ----

namespace {
std::atomic<bool> g_counting{false};
std::atomic<std::int64_t> g_live{0};
}  // namespace

void* operator new(std::size_t n) {
  void* p = std::malloc(n == 0 ? 1 : n);
  if (p == nullptr) throw std::bad_alloc();
  if (g_counting.load(std::memory_order_relaxed)) {
    g_live.fetch_add(static_cast<std::int64_t>(malloc_usable_size(p)), std::memory_order_relaxed);
  }
  return p;
}
void* operator new[](std::size_t n) { return operator new(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  void* p = std::malloc(n == 0 ? 1 : n);
  if (p != nullptr && g_counting.load(std::memory_order_relaxed)) {
    g_live.fetch_add(static_cast<std::int64_t>(malloc_usable_size(p)), std::memory_order_relaxed);
  }
  return p;
}
void operator delete(void* p) noexcept {
  if (p != nullptr && g_counting.load(std::memory_order_relaxed)) {
    g_live.fetch_sub(static_cast<std::int64_t>(malloc_usable_size(p)), std::memory_order_relaxed);
  }
  std::free(p);
}
void operator delete[](void* p) noexcept { operator delete(p); }
void operator delete(void* p, std::size_t) noexcept { operator delete(p); }
void operator delete[](void* p, std::size_t) noexcept { operator delete(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { operator delete(p); }

namespace {

// ---- corpus ------------------------------------------------------------------------------

constexpr std::size_t boost_token_cap = 2'000'000;

struct corpus {
  std::string text;  // every token, back to back
  std::vector<std::string_view> tokens;
  std::size_t unique = 0;
  double mean_unique_length = 0;
};

bool ident_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

const corpus& load_corpus() {
  static const corpus c = [] {
    corpus r;
    std::vector<std::pair<std::size_t, std::size_t>> spans;  // offsets into r.text
    auto add_tokens = [&](std::string_view data, std::size_t cap) {
      std::size_t i = 0;
      while (i < data.size() && spans.size() < cap) {
        while (i < data.size() && !ident_char(data[i])) ++i;
        const std::size_t b = i;
        while (i < data.size() && ident_char(data[i])) ++i;
        if (i > b) {
          spans.emplace_back(r.text.size(), i - b);
          r.text.append(data.substr(b, i - b));
        }
      }
    };
    std::vector<std::filesystem::path> files;
    std::error_code ec;
    for (auto it = std::filesystem::recursive_directory_iterator("/usr/include/boost", ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
      if (it->is_regular_file(ec)) files.push_back(it->path());
    }
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      if (spans.size() >= boost_token_cap) break;
      std::ifstream in(f, std::ios::binary);
      std::stringstream ss;
      ss << in.rdbuf();
      add_tokens(ss.str(), boost_token_cap);
    }
    std::ifstream words("/usr/share/dict/words", std::ios::binary);
    std::stringstream ws;
    ws << words.rdbuf();
    add_tokens(ws.str(), static_cast<std::size_t>(-1));
    r.tokens.reserve(spans.size());
    for (auto [off, len] : spans) r.tokens.emplace_back(r.text.data() + off, len);
    std::unordered_map<std::string_view, int> u;
    std::size_t total_len = 0;
    for (auto t : r.tokens) {
      if (u.emplace(t, 0).second) total_len += t.size();
    }
    r.unique = u.size();
    r.mean_unique_length = r.unique ? static_cast<double>(total_len) / r.unique : 0;
    std::fprintf(stderr, "interner corpus: %zu tokens, %zu unique, mean unique length %.2f\n",
                 r.tokens.size(), r.unique, r.mean_unique_length);
    return r;
  }();
  return c;
}

// ---- subjects: each maps a string to a dense uint32 id and back ---------------------------
// find() returns the id, or no_id when absent, as a plain integer for every subject: a
// wrapper returning std::optional<std::uint32_t> made g++ 12 build the optional in memory
// with two narrow stores and reload it as one 8-byte word (a store-forwarding stall of ~40 %
// of the hotpath row's time, an artefact of the wrapper, not of the lookup).

constexpr std::uint32_t no_id = 0xFFFFFFFFu;

// The default hash (the mix hash) with a fixed seed, so runs are reproducible; the _xxh3 rows
// use XXH3 for every length (the previous default) to show what the hash changes.
using hp_interner = hotpath::basic_interner<hotpath::fixed_seed_mix<0x5eed>>;
using hp_concurrent = hotpath::basic_interner<hotpath::fixed_seed_mix<0x5eed>, hotpath::sharded<>>;
using hp_interner_xxh3 = hotpath::basic_interner<hotpath::fixed_seed_xxh3<0x5eed>>;

template <class I>
struct hotpath_subject {
  I in;
  std::uint32_t intern(std::string_view s) { return in.intern(s).id(); }
  std::uint32_t find(std::string_view s) const {
    const std::optional<hotpath::symbol> r = in.find(s);
    return r ? r->id() : no_id;
  }
  std::string_view resolve(std::uint32_t id) const { return in.resolve(hotpath::symbol{id}); }
};

struct sv_hash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept {
    return std::hash<std::string_view>{}(s);
  }
};

struct std_subject {
  std::unordered_map<std::string, std::uint32_t, sv_hash, std::equal_to<>> map;
  std::vector<std::string> strings;
  std::uint32_t intern(std::string_view s) {
    auto it = map.find(s);
    if (it != map.end()) return it->second;
    const auto id = static_cast<std::uint32_t>(strings.size());
    strings.emplace_back(s);
    map.emplace(std::string(s), id);
    return id;
  }
  std::uint32_t find(std::string_view s) const {
    auto it = map.find(s);
    return it == map.end() ? no_id : it->second;
  }
  std::string_view resolve(std::uint32_t id) const { return strings[id]; }
};

struct absl_subject {
  absl::flat_hash_map<std::string, std::uint32_t> map;
  std::vector<std::string> strings;
  std::uint32_t intern(std::string_view s) {
    // Debian's absl has its own string_view type (built without std::string_view).
    auto [it, inserted] = map.try_emplace(absl::string_view(s.data(), s.size()),
                                          static_cast<std::uint32_t>(strings.size()));
    if (inserted) strings.emplace_back(s);
    return it->second;
  }
  std::uint32_t find(std::string_view s) const {
    auto it = map.find(absl::string_view(s.data(), s.size()));
    return it == map.end() ? no_id : it->second;
  }
  std::string_view resolve(std::uint32_t id) const { return strings[id]; }
};

// boost::flyweight has no ids: the flyweight object is the handle. intern keeps every handle
// (one per token, as a caller would); find constructs a flyweight (its only lookup).
using flyweight = boost::flyweight<std::string>;

// ---- intern_stream ------------------------------------------------------------------------

template <class S>
void intern_stream(benchmark::State& state) {
  const auto& c = load_corpus();
  for (auto _ : state) {
    auto s = std::make_unique<S>();
    for (auto t : c.tokens) benchmark::DoNotOptimize(s->intern(t));
    state.PauseTiming();
    s.reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * c.tokens.size()));
}

void flyweight_intern_stream(benchmark::State& state) {
  const auto& c = load_corpus();
  std::vector<flyweight> handles;
  handles.reserve(c.tokens.size());
  for (auto _ : state) {
    for (auto t : c.tokens) handles.emplace_back(std::string(t));
    state.PauseTiming();
    handles.clear();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * c.tokens.size()));
}

// ---- find_hit / resolve -------------------------------------------------------------------

template <class S>
const S& built() {
  static const std::unique_ptr<S> s = [] {
    auto p = std::make_unique<S>();
    for (auto t : load_corpus().tokens) (void)p->intern(t);
    return p;
  }();
  return *s;
}

template <class S>
void find_hit(benchmark::State& state) {
  const auto& c = load_corpus();
  const S& s = built<S>();
  for (auto _ : state) {
    for (auto t : c.tokens) benchmark::DoNotOptimize(s.find(t));
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * c.tokens.size()));
}

void flyweight_find_hit(benchmark::State& state) {
  const auto& c = load_corpus();
  static const std::vector<flyweight> keep(c.tokens.begin(), c.tokens.end());
  for (auto _ : state) {
    for (auto t : c.tokens) {
      flyweight f{std::string(t)};
      benchmark::DoNotOptimize(&f.get());
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * c.tokens.size()));
}

template <class S>
const std::vector<std::uint32_t>& stream_ids() {
  static const std::vector<std::uint32_t> ids = [] {
    std::vector<std::uint32_t> r;
    for (auto t : load_corpus().tokens) r.push_back(built<S>().find(t));
    return r;
  }();
  return ids;
}

template <class S>
void resolve(benchmark::State& state) {
  const S& s = built<S>();
  const auto& ids = stream_ids<S>();
  for (auto _ : state) {
    for (auto id : ids) {
      const std::string_view v = s.resolve(id);
      benchmark::DoNotOptimize(v.data());
      benchmark::DoNotOptimize(v.size());
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * ids.size()));
}

void flyweight_resolve(benchmark::State& state) {
  const auto& c = load_corpus();
  static const std::vector<flyweight> handles(c.tokens.begin(), c.tokens.end());
  for (auto _ : state) {
    for (const auto& f : handles) {
      const std::string& v = f.get();
      benchmark::DoNotOptimize(v.data());
      benchmark::DoNotOptimize(v.size());
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * handles.size()));
}

// ---- memory -------------------------------------------------------------------------------

template <class Build>
void measure_memory(benchmark::State& state, Build build) {
  const auto& c = load_corpus();
  double per_unique = 0;
  for (auto _ : state) {
    const std::int64_t before = g_live.load();
    g_counting.store(true);
    auto keep = build(c);
    const std::int64_t after = g_live.load();
    g_counting.store(false);
    per_unique = static_cast<double>(after - before) / static_cast<double>(c.unique);
    state.PauseTiming();
    g_counting.store(true);  // frees are counted too, so g_live returns to its start
    keep.reset();
    g_counting.store(false);
    state.ResumeTiming();
  }
  state.counters["bytes_per_unique"] = per_unique;
  state.counters["overhead_per_unique"] = per_unique - c.mean_unique_length - 1;
}

template <class S>
void memory(benchmark::State& state) {
  measure_memory(state, [](const corpus& c) {
    auto s = std::make_unique<S>();
    for (auto t : c.tokens) (void)s->intern(t);
    return s;
  });
}

// hotpath through a counting std::pmr::memory_resource upstream (exact bytes requested), next
// to the malloc-level count of the row above.
class counting_resource : public std::pmr::memory_resource {
 public:
  std::size_t live = 0;

 private:
  void* do_allocate(std::size_t n, std::size_t a) override {
    live += n;
    return std::pmr::new_delete_resource()->allocate(n, a);
  }
  void do_deallocate(void* p, std::size_t n, std::size_t a) override {
    live -= n;
    std::pmr::new_delete_resource()->deallocate(p, n, a);
  }
  bool do_is_equal(const std::pmr::memory_resource& o) const noexcept override {
    return this == &o;
  }
};

void hotpath_memory_upstream(benchmark::State& state) {
  const auto& c = load_corpus();
  double per_unique = 0;
  double reported = 0;
  for (auto _ : state) {
    counting_resource res;
    hotpath::basic_interner<hotpath::fixed_seed_mix<0x5eed>, hotpath::pmr_upstream> in(&res);
    for (auto t : c.tokens) (void)in.intern(t);
    per_unique = static_cast<double>(res.live) / static_cast<double>(c.unique);
    reported = static_cast<double>(in.memory_usage()) / static_cast<double>(c.unique);
  }
  state.counters["bytes_per_unique"] = per_unique;
  state.counters["overhead_per_unique"] = per_unique - c.mean_unique_length - 1;
  state.counters["memory_usage_per_unique"] = reported;
}

// Its own tag, so this factory holds exactly what the row builds (the other flyweight rows
// keep their handles in a separate factory).
struct memory_row_tag {};
using flyweight_mem = boost::flyweight<std::string, boost::flyweights::tag<memory_row_tag>>;

void flyweight_memory(benchmark::State& state) {
  // One handle per unique string (what an interner holds), so the handle vector is not
  // charged for the repeated tokens.
  static const std::vector<std::string_view> uniq = [] {
    std::vector<std::string_view> r;
    std::unordered_map<std::string_view, int> seen;
    for (auto t : load_corpus().tokens) {
      if (seen.emplace(t, 0).second) r.push_back(t);
    }
    return r;
  }();
  measure_memory(state, [](const corpus&) {
    auto v = std::make_unique<std::vector<flyweight_mem>>();
    v->reserve(uniq.size());
    for (auto t : uniq) v->emplace_back(std::string(t));
    return v;
  });
}

// ---- two threads --------------------------------------------------------------------------

template <class Intern>
void run_two_threads(const corpus& c, Intern&& intern) {
  // Interleaved blocks of 4096 tokens: both threads see the frequent tokens (overlap) and
  // each its own rare ones.
  constexpr std::size_t block = 4096;
  auto work = [&](std::size_t parity) {
    for (std::size_t b = parity * block; b < c.tokens.size(); b += 2 * block) {
      const std::size_t e = std::min(b + block, c.tokens.size());
      for (std::size_t i = b; i < e; ++i) benchmark::DoNotOptimize(intern(c.tokens[i]));
    }
  };
  std::thread t(work, 1);
  work(0);
  t.join();
}

void concurrent_two_threads(benchmark::State& state) {
  const auto& c = load_corpus();
  for (auto _ : state) {
    auto in = std::make_unique<hp_concurrent>();
    run_two_threads(c, [&](std::string_view s) { return in->intern(s); });
    state.PauseTiming();
    in.reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * c.tokens.size()));
}

void mutex_two_threads(benchmark::State& state) {
  const auto& c = load_corpus();
  for (auto _ : state) {
    auto in = std::make_unique<hp_interner>();
    std::mutex m;
    run_two_threads(c, [&](std::string_view s) {
      std::lock_guard<std::mutex> lock(m);
      return in->intern(s);
    });
    state.PauseTiming();
    in.reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * c.tokens.size()));
}

using hp = hotpath_subject<hp_interner>;
using hpc = hotpath_subject<hp_concurrent>;
using hpx = hotpath_subject<hp_interner_xxh3>;

}  // namespace

BENCHMARK(intern_stream<hp>)
    ->Name("interner/hotpath_interner/intern_stream")
    ->Unit(benchmark::kMillisecond);
BENCHMARK(intern_stream<hpx>)
    ->Name("interner/hotpath_interner_xxh3/intern_stream")
    ->Unit(benchmark::kMillisecond);
BENCHMARK(intern_stream<hpc>)
    ->Name("interner/hotpath_concurrent/intern_stream")
    ->Unit(benchmark::kMillisecond);
BENCHMARK(intern_stream<absl_subject>)
    ->Name("interner/absl_flat_hash_map/intern_stream")
    ->Unit(benchmark::kMillisecond);
BENCHMARK(intern_stream<std_subject>)
    ->Name("interner/std_unordered_map/intern_stream")
    ->Unit(benchmark::kMillisecond);
BENCHMARK(flyweight_intern_stream)
    ->Name("interner/boost_flyweight/intern_stream")
    ->Unit(benchmark::kMillisecond);

BENCHMARK(find_hit<hp>)->Name("interner/hotpath_interner/find_hit")->Unit(benchmark::kMillisecond);
BENCHMARK(find_hit<hpx>)
    ->Name("interner/hotpath_interner_xxh3/find_hit")
    ->Unit(benchmark::kMillisecond);
BENCHMARK(find_hit<absl_subject>)
    ->Name("interner/absl_flat_hash_map/find_hit")
    ->Unit(benchmark::kMillisecond);
BENCHMARK(find_hit<std_subject>)
    ->Name("interner/std_unordered_map/find_hit")
    ->Unit(benchmark::kMillisecond);
BENCHMARK(flyweight_find_hit)
    ->Name("interner/boost_flyweight/find_hit")
    ->Unit(benchmark::kMillisecond);

BENCHMARK(resolve<hp>)->Name("interner/hotpath_interner/resolve")->Unit(benchmark::kMillisecond);
BENCHMARK(resolve<hpc>)->Name("interner/hotpath_concurrent/resolve")->Unit(benchmark::kMillisecond);
BENCHMARK(resolve<absl_subject>)
    ->Name("interner/absl_flat_hash_map/resolve")
    ->Unit(benchmark::kMillisecond);
BENCHMARK(resolve<std_subject>)
    ->Name("interner/std_unordered_map/resolve")
    ->Unit(benchmark::kMillisecond);
BENCHMARK(flyweight_resolve)
    ->Name("interner/boost_flyweight/resolve")
    ->Unit(benchmark::kMillisecond);

BENCHMARK(memory<hp>)
    ->Name("interner/hotpath_interner/memory")
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(hotpath_memory_upstream)
    ->Name("interner/hotpath_interner_pmr/memory")
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(memory<hpc>)
    ->Name("interner/hotpath_concurrent/memory")
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(memory<absl_subject>)
    ->Name("interner/absl_flat_hash_map/memory")
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(memory<std_subject>)
    ->Name("interner/std_unordered_map/memory")
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(flyweight_memory)
    ->Name("interner/boost_flyweight/memory")
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

BENCHMARK(concurrent_two_threads)
    ->Name("interner/hotpath_concurrent/intern_stream_2threads")
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(mutex_two_threads)
    ->Name("interner/mutex_interner/intern_stream_2threads")
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
