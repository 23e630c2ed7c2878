// libFuzzer target: dynamic_ruleset against a naive first-match loop (== / starts_with /
// ends_with / find / fnmatch). Not built by default; build and run with clang:
//   clang++ -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -Iinclude \
//       tests/fuzz/rules_fuzz.cpp -o rules_fuzz && ./rules_fuzz -max_total_time=60
// Input layout: a rule count byte, then rules as (kind byte, length byte, pattern bytes), then
// the remaining bytes are the subject (NUL bytes are dropped: fnmatch takes C strings).
#include <hotpath/rules.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include <fnmatch.h>

namespace {
struct naive_rule {
  hotpath::rules::kind k;
  std::string p;
};
bool naive_one(const naive_rule& r, const std::string& s) {
  using hotpath::rules::kind;
  const std::string_view v(s);
  switch (r.k) {
    case kind::exact:
      return v == r.p;
    case kind::prefix:
      return v.starts_with(r.p);
    case kind::suffix:
      return v.ends_with(r.p);
    case kind::contains:
      return v.find(r.p) != std::string_view::npos;
    case kind::glob:
      return ::fnmatch(r.p.c_str(), s.c_str(), 0) == 0;
  }
  return false;
}
std::string take(const std::uint8_t*& p, const std::uint8_t* end, std::size_t n) {
  std::string out;
  while (n-- > 0 && p < end) {
    if (*p != 0) out += static_cast<char>(*p);
    ++p;
  }
  return out;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::uint8_t* p = data;
  const std::uint8_t* end = data + size;
  if (p == end) return 0;
  const std::size_t n = *p++ % 32;
  std::vector<naive_rule> rules;
  hotpath::rules::dynamic_ruleset<int> rs;
  for (std::size_t i = 0; i < n && end - p >= 2; ++i) {
    const auto k = static_cast<hotpath::rules::kind>(*p++ % 5);
    const std::size_t len = *p++ % 16;
    std::string pat = take(p, end, len);
    if (k == hotpath::rules::kind::glob &&
        hotpath::detail::rules_glob_error(pat) != hotpath::rules::pattern_error::none)
      continue;
    rs.add(k, pat, static_cast<int>(rules.size()));
    rules.push_back({k, std::move(pat)});
  }
  const std::string subject = take(p, end, static_cast<std::size_t>(end - p));
  std::size_t want = rules.size();
  for (std::size_t i = 0; i < rules.size(); ++i)
    if (naive_one(rules[i], subject)) {
      want = i;
      break;
    }
  const auto got = rs.match_index(subject);
  if ((want == rules.size()) != !got || (got && *got != want)) std::abort();
  return 0;
}
