// hotpath/hash.hpp: hashing — algorithm policies (XXH3, XXH64, SHA-256), digests, streaming
// and one-shot hashers, file hashing (read / mmap / auto sources), directory-tree hashing and
// a change detector. See docs/hashing.md.
//
// Example:
//   auto d = hotpath::hash<hotpath::xxh3_64>(std::string_view{"abc"});
//   auto f = hotpath::hash_file<hotpath::xxh3_128>("big.iso");
//   std::puts(f.to_hex().c_str());  // same text as `xxhsum -H2 big.iso`
#ifndef HOTPATH_HASH_HPP
#define HOTPATH_HASH_HPP

#include <hotpath/hash/algorithms.hpp>
#include <hotpath/hash/change_detector.hpp>
#include <hotpath/hash/digest.hpp>
#include <hotpath/hash/file_source.hpp>
#include <hotpath/hash/hash_file.hpp>
#include <hotpath/hash/hash_tree.hpp>
#include <hotpath/hash/hasher.hpp>

#endif  // HOTPATH_HASH_HPP
