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
// safe (the tables are constants). Build cost: O(total literal length x byte classes)
// constexpr steps, ~1-2 s of g++ -O2 for 100 rules (see docs/rules.md).
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

#include <array>
#include <boost/hana/at.hpp>
#include <boost/hana/count_if.hpp>
#include <boost/hana/index_if.hpp>
#include <boost/hana/optional.hpp>
#include <boost/hana/transform.hpp>
#include <boost/hana/tuple.hpp>
#include <boost/hana/type.hpp>
#include <cstddef>
#include <cstdint>
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
  // Index of the first malformed pattern, if any (a type-level search).
  static constexpr auto first_bad = hana::index_if(
      types, [](auto t) { return hana::bool_c<decltype(t)::type::error != pattern_error::none>; });
  static constexpr bool valid = hana::is_nothing(first_bad);

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
      constexpr std::size_t i = std::remove_cvref_t<decltype(first_bad.value())>::value;
      using bad = typename decltype(+hana::at_c<i>(types))::type;
      return rule_pattern_check<i, bad>::ok;
    } else {
      return true;
    }
  }
};

// The tables of a pattern list, built once per distinct list by the compiler.
template <hotpath::detail::rules_dims D>
struct fixed_tables {
  std::array<std::uint32_t, D.next> next{};
  std::array<std::uint16_t, 256> cls{};
  std::uint32_t stride = 0, start = 0, first_out = 0, end_class = 0;
  std::array<hotpath::detail::rules_out, D.outs> outs{};
  std::array<std::uint32_t, D.out_atoms> out_atoms{};
  std::array<hotpath::detail::rules_atom, D.atoms> atoms{};
  std::array<hotpath::detail::rules_glob_ref, D.globs> globs{};
  std::array<hotpath::detail::rules_glob_token, D.tokens> tokens{};
  std::array<hotpath::detail::rules_byteset, D.sets> sets{};
  std::array<hotpath::detail::rules_crule, D.crules> crules{};
  std::array<hotpath::detail::rules_node, D.nodes> nodes{};
  std::array<std::uint64_t, D.cand_words> always{};
  std::uint32_t states = 0, classes = 0;

  static constexpr fixed_tables from(const hotpath::detail::rules_analysis& a) {
    const hotpath::detail::rules_program& p = a.prog;
    fixed_tables f;
    auto copy = [](auto& dst, const auto& src) {
      for (std::size_t i = 0; i < dst.size(); ++i) dst[i] = src[i];
    };
    hotpath::detail::rules_fill(a, f.next.data());
    copy(f.cls, p.cls);
    copy(f.outs, p.outs);
    copy(f.out_atoms, p.out_atoms);
    copy(f.atoms, p.atoms);
    copy(f.globs, p.globs);
    copy(f.tokens, p.tokens);
    copy(f.sets, p.sets);
    copy(f.crules, p.crules);
    copy(f.nodes, p.nodes);
    copy(f.always, p.always);
    f.stride = p.stride;
    f.start = p.start;
    f.first_out = p.first_out;
    f.end_class = p.end_class;
    f.states = p.states;
    f.classes = p.classes;
    return f;
  }
  constexpr hotpath::detail::rules_view view() const noexcept {
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
  static constexpr hotpath::detail::rules_spec spec() {
    hotpath::detail::rules_spec s;
    s.roots.reserve(sizeof...(P));
    ((s.begin_rule(), P::emit(s)), ...);
    return s;
  }
  static constexpr hotpath::detail::rules_dims dims =
      hotpath::detail::rules_analyze(spec()).prog.dims();
  static constexpr fixed_tables<dims> tables =
      fixed_tables<dims>::from(hotpath::detail::rules_analyze(spec()));
  static constexpr hotpath::detail::rules_view view = tables.view();
};

}  // namespace detail

// A rule set fixed at compile time. Rules... are rule<Pattern, Value> with one Value type.
template <class... Rules>
class ruleset {
  static_assert(sizeof...(Rules) > 0, "hotpath::rules::ruleset needs at least one rule");
  static_assert((detail::is_rule<Rules>::value && ...),
                "hotpath::rules::ruleset takes rule{pattern{}, value} arguments");

 public:
  using value_type = typename detail::first_type<typename Rules::value_type...>::type;

 private:
  static_assert((std::is_same_v<value_type, typename Rules::value_type> && ...),
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
