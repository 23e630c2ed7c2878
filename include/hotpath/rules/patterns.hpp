// hotpath/rules/patterns.hpp: the pattern types of hotpath::rules (exact, prefix, suffix,
// contains, glob and the combinators all_of, any_of, not_), with their text as a template
// argument.
//
// What: each pattern is an empty type; its string lives in the type (a fixed_string
// non-type template argument), so a ruleset made of them is compiled by the compiler.
// Differs from std::regex / fnmatch: nothing is parsed at run time; a malformed glob does not
// compile (the error names the rule and the problem), and glob matching never backtracks
// exponentially. Glob semantics are fnmatch(3) with flags 0 (see detail/rules_glob.hpp).
// Performance: patterns cost nothing at run time by themselves; see ruleset.hpp.
// Example:
//   using namespace hotpath::rules;
//   using force_push = all_of<prefix<"git push">, any_of<contains<" -f">, contains<"--force">>>;
//   using tmp_cleanup = glob<"rm -[rf]* /tmp/*">;
//   using not_sudo = not_<prefix<"sudo ">>;
//   constexpr ruleset gate{rule{force_push{}, 1}, rule{tmp_cleanup{}, 2}, rule{not_sudo{}, 3}};
#ifndef HOTPATH_RULES_PATTERNS_HPP
#define HOTPATH_RULES_PATTERNS_HPP

#include <hotpath/detail/config.hpp>
#include <hotpath/detail/rules_automaton.hpp>
#include <hotpath/detail/rules_glob.hpp>

#include <concepts>
#include <cstddef>
#include <string_view>

namespace hotpath::rules {

// A string usable as a template argument: exact<"git status">.
template <std::size_t N>
struct fixed_string {
  char chars[N]{};  // NUL-terminated; public so that the type is structural

  constexpr fixed_string(const char (&s)[N]) noexcept {  // NOLINT(google-explicit-constructor)
    for (std::size_t i = 0; i < N; ++i) chars[i] = s[i];
  }
  // The text without the terminating NUL.
  constexpr std::string_view view() const noexcept { return {chars, N - 1}; }
};

// The kinds of atomic pattern (also the first argument of dynamic_ruleset::add).
using kind = detail::rules_kind;

// Why a pattern is malformed (none when it is fine).
using pattern_error = detail::rules_error;

// A pattern type: emits its formula into a rule spec (atoms and nodes: how many of each, so
// that the spec is allocated once) and reports its first error.
template <class P>
concept pattern = requires(detail::rules_spec& s) {
  P::emit(s);
  { P::error } -> std::convertible_to<pattern_error>;
  { P::atom_count } -> std::convertible_to<std::size_t>;
  { P::node_count } -> std::convertible_to<std::size_t>;
};

namespace detail {
template <kind K, fixed_string S>
struct atom_pattern {
  static constexpr kind pattern_kind = K;
  static constexpr pattern_error error =
      K == kind::glob ? hotpath::detail::rules_glob_error(S.view()) : pattern_error::none;
  static constexpr std::size_t atom_count = 1, node_count = 1;
  // The pattern text as written.
  static constexpr std::string_view text() noexcept { return S.view(); }
  static constexpr void emit(hotpath::detail::rules_spec& s) { s.atom(K, S.view()); }
};

template <class... P>
constexpr pattern_error first_error() noexcept {
  pattern_error e = pattern_error::none;
  ((e = e != pattern_error::none ? e : P::error), ...);
  return e;
}
}  // namespace detail

// The whole input equals S.
template <fixed_string S>
struct exact : detail::atom_pattern<kind::exact, S> {};
// The input starts with S.
template <fixed_string S>
struct prefix : detail::atom_pattern<kind::prefix, S> {};
// The input ends with S.
template <fixed_string S>
struct suffix : detail::atom_pattern<kind::suffix, S> {};
// S occurs somewhere in the input.
template <fixed_string S>
struct contains : detail::atom_pattern<kind::contains, S> {};
// The whole input matches the fnmatch(3)-style pattern S (flags 0).
template <fixed_string S>
struct glob : detail::atom_pattern<kind::glob, S> {};

// Every pattern matches.
template <pattern... P>
struct all_of {
  static_assert(sizeof...(P) > 0, "hotpath::rules::all_of needs at least one pattern");
  static constexpr pattern_error error = detail::first_error<P...>();
  static constexpr std::size_t atom_count = (P::atom_count + ...);
  static constexpr std::size_t node_count = 1 + (P::node_count + ...);
  static constexpr void emit(hotpath::detail::rules_spec& s) {
    const std::size_t at = s.open(hotpath::detail::rules_op::all);
    (P::emit(s), ...);
    s.close(at);
  }
};

// At least one pattern matches.
template <pattern... P>
struct any_of {
  static_assert(sizeof...(P) > 0, "hotpath::rules::any_of needs at least one pattern");
  static constexpr pattern_error error = detail::first_error<P...>();
  static constexpr std::size_t atom_count = (P::atom_count + ...);
  static constexpr std::size_t node_count = 1 + (P::node_count + ...);
  static constexpr void emit(hotpath::detail::rules_spec& s) {
    const std::size_t at = s.open(hotpath::detail::rules_op::any);
    (P::emit(s), ...);
    s.close(at);
  }
};

// The pattern does not match.
template <pattern P>
struct not_ {
  static constexpr pattern_error error = P::error;
  static constexpr std::size_t atom_count = P::atom_count, node_count = 1 + P::node_count;
  static constexpr void emit(hotpath::detail::rules_spec& s) {
    const std::size_t at = s.open(hotpath::detail::rules_op::negate);
    P::emit(s);
    s.close(at);
  }
};

// Is S a well-formed glob? (For static_assert in user code and tests.)
template <fixed_string S>
inline constexpr bool valid_glob =
    hotpath::detail::rules_glob_error(S.view()) == pattern_error::none;

}  // namespace hotpath::rules

#endif  // HOTPATH_RULES_PATTERNS_HPP
