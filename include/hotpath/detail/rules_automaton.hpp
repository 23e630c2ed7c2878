// hotpath/detail/rules_automaton.hpp: the matching core shared by rules::ruleset (tables built
// by the compiler) and rules::dynamic_ruleset (tables built at run time). Internal.
//
// Design. Every rule is a formula over atoms (exact/prefix/suffix/contains/glob). Each atom
// contributes one literal, and the literals are split by their anchors, so that each part is
// matched where it can occur instead of at every input position:
//   * anchored at the start (prefix, globs shaped `lit*`, the leading run of other globs), 4
//     bytes or more: in the filter's hash table (below) under one 4-gram, the one at the last
//     sampled position inside the literal, counted only where it starts the input; families
//     of more than 4 such literals sharing that 4-gram stay in the trie. Shorter ones (and
//     those families): a path-compressed trie walked from position 0. A step looks up the
//     child by the next byte's class in a dense row and compares the rest of the edge label
//     word-wise (8 bytes per load) against the literal text; the walk stops at the first
//     mismatch, usually after a few steps.
//   * exact (and globs shaped `lit`): 4 bytes or more, like the end-anchored ones below, and
//     counted only where they also start the input; shorter ones are recorded on the trie
//     node where they end and count only when the input ends there too.
//   * anchored at the end (suffix, `*lit`, the trailing run of other globs), 4 bytes or more:
//     one lookup of the input's last 4 bytes in the filter's hash table (another hash
//     multiplier), whose bucket holds the literals ending in those bytes, compared in full.
//     Shorter ones: the same walk as above on a trie of reversed literals, from the last byte
//     backwards.
//   * unanchored (contains, `*lit*`, inner glob runs used only when a glob has no anchored
//     run): a filter that hashes the 4 bytes at every `step`-th input position (step = the
//     shortest such literal - 3, so each occurrence covers one sampled position; with none,
//     every 4th position below the longest start-anchored literal of the table) into a
//     bitmap; only a set bit leads to a bucket of (literal, offset) pairs, in rule order, that
//     are compared in full. The positions are independent loads, not a chain. Literals
//     shorter than 4 bytes are searched for directly.
// Rules whose formula is one positive non-glob atom (or any_of such atoms) are "simple": a
// literal hit decides them (the tries store the lowest simple rule on each node, aggregated
// along the path). All other rules ("complex": globs, all_of, not_) are candidates when one of
// their atoms was hit (or when they can hold with no atom at all, e.g. not_<...>); after the
// three parts, candidates with an index below the best simple match are evaluated in order.
// A part is skipped when none of its literals belongs to a rule below the best match so far.
//
// Construction is O(total literal length) (radix-trie insertion, one pass over the hashes)
// plus O(trie branch nodes x byte classes) for the rows, written with constexpr new[] buffers
// sized once and raw pointers (no push_back), so the same code runs in the compiler, within
// g++'s and clang's default constexpr limits up to 1000+ rules, and at run time.
#ifndef HOTPATH_DETAIL_RULES_AUTOMATON_HPP
#define HOTPATH_DETAIL_RULES_AUTOMATON_HPP

