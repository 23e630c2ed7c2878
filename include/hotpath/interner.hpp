// hotpath/interner.hpp: string interning. Each distinct string becomes a 4-byte
// hotpath::symbol that compares in one instruction and resolves back to the string in O(1).
//
// What: hotpath::interner (one thread) and hotpath::concurrent_interner (many threads) map
// strings to dense 32-bit symbols: intern() inserts, find() never does (for untrusted input),
// resolve() returns a NUL-terminated view that lives as long as the interner. freeze() gives
// a lock-free read-only view; hotpath::static_symbols<"GET", ...> gives compile-time symbols
// that every interner built from the set agrees on.
//
// Versus peers: std::unordered_map<std::string, id> + std::vector<std::string> keeps two
// copies and a heap node per string; absl::flat_hash_map<std::string, id> stores 32-byte
// std::string slots; boost::flyweight has no ids and a global table. Here the bytes are
// packed once, the index holds only {id, cached hash bits} in 4 bytes, each symbol costs
// 4 bytes of position (the length is derived), the hash is seeded per instance
// (hash-flooding resistant), and the limits (2^32 - 1 symbols, max length) throw instead of
// wrapping.
//
// Performance: intern of a known string is one hash of the bytes (for 1 to 16 bytes two
// folded multiplies with no branch on the length, see seeded_mix), usually one 4-byte slot
// probe and one masked two-word compare (the same inlined code as find); resolve is two
// adjacent loads, a page-table add and a subtraction. Measured against the peers in
// docs/interning.md.
//
//   hotpath::interner in;
//   hotpath::symbol a = in.intern("alpha");
//   assert(in.intern("alpha") == a && in.resolve(a) == "alpha");
//   assert(!in.find("beta"));                         // find never inserts
//   std::puts(in.c_str(a));                           // NUL-terminated
#ifndef HOTPATH_INTERNER_HPP
#define HOTPATH_INTERNER_HPP

#include <hotpath/interner/basic_interner.hpp>
#include <hotpath/interner/policies.hpp>
#include <hotpath/interner/static_symbols.hpp>
#include <hotpath/interner/symbol.hpp>

#endif  // HOTPATH_INTERNER_HPP
