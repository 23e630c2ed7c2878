// Tests of the library-wide configuration: version constants agree with the macros, the
// umbrella header is self-contained, and HOTPATH_ASSERT fires in debug builds.
#include <hotpath/hotpath.hpp>

#include <gtest/gtest.h>

namespace {

TEST(Config, VersionConstantsMatchMacros) {
  EXPECT_EQ(hotpath::version_major, HOTPATH_VERSION_MAJOR);
  EXPECT_EQ(hotpath::version_minor, HOTPATH_VERSION_MINOR);
  EXPECT_EQ(hotpath::version_patch, HOTPATH_VERSION_PATCH);
}

TEST(Config, Sha256FlagFollowsOpenSsl) {
#ifdef HOTPATH_HAS_OPENSSL
  EXPECT_TRUE(hotpath::has_sha256);
#else
  EXPECT_FALSE(hotpath::has_sha256);
#endif
}

#if HOTPATH_DEBUG
TEST(ConfigDeathTest, AssertAbortsWithExpressionText) {
  EXPECT_DEATH(HOTPATH_ASSERT(1 + 1 == 3), "assertion failed: 1 \\+ 1 == 3");
}
#endif

}  // namespace
