// Must not compile: rule #1 names a [:class:] that POSIX does not define.
#include <hotpath/rules.hpp>

using namespace hotpath::rules;
constexpr ruleset set{rule{prefix<"git ">{}, 0}, rule{glob<"[[:word:]]*">{}, 1}};
static_assert(!set.match_index("abc"));
