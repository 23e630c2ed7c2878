# Install rules: headers, the exported target, a package config with find_dependency calls,
# a SameMajorVersion version file, and a build-tree export for use without installing.
include_guard(GLOBAL)
include(CMakePackageConfigHelpers)

set(HOTPATH_CMAKE_INSTALL_DIR "${CMAKE_INSTALL_DATADIR}/cmake/hotpath")

install(DIRECTORY include/hotpath DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")
install(TARGETS hotpath EXPORT hotpathTargets)
install(EXPORT hotpathTargets NAMESPACE hotpath:: DESTINATION "${HOTPATH_CMAKE_INSTALL_DIR}")

configure_package_config_file(cmake/hotpathConfig.cmake.in
  "${PROJECT_BINARY_DIR}/hotpathConfig.cmake"
  INSTALL_DESTINATION "${HOTPATH_CMAKE_INSTALL_DIR}")
# Header-only, but xxHash and OpenSSL are linked: keep the arch check (no ARCH_INDEPENDENT).
write_basic_package_version_file("${PROJECT_BINARY_DIR}/hotpathConfigVersion.cmake"
  COMPATIBILITY SameMajorVersion)
install(FILES
  "${PROJECT_BINARY_DIR}/hotpathConfig.cmake"
  "${PROJECT_BINARY_DIR}/hotpathConfigVersion.cmake"
  cmake/Findxxhash.cmake
  DESTINATION "${HOTPATH_CMAKE_INSTALL_DIR}")

export(EXPORT hotpathTargets NAMESPACE hotpath:: FILE "${PROJECT_BINARY_DIR}/hotpathTargets.cmake")
file(COPY cmake/Findxxhash.cmake DESTINATION "${PROJECT_BINARY_DIR}")
