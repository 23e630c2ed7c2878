// Must not compile: the bad glob sits inside a combinator of rule #1; rule #3 is bad too, but
// the diagnostic names the first bad rule.
#include <hotpath/rules.hpp>

using namespace hotpath::rules;
constexpr ruleset set{rule{prefix<"git ">{}, 0},
                      rule{all_of<prefix<"rm ">, not_<glob<"rm -[rf">>>{}, 1},
                      rule{exact<"ls">{}, 2}, rule{glob<"x\\">{}, 3}};
static_assert(!set.match_index("abc"));
