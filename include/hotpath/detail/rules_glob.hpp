// hotpath/detail/rules_glob.hpp: the glob language of hotpath::rules, parsed into tokens and
// matched without exponential backtracking. Internal; users write rules::glob<"..."> or
// dynamic_ruleset::add(kind::glob, ...).
//
// Semantics are those of glibc fnmatch(3) with flags 0 in the C locale: `*` matches any
// sequence (including '/' and a leading '.'), `?` any one byte, `[...]` a bracket expression
// with ranges, `!` or `^` negation, a leading `]` taken literally, POSIX classes such as
// [:alpha:], and `\` escaping the next byte (also inside brackets). Where fnmatch quietly
// treats a malformed pattern as text or as "no match" (an unclosed `[`, a trailing `\`, an
// unknown [:class:]), hotpath rejects the pattern instead. Equivalence classes [=a=] and
// collating symbols [.a.] are rejected as unsupported.
//
// Matching: a glob is a list of segments separated by `*`. The matcher keeps only the most
// recent `*` as a restart point (a later `*` subsumes every earlier one, because `*` matches
// anything), so the work is O(|pattern| x |input|) in the worst case and linear for the usual
// patterns; `a*a*a*a*b` against a long run of `a` costs a few passes, not 2^n.
#ifndef HOTPATH_DETAIL_RULES_GLOB_HPP
#define HOTPATH_DETAIL_RULES_GLOB_HPP

#include <hotpath/detail/config.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace hotpath::detail {

// What is wrong with a pattern; none when it is well formed.
enum class rules_error : std::uint8_t {
  none,
  unclosed_bracket,     // `[` without its `]`
  trailing_backslash,   // pattern (or a bracket) ends with a lone `\`
  unknown_class,        // [:name:] with a name POSIX does not define
  unsupported_bracket,  // [=a=] or [.a.] inside a bracket
  class_in_range,       // a [:class:] used as a range end point
};

constexpr const char* rules_error_text(rules_error e) noexcept {
  switch (e) {
    case rules_error::none:
      return "no error";
    case rules_error::unclosed_bracket:
      return "unclosed '[' (a bracket expression needs its ']')";
    case rules_error::trailing_backslash:
      return "trailing '\\' (nothing left to escape)";
    case rules_error::unknown_class:
      return "unknown character class in [:name:]";
    case rules_error::unsupported_bracket:
      return "[=x=] and [.x.] are not supported";
    case rules_error::class_in_range:
      return "a [:class:] cannot be a range end point";
  }
  return "unknown error";
}

// A 256-bit byte set.
struct rules_byteset {
  std::array<std::uint64_t, 4> w{};
  constexpr void set(unsigned c) noexcept { w[c >> 6] |= std::uint64_t{1} << (c & 63); }
  constexpr bool test(unsigned c) const noexcept { return (w[c >> 6] >> (c & 63)) & 1; }
  constexpr void flip() noexcept {
    for (auto& x : w) x = ~x;
  }
};

enum class rules_tok_op : std::uint8_t { byte, any, star, set };

struct rules_glob_token {
  rules_tok_op op = rules_tok_op::byte;
  std::uint8_t byte = 0;  // op == byte
  std::uint32_t set = 0;  // op == set: index into the set table
};

// Result of parsing: tokens (consecutive stars merged) and the byte sets they refer to.
struct rules_glob_parsed {
  rules_error error = rules_error::none;
  std::size_t error_pos = 0;
  std::vector<rules_glob_token> tokens;
  std::vector<rules_byteset> sets;
};

