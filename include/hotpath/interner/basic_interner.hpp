// hotpath/interner/basic_interner.hpp: the interner engine, hotpath::basic_interner<Policies...>,
// its frozen view, and the aliases hotpath::interner and hotpath::concurrent_interner.
// Included by <hotpath/interner.hpp>, which has the overview; design notes are at the top of
// detail/interner_index.hpp, detail/interner_table.hpp and in docs/interning.md.
//
// Layout, single-threaded: one string store with a 4-byte position per symbol
// (detail/interner_strings.hpp) and one packed 4-byte-slot index (detail/interner_index.hpp).
// Sharded: string bytes in an arena per shard (detail/interner_store.hpp), per shard an
// index of atomic 8-byte {symbol id, 32 hash bits} slots, and one block table of 8-byte
// {address, length} entries shared by all shards (detail/interner_table.hpp).
#ifndef HOTPATH_INTERNER_BASIC_INTERNER_HPP
#define HOTPATH_INTERNER_BASIC_INTERNER_HPP

#include <hotpath/arena/policies.hpp>
#include <hotpath/detail/config.hpp>
#include <hotpath/detail/interner_index.hpp>
#include <hotpath/detail/interner_store.hpp>
#include <hotpath/detail/interner_strings.hpp>
#include <hotpath/detail/interner_table.hpp>
#include <hotpath/detail/optional_words.hpp>
#include <hotpath/interner/policies.hpp>
#include <hotpath/interner/static_symbols.hpp>
#include <hotpath/interner/symbol.hpp>

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace hotpath {

// Thrown by intern() when the interner already holds its maximum number of symbols.
class interner_full : public std::length_error {
 public:
  using std::length_error::length_error;
};

namespace detail {

[[noreturn]] HOTPATH_NOINLINE inline void interner_throw_full(std::uint64_t max) {
  throw interner_full("hotpath::interner: symbol limit reached (" + std::to_string(max) +
                      " symbols); no new string can be interned");
}
[[noreturn]] HOTPATH_NOINLINE inline void interner_throw_too_long(std::size_t n,
                                                                  std::uint64_t max) {
  throw std::length_error("hotpath::interner: string of " + std::to_string(n) +
                          " bytes exceeds the limit of " + std::to_string(max) + " bytes");
}
[[noreturn]] HOTPATH_NOINLINE inline void interner_throw_frozen() {
  throw std::logic_error("hotpath::interner: intern() of a new string after freeze()");
}

template <class P>
inline constexpr bool interner_is_upstream = [] {
  if constexpr (requires { typename P::arena_policy_kind; }) {
    return std::is_same_v<typename P::arena_policy_kind, arena_upstream_tag>;
  } else {
    return false;
  }
}();

template <class Default, class... Ps>
struct select_interner_upstream {
  using type = Default;
};
template <class Default, class P, class... Ps>
struct select_interner_upstream<Default, P, Ps...> {
  using type = std::conditional_t<interner_is_upstream<P>, P,
                                  typename select_interner_upstream<Default, Ps...>::type>;
};

// std::optional<symbol>{symbol{id}} when id is a symbol id, else nullopt (built from words:
// detail/optional_words.hpp).
[[nodiscard]] HOTPATH_ALWAYS_INLINE std::optional<symbol> interner_optional(
    std::uint32_t id) noexcept {
  return optional_of(symbol{id}, id != interner_empty_id);
}

struct interner_no_lock {
  void lock() noexcept {}
  void unlock() noexcept {}
};

// The single-threaded interner keeps its bytes in interner_strings, not in a per-shard store.
template <class Upstream>
struct interner_no_store {
  explicit interner_no_store(const Upstream&) noexcept {}
  [[nodiscard]] static std::size_t bytes() noexcept { return 0; }
};

}  // namespace detail

// A policy basic_interner accepts: an interner policy (hash, threading, limits) or an arena
// upstream policy.
template <class P>
concept interner_policy = detail::interner_policy_is<P, detail::interner_hash_kind> ||
    detail::interner_policy_is<P, detail::interner_threading_kind> ||
    detail::interner_policy_is<P, detail::interner_limits_kind> || detail::interner_is_upstream<P>;

// Maps strings to dense 32-bit symbols and back. Not copyable or movable (views and the
// frozen view point into it; hold it in a std::unique_ptr to pass it around).
// Thread-safety: single_threaded (default): one thread at a time; sharded<N>: every member may
// be called from any number of threads at once (find, resolve and intern of a present string
// take no lock), except that iteration sees a consistent state only when no intern() runs
// concurrently (use freeze() for that).
template <interner_policy... Policies>
class basic_interner {
  static_assert(detail::count_interner_policy<detail::interner_hash_kind, Policies...> <= 1,
                "basic_interner: pass at most one hash policy (seeded_mix, seeded_xxh3, fixed_seed_mix<>, ...)");
  static_assert(detail::count_interner_policy<detail::interner_threading_kind, Policies...> <= 1,
                "basic_interner: pass at most one threading policy (single_threaded, sharded<>)");
  static_assert(detail::count_interner_policy<detail::interner_limits_kind, Policies...> <= 1,
                "basic_interner: pass at most one interner_limits<>");
  static_assert((std::size_t{0} + ... + (detail::interner_is_upstream<Policies> ? 1 : 0)) <= 1,
                "basic_interner: pass at most one upstream policy");

 public:
  using hash_type = typename detail::select_interner_policy<detail::interner_hash_kind, seeded_mix,
                                                            Policies...>::type;
  using threading_type =
      typename detail::select_interner_policy<detail::interner_threading_kind, single_threaded,
                                              Policies...>::type;
  using limits_type = typename detail::select_interner_policy<detail::interner_limits_kind,
                                                              interner_limits<>, Policies...>::type;
  using upstream_type =
      typename detail::select_interner_upstream<new_delete_upstream, Policies...>::type;

  static_assert(interner_hash<hash_type>,
                "basic_interner: the hash policy must be default-constructible and copyable with "
                "a noexcept `std::uint64_t operator()(std::string_view) const`");
  static_assert(interner_threading<threading_type>,
                "basic_interner: the threading policy needs `concurrent` and `shards`");
  static_assert(interner_limit<limits_type>,
                "basic_interner: the limits policy needs `max_symbols` and `max_length`");
  static_assert(arena_upstream<upstream_type> && std::is_copy_constructible_v<upstream_type>,
                "basic_interner: the upstream policy must satisfy hotpath::arena_upstream and be "
                "copyable (each shard's arena gets a copy)");

  static constexpr bool concurrent = threading_type::concurrent;
  static constexpr std::size_t shard_count = threading_type::shards;
  static constexpr std::uint64_t max_symbols = limits_type::max_symbols;
  static constexpr std::uint64_t max_length = limits_type::max_length;

  class iterator;
  class frozen_view;

  // Empty interner; allocates nothing until the first intern().
  basic_interner() requires std::default_initializable<upstream_type>
      : basic_interner(upstream_type{}) {}
  explicit basic_interner(upstream_type up)
      : upstream_(up), shards_(make_shards(up, std::make_index_sequence<shard_count>{})) {}

  // Interns the strings of Set first, in order: symbol i is Set::strings[i], so this interner
  // returns Set's compile-time symbols for them. Throws as intern().
  template <static_symbol_set Set>
  explicit basic_interner(Set, upstream_type up = upstream_type{}) : basic_interner(up) {
    static_assert(Set::size <= max_symbols, "basic_interner: static set exceeds the symbol limit");
    for (std::size_t i = 0; i < Set::size; ++i) {  // on a throw the destructor cleans up
      [[maybe_unused]] const symbol s = intern(Set::strings[i]);
      HOTPATH_ASSERT(s.id() == i);
    }
    static_count_ = Set::size;
  }

  basic_interner(const basic_interner&) = delete;
  basic_interner& operator=(const basic_interner&) = delete;
  ~basic_interner() { release(); }

  // The symbol of s, interning a copy of s when it is new. Amortised O(|s|): one hash, usually
  // one index probe. Throws interner_full at max_symbols, std::length_error when |s| >
  // max_length, std::logic_error for a new string after freeze(), std::bad_alloc; on any throw
  // the interner is unchanged (at most some arena bytes are lost).
  // When concurrent, a string already present is found without taking any lock; only a
  // miss takes its shard's mutex (and looks again before inserting).
  // The hit path is find()'s probe; only a miss leaves it (for a non-inlined insert).
  HOTPATH_ALWAYS_INLINE symbol intern(std::string_view s) {
    std::uint64_t h = 0;
    std::size_t pos = 0;
    const std::uint32_t seen = find_id(s, h, pos);
    if (HOTPATH_LIKELY(seen != detail::interner_empty_id)) return symbol{seen};
    if constexpr (concurrent) {
      return intern_locked(shard_of(h), s, h);
    } else {
      return insert(shards_[0], s, h, pos);
    }
  }

  // The symbol of s if it was interned, else nullopt. Never inserts or allocates: the call for
  // untrusted input. O(|s|), no lock (a string being interned concurrently may or may not be
  // seen; one interned before, in this thread or through synchronisation, always is).
  [[nodiscard]] HOTPATH_ALWAYS_INLINE std::optional<symbol> find(std::string_view s) const {
    std::uint64_t h = 0;
    std::size_t pos = 0;
    return detail::interner_optional(find_id(s, h, pos));
  }

  [[nodiscard]] bool contains(std::string_view s) const { return find(s).has_value(); }

  // The string of sym: a view into the interner, NUL-terminated (data()[size()] == '\0'),
  // valid for the interner's lifetime. O(1), no lock, never throws. Precondition: sym came
  // from this interner (checked under HOTPATH_DEBUG).
  [[nodiscard]] HOTPATH_ALWAYS_INLINE std::string_view resolve(symbol sym) const noexcept {
    HOTPATH_ASSERT(sym.id() < size());
    return view_of(sym.id());
  }

  // resolve(sym).data(): the string as a C string.
  [[nodiscard]] const char* c_str(symbol sym) const noexcept { return resolve(sym).data(); }

  // Number of symbols (ids are 0 .. size() - 1). O(1), no lock.
  [[nodiscard]] std::size_t size() const noexcept {
    if constexpr (concurrent) {
      return static_cast<std::size_t>(count_.load(std::memory_order_acquire));
    } else {
      return static_cast<std::size_t>(count_);
    }
  }
  [[nodiscard]] bool empty() const noexcept { return size() == 0; }
  // How many of the first ids belong to the static set given at construction.
  [[nodiscard]] std::size_t static_size() const noexcept { return static_count_; }

  // Bytes held from the upstream: string store, indexes and symbol table. O(shards).
  [[nodiscard]] std::size_t memory_usage() const {
    std::size_t n = table_.bytes();
    for (auto& sh : shards_) {
      std::lock_guard<lock_type> lock(sh.mutex);
      n += sh.index.bytes() + sh.store.bytes();
    }
    return n;
  }

  // Marks the interner read-only and returns a lock-free view of it: later intern() calls of
  // new strings throw std::logic_error (existing ones still return their symbol). When
  // concurrent, waits for intern() calls in progress. Idempotent.
  frozen_view freeze() {
    frozen_.store(true, std::memory_order_relaxed);
    for (auto& sh : shards_) {  // in-flight inserts finish; later ones see frozen_
      std::lock_guard<lock_type> lock(sh.mutex);
    }
    return frozen_view(*this);
  }
  [[nodiscard]] bool frozen() const noexcept { return frozen_.load(std::memory_order_relaxed); }

  // Iteration in symbol order, yielding {symbol, std::string_view}.
  [[nodiscard]] iterator begin() const noexcept { return iterator(this, 0); }
  [[nodiscard]] iterator end() const noexcept {
    return iterator(this, static_cast<std::uint32_t>(size()));
  }

  [[nodiscard]] const hash_type& hash_function() const noexcept { return hash_; }

  class iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = std::pair<symbol, std::string_view>;
    using difference_type = std::ptrdiff_t;
    using reference = value_type;
    using pointer = void;
    iterator() noexcept = default;
    [[nodiscard]] value_type operator*() const noexcept {
      return {symbol{id_}, owner_->view_of(id_)};
    }
    iterator& operator++() noexcept {
      ++id_;
      return *this;
    }
    iterator operator++(int) noexcept {
      iterator t = *this;
      ++id_;
      return t;
    }
    friend bool operator==(const iterator& a, const iterator& b) noexcept { return a.id_ == b.id_; }

   private:
    friend basic_interner;
    iterator(const basic_interner* o, std::uint32_t id) noexcept : owner_(o), id_(id) {}
    const basic_interner* owner_ = nullptr;
    std::uint32_t id_ = 0;
  };

  // A read-only view of a frozen interner: find() takes no lock even when concurrent. Valid
  // while the interner lives. Copyable, pointer-sized.
  class frozen_view {
   public:
    [[nodiscard]] std::optional<symbol> find(std::string_view s) const noexcept {
      std::uint64_t h = 0;
      std::size_t pos = 0;
      return detail::interner_optional(owner_->find_id(s, h, pos));
    }
    [[nodiscard]] bool contains(std::string_view s) const noexcept { return find(s).has_value(); }
    [[nodiscard]] std::string_view resolve(symbol sym) const noexcept {
      return owner_->resolve(sym);
    }
    [[nodiscard]] const char* c_str(symbol sym) const noexcept { return owner_->c_str(sym); }
    [[nodiscard]] std::size_t size() const noexcept { return owner_->size(); }
    [[nodiscard]] iterator begin() const noexcept { return owner_->begin(); }
    [[nodiscard]] iterator end() const noexcept { return owner_->end(); }
    [[nodiscard]] const basic_interner& interner() const noexcept { return *owner_; }

   private:
    friend basic_interner;
    explicit frozen_view(const basic_interner& o) noexcept : owner_(&o) {}
    const basic_interner* owner_;
  };

 private:
  using lock_type = std::conditional_t<concurrent, std::mutex, detail::interner_no_lock>;
  using store_type = std::conditional_t<concurrent, detail::interner_store<upstream_type>,
                                        detail::interner_no_store<upstream_type>>;
  using table_type = std::conditional_t<concurrent, detail::interner_table<upstream_type, true>,
                                        detail::interner_strings<upstream_type>>;
  using index_type = detail::interner_index<upstream_type, !concurrent>;

  struct alignas(concurrent ? 64 : alignof(void*)) shard {
    explicit shard(const upstream_type& up) noexcept : store(up) {}
    mutable lock_type mutex;
    index_type index;
    store_type store;
  };

  template <std::size_t... I>
  static std::array<shard, shard_count> make_shards(const upstream_type& up,
                                                    std::index_sequence<I...>) {
    return {{((void)I, shard(up))...}};
  }

  HOTPATH_ALWAYS_INLINE shard& shard_of(std::uint64_t h) const noexcept {
    if constexpr (shard_count == 1) {
      (void)h;
      return shards_[0];
    } else {
      return shards_[static_cast<std::size_t>(h) & (shard_count - 1)];
    }
  }

  HOTPATH_ALWAYS_INLINE std::string_view view_of(std::uint32_t id) const noexcept {
    if constexpr (concurrent) {
      return detail::interner_unpack(table_.get(id));
    } else {
      return table_.view(id);
    }
  }

  // The index's byte comparison; a named functor with a forced-inline call so that every probe
  // loop (find, intern) gets the same inlined code (a lambda was left out of line in intern).
  struct equals_fn {
    const basic_interner* self;
    std::string_view s;
    HOTPATH_ALWAYS_INLINE bool operator()(std::uint32_t id) const noexcept {
      if constexpr (concurrent) {
        return detail::interner_entry_equals(self->table_.get(id), s);
      } else {
        return self->table_.equals(id, s);
      }
    }
  };

  // Whether the hash policy hashes the 16-byte key of a 1-16 byte string directly
  // (`short_key_hash`, the mix policies). The single-threaded interner then builds the key
  // once, for the hash and for every comparison of the probe; through operator() g++ 12 built
  // it again for the comparison (two loads, a page check, a mask load and spills: the
  // benchmark's find_hit row went from 18.3 to 16.1 ms without them).
  static constexpr bool short_key_path = !concurrent && requires(const hash_type& hf) {
    { hf.short_key_hash(detail::interner_short_key{}, std::size_t{1}) } noexcept;
  };

  // The comparison of the short-key path.
  struct key_equals_fn {
    const basic_interner* self;
    detail::interner_short_key key;
    std::size_t n;
    HOTPATH_ALWAYS_INLINE bool operator()(std::uint32_t id) const noexcept {
      return self->table_.equals_key(id, key, n);
    }
  };

  // s's hash as find_id computes it; index growth re-hashes through this too, so a policy's
  // short_key_hash and operator() need not agree for the index to stay consistent.
  [[nodiscard]] std::uint64_t hash_of(std::string_view s) const noexcept {
    if constexpr (short_key_path) {
      if (detail::interner_is_short(s.size())) {
        return hash_.short_key_hash(detail::interner_key(s.data(), s.size()), s.size());
      }
    }
    return hash_(s);
  }

  // The id of s, or interner_empty_id; sets h to s's hash and, on a miss, pos to its empty
  // slot (as interner_index::find). Shared by intern, find and the frozen view.
  HOTPATH_ALWAYS_INLINE std::uint32_t find_id(std::string_view s, std::uint64_t& h,
                                              std::size_t& pos) const noexcept {
    if constexpr (short_key_path) {
      if (HOTPATH_LIKELY(detail::interner_is_short(s.size()))) {
        const detail::interner_short_key k = detail::interner_key(s.data(), s.size());
        h = hash_.short_key_hash(k, s.size());
        return shards_[0].index.find(h, key_equals_fn{this, k, s.size()}, pos);
      }
    }
    h = hash_(s);
    return shard_of(h).index.find(h, equals_fn{this, s}, pos);
  }

  // Concurrent miss: under the shard's lock, look again (another thread may have inserted it)
  // and insert.
  HOTPATH_NOINLINE symbol intern_locked(shard& sh, std::string_view s, std::uint64_t h) {
    std::lock_guard<lock_type> lock(sh.mutex);
    std::size_t pos = 0;
    const std::uint32_t id = sh.index.find(h, equals_fn{this, s}, pos);
    if (id != detail::interner_empty_id) return symbol{id};
    return insert(sh, s, h, pos);
  }

  // A new string for shard sh (its lock held when concurrent); pos is its empty slot.
  HOTPATH_NOINLINE symbol insert(shard& sh, std::string_view s, std::uint64_t h, std::size_t pos) {
    if (frozen_.load(std::memory_order_relaxed)) detail::interner_throw_frozen();
    if (s.size() > max_length) detail::interner_throw_too_long(s.size(), max_length);
    if (size() >= max_symbols) detail::interner_throw_full(max_symbols);  // before any memory
    if (sh.index.full()) {
      sh.index.grow(upstream_, [this](std::uint32_t id) noexcept { return hash_of(view_of(id)); });
      pos = sh.index.empty_slot(h);
    }
    if constexpr (concurrent) {
      const std::uint64_t entry = sh.store.put(s);
      std::uint64_t n = count_.load(std::memory_order_relaxed);
      for (;;) {  // claim id n once its table segment exists: no id is ever left without entry
        if (n >= max_symbols) detail::interner_throw_full(max_symbols);
        table_.ensure(static_cast<std::uint32_t>(n), upstream_);
        if (count_.compare_exchange_weak(n, n + 1, std::memory_order_acq_rel,
                                         std::memory_order_relaxed)) {
          break;
        }
      }
      const auto id = static_cast<std::uint32_t>(n);
      table_.set(id, entry);
      sh.index.insert_at(pos, id, h);
      return symbol{id};
    } else {
      const auto id = static_cast<std::uint32_t>(count_);
      table_.push(id, s, upstream_);
      sh.index.insert_at(pos, id, h);
      ++count_;
      return symbol{id};
    }
  }

  void release() noexcept {
    table_.release(upstream_);
    for (auto& sh : shards_) sh.index.release(upstream_);
  }

  [[no_unique_address]] hash_type hash_;
  [[no_unique_address]] upstream_type upstream_;
  mutable std::array<shard, shard_count> shards_;
  table_type table_;
  std::conditional_t<concurrent, std::atomic<std::uint64_t>, std::uint64_t> count_{0};
  std::atomic<bool> frozen_{false};
  std::size_t static_count_ = 0;
};

// The single-threaded interner with a per-instance hash seed (seeded_mix).
using interner = basic_interner<>;
// Many threads may intern, find and resolve at once; resolve takes no lock.
using concurrent_interner = basic_interner<sharded<>>;

}  // namespace hotpath

#endif  // HOTPATH_INTERNER_BASIC_INTERNER_HPP
