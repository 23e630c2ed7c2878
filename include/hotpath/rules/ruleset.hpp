// hotpath/rules/ruleset.hpp: a first-match-wins rule set whose matcher is built at compile
// time.
//
// What: rules::ruleset{rule{pattern{}, value}, ...} answers match(s) -> optional<Value> and
// match_index(s) -> optional<size_t>: the first rule in declaration order whose pattern
// matches s. Both are constexpr (static_assert on them).
// Differs from a loop over rules / std::regex / RE2::Set: the literals of all rules (exact,
// prefix, suffix, contains and the literal runs of globs) are merged by the compiler into a
// 4-byte hash table (unanchored and start-anchored ones at sampled positions, exact and
// end-anchored ones by the input's last 4 bytes) and, for anchored ones under 4 bytes (and
// families of prefixes sharing their 4-gram), a path-compressed trie from each end, so the
// work per input does not grow with the number of rules; globs are verified only when their
// literal was seen and their rule could still win.
// A malformed pattern is a compile error naming the rule index and the problem.
// Performance: one hash per sampled position and one of the last 4 bytes, a full compare only
// on a set bit, a few trie steps for short anchored literals; no allocation, no locks, thread
// safe (the tables are constants). Build cost: O(total literal length + trie nodes x byte
// classes) constexpr steps: ~0.3 s of g++ -O2 over the header for 100 rules, ~3.8 s for 1000
// (default constexpr limits; see docs/rules.md).
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
// that the spec's sizes give. The analysis thus runs once (the exact sizes and the final
// tables are both read from this copy), and each constant evaluation (spec sizes, analysis,
// tables) stays well inside the compilers' per-evaluation limits.
template <hd::rules_bounds B>
struct fixed_analysis {
  static constexpr std::size_t max_nodes = hd::rules_max_tnodes(B.atoms);
  hd::rules_header head{};
  hd::rules_dims dims{};
  std::array<hd::rules_tnode, max_nodes> tnodes{};
  std::array<hd::rules_tout, max_nodes> touts{};
  std::array<std::uint32_t, B.atoms> tatoms{};
  std::array<char, B.syms> text{};
  std::array<hd::rules_clit, B.atoms + 1> clits{};
  std::array<std::uint32_t, B.atoms + 1> cshort{};
  std::array<hd::rules_atom, B.atoms> atoms{};
  std::array<hd::rules_glob_ref, B.atoms> globs{};
  std::array<hd::rules_glob_token, B.glob_text> tokens{};
  std::array<hd::rules_byteset, B.glob_text / 3 + 1> sets{};
  std::array<hd::rules_crule, B.rules> crules{};
  std::array<hd::rules_node, B.nodes> nodes{};
  std::array<std::uint64_t, (B.rules + 63) / 64> always{};
  std::array<std::uint32_t, max_nodes> prow{}, ecls{};
  std::array<hd::rules_craw, B.syms> craw{};

  static constexpr fixed_analysis from(const hd::rules_analysis& a) {
    fixed_analysis f;
    f.dims = a.dims;
    hd::rules_copy_tables(f, a, a.dims);
    return f;
  }
};

// The tables of a pattern list, built once per distinct list by the compiler.
template <hd::rules_dims D>
struct fixed_tables {
  hd::rules_header head{};
  std::array<hd::rules_tnode, D.tnodes> tnodes{};
  std::array<std::uint32_t, D.trow> trow{};
  std::array<hd::rules_tout, D.touts> touts{};
  std::array<std::uint32_t, D.tatoms> tatoms{};
  std::array<char, D.text> text{};
  std::array<hd::rules_clit, D.clits> clits{};
  std::array<hd::rules_centry, D.centries> centries{};
  std::array<std::uint32_t, D.cbkt> cbkt{};
  std::array<std::uint64_t, D.cbits> cbits{};
  std::array<std::uint32_t, D.crank> crank{};
  std::array<std::uint32_t, D.cshort> cshort{};
  std::array<hd::rules_atom, D.atoms> atoms{};
  std::array<hd::rules_glob_ref, D.globs> globs{};
  std::array<hd::rules_glob_token, D.tokens> tokens{};
  std::array<hd::rules_byteset, D.sets> sets{};
  std::array<hd::rules_crule, D.crules> crules{};
  std::array<hd::rules_node, D.nodes> nodes{};
  std::array<std::uint64_t, D.always> always{};

  template <class A>
  static constexpr fixed_tables from(const A& a) {
    fixed_tables f;
    hd::rules_copy_tables(f, a, D);
    hd::rules_fill(a, D, f.trow.data(), f.centries.data(), f.cbkt.data(), f.cbits.data(),
                   f.crank.data());
    return f;
  }
  constexpr hd::rules_view view() const noexcept { return hd::rules_view_of(*this, D); }
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
      constexpr auto& h = compiled::tables.head;
      std::array<std::uint64_t, h.atom_words> hit{};
      std::array<std::uint64_t, h.cand_words> cand{};
      return hotpath::detail::rules_optional(
          hotpath::detail::rules_run(compiled::view, s, hit.data(), cand.data()));
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
  // Table sizes: trie nodes (both tries) and byte classes (for documentation and tests).
  static constexpr std::size_t automaton_states() noexcept { return compiled::tables.head.states; }
  static constexpr std::size_t byte_classes() noexcept { return compiled::tables.head.classes; }

 private:
  std::array<value_type, sizeof...(Rules)> values_;
};

}  // namespace hotpath::rules

#endif  // HOTPATH_RULES_RULESET_HPP
