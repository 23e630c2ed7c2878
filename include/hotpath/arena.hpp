// hotpath/arena.hpp: a bump-pointer arena (region allocator) for many small objects that die
// together, plus adaptors for standard containers.
//
// What: hotpath::arena hands out memory by bumping a pointer through chunks obtained from an
// upstream (operator new, malloc or any std::pmr::memory_resource) and frees it all at once
// (reset/rewind/release/destruction). hotpath::inline_arena<N> starts in a buffer inside the
// object. hotpath::arena_resource and hotpath::arena_allocator<T> plug it into std::pmr and
// Allocator-aware containers.
//
// Versus std::pmr::monotonic_buffer_resource: a non-virtual, inlinable fast path; mark()/rewind()
// for scoped rollback; reset() keeps the largest chunk so a request loop stops calling upstream;
// large requests get their own chunk instead of doubling the next; create<T>() remembers
// destructors; typed, overflow-checked helpers; statistics; AddressSanitizer poisoning of
// everything given back.
//
// Performance: allocate() with an alignment <= 16 known at compile time is a pointer bump and
// one compare (about 6 instructions inline); chunk refills, large alignments and errors are out
// of line. Objects with non-trivial destructors cost 16 extra bytes and a list push each.
// Measured numbers: docs/memory.md.
//
//   hotpath::arena a;
//   auto* node = a.create<config_node>("name", 42);       // destroyed with the arena
//   std::string_view key = a.copy_c_str(input);           // stable, NUL-terminated
//   hotpath::arena_resource res(a);
//   std::pmr::vector<int> v(&res);                        // container memory in the arena
#ifndef HOTPATH_ARENA_HPP
#define HOTPATH_ARENA_HPP

#include <hotpath/arena/allocator.hpp>
#include <hotpath/arena/basic_arena.hpp>
#include <hotpath/arena/policies.hpp>
#include <hotpath/arena/resource.hpp>

#endif  // HOTPATH_ARENA_HPP
