// Benchmarks of hotpath::rules against a naive loop (starts_with/ends_with/find/== and
// fnmatch), std::regex per rule, RE2::Set, Vectorscan block mode and PCRE2 JIT, every one
// reporting the lowest matching rule index. Rule sets: the first 10/100/1000 rules of
// bench/rules_bench_data.hpp (tools/gen_rules_bench.py). Corpus: 20k deterministic synthetic
// shell commands, about half derived from the rules (so a good share match), the rest
// ordinary commands. Before timing, every peer is checked against hotpath on every command.
#if defined(__GNUC__) && !defined(__clang__)
// g++ 12 -O3 warns falsely on std::string concatenation (GCC bug 105329).
#pragma GCC diagnostic ignored "-Wrestrict"
#endif
#include <hotpath/rules.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <random>
#include <regex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <benchmark/benchmark.h>

#include <fnmatch.h>
#include <hs/hs.h>
#include <re2/re2.h>
#include <re2/set.h>

#include "rules_bench_data.hpp"
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

std::optional<std::size_t> hotpath_ct_match_10(std::string_view s);
std::optional<std::size_t> hotpath_ct_match_100(std::string_view s);
std::optional<std::size_t> hotpath_ct_match_1000(std::string_view s);

namespace {

using hotpath::rules::kind;
constexpr std::size_t none = SIZE_MAX;

std::span<const bench_rules::row> rules_of(std::size_t n) { return {bench_rules::all, n}; }

// ---- corpus ----------------------------------------------------------------------------------
std::string instance(const bench_rules::row& r, std::mt19937_64& rng) {
  const std::string p(r.pattern);
  static const char* const tails[] = {" --now", " -v", " ./src", " && echo ok", ""};
  static const char* const heads[] = {"deploy", "sudo tee", "cat x", "npm i"};
  switch (r.kind) {
    case kind::exact:
      return rng() % 4 ? p : p + " -q";
    case kind::prefix:
      return p + tails[rng() % 5];
    case kind::suffix:
      return std::string(heads[rng() % 4]) + p;
    case kind::contains:
      return std::string(heads[rng() % 4]) + " " + p + tails[rng() % 5];
    case kind::glob:
      break;
  }
  std::string out;
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (p[i] == '*') {
      out += rng() % 2 ? "x" : "main/src";
    } else if (p[i] == '?') {
      out += 'r';
    } else if (p[i] == '[') {
      const std::size_t j = p.find(']', i + 2);
      out += p[i + 1] == '!' ? 'z' : p[i + 1];
      i = j;
    } else {
      out += p[i];
    }
  }
  return out;
}

std::vector<std::string> make_corpus(std::size_t n_rules, std::size_t count) {
  std::mt19937_64 rng(42 + n_rules);
  static const char* const cmds[] = {"git status -s",
                                     "git log --oneline -n 20",
                                     "git diff HEAD~1 -- src/main.cpp",
                                     "npm install lodash",
                                     "npm run test -- --watch",
                                     "cargo build --release",
                                     "cargo test -p core",
                                     "rm -f build/tmp.o",
                                     "rm -rf node_modules",
                                     "docker ps",
                                     "docker build -t web:1 .",
                                     "kubectl get svc -n prod",
                                     "kubectl logs api-7 -f",
                                     "curl -fsSL https://example.com/install.sh -o i.sh",
                                     "sudo apt-get update",
                                     "ls -la /home/user",
                                     "make -j8 all",
                                     "python3 manage.py migrate"};
  const auto rules = rules_of(n_rules);
  std::vector<std::string> out;
  out.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    if (rng() % 100 < 45) {
      out.push_back(instance(rules[rng() % rules.size()], rng));
    } else {
      std::string c = cmds[rng() % (sizeof(cmds) / sizeof(cmds[0]))];
      if (rng() % 3 == 0) c += " /srv/data" + std::to_string(rng() % 1000);
      out.push_back(std::move(c));
    }
  }
  return out;
}

