// Compiles: the same shape as the failing cases with well-formed patterns (a control for the
// include paths and flags the compile-fail tests use).
#include <hotpath/rules.hpp>

using namespace hotpath::rules;
constexpr ruleset set{rule{prefix<"git ">{}, 0}, rule{exact<"ls">{}, 1},
                      rule{glob<"ab[cd]">{}, 2}, rule{glob<"git push\\*">{}, 3}};
static_assert(set.match_index("abc") == 2);
