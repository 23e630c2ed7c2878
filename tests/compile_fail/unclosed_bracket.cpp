// Must not compile: rule #2 has an unclosed '['.
#include <hotpath/rules.hpp>

using namespace hotpath::rules;
constexpr ruleset set{rule{prefix<"git ">{}, 0}, rule{exact<"ls">{}, 1},
                      rule{glob<"ab[cd">{}, 2}, rule{glob<"x*">{}, 3}};
static_assert(!set.match_index("abc"));
