// hotpath/detail/rules_automaton.hpp: the matching core shared by rules::ruleset (tables built
// by the compiler) and rules::dynamic_ruleset (tables built at run time). Internal.
//
// Design. Every rule is a formula over atoms (exact/prefix/suffix/contains/glob). Each atom
// contributes one literal to a single Aho-Corasick automaton over a 258-symbol alphabet: the
// 256 bytes plus two virtual symbols BEGIN and END that the matcher feeds before and after the
// input. Anchors become ordinary symbols, so
//   exact "s" -> BEGIN s END,  prefix "s" -> BEGIN s,  suffix "s" -> s END,  contains "s" -> s
// and a hit of the literal *is* the match: one pass decides every such rule, with no
// per-rule work. Globs shaped like `lit`, `lit*`, `*lit`, `*lit*` are rewritten to those kinds;
// other globs contribute their most selective literal run (anchored runs preferred) as a
// prefilter and are verified by the glob matcher only when that run was seen.
//
// Rules whose formula is one positive non-glob atom (or any_of such atoms) are "simple": each
// automaton state stores the lowest simple rule index among all literals that end there
// (aggregated along the suffix links at build time), so the scan keeps best = min(best, ...)
// and nothing else. All other rules ("complex": globs, all_of, not_) are candidates when one of
// their atoms was hit (or when they can hold with no atom at all, e.g. not_<...>); after the
// scan, candidates with an index below the best simple match are evaluated in order.
//
// Tables. Bytes are compressed to classes (every byte that occurs in some literal gets its own
// class, all others share class 0), so the transition table is states x (classes + 1) 32-bit
// entries holding premultiplied row offsets: one load and one add per input byte. The extra
// column holds the state's output record. States with outputs are numbered last, so "did
// anything match here" is one compare against a threshold. Construction is
// O(total literal length) for the trie plus O(states x classes) for the table, written with
// constexpr new[] buffers sized once and raw pointers (no push_back), so the same code runs in
// the compiler, within g++'s and clang's default constexpr limits up to 1000+ rules, and at run
// time.
#ifndef HOTPATH_DETAIL_RULES_AUTOMATON_HPP
#define HOTPATH_DETAIL_RULES_AUTOMATON_HPP

#include <hotpath/detail/config.hpp>
#include <hotpath/detail/rules_glob.hpp>

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

namespace hotpath::detail {

inline constexpr std::uint32_t rules_none = 0xffffffffu;
inline constexpr unsigned rules_sym_begin = 256;
inline constexpr unsigned rules_sym_end = 257;
inline constexpr unsigned rules_nsym = 258;

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

struct rules_out {
  std::uint32_t min_rule = rules_none;  // lowest simple rule ending here or at a suffix
  std::uint32_t atoms_begin = 0;        // complex atoms whose literal ends exactly here
  std::uint32_t atoms_end = 0;
  std::uint32_t next = rules_none;  // output record of the longest suffix with complex atoms
};

struct rules_atom {
  std::uint32_t glob = rules_none;  // index into globs, or none for an atom decided by its hit
  std::uint32_t crule = 0;          // the complex rule this atom belongs to
};

struct rules_glob_ref {
  std::uint32_t tok_begin = 0;
  std::uint32_t tok_end = 0;
};

struct rules_crule {
  std::uint32_t rule = 0;  // index in declaration order
  std::uint32_t node = 0;  // root of its formula in the program's nodes
};

// Sizes of a built program (a structural type: the compile-time tables are sized by it).
struct rules_dims {
  std::size_t next = 0, outs = 0, out_atoms = 0, atoms = 0, globs = 0, tokens = 0, sets = 0,
              crules = 0, nodes = 0, cand_words = 0, atom_words = 0;
};

// Non-owning view of the tables: what the matcher reads.
struct rules_view {
  const std::uint32_t* next = nullptr;
  const std::uint16_t* cls = nullptr;
  std::uint32_t stride = 0, start = 0, first_out = 0, end_class = 0;
  const rules_out* outs = nullptr;
  const std::uint32_t* out_atoms = nullptr;
  const rules_atom* atoms = nullptr;
  const rules_glob_ref* globs = nullptr;
  const rules_glob_token* tokens = nullptr;
  const rules_byteset* sets = nullptr;
  const rules_crule* crules = nullptr;
  const rules_node* nodes = nullptr;
  const std::uint64_t* always = nullptr;  // complex rules that are candidates with no hit
  std::uint32_t cand_words = 0;
  std::uint32_t atom_words = 0;
};

// The tables in std::vector form (built by rules_build, owned by dynamic_ruleset).
struct rules_program {
  std::vector<std::uint32_t> next;
  std::array<std::uint16_t, 256> cls{};
  std::uint32_t stride = 0, start = 0, first_out = 0, end_class = 0;
  std::vector<rules_out> outs;
  std::vector<std::uint32_t> out_atoms;
  std::vector<rules_atom> atoms;
  std::vector<rules_glob_ref> globs;
  std::vector<rules_glob_token> tokens;
  std::vector<rules_byteset> sets;
  std::vector<rules_crule> crules;
  std::vector<rules_node> nodes;
  std::vector<std::uint64_t> always;
  std::uint32_t atom_words = 0;
  std::uint32_t states = 0, classes = 0;  // statistics

