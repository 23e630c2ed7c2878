// changed_files: prints the files of a tree that changed since the last run.
//
//   changed_files DIR [CACHE]      (CACHE defaults to DIR/.changed_files.cache)
//
// Output, one line per file: "A path" (added), "M path" (modified), "D path" (deleted).
// Unchanged files print nothing. The cache is a hotpath::change_detector file: a settled,
// unchanged file costs one stat(); touched-but-identical files are re-hashed and not listed.
#include <hotpath/hash.hpp>

#include <cstdio>
#include <filesystem>
#include <string>
#include <unordered_set>
#include <vector>

namespace fs = std::filesystem;

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::fprintf(stderr, "usage: %s DIR [CACHE]\n", argv[0]);
    return 2;
  }
  const fs::path root = argv[1];
  const fs::path cache = argc == 3 ? fs::path(argv[2]) : root / ".changed_files.cache";

  hotpath::change_detector<hotpath::xxh3_64> detector;
  std::error_code ec;
  detector.load(cache, ec);
  if (ec && ec != std::errc::no_such_file_or_directory) {
    std::fprintf(stderr, "changed_files: ignoring cache %s: %s\n", cache.c_str(),
                 ec.message().c_str());
  }

  std::unordered_set<std::string> seen;
  int status = 0;
  for (fs::recursive_directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
    if (!it->is_regular_file(ec) || it->is_symlink(ec) || it->path() == cache) continue;
    const std::string path = it->path().string();
    seen.insert(path);
    auto r = detector.check(path, ec);
    if (ec) {
      std::fprintf(stderr, "changed_files: %s: %s\n", path.c_str(), ec.message().c_str());
      ec.clear();
      status = 1;
      continue;
    }
    if (r.status == hotpath::change_status::added) std::printf("A %s\n", path.c_str());
    if (r.status == hotpath::change_status::modified) std::printf("M %s\n", path.c_str());
  }
  if (ec) {
    std::fprintf(stderr, "changed_files: %s: %s\n", root.c_str(), ec.message().c_str());
    return 1;
  }

  std::vector<std::string> gone;
  detector.for_each([&](const std::string& path, const auto&) {
    if (!seen.contains(path)) gone.push_back(path);
  });
  for (const auto& path : gone) {
    detector.forget(path);
    std::printf("D %s\n", path.c_str());
  }

  detector.save(cache, ec);
  if (ec) {
    std::fprintf(stderr, "changed_files: cannot save %s: %s\n", cache.c_str(),
                 ec.message().c_str());
    return 1;
  }
  return status;
}
