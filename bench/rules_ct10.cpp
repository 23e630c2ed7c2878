// The 10-rule compile-time set of bench/rules.cpp in its own translation unit, so that its
// build cost can be measured alone (see docs/rules.md).
#include <cstddef>
#include <optional>
#include <string_view>

#include "rules_set10.hpp"

std::optional<std::size_t> hotpath_ct_match_10(std::string_view s) {
  return bench_rules::set10.match_index(s);
}