  constexpr rules_dims dims() const noexcept {
    return {static_cast<std::size_t>(states) * stride,
            outs.size(),
            out_atoms.size(),
            atoms.size(),
            globs.size(),
            tokens.size(),
            sets.size(),
            crules.size(),
            nodes.size(),
            always.size(),
            atom_words};
  }
  constexpr rules_view view() const noexcept {
    return {next.data(),   cls.data(),   stride,        start,
            first_out,     end_class,    outs.data(),   out_atoms.data(),
            atoms.data(),  globs.data(), tokens.data(), sets.data(),
            crules.data(), nodes.data(), always.data(), static_cast<std::uint32_t>(always.size()),
            atom_words};
  }
};

// ---------------------------------------------------------------------------------------------
// Building. The same code runs in the compiler (rules::ruleset) and at run time
// (dynamic_ruleset), so it is written for g++'s and clang's constexpr evaluators: every buffer
// is allocated once with its final (or an upper-bound) size and written through raw pointers.
// A std::vector::push_back costs about a thousand of g++'s constexpr operations and an
// operator[] call a few, which is what kept a 1000-rule compile-time set from building.

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
    b.syms += a[i].text.size() + 2;  // + BEGIN / END
    if (a[i].kind == rules_kind::glob) b.glob_text += a[i].text.size();
  }
  b.syms += 1;  // the BEGIN state that always exists
  return b;
}

// The result of the analysis: the program's tables but the dense transition table, and the
// sparse trie that rules_fill turns into it. Buffers are sized by rules_bounds; dims says how
// much of each is used.
struct rules_analysis {
  rules_dims dims;  // dims.next = states x stride
  std::array<std::uint16_t, 256> cls{};
  std::uint32_t stride = 0, start = 0, first_out = 0, end_class = 0;
  std::uint32_t states = 0, classes = 0;
  rules_buf<rules_out> outs;
  rules_buf<std::uint32_t> out_atoms;
  rules_buf<rules_atom> atoms;
  rules_buf<rules_glob_ref> globs;
  rules_buf<rules_glob_token> tokens;
  rules_buf<rules_byteset> sets;
  rules_buf<rules_crule> crules;
  rules_buf<rules_node> nodes;
  rules_buf<std::uint64_t> always;
  // The trie: old state ids in breadth-first order, failure links (old -> old), the final row
  // of each old id, and child edges as singly linked lists.
  rules_buf<std::uint32_t> order, fail, id, first_edge, edge_next, edge_cls, edge_to;
};

// What rules_fill reads (pointers into a rules_analysis or into its compile-time copy).
struct rules_trie_view {
  const std::uint32_t *order, *fail, *id, *first_edge, *edge_next, *edge_cls, *edge_to;
  std::uint32_t states, stride, first_out;
};

