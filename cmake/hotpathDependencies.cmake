# Finds hotpath's dependencies; every required one that is missing stops configure
# with one message naming the Debian package that provides it.
include_guard(GLOBAL)

find_package(Boost 1.74 QUIET CONFIG)
if(NOT Boost_FOUND OR NOT TARGET Boost::headers)
  message(FATAL_ERROR
    "hotpath needs the Boost headers >= 1.74 (Boost.Hana). "
    "On Debian/Ubuntu: apt-get install libboost-dev")
endif()

find_package(xxhash 0.8.1 QUIET MODULE)
if(NOT xxhash_FOUND)
  message(FATAL_ERROR
    "hotpath needs xxHash >= 0.8.1 (headers and libxxhash). "
    "On Debian/Ubuntu: apt-get install libxxhash-dev")
endif()

set(HOTPATH_HAS_OPENSSL OFF)
if(HOTPATH_WITH_OPENSSL)
  find_package(OpenSSL 1.1 QUIET COMPONENTS Crypto)
  if(OpenSSL_FOUND AND TARGET OpenSSL::Crypto)
    set(HOTPATH_HAS_OPENSSL ON)
  else()
    message(STATUS "hotpath: OpenSSL libcrypto not found, SHA-256 policy disabled "
                   "(apt-get install libssl-dev to enable it)")
  endif()
endif()
