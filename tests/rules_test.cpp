// Tests of hotpath::rules: static_assert suites on compile-time rule sets, differential tests
// of the glob matcher against fnmatch(3) (flags 0) on random patterns and inputs, and of
// dynamic_ruleset against a naive first-match loop on random rule sets.
#include <hotpath/rules.hpp>

#include <cstdint>
#include <cstring>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include <fnmatch.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace {

using namespace hotpath::rules;
enum class verdict { allow, deny, ask };

// ---- static_assert suites -------------------------------------------------------------------
constexpr ruleset gate{
    rule{prefix<"rm -rf /">{}, verdict::deny},
    rule{glob<"git [sl]*">{}, verdict::allow},
    rule{contains<"sudo">{}, verdict::ask},
    rule{all_of<prefix<"git push">, not_<contains<"--force">>>{}, verdict::allow},
    rule{glob<"*.txt">{}, verdict::ask},
    rule{glob<"c?t *[0-9]">{}, verdict::allow},
    rule{any_of<exact<"ls">, exact<"pwd">>{}, verdict::allow},
    rule{suffix<" | sh">{}, verdict::deny},
};
static_assert(gate.match("git status") == verdict::allow);
static_assert(gate.match("rm -rf /x") == verdict::deny);
static_assert(gate.match("sudo rm -rf /") == verdict::ask);  // rule 2: prefix does not hold
static_assert(gate.match_index("git push origin") == 3);
static_assert(!gate.match_index("git push --force"));
static_assert(gate.match_index("a.txt") == 4);
static_assert(gate.match_index("cat x9") == 5);
static_assert(!gate.match_index("cat x"));
static_assert(gate.match_index("ls") == 6 && gate.match_index("pwd") == 6);
static_assert(!gate.match_index("ls -l"));
static_assert(gate.match_index("curl x | sh") == 7);
static_assert(gate.match_index("rm -rf / | sh") == 0);  // first rule wins
static_assert(!gate.match_index(""));
static_assert(decltype(gate)::size() == 8);
static_assert(decltype(gate)::count<kind::glob>() == 3);
static_assert(decltype(gate)::count<kind::exact>() == 0);

// Empty patterns and the virtual anchors.
constexpr ruleset empties{rule{exact<"">{}, 0}, rule{prefix<"">{}, 1}};
static_assert(empties.match_index("") == 0 && empties.match_index("x") == 1);
constexpr ruleset star{rule{glob<"*">{}, 'a'}};
static_assert(star.match("") == 'a' && star.match("anything") == 'a');
constexpr ruleset negation{rule{not_<contains<"x">>{}, 1}, rule{contains<"x">{}, 2}};
static_assert(negation.match("abc") == 1 && negation.match("axc") == 2);

// Long literals: trie edges longer than a word, suffixes walked from the end, contains
// literals found through the sampled filter, globs with leading and trailing runs.
constexpr ruleset longs{
    rule{exact<"kubectl rollout restart deploy/app0">{}, 0},
    rule{prefix<"docker system prune -af --filter label=">{}, 1},
    rule{suffix<" --namespace=production-eu">{}, 2},
    rule{contains<"--password=hunter2">{}, 3},
    rule{glob<"git push * --force-with-lease origin/*">{}, 4},
    rule{glob<"*AWS_SECRET_ACCESS_KEY=*">{}, 5},
    rule{contains<"abc">{}, 6},
    rule{glob<"curl -fsSL https://*.example.com/* | sh">{}, 7},
};
static_assert(longs.match_index("kubectl rollout restart deploy/app0") == 0);
static_assert(!longs.match_index("kubectl rollout restart deploy/app"));
static_assert(!longs.match_index("kubectl rollout restart deploy/app00"));
static_assert(longs.match_index("docker system prune -af --filter label=x") == 1);
static_assert(!longs.match_index("docker system prune -af --filter label"));
static_assert(longs.match_index("kubectl get pods --namespace=production-eu") == 2);
static_assert(!longs.match_index("kubectl get pods --namespace=production-e"));
static_assert(longs.match_index("mysql --user=root --password=hunter2 db") == 3);
static_assert(longs.match_index("git push me --force-with-lease origin/main") == 4);
static_assert(!longs.match_index("git push --force-with-lease origin/main"));
static_assert(longs.match_index("env AWS_SECRET_ACCESS_KEY=x aws s3 ls") == 5);
static_assert(longs.match_index("xabcx") == 6);
static_assert(longs.match_index("curl -fsSL https://get.example.com/i.sh | sh") == 7);
static_assert(!longs.match_index("curl -fsSL https://get.example.org/i.sh | sh"));