// The POSIX classes in the C locale.
constexpr bool rules_add_class(std::string_view name, rules_byteset& s) noexcept {
  auto add_if = [&](auto pred) {
    for (unsigned c = 0; c < 256; ++c)
      if (pred(c)) s.set(c);
  };
  auto upper = [](unsigned c) { return c >= 'A' && c <= 'Z'; };
  auto lower = [](unsigned c) { return c >= 'a' && c <= 'z'; };
  auto digit = [](unsigned c) { return c >= '0' && c <= '9'; };
  auto alpha = [=](unsigned c) { return upper(c) || lower(c); };
  auto graph = [](unsigned c) { return c > 32 && c < 127; };
  if (name == "alpha")
    add_if(alpha);
  else if (name == "upper")
    add_if(upper);
  else if (name == "lower")
    add_if(lower);
  else if (name == "digit")
    add_if(digit);
  else if (name == "alnum")
    add_if([=](unsigned c) { return alpha(c) || digit(c); });
  else if (name == "xdigit")
    add_if(
        [=](unsigned c) { return digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); });
  else if (name == "space")
    add_if([](unsigned c) { return c == ' ' || (c >= 9 && c <= 13); });
  else if (name == "blank")
    add_if([](unsigned c) { return c == ' ' || c == '\t'; });
  else if (name == "cntrl")
    add_if([](unsigned c) { return c < 32 || c == 127; });
  else if (name == "print")
    add_if([](unsigned c) { return c >= 32 && c < 127; });
  else if (name == "graph")
    add_if(graph);
  else if (name == "punct")
    add_if([=](unsigned c) { return graph(c) && !alpha(c) && !digit(c); });
  else
    return false;
  return true;
}

// Parses a bracket expression whose `[` is at p[i-1]; on success i is past the `]`.
constexpr rules_error rules_parse_bracket(std::string_view p, std::size_t& i, rules_byteset& set) {
  const std::size_t n = p.size();
  bool negate = false;
  if (i < n && (p[i] == '!' || p[i] == '^')) {
    negate = true;
    ++i;
  }
  bool first = true;
  for (;;) {
    if (i >= n) return rules_error::unclosed_bracket;
    char c = p[i];
    if (c == ']' && !first) {
      ++i;
      break;
    }
    first = false;
    if (c == '[' && i + 1 < n && (p[i + 1] == '=' || p[i + 1] == '.'))
      return rules_error::unsupported_bracket;
    if (c == '[' && i + 1 < n && p[i + 1] == ':') {
      // Like glibc: a name of [a-y] letters closed by ":]" is a class; anything else makes the
      // '[' an ordinary member.
      std::size_t j = i + 2;
      while (j < n && p[j] >= 'a' && p[j] < 'z') ++j;
      if (j + 1 < n && p[j] == ':' && p[j + 1] == ']') {
        if (!rules_add_class(p.substr(i + 2, j - i - 2), set)) return rules_error::unknown_class;
        i = j + 2;
        if (i + 1 < n && p[i] == '-' && p[i + 1] != ']') return rules_error::class_in_range;
        continue;
      }
    }
    ++i;
    if (c == '\\') {
      if (i >= n) return rules_error::trailing_backslash;
      c = p[i++];
    }
    auto lo = static_cast<unsigned char>(c);
    if (i + 1 < n && p[i] == '-' && p[i + 1] != ']') {
      ++i;
      char e = p[i++];
      if (e == '\\') {
        if (i >= n) return rules_error::trailing_backslash;
        e = p[i++];
      } else if (e == '[' && i < n && (p[i] == ':' || p[i] == '=' || p[i] == '.')) {
        return rules_error::class_in_range;
      }
      auto hi = static_cast<unsigned char>(e);
      for (unsigned x = lo; x <= hi; ++x) set.set(x);  // lo > hi: empty, as in glibc
    } else {
      set.set(lo);
    }
  }
  if (negate) set.flip();
  return rules_error::none;
}

