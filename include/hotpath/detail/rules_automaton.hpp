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
// O(total literal length x classes) and uses only constexpr std::vector, so the same code runs
// in the compiler and at run time.
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

// The rules as written: atoms, formula nodes, and one root node per rule.
struct rules_spec {
  std::vector<rules_atom_src> atoms;
  std::vector<rules_node> nodes;
  std::vector<std::uint32_t> roots;

  constexpr void begin_rule() { roots.push_back(static_cast<std::uint32_t>(nodes.size())); }
  constexpr void atom(rules_kind k, std::string_view text) {
    nodes.push_back({rules_op::atom, static_cast<std::uint32_t>(atoms.size()), 1});
    atoms.push_back({k, text});
  }
  constexpr std::size_t open(rules_op op) {
    nodes.push_back({op, 0, 0});
    return nodes.size() - 1;
  }
  constexpr void close(std::size_t at) {
    nodes[at].size = static_cast<std::uint32_t>(nodes.size() - at);
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
// Building.

// An atom reduced to one automaton literal (symbols 0..257) and, for globs that the literal
// does not decide, the parsed glob to verify.
struct rules_lowered {
  std::vector<std::uint16_t> lit;
  bool verify = false;
  rules_glob_parsed glob;
};

constexpr void rules_append(std::vector<std::uint16_t>& lit, std::string_view s) {
  for (char c : s) lit.push_back(static_cast<unsigned char>(c));
}

constexpr rules_lowered rules_lower(const rules_atom_src& a) {
  rules_lowered out;
  auto& lit = out.lit;
  switch (a.kind) {
    case rules_kind::exact:
      lit.push_back(rules_sym_begin);
      rules_append(lit, a.text);
      lit.push_back(rules_sym_end);
      return out;
    case rules_kind::prefix:
      lit.push_back(rules_sym_begin);
      rules_append(lit, a.text);
      return out;
    case rules_kind::suffix:
      rules_append(lit, a.text);
      lit.push_back(rules_sym_end);
      return out;
    case rules_kind::contains:
      if (a.text.empty()) lit.push_back(rules_sym_begin);  // every input contains ""
      rules_append(lit, a.text);
      return out;
    case rules_kind::glob:
      break;
  }
  out.glob = rules_parse_glob(a.text);
  HOTPATH_ASSERT(out.glob.error == rules_error::none);
  const auto& t = out.glob.tokens;
  const std::size_t m = t.size();
  // Runs of plain bytes: [b, e).
  auto is_byte = [&](std::size_t i) { return t[i].op == rules_tok_op::byte; };
  std::size_t wild = 0, stars = 0;
  for (const auto& k : t) {
    wild += k.op != rules_tok_op::byte;
    stars += k.op == rules_tok_op::star;
  }
  auto run = [&](std::size_t b, std::size_t e) {
    for (std::size_t i = b; i < e; ++i) lit.push_back(t[i].byte);
  };
  const bool lead = m > 0 && t[0].op == rules_tok_op::star;
  const bool trail = m > 0 && t[m - 1].op == rules_tok_op::star;
  if (wild == stars) {  // only bytes and stars (consecutive stars are merged by the parser)
    if (stars == 0) {   // lit: exact
      lit.push_back(rules_sym_begin);
      run(0, m);
      lit.push_back(rules_sym_end);
      return out;
    }
    if (stars == 1 && m == 1) {  // *: everything
      lit.push_back(rules_sym_begin);
      return out;
    }
    if (stars == 1 && trail) {  // lit*: prefix
      lit.push_back(rules_sym_begin);
      run(0, m - 1);
      return out;
    }
    if (stars == 1 && lead) {  // *lit: suffix
      run(1, m);
      lit.push_back(rules_sym_end);
      return out;
    }
    if (stars == 2 && lead && trail) {  // *lit*: contains
      run(1, m - 1);
      return out;
    }
  }
  // General glob: prefilter on the best literal run, verify with the matcher.
  out.verify = true;
  std::size_t best_b = 0, best_e = 0, best_score = 0;
  bool best_lead = false, best_trail = false;
  for (std::size_t i = 0; i < m;) {
    if (!is_byte(i)) {
      ++i;
      continue;
    }
    std::size_t e = i;
    while (e < m && is_byte(e)) ++e;
    const bool at_lead = i == 0, at_trail = e == m;
    const std::size_t score = (e - i) + (at_lead ? 1 : 0) + (at_trail ? 1 : 0);
    if (score > best_score) {
      best_score = score;
      best_b = i;
      best_e = e;
      best_lead = at_lead;
      best_trail = at_trail;
    }
    i = e;
  }
  if (best_score == 0) {
    lit.push_back(rules_sym_begin);  // no literal at all: always a candidate
    return out;
  }
  if (best_lead) lit.push_back(rules_sym_begin);
  run(best_b, best_e);
  if (best_trail) lit.push_back(rules_sym_end);
  return out;
}

// True if the subtree at `i` is an atom or any_of of atoms decided by their literal alone.
constexpr bool rules_is_simple(const rules_spec& s, const std::vector<rules_lowered>& low,
                               std::size_t i) {
  const rules_node& n = s.nodes[i];
  if (n.op == rules_op::atom) return !low[n.arg].verify;
  if (n.op != rules_op::any) return false;
  for (std::size_t j = i + 1; j < i + n.size; j += s.nodes[j].size)
    if (!rules_is_simple(s, low, j)) return false;
  return true;
}

// Evaluates a formula with every atom false (can the rule hold with no literal seen?).
constexpr bool rules_eval_empty(const rules_node* nodes, std::size_t i) {
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

// The trie in sparse form and the state numbering; what rules_fill needs to write the dense
// transition table.
struct rules_trie {
  std::vector<std::uint32_t> order;       // states in breadth-first order (old ids)
  std::vector<std::uint32_t> fail;        // old id -> old id
  std::vector<std::uint32_t> id;          // old id -> final row number
  std::vector<std::uint32_t> first_edge;  // old id -> first child edge
  std::vector<std::uint32_t> edge_next, edge_cls, edge_to;
};

struct rules_analysis {
  rules_program prog;  // everything but prog.next
  rules_trie trie;
};

// Analyses a spec whose patterns are all well formed: lowers atoms to literals, builds the
// sparse trie, failure links, outputs and the final state numbering. O(total literal length)
// apart from child look-ups; the dense table is written afterwards by rules_fill.
constexpr rules_analysis rules_analyze(const rules_spec& spec) {
  rules_analysis out;
  rules_program& prog = out.prog;
  rules_trie& tr = out.trie;
  const std::size_t n_rules = spec.roots.size();

  std::vector<rules_lowered> low;
  low.reserve(spec.atoms.size());
  for (const auto& a : spec.atoms) low.push_back(rules_lower(a));

  // Literals: (symbols, simple rule or none, program atom or none).
  struct literal {
    std::uint32_t atom_src;
    std::uint32_t rule;
    std::uint32_t atom;
  };
  std::vector<literal> lits;
  for (std::size_t r = 0; r < n_rules; ++r) {
    const std::size_t root = spec.roots[r];
    const std::size_t end = root + spec.nodes[root].size;
    if (rules_is_simple(spec, low, root)) {
      for (std::size_t j = root; j < end; ++j)
        if (spec.nodes[j].op == rules_op::atom)
          lits.push_back({spec.nodes[j].arg, static_cast<std::uint32_t>(r), rules_none});
      continue;
    }
    const auto k = static_cast<std::uint32_t>(prog.crules.size());
    prog.crules.push_back(
        {static_cast<std::uint32_t>(r), static_cast<std::uint32_t>(prog.nodes.size())});
    for (std::size_t j = root; j < end; ++j) {
      rules_node n = spec.nodes[j];
      if (n.op == rules_op::atom) {
        const auto id = static_cast<std::uint32_t>(prog.atoms.size());
        rules_atom pa;
        pa.crule = k;
        const rules_lowered& l = low[n.arg];
        if (l.verify) {
          pa.glob = static_cast<std::uint32_t>(prog.globs.size());
          const auto set_base = static_cast<std::uint32_t>(prog.sets.size());
          rules_glob_ref g;
          g.tok_begin = static_cast<std::uint32_t>(prog.tokens.size());
          for (rules_glob_token t : l.glob.tokens) {
            if (t.op == rules_tok_op::set) t.set += set_base;
            prog.tokens.push_back(t);
          }
          for (const auto& s : l.glob.sets) prog.sets.push_back(s);
          g.tok_end = static_cast<std::uint32_t>(prog.tokens.size());
          prog.globs.push_back(g);
        }
        prog.atoms.push_back(pa);
        lits.push_back({n.arg, rules_none, id});
        n.arg = id;
      }
      prog.nodes.push_back(n);
    }
  }
  const std::size_t n_crules = prog.crules.size();
  prog.always.assign((n_crules + 63) / 64, 0);
  for (std::size_t k = 0; k < n_crules; ++k)
    if (rules_eval_empty(prog.nodes.data(), prog.crules[k].node))
      prog.always[k / 64] |= std::uint64_t{1} << (k % 64);
  prog.atom_words = static_cast<std::uint32_t>((prog.atoms.size() + 63) / 64);

  // Byte classes: one per byte that occurs in a literal, class 0 for all others.
  std::array<std::uint16_t, rules_nsym> cls{};
  std::array<bool, rules_nsym> used{};
  for (const auto& l : lits)
    for (std::uint16_t c : low[l.atom_src].lit) used[c] = true;
  used[rules_sym_begin] = used[rules_sym_end] = true;
  std::uint32_t n_cls = 1;
  for (unsigned c = 0; c < rules_nsym; ++c)
    cls[c] = used[c] ? static_cast<std::uint16_t>(n_cls++) : 0;
  const std::uint32_t stride = n_cls + 1;  // + the output-record column

  // Sparse trie over class ids: children as edge lists (for the breadth-first walks) plus an
  // open-addressing hash of (state, class) -> child for O(1) look-ups.
  std::size_t total_syms = 0;
  for (const auto& l : lits) total_syms += low[l.atom_src].lit.size();
  std::size_t hcap = 16;
  while (hcap < 2 * total_syms + 4) hcap *= 2;
  std::vector<std::uint32_t> hkey(hcap, rules_none), hval(hcap, rules_none);
  auto hslot = [&](std::uint32_t key) {
    std::size_t h = (static_cast<std::size_t>(key) * 0x9E3779B1u) & (hcap - 1);
    while (hkey[h] != rules_none && hkey[h] != key) h = (h + 1) & (hcap - 1);
    return h;
  };
  tr.first_edge.push_back(rules_none);
  std::vector<std::uint32_t> own_min(1, rules_none);
  std::vector<std::uint32_t> term;  // per literal: terminal state
  term.reserve(lits.size());
  std::uint32_t n_states = 1;
  auto child = [&](std::uint32_t s, std::uint32_t c) -> std::uint32_t {
    return hval[hslot(s * n_cls + c)];
  };
  // The BEGIN state always exists: it is where every scan starts.
  const std::vector<std::uint16_t> begin_only(1, static_cast<std::uint16_t>(rules_sym_begin));
  for (std::size_t li = 0; li <= lits.size(); ++li) {
    const bool is_begin = li == lits.size();
    std::uint32_t s = 0;
    for (std::uint16_t sym : is_begin ? begin_only : low[lits[li].atom_src].lit) {
      const std::uint32_t c = cls[sym];
      std::uint32_t t = child(s, c);
      if (t == rules_none) {
        t = n_states++;
        tr.first_edge.push_back(rules_none);
        own_min.push_back(rules_none);
        const std::size_t h = hslot(s * n_cls + c);
        hkey[h] = s * n_cls + c;
        hval[h] = t;
        tr.edge_next.push_back(tr.first_edge[s]);
        tr.edge_cls.push_back(c);
        tr.edge_to.push_back(t);
        tr.first_edge[s] = static_cast<std::uint32_t>(tr.edge_to.size() - 1);
      }
      s = t;
    }
    if (is_begin) break;
    term.push_back(s);
    if (lits[li].rule != rules_none) own_min[s] = std::min(own_min[s], lits[li].rule);
  }
  // Complex atoms per terminal state (CSR).
  std::vector<std::uint32_t> own_cnt(n_states + 1, 0u);
  for (std::size_t i = 0; i < lits.size(); ++i)
    if (lits[i].atom != rules_none) ++own_cnt[term[i] + 1];
  for (std::uint32_t s = 0; s < n_states; ++s) own_cnt[s + 1] += own_cnt[s];
  std::vector<std::uint32_t> own_atoms(own_cnt[n_states], 0u);
  {
    std::vector<std::uint32_t> fill(own_cnt.begin(), own_cnt.end() - 1);
    for (std::size_t i = 0; i < lits.size(); ++i)
      if (lits[i].atom != rules_none) own_atoms[fill[term[i]]++] = lits[i].atom;
  }

  // Breadth-first: failure links and outputs aggregated along them.
  tr.fail.assign(n_states, 0u);
  std::vector<std::uint32_t> agg_min(own_min), clink(n_states, rules_none);
  tr.order.reserve(n_states);
  tr.order.push_back(0);
  for (std::size_t qi = 0; qi < tr.order.size(); ++qi) {
    const std::uint32_t s = tr.order[qi];
    if (s != 0) {
      const std::uint32_t f = tr.fail[s];
      agg_min[s] = std::min(own_min[s], agg_min[f]);
      clink[s] = own_cnt[f + 1] != own_cnt[f] ? f : clink[f];
    }
    for (std::uint32_t e = tr.first_edge[s]; e != rules_none; e = tr.edge_next[e]) {
      const std::uint32_t t = tr.edge_to[e], c = tr.edge_cls[e];
      std::uint32_t f = 0;
      if (s != 0) {
        for (f = tr.fail[s];; f = tr.fail[f]) {
          const std::uint32_t g = child(f, c);
          if (g != rules_none) {
            f = g;
            break;
          }
          if (f == 0) break;
        }
      }
      tr.fail[t] = f;
      tr.order.push_back(t);
    }
  }

  // Numbering: states with outputs last, so the scan tests "output here?" with one compare.
  auto has_out = [&](std::uint32_t s) {
    return agg_min[s] != rules_none || own_cnt[s + 1] != own_cnt[s] || clink[s] != rules_none;
  };
  tr.id.assign(n_states, 0u);
  std::uint32_t n_plain = 0;
  for (std::uint32_t s = 0; s < n_states; ++s)
    if (!has_out(s)) tr.id[s] = n_plain++;
  std::uint32_t k_out = n_plain;
  for (std::uint32_t s = 0; s < n_states; ++s)
    if (has_out(s)) tr.id[s] = k_out++;
  prog.outs.assign(n_states - n_plain, rules_out{});
  for (std::uint32_t s = 0; s < n_states; ++s) {
    if (!has_out(s)) continue;
    rules_out& rec = prog.outs[tr.id[s] - n_plain];
    rec.min_rule = agg_min[s];
    rec.atoms_begin = own_cnt[s];
    rec.atoms_end = own_cnt[s + 1];
    rec.next = clink[s] == rules_none ? rules_none : tr.id[clink[s]] - n_plain;
  }
  prog.out_atoms = own_atoms;
  for (unsigned c = 0; c < 256; ++c) prog.cls[c] = cls[c];
  prog.stride = stride;
  prog.end_class = cls[rules_sym_end];
  prog.first_out = n_plain * stride;
  prog.start = tr.id[child(0, cls[rules_sym_begin])] * stride;
  prog.states = n_states;
  prog.classes = n_cls;
  return out;
}

// Size of the dense transition table of an analysis.
constexpr std::size_t rules_table_size(const rules_analysis& a) noexcept {
  return static_cast<std::size_t>(a.prog.states) * a.prog.stride;
}

// Writes the dense transition table (rules_table_size(a) entries) into next: each row is the
// row of the failure state with the state's own children overwritten, in breadth-first order
// so the failure row is always complete. O(states x classes).
constexpr void rules_fill(const rules_analysis& a, std::uint32_t* next) noexcept {
  const rules_trie& tr = a.trie;
  const std::uint32_t stride = a.prog.stride;
  const std::uint32_t n_cls = stride - 1;
  const std::uint32_t n_plain = a.prog.first_out / stride;
  for (const std::uint32_t s : tr.order) {
    std::uint32_t* row = next + static_cast<std::size_t>(tr.id[s]) * stride;
    if (s == 0) {
      const std::uint32_t self = tr.id[0] * stride;
      for (std::uint32_t c = 0; c < n_cls; ++c) row[c] = self;
    } else {
      const std::uint32_t* frow = next + static_cast<std::size_t>(tr.id[tr.fail[s]]) * stride;
      for (std::uint32_t c = 0; c < n_cls; ++c) row[c] = frow[c];
    }
    for (std::uint32_t e = tr.first_edge[s]; e != rules_none; e = tr.edge_next[e])
      row[tr.edge_cls[e]] = tr.id[tr.edge_to[e]] * stride;
    row[n_cls] = tr.id[s] >= n_plain ? tr.id[s] - n_plain : 0;
  }
}

// Analysis and dense table in one go (the run-time path).
constexpr rules_program rules_build(const rules_spec& spec) {
  rules_analysis a = rules_analyze(spec);
  a.prog.next.assign(rules_table_size(a), 0u);
  rules_fill(a, a.prog.next.data());
  return std::move(a.prog);
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