// An atom reduced to one automaton literal: optional BEGIN, a run of bytes (text[b, e) of the
// pattern, or glob tokens [b, e) for globs), optional END. Globs that the literal does not
// decide keep their parsed tokens for verification. Nothing is copied: the symbols are read
// straight from the pattern while inserting into the trie.
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
      l.begin = n == 0;  // every input contains "": the literal BEGIN
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
  } else {  // general glob: prefilter on the best literal run, verify with the matcher
    l.verify = true;
    std::uint32_t best_b = 0, best_e = 0, best_score = 0;
    for (std::uint32_t i = 0; i < m;) {
      if (tok[i].op != rules_tok_op::byte) {
        ++i;
        continue;
      }
      std::uint32_t e = i;
      while (e < m && tok[e].op == rules_tok_op::byte) ++e;
      const std::uint32_t score = (e - i) + (i == 0 ? 1 : 0) + (e == m ? 1 : 0);
      if (score > best_score) {
        best_score = score;
        best_b = i;
        best_e = e;
      }
      i = e;
    }
    if (best_score == 0)
      set(true, 0, 0, false);  // no literal at all: always a candidate
    else
      set(best_b == 0, best_b, best_e, best_e == m);
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

// Analyses a spec whose patterns are all well formed: parses and lowers atoms to literals,
// builds the sparse trie, failure links, outputs and the final state numbering, in
// O(total literal length) plus failure-link walks; the dense table is written afterwards by
// rules_fill.
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

  // Literals, one per atom: the simple rule it decides, or the complex program atom it feeds.
  rules_buf<std::uint32_t> lit_rule_buf(n_atoms, rules_uninit), lit_atom_buf(n_atoms, rules_uninit),
      lit_src_buf(n_atoms, rules_uninit);
  std::uint32_t* lit_rule = lit_rule_buf.data();
  std::uint32_t* lit_atom = lit_atom_buf.data();
  std::uint32_t* lit_src = lit_src_buf.data();
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
        lit_atom[n_lits++] = id;
        nd.arg = id;
      }
      p_nodes[n_pnodes++] = nd;
    }
  }
  for (std::size_t k = 0; k < n_crules; ++k)
    if (rules_eval_empty(p_nodes, p_crules[k].node))
      p_always[k / 64] |= std::uint64_t{1} << (k % 64);

  // Sparse trie over symbols (0..257): children as edge lists (for the breadth-first walks)
  // plus a hash of (state, symbol) -> child for O(1) look-ups. The symbols are read from the
  // patterns directly (no literal is materialised) and marked as used for the byte classes.
  const std::size_t max_states = b.syms + 1;
  out.first_edge = rules_buf<std::uint32_t>(max_states, rules_uninit);
  out.edge_next = rules_buf<std::uint32_t>(max_states, rules_uninit);
  out.edge_cls = rules_buf<std::uint32_t>(max_states, rules_uninit);
  out.edge_to = rules_buf<std::uint32_t>(max_states, rules_uninit);
  std::uint32_t* first_edge = out.first_edge.data();
  std::uint32_t* edge_next = out.edge_next.data();
  std::uint32_t* edge_cls = out.edge_cls.data();
  std::uint32_t* edge_to = out.edge_to.data();
  rules_buf<std::uint32_t> own_min_buf(max_states, rules_uninit), term_buf(n_lits + 1, rules_uninit);
  std::uint32_t* own_min = own_min_buf.data();
  std::uint32_t* term = term_buf.data();
  first_edge[0] = own_min[0] = rules_none;
  std::uint32_t n_states = 1, n_edges = 0;
  std::array<bool, rules_nsym> used{};
  used[rules_sym_begin] = used[rules_sym_end] = true;
  // (state, class) -> child: open addressing on key + 1 (0 = empty), doubled when half full,
  // so that its size follows the number of states rather than the literal bytes.
  std::size_t hcap = 256;
  rules_buf<std::uint64_t> hkey_buf(hcap);
  rules_buf<std::uint32_t> hval_buf(hcap, rules_uninit);
  auto slot = [&](std::uint64_t key) {
    const std::uint64_t* hk = hkey_buf.data();
    std::size_t h = static_cast<std::size_t>((key * 0x9E3779B97F4A7C15u) >> 40) & (hcap - 1);
    while (hk[h] != 0 && hk[h] != key) h = (h + 1) & (hcap - 1);
    return h;
  };
  auto grow = [&] {
    rules_buf<std::uint64_t> ok = std::move(hkey_buf);
    rules_buf<std::uint32_t> ov = std::move(hval_buf);
    const std::size_t old = hcap;
    hcap *= 2;
    hkey_buf = rules_buf<std::uint64_t>(hcap);
    hval_buf = rules_buf<std::uint32_t>(hcap, rules_uninit);
    for (std::size_t i = 0; i < old; ++i) {
      if (ok.data()[i] == 0) continue;
      const std::size_t h = slot(ok.data()[i]);
      hkey_buf.data()[h] = ok.data()[i];
      hval_buf.data()[h] = ov.data()[i];
    }
  };
  // Child of s on class c, created when missing.
  auto step = [&](std::uint32_t s, std::uint32_t c) -> std::uint32_t {
    const std::uint64_t key = std::uint64_t{s} * rules_nsym + c + 1;
    std::size_t h = slot(key);
    if (hkey_buf.data()[h] == key) return hval_buf.data()[h];
    if (2 * (std::size_t{n_edges} + 1) > hcap) {
      grow();
      h = slot(key);
    }
    const std::uint32_t t = n_states++;
    hkey_buf.data()[h] = key;
    hval_buf.data()[h] = t;
    first_edge[t] = own_min[t] = rules_none;
    used[c] = true;  // every symbol of every literal lies on an edge
    edge_next[n_edges] = first_edge[s];
    edge_cls[n_edges] = c;
    edge_to[n_edges] = t;
    first_edge[s] = n_edges++;
    return t;
  };
  auto child = [&](std::uint32_t s, std::uint32_t c) -> std::uint32_t {
    const std::uint64_t key = std::uint64_t{s} * rules_nsym + c + 1;
    const std::size_t h = slot(key);
    return hkey_buf.data()[h] == key ? hval_buf.data()[h] : rules_none;
  };
  // The BEGIN state always exists: it is where every scan starts.
  const std::uint32_t begin_state = step(0, rules_sym_begin);
  const rules_glob_token* gt = gtok.data();
  for (std::size_t i = 0; i < n_lits; ++i) {
    const rules_lowered& l = low[lit_src[i]];
    std::uint32_t s = l.begin ? begin_state : 0;
    // Most trie states have one child, the edge added last: test it before the hash (about
    // half the constexpr steps of the build; clang allows 2^20 per evaluation).
    if (l.from_tokens) {
      for (std::uint32_t j = l.b; j < l.e; ++j) {
        const std::uint32_t c = gt[j].byte, e = first_edge[s];
        s = e != rules_none && edge_cls[e] == c ? edge_to[e] : step(s, c);
      }
    } else {
      const char* text = src[lit_src[i]].text.data();
      for (std::uint32_t j = l.b; j < l.e; ++j) {
        const std::uint32_t c = static_cast<unsigned char>(text[j]), e = first_edge[s];
        s = e != rules_none && edge_cls[e] == c ? edge_to[e] : step(s, c);
      }
    }
    if (l.end) s = step(s, rules_sym_end);
    term[i] = s;
    if (lit_rule[i] < own_min[s]) own_min[s] = lit_rule[i];
  }
  // Complex atoms per terminal state (CSR).
  rules_buf<std::uint32_t> own_cnt_buf(n_states + 1);
  std::uint32_t* own_cnt = own_cnt_buf.data();
  out.out_atoms = rules_buf<std::uint32_t>(n_patoms);
  std::uint32_t* own_atoms = out.out_atoms.data();
  for (std::size_t i = 0; i < n_lits; ++i)
    if (lit_atom[i] != rules_none) ++own_cnt[term[i] + 1];
  for (std::uint32_t s = 0; s < n_states; ++s) own_cnt[s + 1] += own_cnt[s];
  {
    rules_buf<std::uint32_t> fill_buf(n_states + 1, rules_uninit);
    std::uint32_t* fill = fill_buf.data();
    for (std::uint32_t s = 0; s < n_states; ++s) fill[s] = own_cnt[s];
    for (std::size_t i = 0; i < n_lits; ++i)
      if (lit_atom[i] != rules_none) own_atoms[fill[term[i]]++] = lit_atom[i];
  }

  // Breadth-first: failure links and outputs aggregated along them.
  out.fail = rules_buf<std::uint32_t>(n_states, rules_uninit);
  out.order = rules_buf<std::uint32_t>(n_states, rules_uninit);
  std::uint32_t* fail = out.fail.data();
  std::uint32_t* order = out.order.data();
  rules_buf<std::uint32_t> agg_buf(n_states, rules_uninit), clink_buf(n_states, rules_uninit);
  std::uint32_t* agg_min = agg_buf.data();
  std::uint32_t* clink = clink_buf.data();
  agg_min[0] = own_min[0];
  clink[0] = rules_none;
  order[0] = fail[0] = 0;
  std::uint32_t n_order = 1;
  for (std::uint32_t qi = 0; qi < n_order; ++qi) {
    const std::uint32_t s = order[qi];
    if (s != 0) {
      const std::uint32_t f = fail[s];
      agg_min[s] = own_min[s] < agg_min[f] ? own_min[s] : agg_min[f];
      clink[s] = own_cnt[f + 1] != own_cnt[f] ? f : clink[f];
    }
    for (std::uint32_t e = first_edge[s]; e != rules_none; e = edge_next[e]) {
      const std::uint32_t t = edge_to[e], c = edge_cls[e];
      std::uint32_t f = 0;
      if (s != 0) {
        for (f = fail[s];; f = fail[f]) {
          const std::uint32_t g = child(f, c);
          if (g != rules_none) {
            f = g;
            break;
          }
          if (f == 0) break;
        }
      }
      fail[t] = f;
      order[n_order++] = t;
    }
  }

  // Byte classes: one per byte that occurs in a literal, class 0 for all others.
  std::array<std::uint16_t, rules_nsym> cls{};
  std::uint32_t n_cls = 1;
  for (unsigned c = 0; c < rules_nsym; ++c)
    cls[c] = used[c] ? static_cast<std::uint16_t>(n_cls++) : 0;
  const std::uint32_t stride = n_cls + 1;  // + the output-record column

  for (std::uint32_t e = 0; e < n_edges; ++e) edge_cls[e] = cls[edge_cls[e]];

  // Numbering: states with outputs last, so the scan tests "output here?" with one compare.
  auto has_out = [&](std::uint32_t s) {
    return agg_min[s] != rules_none || own_cnt[s + 1] != own_cnt[s] || clink[s] != rules_none;
  };
  out.id = rules_buf<std::uint32_t>(n_states, rules_uninit);
  std::uint32_t* id = out.id.data();
  std::uint32_t n_plain = 0;
  for (std::uint32_t s = 0; s < n_states; ++s)
    if (!has_out(s)) id[s] = n_plain++;
  std::uint32_t k_out = n_plain;
  for (std::uint32_t s = 0; s < n_states; ++s)
    if (has_out(s)) id[s] = k_out++;
  out.outs = rules_buf<rules_out>(n_states - n_plain);
  rules_out* outs = out.outs.data();
  for (std::uint32_t s = 0; s < n_states; ++s) {
    if (!has_out(s)) continue;
    rules_out& rec = outs[id[s] - n_plain];
    rec.min_rule = agg_min[s];
    rec.atoms_begin = own_cnt[s];
    rec.atoms_end = own_cnt[s + 1];
    rec.next = clink[s] == rules_none ? rules_none : id[clink[s]] - n_plain;
  }
  for (unsigned c = 0; c < 256; ++c) out.cls[c] = cls[c];
  out.stride = stride;
  out.end_class = cls[rules_sym_end];
  out.first_out = n_plain * stride;
  out.start = id[begin_state] * stride;
  out.states = n_states;
  out.classes = n_cls;
  out.dims = {static_cast<std::size_t>(n_states) * stride,
              n_states - n_plain,
              n_patoms,
              n_patoms,
              n_globs,
              n_tokens,
              n_sets,
              n_crules,
              n_pnodes,
              (n_crules + 63) / 64,
              (n_patoms + 63) / 64};
  return out;
}

