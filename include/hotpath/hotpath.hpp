// hotpath/hotpath.hpp: the umbrella header; includes every primitive.
// Prefer the single headers (<hotpath/arena.hpp>, ...) in code that uses one or two.
#ifndef HOTPATH_HOTPATH_HPP
#define HOTPATH_HOTPATH_HPP

#include <hotpath/arena.hpp>
#include <hotpath/cache.hpp>
#include <hotpath/hash.hpp>
#include <hotpath/interner.hpp>
#include <hotpath/log_ring.hpp>
#include <hotpath/logger.hpp>
#include <hotpath/pool.hpp>
#include <hotpath/rules.hpp>
#include <hotpath/version.hpp>

#endif  // HOTPATH_HOTPATH_HPP
