// hotpath/version.hpp: the library version, as macros and as constants.
//
//   #include <hotpath/version.hpp>
//   static_assert(hotpath::version_major == 0);
#ifndef HOTPATH_VERSION_HPP
#define HOTPATH_VERSION_HPP

#include <hotpath/detail/config.hpp>

namespace hotpath {

inline constexpr int version_major = HOTPATH_VERSION_MAJOR;
inline constexpr int version_minor = HOTPATH_VERSION_MINOR;
inline constexpr int version_patch = HOTPATH_VERSION_PATCH;
inline constexpr bool has_sha256 = HOTPATH_HAS_SHA256 != 0;

}  // namespace hotpath

#endif  // HOTPATH_VERSION_HPP
