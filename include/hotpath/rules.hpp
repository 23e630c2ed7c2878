// hotpath/rules.hpp: rule matchers — first-match-wins rule sets over exact / prefix / suffix /
// contains / glob patterns and their combinations, compiled into a hash table of 4-grams
// probed at sampled positions and at the input's end (plus tries for short anchored literals;
// at compile time for rules::ruleset, at run time for rules::dynamic_ruleset). See
// docs/rules.md.
//
// Example:
//   enum class verdict { allow, deny, ask };
//   using namespace hotpath::rules;
//   constexpr ruleset gate{rule{prefix<"rm -rf /">{}, verdict::deny},
//                          rule{glob<"git [sl]*">{}, verdict::allow},
//                          rule{contains<"sudo">{}, verdict::ask}};
//   static_assert(gate.match("git status") == verdict::allow);
#ifndef HOTPATH_RULES_HPP
#define HOTPATH_RULES_HPP

#include <hotpath/rules/dynamic_ruleset.hpp>
#include <hotpath/rules/patterns.hpp>
#include <hotpath/rules/ruleset.hpp>

#endif  // HOTPATH_RULES_HPP