constexpr rules_trie_view rules_trie_of(const rules_analysis& a) noexcept {
  return {a.order.data(),     a.fail.data(),     a.id.data(),      a.first_edge.data(),
          a.edge_next.data(), a.edge_cls.data(), a.edge_to.data(), a.states,
          a.stride,           a.first_out};
}

// Writes the dense transition table (states x stride entries) into next: each row is the row
// of the failure state with the state's own children overwritten, in breadth-first order so
// the failure row is always complete. O(states x classes).
constexpr void rules_fill(const rules_trie_view& tr, std::uint32_t* next) noexcept {
  const std::uint32_t stride = tr.stride;
  const std::uint32_t n_cls = stride - 1;
  const std::uint32_t n_plain = tr.first_out / stride;
  for (std::uint32_t qi = 0; qi < tr.states; ++qi) {
    const std::uint32_t s = tr.order[qi];
    const std::uint32_t own = tr.id[s];
    std::uint32_t* row = next + static_cast<std::size_t>(own) * stride;
    if (s == 0) {
      const std::uint32_t self = own * stride;
      for (std::uint32_t c = 0; c < n_cls; ++c) row[c] = self;
    } else {
      const std::uint32_t* frow = next + static_cast<std::size_t>(tr.id[tr.fail[s]]) * stride;
      for (std::uint32_t c = 0; c < n_cls; ++c) row[c] = frow[c];
    }
    for (std::uint32_t e = tr.first_edge[s]; e != rules_none; e = tr.edge_next[e])
      row[tr.edge_cls[e]] = tr.id[tr.edge_to[e]] * stride;
    row[n_cls] = own >= n_plain ? own - n_plain : 0;
  }
}

