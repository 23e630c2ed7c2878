// Must not compile: rule #0 ends with a lone '\'.
#include <hotpath/rules.hpp>

using namespace hotpath::rules;
constexpr ruleset set{rule{glob<"git push\\">{}, 0}, rule{exact<"ls">{}, 1}};
static_assert(!set.match_index("abc"));
