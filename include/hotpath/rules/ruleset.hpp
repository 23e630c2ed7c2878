// hotpath/rules/ruleset.hpp: a first-match-wins rule set whose matcher is built at compile
// time.
//
// What: rules::ruleset{rule{pattern{}, value}, ...} answers match(s) -> optional<Value> and
// match_index(s) -> optional<size_t>: the first rule in declaration order whose pattern
// matches s. Both are constexpr (static_assert on them).
// Differs from a loop over rules / std::regex / RE2::Set: the literals of all rules (exact,
// prefix, suffix, contains and the literal runs of globs) are merged by the compiler into one
// Aho-Corasick automaton with byte-class-compressed tables, so a match reads each input byte
// once whatever the number of rules; globs are verified only when their literal was seen.
// A malformed pattern is a compile error naming the rule index and the problem.
// Performance: one table load per input byte plus a compare; no allocation, no locks, thread
// safe (the tables are constants). Build cost: O(total literal length + states x byte classes)
// constexpr steps: ~0.6 s of g++ -O2 over the header for 100 rules, ~7 s for 1000 (default
// constexpr limits; see docs/rules.md).
// Example:
//   enum class verdict { allow, deny, ask };
//   using namespace hotpath::rules;
//   constexpr ruleset gate{rule{prefix<"rm -rf /">{}, verdict::deny},
//                          rule{glob<"git [sl]*">{}, verdict::allow}};
//   static_assert(gate.match("git status") == verdict::allow);
#ifndef HOTPATH_RULES_RULESET_HPP
#define HOTPATH_RULES_RULESET_HPP

#include <hotpath/detail/config.hpp>
#include <hotpath/detail/rules_automaton.hpp>
#include <hotpath/rules/patterns.hpp>

#include <algorithm>
#include <array>
#include <boost/hana/at.hpp>
#include <boost/hana/count_if.hpp>
#include <boost/hana/transform.hpp>
#include <boost/hana/tuple.hpp>
#include <boost/hana/type.hpp>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string_view>
#include <type_traits>
#include <utility>

namespace hotpath::rules {

// A pattern paired with the value a match returns: rule{prefix<"ls">{}, verdict::allow}.
template <pattern P, class Value>
struct rule {
  using pattern_type = P;
  using value_type = Value;
  Value value;

  constexpr rule(P /*pattern*/, Value v) : value(std::move(v)) {}
};
template <class P, class Value>
rule(P, Value) -> rule<P, Value>;

namespace detail {
namespace hana = boost::hana;

// Pack helpers that neither fold (clang's 256 nesting limit) nor recurse (g++'s template
// depth of 900): a 1000-rule set must compile with default limits.
constexpr std::size_t sum(std::initializer_list<std::size_t> l) noexcept {
  std::size_t n = 0;
  for (const std::size_t x : l) n += x;
  return n;
}
constexpr bool all(std::initializer_list<bool> l) noexcept {
  return std::ranges::all_of(l, [](bool x) { return x; });
}

template <class T, class...>
struct first_type {
  using type = T;
};

template <class T>
struct is_rule : std::false_type {};
template <class P, class V>
struct is_rule<rule<P, V>> : std::true_type {};

// The diagnostic for a malformed pattern: instantiated for the first bad rule only, so the
// compiler's "required from" line shows `rule_pattern_check<INDEX, PATTERN>`.
template <std::size_t RuleIndex, class Pattern>
struct rule_pattern_check {
  static constexpr pattern_error e = Pattern::error;
  static_assert(e != pattern_error::unclosed_bracket,
                "hotpath::rules: the glob of rule #RuleIndex (see rule_pattern_check<RuleIndex, "
                "Pattern> below) has an unclosed '['");
  static_assert(e != pattern_error::trailing_backslash,
                "hotpath::rules: the glob of rule #RuleIndex (see rule_pattern_check<RuleIndex, "
                "Pattern> below) ends with a lone '\\'");
  static_assert(e != pattern_error::unknown_class,
                "hotpath::rules: the glob of rule #RuleIndex (see rule_pattern_check<RuleIndex, "
                "Pattern> below) names an unknown [:class:]");
  static_assert(e != pattern_error::unsupported_bracket,
                "hotpath::rules: the glob of rule #RuleIndex (see rule_pattern_check<RuleIndex, "
                "Pattern> below) uses [=x=] or [.x.], which are not supported");
  static_assert(e != pattern_error::class_in_range,
                "hotpath::rules: the glob of rule #RuleIndex (see rule_pattern_check<RuleIndex, "
                "Pattern> below) uses a [:class:] as a range end point");
  static constexpr bool ok = e == pattern_error::none;
};

// Type-level facts about a list of patterns, computed with Hana.
template <class... P>
struct pattern_list {
  static constexpr auto types = hana::tuple_t<P...>;
  // Index of the first malformed pattern (sizeof...(P) if none). A loop over a pack-expanded
  // array rather than hana::index_if, whose recursive instantiation exceeds g++'s template
  // depth limit (900) at 1000 rules.
  static constexpr std::size_t first_bad = [] {
    constexpr bool bad[] = {(P::error != pattern_error::none)...};
    std::size_t i = 0;
    while (i < sizeof...(P) && !bad[i]) ++i;
    return i;
  }();
  static constexpr bool valid = first_bad == sizeof...(P);