// Analysis and dense table in one go (the run-time path).
inline rules_program rules_build(const rules_spec& spec) {
  const rules_analysis a = rules_analyze(spec);
  const rules_dims& d = a.dims;
  rules_program p;
  auto copy = [](auto& dst, const auto& src, std::size_t n) {
    dst.assign(src.data(), src.data() + n);
  };
  copy(p.outs, a.outs, d.outs);
  copy(p.out_atoms, a.out_atoms, d.out_atoms);
  copy(p.atoms, a.atoms, d.atoms);
  copy(p.globs, a.globs, d.globs);
  copy(p.tokens, a.tokens, d.tokens);
  copy(p.sets, a.sets, d.sets);
  copy(p.crules, a.crules, d.crules);
  copy(p.nodes, a.nodes, d.nodes);
  copy(p.always, a.always, d.cand_words);
  p.cls = a.cls;
  p.stride = a.stride;
  p.start = a.start;
  p.first_out = a.first_out;
  p.end_class = a.end_class;
  p.atom_words = static_cast<std::uint32_t>(d.atom_words);
  p.states = a.states;
  p.classes = a.classes;
  p.next.assign(d.next, 0u);
  rules_fill(rules_trie_of(a), p.next.data());
  return p;
}

// ---------------------------------------------------------------------------------------------
// Matching.