#include <hotpath/detail/config.hpp>
#include <hotpath/detail/load_le.hpp>
#include <hotpath/detail/optional_words.hpp>
#include <hotpath/detail/rules_glob.hpp>

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace hotpath::detail {

inline constexpr std::uint32_t rules_none = 0xffffffffu;

enum class rules_kind : std::uint8_t { exact, prefix, suffix, contains, glob };
enum class rules_op : std::uint8_t { atom, all, any, negate };

// A formula node in prefix order; size counts the nodes of the subtree including this one.
struct rules_node {
  rules_op op = rules_op::atom;
  std::uint32_t arg = 0;  // op == atom: atom index
  std::uint32_t size = 1;
};

struct rules_atom_src {
  rules_kind kind = rules_kind::exact;
  std::string_view text;
};

struct rules_uninit_t {};
inline constexpr rules_uninit_t rules_uninit{};

// An array of n T's owned by the builder (constexpr new[]): value-initialised, or with
// rules_uninit left uninitialised for buffers that are written before they are read (the
// compilers' constexpr evaluators charge for every element they initialise: ~27 of g++'s
// operations each).
template <class T>
class rules_buf {
 public:
  constexpr rules_buf() noexcept = default;
  constexpr explicit rules_buf(std::size_t n) : p_(n != 0 ? new T[n]{} : nullptr), n_(n) {}
  constexpr rules_buf(std::size_t n, rules_uninit_t) : p_(n != 0 ? new T[n] : nullptr), n_(n) {}
  constexpr rules_buf(rules_buf&& o) noexcept : p_(o.p_), n_(o.n_) {
    o.p_ = nullptr;
    o.n_ = 0;
  }
  constexpr rules_buf& operator=(rules_buf&& o) noexcept {
    std::swap(p_, o.p_);
    std::swap(n_, o.n_);
    return *this;
  }
  rules_buf(const rules_buf&) = delete;
  rules_buf& operator=(const rules_buf&) = delete;
  constexpr ~rules_buf() { delete[] p_; }

  constexpr T* data() noexcept { return p_; }
  constexpr const T* data() const noexcept { return p_; }
  constexpr std::size_t size() const noexcept { return n_; }

 private:
  T* p_ = nullptr;
  std::size_t n_ = 0;
};

// The rules as written: atoms, formula nodes, and one root node per rule, in buffers sized
// up front (the counts are known: from the pattern types, or from the rule list).
struct rules_spec {
  rules_buf<rules_atom_src> atoms_buf;
  rules_buf<rules_node> nodes_buf;
  rules_buf<std::uint32_t> roots_buf;
  std::size_t n_atoms = 0, n_nodes = 0, n_rules = 0;

  constexpr rules_spec(std::size_t rules, std::size_t atoms, std::size_t nodes)
      : atoms_buf(atoms), nodes_buf(nodes), roots_buf(rules, rules_uninit) {}

  constexpr void begin_rule() {
    HOTPATH_ASSERT(n_rules < roots_buf.size());
    roots_buf.data()[n_rules++] = static_cast<std::uint32_t>(n_nodes);
  }
  constexpr void atom(rules_kind k, std::string_view text) {
    HOTPATH_ASSERT(n_atoms < atoms_buf.size() && n_nodes < nodes_buf.size());
    nodes_buf.data()[n_nodes++] = {rules_op::atom, static_cast<std::uint32_t>(n_atoms), 1};
    atoms_buf.data()[n_atoms++] = {k, text};
  }
  constexpr std::size_t open(rules_op op) {
    HOTPATH_ASSERT(n_nodes < nodes_buf.size());
    nodes_buf.data()[n_nodes] = {op, 0, 0};
    return n_nodes++;
  }
  constexpr void close(std::size_t at) {
    nodes_buf.data()[at].size = static_cast<std::uint32_t>(n_nodes - at);
  }
};

struct rules_atom {
  std::uint32_t glob = rules_none;  // index into globs, or none for an atom decided by its hit
  std::uint32_t crule = 0;          // the complex rule this atom belongs to
};

// A glob to verify: its tokens but the leading and trailing runs of plain bytes, which are
// compared directly (text offsets) before the matcher runs on what lies between.
struct rules_glob_ref {
  std::uint32_t tok_begin = 0;
  std::uint32_t tok_end = 0;
  std::uint32_t lead_off = 0, lead_len = 0;
  std::uint32_t trail_off = 0, trail_len = 0;
};

struct rules_crule {
  std::uint32_t rule = 0;  // index in declaration order
  std::uint32_t node = 0;  // root of its formula in the program's nodes
};

// A node of the forward (anchored at the start) or the reverse (anchored at the end) trie.
// The path from the root to the node spells text[text, text + depth) (forward) or
// text[text - depth, text) read backwards (reverse).
struct rules_tnode {
  std::uint32_t row = 0;               // premultiplied offset of its child row in trow (0: none)
  std::uint32_t depth = 0;             // bytes from the anchor
  std::uint32_t text = 0;              // where a literal through this node starts (ends: reverse)
  std::uint32_t pre_min = rules_none;  // lowest simple rule ending here or at an ancestor
  std::uint32_t end_min = rules_none;  // forward: lowest simple exact rule ending exactly here
  std::uint32_t out = rules_none;      // complex atoms here or at ancestors (touts chain)
  std::uint32_t eout = rules_none;     // forward: complex atoms that also need the input end here
};

// Complex atoms of one trie node, chained to the nearest ancestor that has some.
struct rules_tout {
  std::uint32_t atoms_begin = 0, atoms_end = 0;  // range in tatoms
  std::uint32_t next = rules_none;
};

// A literal found through the filter's hash table: unanchored (contains, inner glob run);
// anchored at the end or exact, 4 bytes or more (looked up once, by the input's last 4 bytes:
// anch bit 0, and bit 1 too for exact ones); or anchored at the start, 4 bytes or more (under
// one 4-gram at a sampled position: anch bit 1).
struct rules_clit {
  std::uint32_t text = 0, len = 0;
  std::uint32_t rank = 0;           // index of the rule (simple or complex) it belongs to
  std::uint32_t rule = rules_none;  // simple rule decided by a hit, or none
  std::uint32_t atom = rules_none;  // complex atom fed by a hit, or none
  std::uint32_t anch = 0;           // bit 0: counts only where it ends the input; bit 1: starts it
};

// A filter bucket entry: literal `lit` may start `off` bytes before the sampled position.
struct rules_centry {
  std::uint32_t lit = 0, off = 0;
};
// The same before bucketing (analysis only).
struct rules_craw {
  std::uint32_t lit = 0, off = 0, hash = 0;
};

// The scalar part of the tables.
struct rules_header {
  std::array<std::uint16_t, 256> cls{};  // byte -> class of the trie rows (0: no edge)
  std::uint32_t stride = 1;              // classes per row
  std::uint32_t rroot = 1;               // the reverse trie's root (the forward root is 0)
  std::uint32_t cshift = 32;             // filter hash: (w * K) >> cshift
  std::uint32_t cstep = 0;               // sampled positions' distance (0: none sampled)
  std::uint32_t ctail = 0;               // 1: end-anchored literals in the filter's table
  std::uint32_t cspan = rules_none;      // sampled positions only below this input offset
  std::uint32_t r_min = rules_none;      // lowest rank of a reverse-trie literal
  std::uint32_t c_min = rules_none;      // lowest rank of a literal in the filter's table
  std::uint32_t cand_words = 0, atom_words = 0;
  std::uint32_t states = 0, classes = 0;  // statistics: trie nodes, byte classes
};

// Sizes of a built program (a structural type: the compile-time tables are sized by it).
struct rules_dims {
  std::size_t tnodes = 0, trow = 0, touts = 0, tatoms = 0, text = 0, clits = 0, centries = 0,
              cbkt = 0, cbits = 0, crank = 0, cshort = 0, atoms = 0, globs = 0, tokens = 0,
              sets = 0, crules = 0, nodes = 0, always = 0;
};

// Non-owning view of the tables: what the matcher reads.
struct rules_view {
  rules_header head;
  const rules_tnode* tnodes = nullptr;
  const std::uint32_t* trow = nullptr;
  const rules_tout* touts = nullptr;
  const std::uint32_t* tatoms = nullptr;
  const char* text = nullptr;
  const rules_clit* clits = nullptr;
  const rules_centry* centries = nullptr;
  const std::uint32_t* cbkt = nullptr;  // entries of the k-th occupied bucket: [cbkt[k], cbkt[k+1])
  const std::uint64_t* cbits = nullptr;  // occupied buckets
  const std::uint32_t* crank = nullptr;  // occupied buckets before each word of cbits
  const std::uint32_t* cshort = nullptr;
  std::uint32_t n_cshort = 0;
  const rules_atom* atoms = nullptr;
  const rules_glob_ref* globs = nullptr;
  const rules_glob_token* tokens = nullptr;
  const rules_byteset* sets = nullptr;
  const rules_crule* crules = nullptr;
  const rules_node* nodes = nullptr;
  const std::uint64_t* always = nullptr;  // complex rules that are candidates with no hit
};

// The one list of the tables: calls f(d.table, s.table, count) for every table that both d and
// s have (count = the number of used elements, from dims). d and s are the analysis
// (rules_buf), its compile-time copy and the final tables (std::array), the run-time program
// (std::vector) or a rules_view (pointers).
template <class D, class S, class F>
constexpr void rules_each_table(D& d, S& s, const rules_dims& n, F&& f) {
  f(d.tnodes, s.tnodes, n.tnodes);
  f(d.touts, s.touts, n.touts);
  f(d.tatoms, s.tatoms, n.tatoms);
  f(d.text, s.text, n.text);
  f(d.clits, s.clits, n.clits);
  f(d.cshort, s.cshort, n.cshort);
  f(d.atoms, s.atoms, n.atoms);
  f(d.globs, s.globs, n.globs);
  f(d.tokens, s.tokens, n.tokens);
  f(d.sets, s.sets, n.sets);
  f(d.crules, s.crules, n.crules);
  f(d.nodes, s.nodes, n.nodes);
  f(d.always, s.always, n.always);
  if constexpr (requires { d.trow, s.trow; }) {  // written by rules_fill
    f(d.trow, s.trow, n.trow);
    f(d.centries, s.centries, n.centries);
    f(d.cbkt, s.cbkt, n.cbkt);
    f(d.cbits, s.cbits, n.cbits);
    f(d.crank, s.crank, n.crank);
  }
  if constexpr (requires { d.prow, s.prow; }) {  // rules_fill's inputs
    f(d.prow, s.prow, n.tnodes);
    f(d.ecls, s.ecls, n.tnodes);
    f(d.craw, s.craw, n.centries);
  }
}

// Copies the header and the tables both sides have from src to dst.
template <class Dst, class Src>
constexpr void rules_copy_tables(Dst& dst, const Src& src, const rules_dims& n) {
  dst.head = src.head;
  rules_each_table(dst, src, n, [](auto& to, const auto& from, std::size_t k) {
    if constexpr (requires { to.assign(from.data(), from.data()); }) {
      to.assign(from.data(), from.data() + k);
    } else {
      const auto* q = from.data();
      auto* r = to.data();
      for (std::size_t i = 0; i < k; ++i) r[i] = q[i];
    }
  });
}

// The view of a complete set of tables (dims: theirs).
template <class T>
constexpr rules_view rules_view_of(const T& t, const rules_dims& n) noexcept {
  rules_view v;
  v.head = t.head;
  v.n_cshort = static_cast<std::uint32_t>(n.cshort);
  rules_each_table(v, t, n, [](auto& ptr, const auto& table, std::size_t) { ptr = table.data(); });
  return v;
}

// The tables in std::vector form (built by rules_build, owned by dynamic_ruleset).
struct rules_program {
  rules_header head;
  rules_dims dims;
  std::vector<rules_tnode> tnodes;
  std::vector<std::uint32_t> trow;
  std::vector<rules_tout> touts;
  std::vector<std::uint32_t> tatoms;
  std::vector<char> text;
  std::vector<rules_clit> clits;
  std::vector<rules_centry> centries;
  std::vector<std::uint32_t> cbkt;
  std::vector<std::uint64_t> cbits;
  std::vector<std::uint32_t> crank;
  std::vector<std::uint32_t> cshort;
  std::vector<rules_atom> atoms;
  std::vector<rules_glob_ref> globs;
  std::vector<rules_glob_token> tokens;
  std::vector<rules_byteset> sets;
  std::vector<rules_crule> crules;
  std::vector<rules_node> nodes;
  std::vector<std::uint64_t> always;

  rules_view view() const noexcept { return rules_view_of(*this, dims); }
};

// ---------------------------------------------------------------------------------------------
// Building. The same code runs in the compiler (rules::ruleset) and at run time
// (dynamic_ruleset), so it is written for g++'s and clang's constexpr evaluators: every buffer
// is allocated once with its final (or an upper-bound) size and written through raw pointers.
// A std::vector::push_back costs about a thousand of g++'s constexpr operations and an
// operator[] call a few, which is what kept a 1000-rule compile-time set from building.

// Zero bytes before and after the literal text, so that word compares near a literal's ends
// stay inside the buffer.
inline constexpr std::uint32_t rules_text_pad = 16;

// Upper bounds of a spec's tables, from its sizes alone (no analysis).
struct rules_bounds {
  std::size_t atoms = 0, nodes = 0, rules = 0, glob_text = 0, syms = 0;
};

constexpr rules_bounds rules_bounds_of(const rules_spec& spec) noexcept {
  rules_bounds b;
  b.atoms = spec.n_atoms;
  b.nodes = spec.n_nodes;
  b.rules = spec.n_rules;
  const rules_atom_src* a = spec.atoms_buf.data();
  for (std::size_t i = 0; i < b.atoms; ++i) {
    b.syms += a[i].text.size();
    if (a[i].kind == rules_kind::glob) b.glob_text += a[i].text.size();
  }
  b.syms +=
      b.glob_text + 2 * std::size_t{rules_text_pad};  // + the globs' leading and trailing runs
  return b;
}

// The result of the analysis: every table but the trie rows and the filter buckets, and what
// rules_fill needs to write those. Buffers are sized by rules_bounds; dims says how much of
// each is used.
struct rules_analysis {
  rules_header head;
  rules_dims dims;
  rules_buf<rules_tnode> tnodes;
  rules_buf<rules_tout> touts;
  rules_buf<std::uint32_t> tatoms;
  rules_buf<char> text;
  rules_buf<rules_clit> clits;
  rules_buf<std::uint32_t> cshort;
  rules_buf<rules_atom> atoms;
  rules_buf<rules_glob_ref> globs;
  rules_buf<rules_glob_token> tokens;
  rules_buf<rules_byteset> sets;
  rules_buf<rules_crule> crules;
  rules_buf<rules_node> nodes;
  rules_buf<std::uint64_t> always;
  // rules_fill's inputs: each node's parent row and edge class; the filter's raw entries.
  rules_buf<std::uint32_t> prow, ecls;
  rules_buf<rules_craw> craw;
};

// Upper bound of the trie nodes for `atoms` literals: two roots, a leaf and a split per literal.
constexpr std::size_t rules_max_tnodes(std::size_t atoms) noexcept { return 2 * atoms + 2; }

constexpr std::uint32_t rules_hash4(std::uint32_t w, std::uint32_t shift) noexcept {
  return static_cast<std::uint32_t>((w * 0x9E3779B1u) >> shift);
}
// The hash of an end-anchored literal's last 4 bytes: the same table as rules_hash4's, another
// multiplier, so that the sampled positions and the input's end rarely visit each other's
// buckets.
constexpr std::uint32_t rules_hash4_tail(std::uint32_t w, std::uint32_t shift) noexcept {
  return static_cast<std::uint32_t>((w * 0x85EBCA77u) >> shift);
}

// The trie walks return the deepest node whose path matches the input's start (forward) or
// end (reverse), and its depth. A step loads the child by the next byte's class and compares
// the rest of the child's edge with the literal text word-wise (the text is padded on both
// sides); byte by byte in constant evaluation and for inputs shorter than 8 bytes.
constexpr std::uint32_t rules_walk_ct(const rules_view& p, std::string_view s, bool rev,
                                      std::size_t& depth) noexcept {
  const std::size_t n = s.size();
  std::uint32_t nd = rev ? p.head.rroot : 0;
  std::size_t i = 0;
  while (i < n) {
    const auto b = static_cast<unsigned char>(s[rev ? n - 1 - i : i]);
    const std::uint32_t c = p.trow[p.tnodes[nd].row + p.head.cls[b]];
    if (c == 0) break;
    const rules_tnode& t = p.tnodes[c];
    if (t.depth > n) break;
    bool ok = true;
    for (std::size_t k = i + 1; k < t.depth && ok; ++k)
      ok = rev ? s[n - 1 - k] == p.text[t.text - 1 - k] : s[k] == p.text[t.text + k];
    if (!ok) break;
    nd = c;
    i = t.depth;
  }
  depth = i;
  return nd;
}

// s[from, to) == t[from, to) given s[0, from) == t[0, from), with 8 <= n, to <= n and t
// readable on [0, max(to, 8)): one masked word when to <= 8, else words from the end backwards
// (the last one overlapping the known part).
inline bool rules_eq_fwd(const char* s, const char* t, std::size_t from, std::size_t to) noexcept {
  if (to <= 8)
    return ((load_le64(s) ^ load_le64(t)) & (~std::uint64_t{0} >> (8 * (8 - to)))) == 0;
  std::size_t pos = to;
  do {
    pos = pos >= 8 ? pos - 8 : 0;
    if (load_le64(s + pos) != load_le64(t + pos)) return false;
  } while (pos > from);
  return true;
}
// s[0, len) == t[0, len) given s[len, to) == t[len, to), with s readable on [to - n, to),
// 8 <= n, to <= n and t on [min(0, to - 8), to): one masked word ending at `to` when to <= 8,
// else words from the start (the last one overlapping the known part).
inline bool rules_eq_back(const char* s, const char* t, std::size_t len, std::size_t to) noexcept {
  if (to <= 8)
    return ((load_le64(s + to - 8) ^ load_le64(t + to - 8)) &
            (~std::uint64_t{0} << (8 * (8 - to)))) == 0;
  std::size_t pos = 0;
  do {
    if (pos + 8 > to) pos = to - 8;
    if (load_le64(s + pos) != load_le64(t + pos)) return false;
    pos += 8;
  } while (pos < len);
  return true;
}

// The run-time walks (inputs of 8 bytes or more; shorter ones take rules_walk_ct).
inline std::uint32_t rules_walk_fwd(const rules_view& p, const char* d, std::size_t n,
                                    std::size_t& depth) noexcept {
  const rules_tnode* const tn = p.tnodes;
  std::uint32_t nd = 0;
  std::size_t i = 0;
  while (i < n) {
    const std::uint32_t c = p.trow[tn[nd].row + p.head.cls[static_cast<unsigned char>(d[i])]];
    if (c == 0) break;
    const std::size_t dep = tn[c].depth;
    if (dep > n || !rules_eq_fwd(d, p.text + tn[c].text, i + 1, dep)) break;
    nd = c;
    i = dep;
  }
  depth = i;
  return nd;
}

inline std::uint32_t rules_walk_rev(const rules_view& p, const char* d, std::size_t n,
                                    std::size_t& depth) noexcept {
  const rules_tnode* const tn = p.tnodes;
  std::uint32_t nd = p.head.rroot;
  std::size_t i = 0;
  while (i < n) {
    const std::uint32_t c =
        p.trow[tn[nd].row + p.head.cls[static_cast<unsigned char>(d[n - 1 - i])]];
    if (c == 0) break;
    const std::size_t dep = tn[c].depth;
    if (dep > n || !rules_eq_back(d + n - dep, p.text + tn[c].text - dep, dep - i - 1, dep)) break;
    nd = c;
    i = dep;
  }
  depth = i;
  return nd;
}

// a[0, len) == b[0, len) for len >= 4.
constexpr bool rules_eq(const char* a, const char* b, std::size_t len) {
  if (std::is_constant_evaluated()) {
    for (std::size_t k = 0; k < len; ++k)
      if (a[k] != b[k]) return false;
    return true;
  } else {
    if (len < 8)
      return load_le32(a) == load_le32(b) &&
             load_le32(a + len - 4) == load_le32(b + len - 4);
    for (std::size_t pos = 0;; pos += 8) {
      if (pos + 8 > len) pos = len - 8;
      if (load_le64(a + pos) != load_le64(b + pos)) return false;
      if (pos + 8 >= len) return true;
    }
  }
}

// a[0, len) == b[0, len) for 8 <= len <= 16 (not in constant evaluation), without a branch:
// the words at 0 and len - 8 cover every byte, so the caller can fold the outcome into a
// conditional move (a failing compare, e.g. against another member of a literal family, was
// a mispredicted branch).
inline std::uint64_t rules_diff16(const char* a, const char* b, std::size_t len) noexcept {
  return (load_le64(a) ^ load_le64(b)) |
         (load_le64(a + len - 8) ^ load_le64(b + len - 8));
}

// An atom reduced to one literal: a run of bytes (text[b, e) of the pattern, or glob tokens
// [b, e) for globs), anchored at the input's start (begin), end (end), both or neither.
// Globs that the literal does not decide keep their parsed tokens for verification.
struct rules_lowered {
  std::uint32_t b = 0, e = 0;
  bool from_tokens = false, begin = false, end = false, verify = false;
  std::uint32_t tok_off = 0, tok_len = 0;  // parsed glob tokens (globs only)
  std::uint32_t set_off = 0, set_len = 0;  // and their byte sets
};

// Chooses the literal of atom `a` (whose glob, if any, is parsed into tok at l.tok_off).
constexpr void rules_lower(const rules_atom_src& a, const rules_glob_token* tok,
                           rules_lowered& l) noexcept {
  const auto n = static_cast<std::uint32_t>(a.text.size());
  switch (a.kind) {
    case rules_kind::exact:
      l.begin = l.end = true;
      l.e = n;
      return;
    case rules_kind::prefix:
      l.begin = true;
      l.e = n;
      return;
    case rules_kind::suffix:
      l.end = true;
      l.e = n;
      return;
    case rules_kind::contains:
      l.begin = n == 0;  // every input contains "": the empty prefix
      l.e = n;
      return;
    case rules_kind::glob:
      break;
  }
  l.from_tokens = true;
  const std::uint32_t m = l.tok_len, o = l.tok_off;
  tok += o;
  std::uint32_t wild = 0, stars = 0;
  for (std::uint32_t i = 0; i < m; ++i) {
    wild += tok[i].op != rules_tok_op::byte;
    stars += tok[i].op == rules_tok_op::star;
  }
  const bool lead = m > 0 && tok[0].op == rules_tok_op::star;
  const bool trail = m > 0 && tok[m - 1].op == rules_tok_op::star;
  auto set = [&](bool begin, std::uint32_t b, std::uint32_t e, bool end) {
    l.begin = begin;
    l.b = o + b;
    l.e = o + e;
    l.end = end;
  };
  if (wild == stars && stars == 0) {  // lit: exact (consecutive stars are merged)
    set(true, 0, m, true);
  } else if (wild == stars && stars == 1 && m == 1) {  // *: everything
    set(true, 0, 0, false);
  } else if (wild == stars && stars == 1 && trail) {  // lit*: prefix
    set(true, 0, m - 1, false);
  } else if (wild == stars && stars == 1 && lead) {  // *lit: suffix
    set(false, 1, m, true);
  } else if (wild == stars && stars == 2 && lead && trail) {  // *lit*: contains
    set(false, 1, m - 1, false);
  } else {  // general glob: prefilter on one literal run, verify with the matcher
    l.verify = true;
    // Which run to look for: in shell-command globs the leading run is mostly the command
    // name, shared by many rules, while trailing and inner runs name the specific target. So
    // a trailing run scores its length + 8, a leading one its length, an inner one its length
    // - 4 and only from 8 bytes on (the filter's stride follows the shortest unanchored
    // literal). No literal at all: always a candidate (the forward root).
    std::uint32_t lead_e = 0, trail_b = m;
    while (lead_e < m && tok[lead_e].op == rules_tok_op::byte) ++lead_e;
    while (trail_b > 0 && tok[trail_b - 1].op == rules_tok_op::byte) --trail_b;
    std::uint32_t in_b = 0, in_e = 0;
    for (std::uint32_t i = lead_e; i < trail_b;) {
      if (tok[i].op != rules_tok_op::byte) {
        ++i;
        continue;
      }
      std::uint32_t e = i;
      while (e < trail_b && tok[e].op == rules_tok_op::byte) ++e;
      if (e - i > in_e - in_b) {
        in_b = i;
        in_e = e;
      }
      i = e;
    }
    const std::uint32_t trail_score = trail_b < m ? m - trail_b + 8 : 0;
    const std::uint32_t inner_score = in_e - in_b >= 8 ? in_e - in_b - 4 : 0;
    if (trail_score != 0 && trail_score >= lead_e && trail_score >= inner_score)
      set(false, trail_b, m, true);
    else if (lead_e != 0 && inner_score <= lead_e)
      set(true, 0, lead_e, false);
    else if (in_e != in_b)
      set(false, in_b, in_e, false);
    else
      set(true, 0, 0, false);
  }
}

// True if the subtree at `i` is an atom or any_of of atoms decided by their literal alone.
constexpr bool rules_is_simple(const rules_node* nodes, const rules_lowered* low,
                               std::size_t i) noexcept {
  const rules_node& n = nodes[i];
  if (n.op == rules_op::atom) return !low[n.arg].verify;
  if (n.op != rules_op::any) return false;
  for (std::size_t j = i + 1; j < i + n.size; j += nodes[j].size)
    if (!rules_is_simple(nodes, low, j)) return false;
  return true;
}

// Evaluates a formula with every atom false (can the rule hold with no literal seen?).
constexpr bool rules_eval_empty(const rules_node* nodes, std::size_t i) noexcept {
  const rules_node& n = nodes[i];
  switch (n.op) {
    case rules_op::atom:
      return false;
    case rules_op::negate:
      return !rules_eval_empty(nodes, i + 1);
    case rules_op::all:
      for (std::size_t j = i + 1; j < i + n.size; j += nodes[j].size)
        if (!rules_eval_empty(nodes, j)) return false;
      return true;
    case rules_op::any:
      for (std::size_t j = i + 1; j < i + n.size; j += nodes[j].size)
        if (rules_eval_empty(nodes, j)) return true;
      return false;
  }
  return false;
}

// How rarely a byte occurs in shell commands, roughly: digits, capitals and most punctuation
// are rare, lower-case letters common, and space, '-', '/', '.', '_' the most common.
constexpr std::uint32_t rules_byte_rarity(char ch) noexcept {
  const auto c = static_cast<unsigned char>(ch);
  if (c == ' ' || c == '-' || c == '/' || c == '.' || c == '_') return 0;
  if (c >= 'a' && c <= 'z') return 1;
  if ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z')) return 3;
  return 2;
}

// a[0, len) == b[0, len) for any len.
constexpr bool rules_eq_any(const char* a, const char* b, std::size_t len) {
  if (len >= 4) return rules_eq(a, b, len);
  for (std::size_t k = 0; k < len; ++k)
    if (a[k] != b[k]) return false;
  return true;
}

// Analyses a spec whose patterns are all well formed: parses and lowers atoms to literals,
// builds the two radix tries and the filter's entries, in O(total literal length) plus the
// child-list scans of the tries; rules_fill writes the dense rows and buckets afterwards.
constexpr rules_analysis rules_analyze(const rules_spec& spec) {
  const rules_bounds b = rules_bounds_of(spec);
  const rules_atom_src* src = spec.atoms_buf.data();
  const rules_node* snodes = spec.nodes_buf.data();
  const std::uint32_t* roots = spec.roots_buf.data();
  const std::size_t n_rules = b.rules, n_atoms = b.atoms;

  rules_analysis out;
  out.atoms = rules_buf<rules_atom>(n_atoms);
  out.globs = rules_buf<rules_glob_ref>(n_atoms);
  out.tokens = rules_buf<rules_glob_token>(b.glob_text);
  out.sets = rules_buf<rules_byteset>(b.glob_text / 3 + 1);
  out.crules = rules_buf<rules_crule>(n_rules);
  out.nodes = rules_buf<rules_node>(b.nodes);
  out.always = rules_buf<std::uint64_t>((n_rules + 63) / 64);
  rules_atom* p_atoms = out.atoms.data();
  rules_glob_ref* p_globs = out.globs.data();
  rules_glob_token* p_tokens = out.tokens.data();
  rules_byteset* p_sets = out.sets.data();
  rules_crule* p_crules = out.crules.data();
  rules_node* p_nodes = out.nodes.data();
  std::uint64_t* p_always = out.always.data();

  // Parse the globs and choose every atom's literal.
  rules_buf<rules_glob_token> gtok(b.glob_text, rules_uninit);
  rules_buf<rules_byteset> gset(b.glob_text / 3 + 1);
  rules_buf<rules_lowered> low_buf(n_atoms);
  rules_lowered* low = low_buf.data();
  {
    std::size_t tok_at = 0, set_at = 0;
    for (std::size_t a = 0; a < n_atoms; ++a) {
      rules_lowered& l = low[a];
      if (src[a].kind == rules_kind::glob) {
        std::size_t nt = 0, ns = 0, pos = 0;
        const rules_error e = rules_parse_glob_to(src[a].text, gtok.data() + tok_at,
                                                  gset.data() + set_at, nt, ns, pos);
        HOTPATH_ASSERT(e == rules_error::none);
        (void)e;
        l.tok_off = static_cast<std::uint32_t>(tok_at);
        l.tok_len = static_cast<std::uint32_t>(nt);
        l.set_off = static_cast<std::uint32_t>(set_at);
        l.set_len = static_cast<std::uint32_t>(ns);
        tok_at += nt;
        set_at += ns;
      }
      rules_lower(src[a], gtok.data(), l);
    }
  }

  // Literals, one per atom: the simple rule it decides, or the complex program atom it feeds;
  // rank = the rule's index either way.
  rules_buf<std::uint32_t> lit_rule_buf(n_atoms, rules_uninit), lit_atom_buf(n_atoms, rules_uninit),
      lit_src_buf(n_atoms, rules_uninit), lit_rank_buf(n_atoms, rules_uninit);
  std::uint32_t* lit_rule = lit_rule_buf.data();
  std::uint32_t* lit_atom = lit_atom_buf.data();
  std::uint32_t* lit_src = lit_src_buf.data();
  std::uint32_t* lit_rank = lit_rank_buf.data();
  std::size_t n_lits = 0, n_crules = 0, n_patoms = 0, n_pnodes = 0, n_globs = 0, n_tokens = 0,
              n_sets = 0;
  for (std::size_t r = 0; r < n_rules; ++r) {
    const std::size_t root = roots[r];
    const std::size_t end = root + snodes[root].size;
    if (rules_is_simple(snodes, low, root)) {
      for (std::size_t j = root; j < end; ++j) {
        if (snodes[j].op != rules_op::atom) continue;
        lit_src[n_lits] = snodes[j].arg;
        lit_rule[n_lits] = static_cast<std::uint32_t>(r);
        lit_rank[n_lits] = static_cast<std::uint32_t>(r);
        lit_atom[n_lits++] = rules_none;
      }
      continue;
    }
    const auto k = static_cast<std::uint32_t>(n_crules++);
    p_crules[k] = {static_cast<std::uint32_t>(r), static_cast<std::uint32_t>(n_pnodes)};
    for (std::size_t j = root; j < end; ++j) {
      rules_node nd = snodes[j];
      if (nd.op == rules_op::atom) {
        const auto id = static_cast<std::uint32_t>(n_patoms++);
        rules_atom& pa = p_atoms[id];
        pa.crule = k;
        const rules_lowered& l = low[nd.arg];
        if (l.verify) {
          pa.glob = static_cast<std::uint32_t>(n_globs);
          rules_glob_ref& g = p_globs[n_globs++];
          g.tok_begin = static_cast<std::uint32_t>(n_tokens);
          for (std::size_t t = 0; t < l.tok_len; ++t) {
            rules_glob_token tk = gtok.data()[l.tok_off + t];
            if (tk.op == rules_tok_op::set)
              tk.set = static_cast<std::uint32_t>(tk.set + n_sets);  // parser counts per glob
            p_tokens[n_tokens++] = tk;
          }
          for (std::size_t t = 0; t < l.set_len; ++t) p_sets[n_sets++] = gset.data()[l.set_off + t];
          g.tok_end = static_cast<std::uint32_t>(n_tokens);
        }
        lit_src[n_lits] = nd.arg;
        lit_rule[n_lits] = rules_none;
        lit_rank[n_lits] = static_cast<std::uint32_t>(r);
        lit_atom[n_lits++] = id;
        nd.arg = id;
      }
      p_nodes[n_pnodes++] = nd;
    }
  }
  for (std::size_t k = 0; k < n_crules; ++k)
    if (rules_eval_empty(p_nodes, p_crules[k].node))
      p_always[k / 64] |= std::uint64_t{1} << (k % 64);

  // The literals' bytes, one after the other (glob runs come from their tokens).
  out.text = rules_buf<char>(b.syms, rules_uninit);
  char* text = out.text.data();
  rules_buf<std::uint32_t> lit_off_buf(n_lits + 1, rules_uninit);
  std::uint32_t* lit_off = lit_off_buf.data();
  std::uint32_t n_text = 0;
  for (; n_text < rules_text_pad; ++n_text) text[n_text] = 0;
  {
    const rules_glob_token* gt = gtok.data();
    for (std::size_t i = 0; i < n_lits; ++i) {
      const rules_lowered& l = low[lit_src[i]];
      lit_off[i] = n_text;
      if (l.from_tokens) {
        for (std::uint32_t j = l.b; j < l.e; ++j) text[n_text++] = static_cast<char>(gt[j].byte);
      } else {
        const char* t = src[lit_src[i]].text.data();
        for (std::uint32_t j = l.b; j < l.e; ++j) text[n_text++] = t[j];
      }
    }
    lit_off[n_lits] = n_text;
  }
  // The globs' leading and trailing byte runs, split off their tokens.
  for (std::size_t g = 0; g < n_globs; ++g) {
    rules_glob_ref& r = p_globs[g];
    std::uint32_t lead = r.tok_begin, trail = r.tok_end;
    while (lead < trail && p_tokens[lead].op == rules_tok_op::byte) ++lead;
    while (trail > lead && p_tokens[trail - 1].op == rules_tok_op::byte) --trail;
    r.lead_off = n_text;
    r.lead_len = lead - r.tok_begin;
    for (std::uint32_t t = r.tok_begin; t < lead; ++t)
      text[n_text++] = static_cast<char>(p_tokens[t].byte);
    r.trail_off = n_text;
    r.trail_len = r.tok_end - trail;
    for (std::uint32_t t = trail; t < r.tok_end; ++t)
      text[n_text++] = static_cast<char>(p_tokens[t].byte);
    r.tok_begin = lead;
    r.tok_end = trail;
  }
  for (std::uint32_t k = 0; k < rules_text_pad; ++k) text[n_text++] = 0;

  // The two radix tries: node 0 is the forward root, node 1 the reverse root. Children as
  // sibling lists while building; a node's path is read from the text of the literal that
  // created it (`text`: its start for the forward trie, its end for the reverse one).
  const std::size_t max_nodes = rules_max_tnodes(n_lits);
  rules_buf<std::uint32_t> depth_buf(max_nodes, rules_uninit), ntext_buf(max_nodes, rules_uninit),
      first_buf(max_nodes, rules_uninit), sib_buf(max_nodes, rules_uninit),
      byte_buf(max_nodes, rules_uninit), own_buf(max_nodes, rules_uninit),
      eown_buf(max_nodes, rules_uninit);
  std::uint32_t* depth = depth_buf.data();
  std::uint32_t* ntext = ntext_buf.data();
  std::uint32_t* first = first_buf.data();
  std::uint32_t* sib = sib_buf.data();
  std::uint32_t* ebyte = byte_buf.data();
  std::uint32_t* own = own_buf.data();
  std::uint32_t* eown = eown_buf.data();
  std::uint32_t n_nodes = 0;
  auto new_node = [&](std::uint32_t d, std::uint32_t t) {
    const std::uint32_t x = n_nodes++;
    depth[x] = d;
    ntext[x] = t;
    first[x] = sib[x] = rules_none;
    ebyte[x] = 0;
    own[x] = eown[x] = rules_none;
    return x;
  };
  new_node(0, rules_text_pad);  // roots: a valid text offset for the matcher's loads
  new_node(0, rules_text_pad);
  auto at = [&](std::uint32_t t, std::uint32_t k, bool rev) -> std::uint32_t {
    return static_cast<unsigned char>(rev ? text[t - 1 - k] : text[t + k]);
  };
  // Inserts the literal whose path starts at t (reverse: ends at t), returns its node.
  auto insert = [&](std::uint32_t root, std::uint32_t t, std::uint32_t len, bool rev) {
    std::uint32_t nd = root, i = 0;
    while (i < len) {
      const std::uint32_t c = at(t, i, rev);
      std::uint32_t prev = rules_none, ch = first[nd];
      while (ch != rules_none && ebyte[ch] != c) {
        prev = ch;
        ch = sib[ch];
      }
      if (ch == rules_none) {  // a new leaf
        const std::uint32_t leaf = new_node(len, t);
        ebyte[leaf] = c;
        sib[leaf] = first[nd];
        first[nd] = leaf;
        return leaf;
      }
      const std::uint32_t dch = depth[ch], tch = ntext[ch];
      std::uint32_t k = i + 1;
      while (k < dch && k < len && at(tch, k, rev) == at(t, k, rev)) ++k;
      if (k < dch) {  // split the edge at k
        const std::uint32_t m = new_node(k, tch);
        ebyte[m] = c;
        first[m] = ch;
        sib[m] = sib[ch];
        if (prev == rules_none)
          first[nd] = m;
        else
          sib[prev] = m;
        ebyte[ch] = at(tch, k, rev);
        sib[ch] = rules_none;
        ch = m;
      }
      nd = ch;
      i = k;
    }
    return nd;
  };
  // Where each literal goes: a trie node (start-anchored: fwd, fwd_end; end-anchored: rev;
  // those under 4 bytes, and start-anchored families that share their 4-gram, see below), or
  // the filter's table: unanchored ones at the sampled positions, end-anchored and exact ones
  // under their last 4 bytes (tail), the other start-anchored ones under one 4-gram (lead).
  enum : std::uint8_t { fwd, fwd_end, rev, unanchored, tail, lead };
  rules_buf<std::uint32_t> term_buf(n_lits + 1, rules_uninit);
  rules_buf<std::uint8_t> where_buf(n_lits + 1, rules_uninit);
  std::uint32_t* term = term_buf.data();
  std::uint8_t* where = where_buf.data();
  std::uint32_t r_min = rules_none, c_min = rules_none, n_clong = 0, n_cshort = 0, cstep = 0,
                n_tail = 0, n_lead = 0, lead_max = 0;
  // The sampled positions' distance: the shortest unanchored literal of 4 bytes or more - 3
  // (each occurrence then covers a sampled position), else 4 (for start-anchored literals).
  for (std::size_t i = 0; i < n_lits; ++i) {
    const rules_lowered& l = low[lit_src[i]];
    const std::uint32_t len = lit_off[i + 1] - lit_off[i];
    if (!l.begin && !l.end && len >= 4 && (cstep == 0 || len - 3 < cstep)) cstep = len - 3;
  }
  const std::uint32_t lead_step = cstep != 0 ? cstep : 4;
  // A start-anchored literal of 4 bytes or more goes to the filter's table under its 4-gram at
  // the last sampled position inside it, unless more than rules_lead_share such literals have
  // that 4-gram there (families such as `git push origin feature-N`, which differ in their
  // last bytes only): a command with that 4-gram would compare them all, where the trie
  // walks their common part once. Counted under a 12-bit hash.
  constexpr std::uint32_t lead_bits = 12, rules_lead_share = 4;
  rules_buf<std::uint32_t> share_buf(std::size_t{1} << lead_bits);
  std::uint32_t* share = share_buf.data();
  auto lead_key = [&](std::size_t i) {
    const std::uint32_t t = lit_off[i], len = lit_off[i + 1] - t;
    const std::uint32_t at = (len - 4) / lead_step * lead_step;  // <= len - 4
    return rules_hash4(load_le32(text + t + at), 32 - lead_bits);
  };
  for (std::size_t i = 0; i < n_lits; ++i)
    if (low[lit_src[i]].begin && !low[lit_src[i]].end && lit_off[i + 1] - lit_off[i] >= 4)
      ++share[lead_key(i)];
  for (std::size_t i = 0; i < n_lits; ++i) {
    const rules_lowered& l = low[lit_src[i]];
    const std::uint32_t t = lit_off[i], len = lit_off[i + 1] - t;
    if (l.end && len >= 4) {  // suffix, or exact (also start-anchored): under its last 4 bytes
      where[i] = tail;
      c_min = std::min(c_min, lit_rank[i]);
      ++n_tail;
    } else if (l.begin && len >= 4 && share[lead_key(i)] <= rules_lead_share) {
      where[i] = lead;
      c_min = std::min(c_min, lit_rank[i]);
      ++n_lead;
      lead_max = std::max(lead_max, len);
    } else if (l.begin) {
      term[i] = insert(0, t, len, false);
      where[i] = l.end ? fwd_end : fwd;
      std::uint32_t& m = l.end ? eown[term[i]] : own[term[i]];
      if (lit_rule[i] < m) m = lit_rule[i];
    } else if (l.end) {
      term[i] = insert(1, t + len, len, true);
      where[i] = rev;
      if (lit_rule[i] < own[term[i]]) own[term[i]] = lit_rule[i];
      r_min = std::min(r_min, lit_rank[i]);
    } else {
      where[i] = unanchored;
      c_min = std::min(c_min, lit_rank[i]);
      if (len >= 4) {
        ++n_clong;
      } else {
        ++n_cshort;
      }
    }
  }

  // Breadth-first order of the nodes (both roots), so parents come before children: the
  // aggregated minima, the complex-atom chains, the rows and the byte classes.
  rules_buf<std::uint32_t> order_buf(n_nodes, rules_uninit);
  std::uint32_t* order = order_buf.data();
  order[0] = 0;
  order[1] = 1;
  std::uint32_t n_order = 2;
  for (std::uint32_t qi = 0; qi < n_order; ++qi)
    for (std::uint32_t ch = first[order[qi]]; ch != rules_none; ch = sib[ch]) order[n_order++] = ch;

  // Complex atoms per node: CSR over slots 2 x node (+1: needs the input to end there).
  rules_buf<std::uint32_t> cnt_buf(2 * std::size_t{n_nodes} + 1);
  std::uint32_t* cnt = cnt_buf.data();
  auto slot_of = [&](std::size_t i) { return 2 * term[i] + (where[i] == fwd_end ? 1u : 0u); };
  for (std::size_t i = 0; i < n_lits; ++i)
    if (lit_atom[i] != rules_none && where[i] < unanchored) ++cnt[slot_of(i) + 1];
  for (std::uint32_t s = 0; s < 2 * n_nodes; ++s) cnt[s + 1] += cnt[s];
  const std::uint32_t n_tatoms = cnt[2 * std::size_t{n_nodes}];
  out.tatoms = rules_buf<std::uint32_t>(n_atoms);
  {
    rules_buf<std::uint32_t> fill_buf(2 * std::size_t{n_nodes}, rules_uninit);
    std::uint32_t* fill = fill_buf.data();
    for (std::uint32_t s = 0; s < 2 * n_nodes; ++s) fill[s] = cnt[s];
    for (std::size_t i = 0; i < n_lits; ++i)
      if (lit_atom[i] != rules_none && where[i] < unanchored)
        out.tatoms.data()[fill[slot_of(i)]++] = lit_atom[i];
  }

  // Byte classes: one per byte that starts an edge, 0 for all others.
  std::array<bool, 256> used{};
  for (std::uint32_t x = 2; x < n_nodes; ++x) used[ebyte[x]] = true;
  std::uint32_t n_cls = 1;
  for (unsigned c = 0; c < 256; ++c)
    out.head.cls[c] = used[c] ? static_cast<std::uint16_t>(n_cls++) : std::uint16_t{0};
  const std::uint32_t stride = n_cls;

  // Final node records, in node-id order (ids are kept: 0 and 1 stay the roots).
  out.tnodes = rules_buf<rules_tnode>(max_nodes);
  out.touts = rules_buf<rules_tout>(max_nodes);
  out.prow = rules_buf<std::uint32_t>(max_nodes);
  out.ecls = rules_buf<std::uint32_t>(max_nodes);
  rules_tnode* tn = out.tnodes.data();
  rules_tout* touts = out.touts.data();
  std::uint32_t n_touts = 0, n_rows = 1;  // row 0: no children
  for (std::uint32_t qi = 0; qi < n_order; ++qi) {
    const std::uint32_t x = order[qi];
    rules_tnode& r = tn[x];
    r.depth = depth[x];
    r.text = ntext[x];
    if (first[x] != rules_none) r.row = stride * n_rows++;
    std::uint32_t up_min = rules_none, up_out = rules_none;
    if (qi >= 2) {
      // The parent was visited earlier; its id is recorded by its children below.
      up_min = tn[out.prow.data()[x]].pre_min;  // prow holds the parent id until rules_fill
      up_out = tn[out.prow.data()[x]].out;
    }
    r.pre_min = std::min(own[x], up_min);
    r.end_min = eown[x];
    r.out = up_out;
    const std::size_t sx = 2 * std::size_t{x};
    if (cnt[sx + 1] != cnt[sx]) {
      touts[n_touts] = {cnt[sx], cnt[sx + 1], up_out};
      r.out = n_touts++;
    }
    if (cnt[sx + 2] != cnt[sx + 1]) {
      touts[n_touts] = {cnt[sx + 1], cnt[sx + 2], rules_none};
      r.eout = n_touts++;
    }
    for (std::uint32_t ch = first[x]; ch != rules_none; ch = sib[ch]) {
      out.prow.data()[ch] = x;
      out.ecls.data()[ch] = out.head.cls[ebyte[ch]];
    }
  }
  // prow: parent id -> the parent's row offset (what rules_fill writes into).
  for (std::uint32_t x = 2; x < n_nodes; ++x) out.prow.data()[x] = tn[out.prow.data()[x]].row;

  // Unanchored literals: long ones through the filter, short ones searched directly; long
  // end-anchored ones in the same table under their last 4 bytes.
  out.clits = rules_buf<rules_clit>(n_lits + 1);
  out.cshort = rules_buf<std::uint32_t>(n_lits + 1);
  // Start-anchored literals are found at the sampled positions too (position 0 is one): with
  // no unanchored literal to set the distance, every 4th position below the longest of them.
  std::uint32_t cspan = rules_none;
  if (n_clong == 0) {
    cstep = n_lead != 0 ? lead_step : 0;
    cspan = lead_max;
  }
  std::size_t n_craw = std::size_t{n_clong} * cstep + n_tail + n_lead;
  out.craw = rules_buf<rules_craw>(n_craw + 1);
  std::uint32_t bits = 0;
  if (n_craw != 0) {
    // ~1/256 of the buckets hold an entry: few false hits per sampled position.
    bits = static_cast<std::uint32_t>(std::bit_width(n_craw)) + 8;
    bits = std::clamp(bits, 10u, 16u);
  }
  const std::uint32_t cshift = 32 - bits;
  {
    std::uint32_t n_clits = 0, n_sh = 0;
    std::size_t k = 0;
    for (std::size_t i = 0; i < n_lits; ++i) {
      if (where[i] != unanchored && where[i] != tail && where[i] != lead) continue;
      const std::uint32_t t = lit_off[i], len = lit_off[i + 1] - t;
      const std::uint32_t id = n_clits++;
      const bool starts = low[lit_src[i]].begin;  // lead, or an exact literal (tail)
      const std::uint32_t anch = (where[i] == tail ? 1u : 0u) | (starts ? 2u : 0u);
      out.clits.data()[id] = {t, len, lit_rank[i], lit_rule[i], lit_atom[i], anch};
      if (where[i] == tail) {
        out.craw.data()[k++] = {id, len - 4,
                                rules_hash4_tail(load_le32(text + t + len - 4), cshift)};
        continue;
      }
      if (where[i] == lead) {
        // One 4-gram, at the last sampled position inside the literal: the end of a command
        // prefix (its arguments) tells rules apart far better than its start (the command
        // name, shared by many rules), so buckets stay small (measured: 31 vs 35 ns per
        // command at 100 rules against the rarest-looking 4-gram, 55 vs 64 ns at 1000).
        const std::uint32_t o = (len - 4) / cstep * cstep;  // cstep == lead_step here
        out.craw.data()[k++] = {id, o, rules_hash4(load_le32(text + t + o), cshift)};
        continue;
      }
      if (len < 4) {
        out.cshort.data()[n_sh++] = id;
        continue;
      }
      // Any cstep consecutive offsets catch every occurrence (one of them falls on a sampled
      // position): take the window of 4-grams that looks rarest in shell commands, so that
      // common pieces such as " --" or "/srv" rarely lead to a comparison.
      std::uint32_t best_k = 0, best_score = 0;
      for (std::uint32_t k0 = 0; k0 + cstep + 3 <= len; ++k0) {
        std::uint32_t score = 0;
        for (std::uint32_t o = k0; o < k0 + cstep + 3; ++o) score += rules_byte_rarity(text[t + o]);
        if (score >= best_score) {
          best_score = score;
          best_k = k0;
        }
      }
      for (std::uint32_t o = best_k; o < best_k + cstep; ++o)
        out.craw.data()[k++] = {id, o, rules_hash4(load_le32(text + t + o), cshift)};
    }
    out.dims.clits = n_clits;
  }

  out.head.stride = stride;
  out.head.rroot = 1;
  out.head.cshift = cshift;
  out.head.cstep = cstep;
  out.head.ctail = n_tail != 0 ? 1 : 0;
  out.head.cspan = cspan;
  out.head.r_min = r_min;
  out.head.c_min = c_min;
  out.head.cand_words = static_cast<std::uint32_t>((n_crules + 63) / 64);
  out.head.atom_words = static_cast<std::uint32_t>((n_patoms + 63) / 64);
  out.head.states = n_nodes;
  out.head.classes = n_cls;
  rules_dims& d = out.dims;
  d.tnodes = n_nodes;
  d.trow = std::size_t{n_rows} * stride;
  d.touts = n_touts;
  d.tatoms = n_tatoms;
  d.text = n_text;
  d.centries = n_craw;
  d.cbits = ((std::size_t{1} << bits) + 63) / 64;
  d.crank = d.cbits;
  {  // occupied buckets
    rules_buf<std::uint64_t> seen(d.cbits);
    std::size_t occupied = 0;
    for (std::size_t i = 0; i < n_craw; ++i) {
      const std::uint32_t h = out.craw.data()[i].hash;
      std::uint64_t& w = seen.data()[h / 64];
      occupied += ((w >> (h % 64)) & 1) == 0;
      w |= std::uint64_t{1} << (h % 64);
    }
    d.cbkt = occupied + 1;
  }
  d.cshort = n_cshort;
  d.atoms = n_patoms;
  d.globs = n_globs;
  d.tokens = n_tokens;
  d.sets = n_sets;
  d.crules = n_crules;
  d.nodes = n_pnodes;
  d.always = out.head.cand_words;
  return out;
}

// The number of set bits, inline: std::popcount compiles to a call of libgcc's
// __popcountdi2 when the target has no POPCNT (x86-64 without -mpopcnt, the default), which
// was ~14 % of the 100-rule benchmark's matching time (perf).
constexpr std::uint32_t rules_popcount(std::uint64_t x) noexcept {
  x = x - ((x >> 1) & 0x5555555555555555u);
  x = (x & 0x3333333333333333u) + ((x >> 2) & 0x3333333333333333u);
  x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0Fu;
  return static_cast<std::uint32_t>((x * 0x0101010101010101u) >> 56);
}

// Whether bucket h is occupied.
constexpr bool rules_occupied(const std::uint64_t* cbits, std::uint32_t h) noexcept {
  return ((cbits[h / 64] >> (h % 64)) & 1) != 0;
}

// Index of bucket h among the occupied ones (h must be occupied).
constexpr std::uint32_t rules_bucket(const std::uint64_t* cbits, const std::uint32_t* crank,
                                     std::uint32_t h) noexcept {
  const std::uint64_t below = cbits[h / 64] & ((std::uint64_t{1} << (h % 64)) - 1);
  return crank[h / 64] + rules_popcount(below);
}

// Writes the trie rows (trow: dims.trow zeroed entries) and the filter's buckets (cbits:
// dims.cbits zeroed words, crank, cbkt: dims.cbkt entries, centries) from the analysis' prow,
// ecls and craw (src: a rules_analysis or its compile-time copy). Only occupied buckets get
// an entry range, so the tables stay small however many hash bits the filter uses.
template <class Src>
constexpr void rules_fill(const Src& src, const rules_dims& d, std::uint32_t* trow,
                          rules_centry* centries, std::uint32_t* cbkt, std::uint64_t* cbits,
                          std::uint32_t* crank) {
  const std::uint32_t* prow = src.prow.data();
  const std::uint32_t* ecls = src.ecls.data();
  for (std::uint32_t x = 2; x < d.tnodes; ++x) trow[prow[x] + ecls[x]] = x;
  const rules_craw* raw = src.craw.data();
  const std::size_t n = d.centries;
  for (std::size_t i = 0; i < n; ++i)
    cbits[raw[i].hash / 64] |= std::uint64_t{1} << (raw[i].hash % 64);
  std::uint32_t rank = 0;
  for (std::size_t w = 0; w < d.crank; ++w) {
    crank[w] = rank;
    rank += rules_popcount(cbits[w]);
  }
  for (std::size_t k = 0; k < d.cbkt; ++k) cbkt[k] = 0;
  for (std::size_t i = 0; i < n; ++i) ++cbkt[rules_bucket(cbits, crank, raw[i].hash)];
  for (std::size_t k = 1; k < d.cbkt; ++k) cbkt[k] += cbkt[k - 1];  // end of bucket k
  for (std::size_t i = n; i-- > 0;)
    centries[--cbkt[rules_bucket(cbits, crank, raw[i].hash)]] = {raw[i].lit, raw[i].off};
  cbkt[d.cbkt - 1] = static_cast<std::uint32_t>(n);
}

// Analysis and tables in one go (the run-time path).
inline rules_program rules_build(const rules_spec& spec) {
  const rules_analysis a = rules_analyze(spec);
  const rules_dims& d = a.dims;
  rules_program p;
  p.dims = d;
  rules_copy_tables(p, a, d);
  p.trow.assign(d.trow, 0u);
  p.centries.assign(d.centries, rules_centry{});
  p.cbkt.assign(d.cbkt, 0u);
  p.cbits.assign(d.cbits, 0u);
  p.crank.assign(d.crank, 0u);
  rules_fill(a, d, p.trow.data(), p.centries.data(), p.cbkt.data(), p.cbits.data(), p.crank.data());
  return p;
}

constexpr bool rules_eval(const rules_view& p, std::size_t i, std::string_view s,
                          const std::uint64_t* hit) noexcept {
  const rules_node& n = p.nodes[i];
  switch (n.op) {
    case rules_op::atom: {
      if (!((hit[n.arg / 64] >> (n.arg % 64)) & 1)) return false;
      const rules_atom& a = p.atoms[n.arg];
      if (a.glob == rules_none) return true;
      const rules_glob_ref& g = p.globs[a.glob];
      const std::size_t n = s.size();
      if (n < std::size_t{g.lead_len} + g.trail_len ||
          !rules_eq_any(s.data(), p.text + g.lead_off, g.lead_len) ||
          !rules_eq_any(s.data() + n - g.trail_len, p.text + g.trail_off, g.trail_len))
        return false;
      return rules_glob_match(p.tokens + g.tok_begin, g.tok_end - g.tok_begin, p.sets,
                              s.substr(g.lead_len, n - g.lead_len - g.trail_len));
    }
    case rules_op::negate:
      return !rules_eval(p, i + 1, s, hit);
    case rules_op::all:
      for (std::size_t j = i + 1; j < i + n.size; j += p.nodes[j].size)
        if (!rules_eval(p, j, s, hit)) return false;
      return true;
    case rules_op::any:
      for (std::size_t j = i + 1; j < i + n.size; j += p.nodes[j].size)
        if (rules_eval(p, j, s, hit)) return true;
      return false;
  }
  return false;
}

// std::optional<std::size_t>{r}, or nullopt for rules_none (built from words:
// detail/optional_words.hpp).
HOTPATH_ALWAYS_INLINE constexpr std::optional<std::size_t> rules_optional(
    std::uint32_t r) noexcept {
  return optional_of(std::size_t{r}, r != rules_none);
}

// Sampled positions the filter visits with a fixed trip count (the bench's commands: ~25 bytes).
inline constexpr std::size_t rules_fixed_positions = 7;

// Index of the first rule (declaration order) that matches s, or rules_none. `hit` must have
// p.head.atom_words zeroed words and `cand` p.head.cand_words words (overwritten).
HOTPATH_ALWAYS_INLINE constexpr std::uint32_t rules_run(const rules_view& p, std::string_view s,
                                                        std::uint64_t* hit,
                                                        std::uint64_t* cand) noexcept {
  const char* const d = s.data();
  const std::size_t n = s.size();
  const rules_tnode* const tn = p.tnodes;
  const bool complex = p.head.cand_words != 0;
  for (std::uint32_t w = 0; w < p.head.cand_words; ++w) cand[w] = p.always[w];
  auto on_atom = [&](std::uint32_t a) {
    hit[a / 64] |= std::uint64_t{1} << (a % 64);
    const std::uint32_t k = p.atoms[a].crule;
    cand[k / 64] |= std::uint64_t{1} << (k % 64);
  };
  auto on_touts = [&](std::uint32_t o) {
    for (; o != rules_none; o = p.touts[o].next)
      for (std::uint32_t i = p.touts[o].atoms_begin; i < p.touts[o].atoms_end; ++i)
        on_atom(p.tatoms[i]);
  };

  // Anchored at the start: walk the forward trie from position 0.
  std::size_t i = 0;
  bool bytewise = n < 8;
  if (std::is_constant_evaluated()) bytewise = true;
  std::uint32_t nd = 0;  // no literal left in the forward trie (often): no walk
  if (tn[0].row != 0) nd = bytewise ? rules_walk_ct(p, s, false, i) : rules_walk_fwd(p, d, n, i);
  std::uint32_t best = tn[nd].pre_min;
  if (i == n) best = std::min(best, tn[nd].end_min);
  if (complex) {
    on_touts(tn[nd].out);
    if (i == n) on_touts(tn[nd].eout);
  }

  // Anchored at the end: the reverse trie from the last byte.
  if (best > p.head.r_min) {
    nd = bytewise ? rules_walk_ct(p, s, true, i) : rules_walk_rev(p, d, n, i);
    best = std::min(best, tn[nd].pre_min);
    if (complex) on_touts(tn[nd].out);
  }

  // Unanchored: sampled 4-byte hashes, then the bucket's literals compared in full.
  if (best > p.head.c_min) {
    auto on_clit = [&](const rules_clit& l) {
      if (l.atom == rules_none)
        best = std::min(best, l.rule);
      else
        on_atom(l.atom);
    };
    // The bucket of 4-byte hash h, with the input's 4 bytes at j: every entry whose literal
    // occurs there (ending at the input's end, for end-anchored ones; starting at 0, for
    // start-anchored ones) and could still win.
    auto scan = [&](std::uint32_t h, std::size_t j) {
      const std::uint32_t k = rules_bucket(p.cbits, p.crank, h);
      for (std::uint32_t e = p.cbkt[k]; e < p.cbkt[k + 1]; ++e) {
        const rules_centry ce = p.centries[e];
        const rules_clit& l = p.clits[ce.lit];
        if (l.rank >= best) break;                  // a bucket's entries are in rank order
        const std::size_t to = j - ce.off + l.len;  // where the occurrence would end
        if (ce.off > j || to > n || ((l.anch & 1) != 0 && to != n) ||
            ((l.anch & 2) != 0 && ce.off != j))
          continue;
        const char* const a = d + (j - ce.off);
        const char* const b = p.text + l.text;
        if (!std::is_constant_evaluated() && l.len - 8 <= 8 && l.atom == rules_none) {
          const std::uint32_t r = rules_diff16(a, b, l.len) == 0 ? l.rule : rules_none;
          best = r < best ? r : best;
        } else if (rules_eq(a, b, l.len)) {
          on_clit(l);
        }
      }
    };
    const std::uint32_t shift = p.head.cshift;
    if (p.head.ctail != 0 && n >= 4) {  // end-anchored literals: one lookup, the last 4 bytes
      const std::uint32_t h = rules_hash4_tail(load_le32(d + n - 4), shift);
      if (rules_occupied(p.cbits, h)) scan(h, n - 4);
    }
    const std::size_t step = p.head.cstep;
    // cspan == rules_none: no limit (an input may be longer than that 32-bit value).
    const std::size_t span =
        p.head.cspan == rules_none ? n : std::min<std::size_t>(n, p.head.cspan);
    if (step != 0 && span >= 4) {
      // The first rules_fixed_positions sampled positions with a fixed trip count (a position
      // past the input loads the last 4 bytes and is not scanned), the rest in a loop: the
      // loop's exit, which follows the input's length, was the most mispredicted branch.
      const std::size_t last = span - 4;
#if defined(__GNUC__)
#pragma GCC unroll 8
#endif
      for (std::size_t k = 0; k < rules_fixed_positions; ++k) {
        const std::size_t j = k * step;
        const std::size_t jj = j <= last ? j : last;
        const std::uint32_t h = rules_hash4(load_le32(d + jj), shift);
        if (rules_occupied(p.cbits, h) & (j <= last)) scan(h, jj);
      }
      for (std::size_t j = rules_fixed_positions * step; j <= last; j += step) {
        const std::uint32_t h = rules_hash4(load_le32(d + j), shift);
        if (rules_occupied(p.cbits, h)) scan(h, j);
      }
    }
    for (std::uint32_t k = 0; k < p.n_cshort; ++k) {
      const rules_clit& l = p.clits[p.cshort[k]];
      if (l.rank < best &&
          s.find(std::string_view(p.text + l.text, l.len)) != std::string_view::npos)
        on_clit(l);
    }
  }

  for (std::uint32_t w = 0; w < p.head.cand_words; ++w) {
    for (std::uint64_t bits = cand[w]; bits != 0; bits &= bits - 1) {
      const std::uint32_t k = w * 64 + static_cast<std::uint32_t>(std::countr_zero(bits));
      const rules_crule& c = p.crules[k];
      if (c.rule >= best) return best;
      if (rules_eval(p, c.node, s, hit)) return c.rule;
    }
  }
  return best;
}

}  // namespace hotpath::detail

#endif  // HOTPATH_DETAIL_RULES_AUTOMATON_HPP