// Parses a glob pattern into caller-provided storage: up to p.size() tokens (consecutive
// stars merged) into tok and up to p.size() / 3 + 1 byte sets into sets, or nothing when tok
// is null (validation only). Raw pointers, no allocation: this runs inside the compiler for
// every compile-time glob, where each std::vector::push_back costs about a thousand of g++'s
// constexpr operations. Returns the first error; err_pos is the offset where it starts.
constexpr rules_error rules_parse_glob_to(std::string_view p, rules_glob_token* tok,
                                          rules_byteset* sets, std::size_t& n_tok,
                                          std::size_t& n_sets, std::size_t& err_pos) {
  n_tok = n_sets = err_pos = 0;
  const std::size_t n = p.size();
  std::size_t i = 0;
  bool last_star = false;
  while (i < n) {
    const std::size_t at = i;
    const char c = p[i++];
    rules_glob_token t;
    if (c == '\\') {
      if (i >= n) {
        err_pos = at;
        return rules_error::trailing_backslash;
      }
      t.byte = static_cast<std::uint8_t>(p[i++]);
    } else if (c == '?') {
      t.op = rules_tok_op::any;
    } else if (c == '*') {
      if (last_star) continue;
      t.op = rules_tok_op::star;
    } else if (c == '[') {
      rules_byteset set;
      const rules_error e = rules_parse_bracket(p, i, set);
      if (e != rules_error::none) {
        err_pos = at;
        return e;
      }
      t.op = rules_tok_op::set;
      t.set = static_cast<std::uint32_t>(n_sets);
      if (tok != nullptr) sets[n_sets] = set;
      ++n_sets;
    } else {
      t.byte = static_cast<std::uint8_t>(c);
    }
    last_star = t.op == rules_tok_op::star;
    if (tok != nullptr) tok[n_tok] = t;
    ++n_tok;
  }
  return rules_error::none;
}

// Parses a glob pattern into tokens. Never throws for bad patterns: check .error.
constexpr rules_glob_parsed rules_parse_glob(std::string_view p) {
  rules_glob_parsed out;
  std::size_t n_tok = 0, n_sets = 0;
  out.error = rules_parse_glob_to(p, nullptr, nullptr, n_tok, n_sets, out.error_pos);
  if (out.error != rules_error::none) return out;
  out.tokens.resize(n_tok);
  out.sets.resize(n_sets);
  (void)rules_parse_glob_to(p, out.tokens.data(), out.sets.data(), n_tok, n_sets, out.error_pos);
  return out;
}

// First error in a glob pattern (rules_error::none if it is well formed).
constexpr rules_error rules_glob_error(std::string_view p) {
  std::size_t n_tok = 0, n_sets = 0, pos = 0;
  return rules_parse_glob_to(p, nullptr, nullptr, n_tok, n_sets, pos);
}

// Matches s against tokens [tok, tok + m). Greedy with one restart point (the last `*`).
constexpr bool rules_glob_match(const rules_glob_token* tok, std::size_t m,
                                const rules_byteset* sets, std::string_view s) noexcept {
  const std::size_t n = s.size();
  std::size_t p = 0, t = 0;
  std::size_t star_p = m, star_t = 0;  // star_p == m: no `*` seen yet
  auto one = [&](const rules_glob_token& k, unsigned char c) {
    switch (k.op) {
      case rules_tok_op::byte:
        return k.byte == c;
      case rules_tok_op::any:
        return true;
      case rules_tok_op::set:
        return sets[k.set].test(c);
      case rules_tok_op::star:
        return false;
    }
    return false;
  };
  while (t < n) {
    if (p < m && tok[p].op == rules_tok_op::star) {
      star_p = p++;
      star_t = t;
    } else if (p < m && one(tok[p], static_cast<unsigned char>(s[t]))) {
      ++p;
      ++t;
    } else if (star_p != m) {
      p = star_p + 1;
      t = ++star_t;
    } else {
      return false;
    }
  }
  while (p < m && tok[p].op == rules_tok_op::star) ++p;
  return p == m;
}

}  // namespace hotpath::detail

#endif  // HOTPATH_DETAIL_RULES_GLOB_HPP