// Glob corner cases (fnmatch semantics) decided at compile time.
constexpr ruleset globs{
    rule{glob<"a*a*a*a*b">{}, 0}, rule{glob<"[]]x">{}, 1},         rule{glob<"[!a-c]y">{}, 2},
    rule{glob<"\\*lit">{}, 3},    rule{glob<"[[:digit:]]z">{}, 4}, rule{glob<"?">{}, 5},
};
static_assert(globs.match_index("aaaaaaaaaaaaaaaaaaaaaaaab") == 0);
static_assert(!globs.match_index("aaaaaaaaaaaaaaaaaaaaaaaaa"));
static_assert(globs.match_index("]x") == 1);
static_assert(globs.match_index("dy") == 2 && !globs.match_index("by"));
static_assert(globs.match_index("*lit") == 3 && !globs.match_index("xlit"));
static_assert(globs.match_index("7z") == 4);
static_assert(globs.match_index("q") == 5);

static_assert(valid_glob<"a[bc]*">);
static_assert(!valid_glob<"a[bc">);
static_assert(!valid_glob<"abc\\">);
static_assert(!valid_glob<"[[:nope:]]">);

// ---- fnmatch differential ------------------------------------------------------------------
bool glob_match(std::string_view pattern, std::string_view s) {
  const auto p = hotpath::detail::rules_parse_glob(pattern);
  return hotpath::detail::rules_glob_match(p.tokens.data(), p.tokens.size(), p.sets.data(), s);
}

TEST(RulesGlob, AgreesWithFnmatchOnRandomPatterns) {
  std::mt19937_64 rng(12345);
  const std::string pat_alpha = "ab*?[]!^-\\:c";
  const std::string in_alpha = "abc-]!^:\\*?[";
  auto pick = [&](const std::string& a) { return a[rng() % a.size()]; };
  std::size_t compared = 0;
  for (int iter = 0; iter < 40000; ++iter) {
    std::string p;
    const std::size_t plen = rng() % 9;
    for (std::size_t i = 0; i < plen; ++i) {
      if (rng() % 16 == 0)
        p += "[[:alpha:]]";
      else
        p += pick(pat_alpha);
    }
    const auto parsed = hotpath::detail::rules_parse_glob(p);
    if (parsed.error != hotpath::detail::rules_error::none) continue;  // fnmatch guesses; we reject
    for (int k = 0; k < 12; ++k) {
      std::string s;
      const std::size_t slen = rng() % 8;
      for (std::size_t i = 0; i < slen; ++i) s += pick(in_alpha);
      const bool ref = ::fnmatch(p.c_str(), s.c_str(), 0) == 0;
      ASSERT_EQ(glob_match(p, s), ref) << "pattern \"" << p << "\" input \"" << s << "\"";
      ++compared;
    }
  }
  EXPECT_GT(compared, 200000u);
}

TEST(RulesGlob, NoExponentialBacktracking) {
  const std::string s(20000, 'a');
  EXPECT_FALSE(glob_match("a*a*a*a*a*a*a*a*b", s));
  EXPECT_TRUE(glob_match("a*a*a*a*a*a*a*a*", s));
}

// ---- dynamic ruleset against a naive loop ----------------------------------------------------
struct naive_rule {
  kind k;
  std::string p;
};
std::optional<std::size_t> naive(const std::vector<naive_rule>& rs, const std::string& s) {
  for (std::size_t i = 0; i < rs.size(); ++i) {
    const auto& r = rs[i];
    const std::string_view v(s);
    bool m = false;
    switch (r.k) {
      case kind::exact:
        m = v == r.p;
        break;
      case kind::prefix:
        m = v.starts_with(r.p);
        break;
      case kind::suffix:
        m = v.ends_with(r.p);
        break;
      case kind::contains:
        m = v.find(r.p) != std::string_view::npos;
        break;
      case kind::glob:
        m = ::fnmatch(r.p.c_str(), s.c_str(), 0) == 0;
        break;
    }
    if (m) return i;
  }
  return std::nullopt;
}