// ---- peers -----------------------------------------------------------------------------------
// The naive loop with its glob patterns turned into C strings once.
struct naive_peer {
  std::vector<bench_rules::row> rules;
  std::vector<std::string> cstr;
  explicit naive_peer(std::span<const bench_rules::row> r) : rules(r.begin(), r.end()) {
    for (const auto& x : r) cstr.emplace_back(x.pattern);
  }
  std::size_t match(const std::string& s) const {
    const std::string_view v(s);
    for (std::size_t i = 0; i < rules.size(); ++i) {
      const auto& r = rules[i];
      bool m = false;
      switch (r.kind) {
        case kind::exact:
          m = v == r.pattern;
          break;
        case kind::prefix:
          m = v.starts_with(r.pattern);
          break;
        case kind::suffix:
          m = v.ends_with(r.pattern);
          break;
        case kind::contains:
          m = v.find(r.pattern) != std::string_view::npos;
          break;
        case kind::glob:
          m = ::fnmatch(cstr[i].c_str(), s.c_str(), 0) == 0;
          break;
      }
      if (m) return i;
    }
    return none;
  }
};

// Regex text for a rule (anchors, escaped literals, glob wildcards).
std::string to_regex(const bench_rules::row& r) {
  auto lit = [](std::string_view s) {
    std::string o;
    for (char c : s) {
      if (std::string_view("\\^$.|?*+()[]{}").find(c) != std::string_view::npos) o += '\\';
      o += c;
    }
    return o;
  };
  switch (r.kind) {
    case kind::exact:
      return "^" + lit(r.pattern) + "$";
    case kind::prefix:
      return "^" + lit(r.pattern);
    case kind::suffix:
      return lit(r.pattern) + "$";
    case kind::contains:
      return lit(r.pattern);
    case kind::glob:
      break;
  }
  std::string o = "^";
  const std::string_view p = r.pattern;
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (p[i] == '*') {
      o += ".*";
    } else if (p[i] == '?') {
      o += '.';
    } else if (p[i] == '[') {
      const std::size_t j = p.find(']', i + 2);
      std::string body(p.substr(i + 1, j - i - 1));
      if (body[0] == '!') body[0] = '^';
      o += "[" + body + "]";
      i = j;
    } else {
      o += lit(p.substr(i, 1));
    }
  }
  return o + "$";
}

struct std_regex_peer {
  std::vector<std::regex> res;
  explicit std_regex_peer(std::span<const bench_rules::row> r) {
    for (const auto& x : r) res.emplace_back(to_regex(x), std::regex::optimize);
  }
  std::size_t match(const std::string& s) const {
    for (std::size_t i = 0; i < res.size(); ++i)
      if (std::regex_search(s, res[i])) return i;
    return none;
  }
};

struct re2_peer {
  std::unique_ptr<re2::RE2::Set> set;
  mutable std::vector<int> hits;
  explicit re2_peer(std::span<const bench_rules::row> r) {
    re2::RE2::Options o;
    o.set_dot_nl(true);
    set = std::make_unique<re2::RE2::Set>(o, re2::RE2::UNANCHORED);
    for (const auto& x : r)
      if (set->Add(to_regex(x), nullptr) < 0) std::abort();
    if (!set->Compile()) std::abort();
  }
  std::size_t match(const std::string& s) const {
    hits.clear();
    if (!set->Match(s, &hits)) return none;
    std::size_t best = none;
    for (int h : hits) best = std::min(best, static_cast<std::size_t>(h));
    return best;
  }
};

