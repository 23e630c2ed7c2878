// The program both consumer projects build: it includes the umbrella header, so every public
// header must compile for a consumer with no warning flags or definitions of hotpath's own.
#include <hotpath/hotpath.hpp>

#include <cstdio>

int main() {
  std::printf("hotpath %d.%d.%d, sha256 %s\n", hotpath::version_major, hotpath::version_minor,
              hotpath::version_patch, hotpath::has_sha256 ? "yes" : "no");
  return hotpath::version_major == HOTPATH_VERSION_MAJOR ? 0 : 1;
}