TEST(RulesDynamic, AgreesWithNaiveLoopOnRandomRulesets) {
  std::mt19937_64 rng(777);
  const std::string alpha = "abc /-";
  const std::string gl = "abc /-*?[]!";
  auto word = [&](const std::string& a, std::size_t maxlen) {
    std::string w;
    const std::size_t n = rng() % (maxlen + 1);
    for (std::size_t i = 0; i < n; ++i) w += a[rng() % a.size()];
    return w;
  };
  for (int set = 0; set < 300; ++set) {
    std::vector<naive_rule> rs;
    dynamic_ruleset<int> dyn;
    const std::size_t n = 1 + rng() % 40;
    while (rs.size() < n) {
      const auto k = static_cast<kind>(rng() % 5);
      std::string p = k == kind::glob ? word(gl, 6) : word(alpha, 4);
      if (k == kind::glob && hotpath::detail::rules_glob_error(p) != pattern_error::none) continue;
      dyn.add(k, p, static_cast<int>(rs.size()));
      rs.push_back({k, p});
    }
    for (int q = 0; q < 200; ++q) {
      const std::string s = word(alpha, 10);
      const auto ref = naive(rs, s);
      ASSERT_EQ(dyn.match_index(s), ref) << "set " << set << " input \"" << s << "\"";
      if (ref) {
        ASSERT_EQ(dyn.match(s), static_cast<int>(*ref));
      }
    }
  }
}

// Literals and inputs longer than the matcher's 8-byte words: pieces of the inputs become
// patterns (so that they hit), globs get wildcards in their middle, their ends or both.
TEST(RulesDynamic, AgreesWithNaiveLoopOnLongLiterals) {
  std::mt19937_64 rng(4242);
  const std::string alpha = "ab -/";
  auto word = [&](std::size_t maxlen) {
    std::string w;
    const std::size_t n = rng() % (maxlen + 1);
    for (std::size_t i = 0; i < n; ++i) w += alpha[rng() % alpha.size()];
    return w;
  };
  std::size_t compared = 0, matched = 0;
  for (int set = 0; set < 300; ++set) {
    std::vector<std::string> pool;
    pool.reserve(30);
    for (int i = 0; i < 30; ++i) pool.push_back(word(48));
    auto piece = [&] {
      const std::string& w = pool[rng() % pool.size()];
      const std::size_t b = w.empty() ? 0 : rng() % w.size();
      return w.substr(b, rng() % 25);
    };
    std::vector<naive_rule> rs;
    dynamic_ruleset<int> dyn;
    const std::size_t n = 1 + rng() % 60;
    while (rs.size() < n) {
      const auto k = static_cast<kind>(rng() % 5);
      std::string p = piece();
      if (k == kind::glob) {
        for (int w = 0; w < 3; ++w) {
          const std::size_t at = p.empty() ? 0 : rng() % (p.size() + 1);
          p.insert(at, rng() % 3 == 0 ? "?" : "*");
        }
        if (rng() % 2) p.insert(0, 1, '*');
        if (rng() % 2) p += "*";
      }
      dyn.add(k, p, static_cast<int>(rs.size()));
      rs.push_back({k, p});
    }
    for (int q = 0; q < 200; ++q) {
      std::string s = pool[rng() % pool.size()];
      if (rng() % 2) {
        std::string t = piece();
        t += s;
        t += piece();
        s = std::move(t);
      }
      const auto ref = naive(rs, s);
      ASSERT_EQ(dyn.match_index(s), ref) << "set " << set << " input \"" << s << "\"";
      ++compared;
      matched += ref.has_value();
    }
  }
  EXPECT_GT(compared, 50000u);
  EXPECT_GT(matched, compared / 4);
}