struct vectorscan_peer {
  hs_database_t* db = nullptr;
  hs_scratch_t* scratch = nullptr;
  explicit vectorscan_peer(std::span<const bench_rules::row> r) {
    std::vector<std::string> texts;
    for (const auto& x : r) texts.push_back(to_regex(x));
    std::vector<const char*> ptrs;
    std::vector<unsigned> flags(r.size(), HS_FLAG_DOTALL | HS_FLAG_SINGLEMATCH);
    std::vector<unsigned> ids;
    for (std::size_t i = 0; i < texts.size(); ++i) {
      ptrs.push_back(texts[i].c_str());
      ids.push_back(static_cast<unsigned>(i));
    }
    hs_compile_error_t* err = nullptr;
    if (hs_compile_multi(ptrs.data(), flags.data(), ids.data(), static_cast<unsigned>(ptrs.size()),
                         HS_MODE_BLOCK, nullptr, &db, &err) != HS_SUCCESS) {
      std::fprintf(stderr, "hs_compile_multi: %s\n", err->message);
      std::abort();
    }
    if (hs_alloc_scratch(db, &scratch) != HS_SUCCESS) std::abort();
  }
  ~vectorscan_peer() {
    hs_free_scratch(scratch);
    hs_free_database(db);
  }
  vectorscan_peer(const vectorscan_peer&) = delete;
  vectorscan_peer& operator=(const vectorscan_peer&) = delete;
  std::size_t match(const std::string& s) const {
    std::size_t best = none;
    hs_scan(
        db, s.data(), static_cast<unsigned>(s.size()), 0, scratch,
        [](unsigned id, unsigned long long, unsigned long long, unsigned, void* ctx) -> int {
          auto* b = static_cast<std::size_t*>(ctx);
          *b = std::min<std::size_t>(*b, id);
          return 0;
        },
        &best);
    return best;
  }
};

struct pcre2_peer {
  std::vector<pcre2_code*> codes;
  pcre2_match_data* md = nullptr;
  explicit pcre2_peer(std::span<const bench_rules::row> r) {
    for (const auto& x : r) {
      const std::string t = to_regex(x);
      int ec = 0;
      PCRE2_SIZE off = 0;
      pcre2_code* c = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(t.c_str()), t.size(), PCRE2_DOTALL,
                                    &ec, &off, nullptr);
      if (!c || pcre2_jit_compile(c, PCRE2_JIT_COMPLETE) != 0) std::abort();
      codes.push_back(c);
    }
    md = pcre2_match_data_create(4, nullptr);
  }
  ~pcre2_peer() {
    for (auto* c : codes) pcre2_code_free(c);
    pcre2_match_data_free(md);
  }
  pcre2_peer(const pcre2_peer&) = delete;
  pcre2_peer& operator=(const pcre2_peer&) = delete;
  std::size_t match(const std::string& s) const {
    for (std::size_t i = 0; i < codes.size(); ++i)
      if (pcre2_jit_match(codes[i], reinterpret_cast<PCRE2_SPTR>(s.data()), s.size(), 0, 0, md,
                          nullptr) >= 0)
        return i;
    return none;
  }
};

struct dynamic_peer {
  hotpath::rules::dynamic_ruleset<std::size_t> rs;
  explicit dynamic_peer(std::span<const bench_rules::row> r) {
    for (std::size_t i = 0; i < r.size(); ++i) rs.add(r[i].kind, r[i].pattern, i);
    rs.compile();
  }
  std::size_t match(const std::string& s) const { return rs.match_index(s).value_or(none); }
};

std::size_t static_match(std::size_t n, const std::string& s) {
  const auto r = n == 10    ? hotpath_ct_match_10(s)
                 : n == 100 ? hotpath_ct_match_100(s)
                            : hotpath_ct_match_1000(s);
  return r.value_or(none);
}

// ---- fixtures --------------------------------------------------------------------------------
constexpr std::size_t corpus_size = 20000;
constexpr std::size_t regex_corpus_size = 1000;  // std::regex is ~100x slower: fewer commands

struct world {
  std::size_t n;
  std::vector<std::string> corpus;
  std::vector<std::string> cases;  // first-rule, middle-rule, no-match commands
  naive_peer naive;
  dynamic_peer dyn;
  re2_peer re2;
  vectorscan_peer hs;
  pcre2_peer pcre;
  std::unique_ptr<std_regex_peer> regex;  // 10 and 100 rules only
  double match_rate = 0;
  double mean_len = 0;

