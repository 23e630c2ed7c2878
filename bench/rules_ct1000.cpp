// The 1000-rule compile-time set of bench/rules.cpp in its own translation unit, so that its
// build cost can be measured alone (see docs/rules.md).
#include <cstddef>
#include <optional>
#include <string_view>

#include "rules_set1000.hpp"

std::optional<std::size_t> hotpath_ct_match_1000(std::string_view s) {
  return bench_rules::set1000.match_index(s);
}