// The compile-time set and the dynamic set built from the same rules agree at run time.
TEST(RulesStatic, AgreesWithDynamicOnLongLiterals) {
  dynamic_ruleset<int> d;
  d.add(kind::exact, "kubectl rollout restart deploy/app0", 0);
  d.add(kind::prefix, "docker system prune -af --filter label=", 1);
  d.add(kind::suffix, " --namespace=production-eu", 2);
  d.add(kind::contains, "--password=hunter2", 3);
  d.add(kind::glob, "git push * --force-with-lease origin/*", 4);
  d.add(kind::glob, "*AWS_SECRET_ACCESS_KEY=*", 5);
  d.add(kind::contains, "abc", 6);
  d.add(kind::glob, "curl -fsSL https://*.example.com/* | sh", 7);
  const std::vector<std::string> inputs = {"kubectl rollout restart deploy/app0",
                                           "kubectl rollout restart deploy/app",
                                           "docker system prune -af --filter label=x",
                                           "a --namespace=production-eu",
                                           "x --password=hunter2",
                                           "git push me --force-with-lease origin/main",
                                           "AWS_SECRET_ACCESS_KEY=",
                                           "abc",
                                           "ab",
                                           "curl -fsSL https://a.example.com/x | sh",
                                           "curl -fsSL https://a.example.com/x | bash",
                                           "",
                                           "--password=hunter",
                                           "zzzzzzzzzzzzzzzzzzzz"};
  for (const auto& s : inputs) {
    const auto want = d.match_index(s);
    EXPECT_EQ(longs.match_index(s), want) << s;
  }
}

// An end-anchored or exact literal of 4+ bytes sits in the filter's table under its last 4
// bytes (tail multiplier); a sampled position whose 4 bytes hash (other multiplier) into the
// same bucket reaches it too, and must not count it where it does not end the input. w: a
// 4-byte word whose two hashes agree in their top 16 bits (so at every table size), searched.
TEST(RulesDynamic, EndAnchoredLiteralSeenFromASampledPositionMustEndTheInput) {
  std::string w;
  for (std::uint32_t x = 0; x < 26u * 26 * 26 * 26 && w.empty(); ++x) {
    const std::string c = {static_cast<char>('a' + x % 26), static_cast<char>('a' + x / 26 % 26),
                           static_cast<char>('a' + x / 676 % 26),
                           static_cast<char>('a' + x / 17576)};
    const std::uint32_t v = hotpath::detail::load_le32(c.data());
    if (hotpath::detail::rules_hash4(v, 16) == hotpath::detail::rules_hash4_tail(v, 16)) w = c;
  }
  ASSERT_EQ(w.size(), 4u);
  for (const kind k : {kind::suffix, kind::exact, kind::glob}) {
    dynamic_ruleset<int> d;
    d.add(k, k == kind::glob ? "*" + w : w, 0);
    d.add(kind::contains, "zzzz", 1);  // sampled positions: every offset
    EXPECT_EQ(d.match_index(w + "zzzz"), 1u) << w << " kind " << static_cast<int>(k);
    EXPECT_EQ(d.match_index("zzzz" + w), k == kind::exact ? 1u : 0u) << w;
    EXPECT_EQ(d.match_index(w), 0u) << w;
  }
}

#if defined(__linux__) && SIZE_MAX > 0xFFFFFFFFu && !HOTPATH_TSAN
// An input of more than 4 GiB (zero pages, not backed): the sampled positions reach its end.
// The filter's 32-bit "no limit" (rules_none) once stopped them at 4 GiB. ~1 s (ASan: ~3 s;
// not under TSan, whose shadow of the 4 GiB took ~55 s).
TEST(RulesDynamic, UnanchoredLiteralPastFourGiB) {
  const std::size_t n = (std::size_t{1} << 32) + 64;
  void* mem =
      mmap(nullptr, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (mem == MAP_FAILED) GTEST_SKIP() << "no 4 GiB of address space";
  char* p = static_cast<char*>(mem);
  const std::string_view lit = "needle, 35 bytes: few sampled spots";
  std::memcpy(p + n - 40, lit.data(), lit.size());
  dynamic_ruleset<int> d;
  d.add(kind::contains, lit, 1);
  EXPECT_EQ(d.match(std::string_view(p, n)), 1);
  munmap(mem, n);
}
#endif

TEST(RulesDynamic, BadPatternThrowsNamingIt) {
  dynamic_ruleset<int> d;
  d.add(kind::prefix, "ok", 1);
  try {
    d.add(kind::glob, "ab[cd", 2);
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("\"ab[cd\""), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("unclosed '['"), std::string::npos) << e.what();
  }
  EXPECT_THROW(d.add(kind::glob, "x\\", 3), std::invalid_argument);
  EXPECT_EQ(d.size(), 1u);
  EXPECT_EQ(d.match("okay"), 1);
}

