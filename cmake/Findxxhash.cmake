# Findxxhash: locates xxHash (headers + libxxhash) and defines the imported target
# xxhash::xxhash. Uses pkg-config when available, plain find_path/find_library otherwise.
#   xxhash_FOUND, xxhash_VERSION, xxhash_INCLUDE_DIR, xxhash_LIBRARY
include_guard(GLOBAL)
find_package(PkgConfig QUIET)
if(PKG_CONFIG_FOUND)
  pkg_check_modules(PC_xxhash QUIET libxxhash)
endif()

find_path(xxhash_INCLUDE_DIR NAMES xxhash.h HINTS ${PC_xxhash_INCLUDE_DIRS})
find_library(xxhash_LIBRARY NAMES xxhash HINTS ${PC_xxhash_LIBRARY_DIRS})

if(xxhash_INCLUDE_DIR AND EXISTS "${xxhash_INCLUDE_DIR}/xxhash.h")
  file(STRINGS "${xxhash_INCLUDE_DIR}/xxhash.h" _xxh_lines
       REGEX "^#define XXH_VERSION_(MAJOR|MINOR|RELEASE) +[0-9]+")
  foreach(_part MAJOR MINOR RELEASE)
    string(REGEX MATCH "XXH_VERSION_${_part} +([0-9]+)" _m "${_xxh_lines}")
    set(_xxh_${_part} "${CMAKE_MATCH_1}")
  endforeach()
  set(xxhash_VERSION "${_xxh_MAJOR}.${_xxh_MINOR}.${_xxh_RELEASE}")
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(xxhash
  REQUIRED_VARS xxhash_LIBRARY xxhash_INCLUDE_DIR
  VERSION_VAR xxhash_VERSION)

if(xxhash_FOUND AND NOT TARGET xxhash::xxhash)
  add_library(xxhash::xxhash UNKNOWN IMPORTED)
  set_target_properties(xxhash::xxhash PROPERTIES
    IMPORTED_LOCATION "${xxhash_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${xxhash_INCLUDE_DIR}")
endif()
mark_as_advanced(xxhash_INCLUDE_DIR xxhash_LIBRARY)