  template <kind K>
  static constexpr std::size_t count_kind() noexcept {
    return hana::value(hana::count_if(types, [](auto t) {
      using T = typename decltype(t)::type;
      if constexpr (requires { T::pattern_kind; }) {
        return hana::bool_c<T::pattern_kind == K>;
      } else {
        return hana::false_c;
      }
    }));
  }

  static constexpr bool check() {
    if constexpr (!valid) {
      using bad = typename decltype(+hana::at_c<first_bad>(types))::type;
      return rule_pattern_check<first_bad, bad>::ok;
    } else {
      return true;
    }
  }
};

namespace hd = hotpath::detail;

// Stage 1 of the compile-time build: the analysis copied into arrays sized by upper bounds
// that the spec's sizes give. The analysis thus runs once (the exact sizes and the dense table
// are both read from this copy), and each constant evaluation (spec sizes, analysis, table)
// stays well inside the compilers' per-evaluation limits.
template <hd::rules_bounds B>
struct fixed_analysis {
  static constexpr std::size_t max_states = B.syms + 1;
  hd::rules_dims dims{};
  std::array<std::uint16_t, 256> cls{};
  std::uint32_t stride = 0, start = 0, first_out = 0, end_class = 0, states = 0, classes = 0;
  std::array<hd::rules_out, max_states> outs{};
  std::array<std::uint32_t, B.atoms> out_atoms{};
  std::array<hd::rules_atom, B.atoms> atoms{};
  std::array<hd::rules_glob_ref, B.atoms> globs{};
  std::array<hd::rules_glob_token, B.glob_text> tokens{};
  std::array<hd::rules_byteset, B.glob_text / 3 + 1> sets{};
  std::array<hd::rules_crule, B.rules> crules{};
  std::array<hd::rules_node, B.nodes> nodes{};
  std::array<std::uint64_t, (B.rules + 63) / 64> always{};
  std::array<std::uint32_t, max_states> order{}, fail{}, id{}, first_edge{}, edge_next{},
      edge_cls{}, edge_to{};

  static constexpr fixed_analysis from(const hd::rules_analysis& a) {
    fixed_analysis f;
    auto copy = [](auto& dst, const auto& src, std::size_t n) {
      const auto* p = src.data();
      auto* q = dst.data();
      for (std::size_t i = 0; i < n; ++i) q[i] = p[i];
    };
    const hd::rules_dims& d = a.dims;
    f.dims = d;
    f.cls = a.cls;
    f.stride = a.stride;
    f.start = a.start;
    f.first_out = a.first_out;
    f.end_class = a.end_class;
    f.states = a.states;
    f.classes = a.classes;
    copy(f.outs, a.outs, d.outs);
    copy(f.out_atoms, a.out_atoms, d.out_atoms);
    copy(f.atoms, a.atoms, d.atoms);
    copy(f.globs, a.globs, d.globs);
    copy(f.tokens, a.tokens, d.tokens);
    copy(f.sets, a.sets, d.sets);
    copy(f.crules, a.crules, d.crules);
    copy(f.nodes, a.nodes, d.nodes);
    copy(f.always, a.always, d.cand_words);
    const std::size_t n = a.states;
    copy(f.order, a.order, n);
    copy(f.fail, a.fail, n);
    copy(f.id, a.id, n);
    copy(f.first_edge, a.first_edge, n);
    copy(f.edge_next, a.edge_next, n - 1);
    copy(f.edge_cls, a.edge_cls, n - 1);
    copy(f.edge_to, a.edge_to, n - 1);
    return f;
  }
  constexpr hd::rules_trie_view trie() const noexcept {
    return {order.data(),     fail.data(),     id.data(),      first_edge.data(),
            edge_next.data(), edge_cls.data(), edge_to.data(), states,
            stride,           first_out};
  }
};

// The tables of a pattern list, built once per distinct list by the compiler.
template <hd::rules_dims D>
struct fixed_tables {
  std::array<std::uint32_t, D.next> next{};
  std::array<std::uint16_t, 256> cls{};
  std::uint32_t stride = 0, start = 0, first_out = 0, end_class = 0;
  std::array<hd::rules_out, D.outs> outs{};
  std::array<std::uint32_t, D.out_atoms> out_atoms{};
  std::array<hd::rules_atom, D.atoms> atoms{};
  std::array<hd::rules_glob_ref, D.globs> globs{};
  std::array<hd::rules_glob_token, D.tokens> tokens{};
  std::array<hd::rules_byteset, D.sets> sets{};
  std::array<hd::rules_crule, D.crules> crules{};
  std::array<hd::rules_node, D.nodes> nodes{};
  std::array<std::uint64_t, D.cand_words> always{};
  std::uint32_t states = 0, classes = 0;