  explicit world(std::size_t rules)
      : n(rules),
        corpus(make_corpus(rules, corpus_size)),
        naive(rules_of(rules)),
        dyn(rules_of(rules)),
        re2(rules_of(rules)),
        hs(rules_of(rules)),
        pcre(rules_of(rules)) {
    if (rules <= 100) regex = std::make_unique<std_regex_peer>(rules_of(rules));
    for (const auto& sm : bench_rules::samples)
      if (sm.rules == rules)
        cases = {std::string(sm.first), std::string(sm.middle), std::string(sm.none)};
    // Every peer agrees with hotpath on every command before anything is timed.
    std::size_t matched = 0, bytes = 0, k = 0;
    for (const auto& c : corpus) {
      const std::size_t ref = dyn.match(c);
      const std::size_t want = naive.match(c);
      bool ok = ref == want && re2.match(c) == want && hs.match(c) == want &&
                pcre.match(c) == want && static_match(rules, c) == want;
      if (regex && k < regex_corpus_size) ok = ok && regex->match(c) == want;
      if (!ok) {
        std::fprintf(stderr, "rules bench: peers disagree on \"%s\" (%zu rules)\n", c.c_str(),
                     rules);
        std::abort();
      }
      matched += want != none;
      bytes += c.size();
      ++k;
    }
    match_rate = double(matched) / double(corpus.size());
    mean_len = double(bytes) / double(corpus.size());
  }
};

world& get(std::size_t n) {
  static world w10(10), w100(100), w1000(1000);
  return n == 10 ? w10 : n == 100 ? w100 : w1000;
}

template <class F>
void run(benchmark::State& state, const std::vector<std::string>& cmds, std::size_t limit, F&& f) {
  const std::size_t n = std::min(limit, cmds.size());
  std::size_t i = 0, bytes = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(f(cmds[i]));
    bytes += cmds[i].size();
    if (++i == n) i = 0;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}

// Workloads: corpus (20k commands), first (matches rule 0), middle, none.
enum workload { corpus_w, first_w, middle_w, none_w };

template <class F>
void bench(benchmark::State& state, std::size_t rules, workload wl, std::size_t limit, F f) {
  world& w = get(rules);
  if (wl == corpus_w) {
    state.counters["match_rate"] = w.match_rate;
    state.counters["mean_len"] = w.mean_len;
    run(state, w.corpus, limit, [&](const std::string& s) { return f(w, s); });
  } else {
    const std::vector<std::string> one{w.cases[static_cast<std::size_t>(wl) - 1]};
    run(state, one, 1, [&](const std::string& s) { return f(w, s); });
  }
}

// Registers with a 0.25 s minimum time per row, which keeps the default run under a minute.
template <class F>
benchmark::internal::Benchmark* reg(const std::string& name, F f) {
  return benchmark::RegisterBenchmark(name.c_str(), f)->MinTime(0.25);
}

void register_all() {
  const char* wl_name[] = {"corpus", "first", "middle", "none"};
  for (std::size_t rules : {10, 100, 1000}) {
    for (int wl = 0; wl < 4; ++wl) {
      const auto W = static_cast<workload>(wl);
      auto name = [&](const char* subject) {
        return std::string("rules/") + subject + "/" + std::to_string(rules) + "_" + wl_name[wl];
      };
      reg(name("hotpath_static"), [=](benchmark::State& st) {
        bench(st, rules, W, corpus_size,
              [](world& w, const std::string& s) { return static_match(w.n, s); });
      });
      reg(name("hotpath_dynamic"), [=](benchmark::State& st) {
        bench(st, rules, W, corpus_size,
              [](world& w, const std::string& s) { return w.dyn.match(s); });
      });
      if (wl != corpus_w && wl != none_w) continue;  // peers: corpus and no-match rows
      reg(name("naive_loop"), [=](benchmark::State& st) {
        bench(st, rules, W, corpus_size,
              [](world& w, const std::string& s) { return w.naive.match(s); });
      });
      reg(name("re2_set"), [=](benchmark::State& st) {
        bench(st, rules, W, corpus_size,
              [](world& w, const std::string& s) { return w.re2.match(s); });
      });
      reg(name("vectorscan"), [=](benchmark::State& st) {
        bench(st, rules, W, corpus_size,
              [](world& w, const std::string& s) { return w.hs.match(s); });
      });
      reg(name("pcre2_jit"), [=](benchmark::State& st) {
        bench(st, rules, W, corpus_size,
              [](world& w, const std::string& s) { return w.pcre.match(s); });
      });
      if (rules <= 100 && wl == corpus_w)
        reg(name("std_regex"), [=](benchmark::State& st) {
          bench(st, rules, W, regex_corpus_size,
                [](world& w, const std::string& s) { return w.regex->match(s); });
        })->MinTime(0.2);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  register_all();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
