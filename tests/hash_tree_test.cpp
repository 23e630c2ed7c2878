// Tests for hotpath/hash/hash_tree.hpp: the digest is invariant under thread count and
// creation order, sensitive to content, names, types, empty directories and (optionally)
// mode bits; symlinks are hashed as links; the manifest matches hash_file; errors.
#include <hotpath/hash.hpp>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

namespace fs = std::filesystem;
using algo = hotpath::xxh3_64;

namespace {

struct spec_file {
  std::string path;
  std::size_t size;
  std::uint64_t seed;
};

// 40 files in nested directories, a few big enough for the mmap path.
std::vector<spec_file> spec() {
  std::vector<spec_file> v;
  for (int d = 0; d < 5; ++d) {
    for (int f = 0; f < 8; ++f) {
      std::size_t size = (f == 0) ? 0 : (f == 7 ? (300 << 10) : std::size_t(100 * f * f + d));
      v.push_back({"d" + std::to_string(d) + (d % 2 ? "/sub/" : "/") + "f" + std::to_string(f),
                   size, std::uint64_t(d * 10 + f)});
    }
  }
  v.push_back({"top.txt", 12, 99});
  return v;
}

void write_file(const fs::path& p, std::size_t n, std::uint64_t seed) {
  fs::create_directories(p.parent_path());
  std::string data(n, '\0');
  std::mt19937_64 rng(seed);
  for (auto& c : data) c = static_cast<char>(rng());
  std::ofstream(p, std::ios::binary).write(data.data(), static_cast<std::streamsize>(n));
}

class HashTree : public testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "hotpath_hash_tree_XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  // Builds the spec tree under dir_/name, in the given or reversed order.
  fs::path build(const std::string& name, bool reversed) {
    fs::path root = dir_ / name;
    fs::create_directories(root);
    auto s = spec();
    if (reversed) std::reverse(s.begin(), s.end());
    for (auto& f : s) write_file(root / f.path, f.size, f.seed);
    fs::create_directories(root / "empty_dir");
    fs::create_symlink("../top.txt", root / "d0" / "link");
    return root;
  }
  fs::path dir_;
};

TEST_F(HashTree, InvariantUnderThreadCountAndCreationOrder) {
  auto a = build("a", false);
  auto b = build("b", true);
  hotpath::tree_options<algo> opt;
  opt.threads = 1;
  const auto ref = hotpath::hash_tree<algo>(a, opt);
  for (unsigned t : {1u, 2u, 3u, 8u, 0u}) {
    opt.threads = t;
    EXPECT_EQ(hotpath::hash_tree<algo>(a, opt), ref) << t;
    EXPECT_EQ(hotpath::hash_tree<algo>(b, opt), ref) << t;
  }
  EXPECT_NE(ref, hotpath::digest_t<algo>{});
  EXPECT_EQ(hotpath::hash_tree<algo>(fs::path(a.string() + "/")), ref);  // trailing slash
}

TEST_F(HashTree, SensitiveToContentNamesTypesAndEmptyDirectories) {
  auto a = build("a", false);
  const auto ref = hotpath::hash_tree<algo>(a);
  auto changed = [&](auto mutate, auto undo) {
    mutate();
    auto d = hotpath::hash_tree<algo>(a);
    undo();
    EXPECT_EQ(hotpath::hash_tree<algo>(a), ref);  // undo restores
    return d != ref;
  };
  EXPECT_TRUE(changed([&] { write_file(a / "d2/f3", 903, 1); },
                      [&] { write_file(a / "d2/f3", 100 * 9 + 2, 23); }));
  EXPECT_TRUE(changed([&] { fs::rename(a / "top.txt", a / "top2.txt"); },
                      [&] { fs::rename(a / "top2.txt", a / "top.txt"); }));
  EXPECT_TRUE(changed([&] { fs::create_directory(a / "another_empty"); },
                      [&] { fs::remove(a / "another_empty"); }));
  EXPECT_TRUE(changed(
      [&] {
        fs::remove(a / "d0/link");
        fs::create_symlink("../d1/f1", a / "d0/link");
      },
      [&] {
        fs::remove(a / "d0/link");
        fs::create_symlink("../top.txt", a / "d0/link");
      }));
  // The same bytes as a regular file instead of a symlink: different type, different digest.
  EXPECT_TRUE(changed(
      [&] {
        fs::remove(a / "d0/link");
        std::ofstream(a / "d0/link") << "../top.txt";
      },
      [&] {
        fs::remove(a / "d0/link");
        fs::create_symlink("../top.txt", a / "d0/link");
      }));
  // Symlinks are not followed: changing the target's content changes only the target entry.
  hotpath::tree_options<algo> opt;
  opt.filter = [](const fs::path& rel, bool) { return rel != "top.txt"; };
  const auto without_top = hotpath::hash_tree<algo>(a, opt);
  write_file(a / "top.txt", 50, 1234);
  EXPECT_EQ(hotpath::hash_tree<algo>(a, opt), without_top);
}