constexpr bool rules_eval(const rules_view& p, std::size_t i, std::string_view s,
                          const std::uint64_t* hit) noexcept {
  const rules_node& n = p.nodes[i];
  switch (n.op) {
    case rules_op::atom: {
      if (!((hit[n.arg / 64] >> (n.arg % 64)) & 1)) return false;
      const rules_atom& a = p.atoms[n.arg];
      if (a.glob == rules_none) return true;
      const rules_glob_ref& g = p.globs[a.glob];
      return rules_glob_match(p.tokens + g.tok_begin, g.tok_end - g.tok_begin, p.sets, s);
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

// Index of the first rule (declaration order) that matches s, or rules_none. `hit` must have
// p.atom_words zeroed words and `cand` p.cand_words words (overwritten).
constexpr std::uint32_t rules_run(const rules_view& p, std::string_view s, std::uint64_t* hit,
                                  std::uint64_t* cand) noexcept {
  const std::uint32_t* const next = p.next;
  const std::uint16_t* const cls = p.cls;
  const std::uint32_t first_out = p.first_out;
  const std::uint32_t out_col = p.stride - 1;
  const bool complex = p.cand_words != 0;
  std::uint32_t best = rules_none;
  for (std::uint32_t w = 0; w < p.cand_words; ++w) cand[w] = p.always[w];

  auto on_out = [&](std::uint32_t st) {
    std::uint32_t o = next[st + out_col];
    best = std::min(best, p.outs[o].min_rule);
    if (!complex) return;
    for (; o != rules_none; o = p.outs[o].next) {
      const rules_out& r = p.outs[o];
      for (std::uint32_t i = r.atoms_begin; i < r.atoms_end; ++i) {
        const std::uint32_t a = p.out_atoms[i];
        hit[a / 64] |= std::uint64_t{1} << (a % 64);
        const std::uint32_t k = p.atoms[a].crule;
        cand[k / 64] |= std::uint64_t{1} << (k % 64);
      }
    }
  };

  std::uint32_t st = p.start;
  if (st >= first_out) on_out(st);
  for (const char ch : s) {
    st = next[st + cls[static_cast<unsigned char>(ch)]];
    if (st >= first_out) [[unlikely]] {
      on_out(st);
      if (best == 0) return 0;
    }
  }
  st = next[st + p.end_class];
  if (st >= first_out) on_out(st);

  for (std::uint32_t w = 0; w < p.cand_words; ++w) {
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
