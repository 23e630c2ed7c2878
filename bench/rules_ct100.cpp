// The 100-rule compile-time set of bench/rules.cpp in its own translation unit, so that its
// build cost can be measured alone (see docs/rules.md).
#include <cstddef>
#include <optional>
#include <string_view>

#include "rules_set100.hpp"

std::optional<std::size_t> hotpath_ct_match_100(std::string_view s) {
  return bench_rules::set100.match_index(s);
}