  template <class A>
  static constexpr fixed_tables from(const A& a) {
    fixed_tables f;
    auto copy = [](auto& dst, const auto& src) {
      const auto* p = src.data();
      auto* q = dst.data();
      for (std::size_t i = 0; i < dst.size(); ++i) q[i] = p[i];
    };
    hd::rules_fill(a.trie(), f.next.data());
    f.cls = a.cls;
    copy(f.outs, a.outs);
    copy(f.out_atoms, a.out_atoms);
    copy(f.atoms, a.atoms);
    copy(f.globs, a.globs);
    copy(f.tokens, a.tokens);
    copy(f.sets, a.sets);
    copy(f.crules, a.crules);
    copy(f.nodes, a.nodes);
    copy(f.always, a.always);
    f.stride = a.stride;
    f.start = a.start;
    f.first_out = a.first_out;
    f.end_class = a.end_class;
    f.states = a.states;
    f.classes = a.classes;
    return f;
  }
  constexpr hd::rules_view view() const noexcept {
    return {next.data(),
            cls.data(),
            stride,
            start,
            first_out,
            end_class,
            outs.data(),
            out_atoms.data(),
            atoms.data(),
            globs.data(),
            tokens.data(),
            sets.data(),
            crules.data(),
            nodes.data(),
            always.data(),
            static_cast<std::uint32_t>(D.cand_words),
            static_cast<std::uint32_t>(D.atom_words)};
  }
};

template <class... P>
struct compiled {
  static constexpr hd::rules_spec spec() {
    hd::rules_spec s(sizeof...(P), sum({P::atom_count...}), sum({P::node_count...}));
    // A braced list, not a fold: clang caps a fold's nesting at 256 (-fbracket-depth).
    const int emitted[] = {(s.begin_rule(), P::emit(s), 0)...};
    (void)emitted;
    return s;
  }
  // Four constant evaluations, each linear in the rules' total length (plus states x classes
  // for the table).
  static constexpr hd::rules_bounds bounds = hd::rules_bounds_of(spec());
  static constexpr fixed_analysis<bounds> analysis =
      fixed_analysis<bounds>::from(hd::rules_analyze(spec()));
  static constexpr hd::rules_dims dims = analysis.dims;
  static constexpr fixed_tables<dims> tables = fixed_tables<dims>::from(analysis);
  static constexpr hd::rules_view view = tables.view();
};

}  // namespace detail

// A rule set fixed at compile time. Rules... are rule<Pattern, Value> with one Value type.
template <class... Rules>
class ruleset {
  static_assert(sizeof...(Rules) > 0, "hotpath::rules::ruleset needs at least one rule");
  static_assert(detail::all({detail::is_rule<Rules>::value...}),
                "hotpath::rules::ruleset takes rule{pattern{}, value} arguments");

 public:
  using value_type = typename detail::first_type<typename Rules::value_type...>::type;

 private:
  static_assert(detail::all({std::is_same_v<value_type, typename Rules::value_type>...}),
                "hotpath::rules::ruleset: every rule must carry a value of the same type");

  using patterns = detail::pattern_list<typename Rules::pattern_type...>;
  static constexpr bool valid_ = patterns::check();
  using compiled = detail::compiled<typename Rules::pattern_type...>;

 public:
  // Takes the rules in priority order (the first matching rule wins).
  constexpr ruleset(Rules... rs) : values_{std::move(rs.value)...} {}  // NOLINT

  // Index of the first rule whose pattern matches s. O(|s|) table steps plus glob
  // verification of the candidate globs; no allocation; thread safe; constexpr.
  constexpr std::optional<std::size_t> match_index(std::string_view s) const noexcept {
    if constexpr (!valid_) {
      return std::nullopt;
    } else {
      constexpr auto d = compiled::dims;
      std::array<std::uint64_t, d.atom_words> hit{};
      std::array<std::uint64_t, d.cand_words> cand{};
      const std::uint32_t r =
          hotpath::detail::rules_run(compiled::view, s, hit.data(), cand.data());
      if (r == hotpath::detail::rules_none) return std::nullopt;
      return r;
    }
  }
  // The value of the first matching rule (see match_index), or nullopt when none matches.
  constexpr std::optional<value_type> match(std::string_view s) const {
    const auto i = match_index(s);
    if (!i) return std::nullopt;
    return values_[*i];
  }

  // Number of rules.
  static constexpr std::size_t size() noexcept { return sizeof...(Rules); }
  // The value carried by rule i (i < size()).
  constexpr const value_type& value(std::size_t i) const noexcept { return values_[i]; }
  // Number of rules whose top-level pattern is of kind K (combinators count as none).
  template <kind K>
  static constexpr std::size_t count() noexcept {
    return patterns::template count_kind<K>();
  }
  // Automaton size: states and byte classes (for documentation and tests).
  static constexpr std::size_t automaton_states() noexcept { return compiled::tables.states; }
  static constexpr std::size_t byte_classes() noexcept { return compiled::tables.classes; }

 private:
  std::array<value_type, sizeof...(Rules)> values_;
};

}  // namespace hotpath::rules

#endif  // HOTPATH_RULES_RULESET_HPP