TEST_F(HashTree, ModeBitsOnlyWhenAsked) {
  auto a = build("a", false);
  hotpath::tree_options<algo> with_mode;
  with_mode.include_mode = true;
  const auto plain = hotpath::hash_tree<algo>(a);
  const auto moded = hotpath::hash_tree<algo>(a, with_mode);
  fs::permissions(a / "d1/sub/f2", fs::perms::owner_exec, fs::perm_options::add);
  EXPECT_EQ(hotpath::hash_tree<algo>(a), plain);
  EXPECT_NE(hotpath::hash_tree<algo>(a, with_mode), moded);
}

TEST_F(HashTree, FilterSkipsDirectoriesAndManifestMatchesHashFile) {
  auto a = build("a", false);
  std::vector<hotpath::tree_entry<algo>> manifest;
  hotpath::tree_options<algo> opt;
  opt.filter = [](const fs::path& rel, bool is_dir) { return !(is_dir && rel == "d3"); };
  opt.manifest = &manifest;
  opt.threads = 2;
  const auto d = hotpath::hash_tree<algo>(a, opt);
  fs::remove_all(a / "d3");
  EXPECT_EQ(hotpath::hash_tree<algo>(a), d);  // as if d3 did not exist
  ASSERT_FALSE(manifest.empty());
  EXPECT_TRUE(std::is_sorted(manifest.begin(), manifest.end(),
                             [](const auto& x, const auto& y) { return x.path < y.path; }));
  std::size_t files = 0;
  for (const auto& e : manifest) {
    EXPECT_NE(e.path.rfind("d3", 0), 0u) << e.path;
    if (e.type == hotpath::tree_entry_type::regular) {
      ++files;
      EXPECT_EQ(e.digest, hotpath::hash_file<algo>(a / e.path)) << e.path;
      EXPECT_EQ(e.size, fs::file_size(a / e.path));
    }
    if (e.path == "d0/link") {
      EXPECT_EQ(e.type, hotpath::tree_entry_type::symlink);
      EXPECT_EQ(e.link_target, "../top.txt");
    }
    if (e.path == "empty_dir") {
      EXPECT_EQ(e.type, hotpath::tree_entry_type::directory);
    }
  }
  EXPECT_EQ(files, spec().size() - 8);
}

TEST_F(HashTree, FifosAreNotReadAndErrorsAreReported) {
  auto a = build("a", false);
  ASSERT_EQ(::mkfifo((a / "pipe").c_str(), 0600), 0);  // reading it would block forever
  std::error_code ec;
  const auto d = hotpath::hash_tree<algo>(a, ec);
  EXPECT_FALSE(ec);
  EXPECT_NE(d, hotpath::digest_t<algo>{});
  hotpath::hash_tree<algo>(dir_ / "missing", ec);
  EXPECT_EQ(ec, std::errc::no_such_file_or_directory);
  hotpath::hash_tree<algo>(a / "top.txt", ec);
  EXPECT_EQ(ec, std::errc::not_a_directory);
  EXPECT_THROW(hotpath::hash_tree<algo>(dir_ / "missing"), fs::filesystem_error);
}

}  // namespace