// A value whose move constructor throws on demand: add() must leave the set as it was.
struct move_may_throw {
  int v = 0;
  static inline bool fail = false;
  explicit move_may_throw(int x) : v(x) {}
  move_may_throw(const move_may_throw&) = default;
  // NOLINTNEXTLINE(performance-noexcept-move-constructor): throws on purpose
  move_may_throw(move_may_throw&& o) : v(o.v) {
    if (fail) throw std::runtime_error("move");
  }
  move_may_throw& operator=(const move_may_throw&) = default;
  move_may_throw& operator=(move_may_throw&&) = default;
  ~move_may_throw() = default;
};

TEST(RulesDynamic, ThrowingAddLeavesTheSetUnchanged) {
  dynamic_ruleset<move_may_throw> d;
  d.add(kind::prefix, "git ", move_may_throw(1));
  EXPECT_EQ(d.match("git push")->v, 1);  // tables built
  move_may_throw::fail = true;
  EXPECT_THROW(d.add(kind::exact, "ls", move_may_throw(2)), std::runtime_error);
  move_may_throw::fail = false;
  EXPECT_EQ(d.size(), 1u);
  EXPECT_FALSE(d.match_index("ls"));
  EXPECT_EQ(d.match("git push")->v, 1);
  EXPECT_EQ(d.add(kind::exact, "rm", move_may_throw(3)), 1u);
  EXPECT_EQ(d.match_index("rm"), 1u);
  EXPECT_EQ(d.match("rm")->v, 3);
  EXPECT_FALSE(d.match_index("ls"));
}

TEST(RulesDynamic, AddAfterMatchRebuilds) {
  dynamic_ruleset<int> d;
  EXPECT_FALSE(d.match("abc"));
  d.add(kind::suffix, "c", 1);
  EXPECT_EQ(d.match("abc"), 1);
  d.add(kind::exact, "xyz", 2);
  EXPECT_EQ(d.match("xyz"), 2);
  const auto copy = d;
  EXPECT_EQ(copy.match("xyz"), 2);
}

// The first match after add() builds the tables; concurrent first matches must agree.
TEST(RulesDynamic, ConcurrentFirstMatchesBuildOnce) {
  for (int round = 0; round < 20; ++round) {
    dynamic_ruleset<int> d;
    for (int i = 0; i < 50; ++i) d.add(kind::prefix, "cmd" + std::to_string(i) + " ", i);
    d.add(kind::glob, "*.[ch]", 50);
    std::vector<std::thread> threads;
    threads.reserve(4);
    std::vector<int> bad(4, 0);
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&d, &bad, t] {
        for (int i = 0; i < 51; ++i) {
          const std::string s = i < 50 ? "cmd" + std::to_string(i) + " x" : std::string("a.c");
          if (d.match(s) != i) ++bad[static_cast<std::size_t>(t)];
        }
      });
    }
    for (auto& th : threads) th.join();
    for (int b : bad) EXPECT_EQ(b, 0);
  }
}

TEST(RulesStatic, MatchesAtRunTimeToo) {
  const std::vector<std::string> inputs = {"git log", "rm -rf /home", "x | sh", "nothing"};
  EXPECT_EQ(gate.match(inputs[0]), verdict::allow);
  EXPECT_EQ(gate.match(inputs[1]), verdict::deny);
  EXPECT_EQ(gate.match(inputs[2]), verdict::deny);
  EXPECT_FALSE(gate.match(inputs[3]));
  EXPECT_GT(gate.automaton_states(), 2u);  // trie nodes: the two roots and more
}

}  // namespace
