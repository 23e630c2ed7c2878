// hotpath/rules/dynamic_ruleset.hpp: the rule set for rules known only at run time (read from
// a configuration file), with the same pattern language and matching core as rules::ruleset.
//
// What: add(kind, pattern, value) appends a rule; match(s) / match_index(s) return the first
// matching rule in insertion order. A malformed glob throws std::invalid_argument naming the
// pattern, its offset and the problem.
// Differs from rules::ruleset: the tables are built at run time (on the first match after
// an add, or by compile()), in O(total literal length + trie nodes x byte classes).
// Performance: matching is the same code as the compile-time set (the tables are read
// through a pointer instead of being constants); no allocation for up to 1024 complex rules.
// Example:
//   hotpath::rules::dynamic_ruleset<verdict> rs;
//   rs.add(kind::prefix, "rm -rf /", verdict::deny);
//   rs.add(kind::glob, "git [sl]*", verdict::allow);
//   if (auto v = rs.match(line)) act(*v);
//   rs.add(kind::glob, "[oops", verdict::ask);  // throws std::invalid_argument
#ifndef HOTPATH_RULES_DYNAMIC_RULESET_HPP
#define HOTPATH_RULES_DYNAMIC_RULESET_HPP

#include <hotpath/detail/config.hpp>
#include <hotpath/detail/rules_automaton.hpp>
#include <hotpath/detail/rules_glob.hpp>
#include <hotpath/rules/patterns.hpp>

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hotpath::rules {

namespace detail {
[[noreturn]] HOTPATH_NOINLINE inline void throw_bad_pattern(std::string_view pattern,
                                                            std::size_t offset, pattern_error e) {
  std::string msg = "hotpath::rules::dynamic_ruleset::add: bad glob pattern \"";
  msg.append(pattern);
  msg += "\" at offset ";
  msg += std::to_string(offset);
  msg += ": ";
  msg += hotpath::detail::rules_error_text(e);
  throw std::invalid_argument(msg);
}
}  // namespace detail

template <class Value>
class dynamic_ruleset {
 public:
  using value_type = Value;

  dynamic_ruleset() = default;
  // Copies the rules; the copy builds its own tables.
  dynamic_ruleset(const dynamic_ruleset& o) : rules_(o.rules_), values_(o.values_) {}
  dynamic_ruleset(dynamic_ruleset&& o) noexcept
      : rules_(std::move(o.rules_)), values_(std::move(o.values_)), state_(std::move(o.state_)) {}
  dynamic_ruleset& operator=(dynamic_ruleset o) noexcept {
    rules_ = std::move(o.rules_);
    values_ = std::move(o.values_);
    state_ = std::move(o.state_);
    return *this;
  }
  ~dynamic_ruleset() = default;

  // Appends a rule with the lowest priority so far and returns its index. Throws
  // std::invalid_argument for a malformed glob, std::bad_alloc, or what Value's move
  // constructor throws; the set is then unchanged (strong guarantee).
  // Not thread-safe against other calls on this set.
  std::size_t add(kind k, std::string_view pattern, Value v) {
    if (k == kind::glob) {
      const auto parsed = hotpath::detail::rules_parse_glob(pattern);
      if (parsed.error != pattern_error::none)
        detail::throw_bad_pattern(pattern, parsed.error_pos, parsed.error);
    }
    // Everything that can throw first; then the rule and its value go in together.
    auto fresh = std::make_unique<state>();  // the old tables are stale after this add
    std::pair<kind, std::string> r(k, std::string(pattern));
    rules_.reserve(rules_.size() + 1);
    values_.reserve(values_.size() + 1);
    rules_.push_back(std::move(r));  // no reallocation: cannot throw
    try {
      values_.push_back(std::move(v));  // no reallocation; a throwing move leaves values_ as it was
    } catch (...) {
      rules_.pop_back();
      throw;
    }
    state_ = std::move(fresh);
    return rules_.size() - 1;
  }

  // Builds the tables now (otherwise the first match after an add builds them).
  // O(total literal length + trie nodes x byte classes); throws std::bad_alloc.
  void compile() const { (void)tables(); }

  // Index of the first rule that matches s. O(|s|) plus candidate glob checks; thread-safe
  // against other match calls (the first one after an add builds the tables under a lock).
  std::optional<std::size_t> match_index(std::string_view s) const {
    if (rules_.empty()) return std::nullopt;
    const auto& t = tables();
    const hotpath::detail::rules_view& v = t.view;
    const std::size_t words = std::size_t{v.head.atom_words} + v.head.cand_words;
    std::array<std::uint64_t, 32> small;
    std::vector<std::uint64_t> big;
    std::uint64_t* buf = small.data();
    if (words > small.size()) {
      big.resize(words);
      buf = big.data();
    }
    for (std::uint32_t i = 0; i < v.head.atom_words; ++i) buf[i] = 0;
    return hotpath::detail::rules_optional(
        hotpath::detail::rules_run(v, s, buf, buf + v.head.atom_words));
  }
  // The value of the first matching rule, or nullopt (see match_index).
  std::optional<Value> match(std::string_view s) const {
    const auto i = match_index(s);
    if (!i) return std::nullopt;
    return values_[*i];
  }

  std::size_t size() const noexcept { return rules_.size(); }
  bool empty() const noexcept { return rules_.empty(); }
  const Value& value(std::size_t i) const noexcept { return values_[i]; }
  // Table statistics: trie nodes and byte classes (builds the tables if needed).
  std::size_t automaton_states() const { return rules_.empty() ? 0 : tables().prog.head.states; }
  std::size_t byte_classes() const { return rules_.empty() ? 0 : tables().prog.head.classes; }

 private:
  struct built {
    hotpath::detail::rules_program prog;
    hotpath::detail::rules_view view;
  };
  struct state {
    std::mutex mu;
    std::atomic<const built*> ready{nullptr};
    std::unique_ptr<built> owned;
  };

  const built& tables() const {
    HOTPATH_ASSERT(state_ != nullptr);
    if (const built* b = state_->ready.load(std::memory_order_acquire)) return *b;
    std::lock_guard<std::mutex> lock(state_->mu);
    if (const built* b = state_->ready.load(std::memory_order_relaxed)) return *b;
    hotpath::detail::rules_spec spec(rules_.size(), rules_.size(), rules_.size());
    for (const auto& [k, text] : rules_) {
      spec.begin_rule();
      spec.atom(k, text);
    }
    auto b = std::make_unique<built>();
    b->prog = hotpath::detail::rules_build(spec);
    b->view = b->prog.view();
    state_->owned = std::move(b);
    state_->ready.store(state_->owned.get(), std::memory_order_release);
    return *state_->owned;
  }

  std::vector<std::pair<kind, std::string>> rules_;
  std::vector<Value> values_;
  std::unique_ptr<state> state_ = std::make_unique<state>();
};

}  // namespace hotpath::rules

#endif  // HOTPATH_RULES_DYNAMIC_RULESET_HPP
