// hotpath/arena/resource.hpp: hotpath::arena_resource, a std::pmr::memory_resource over a
// hotpath arena. Included by <hotpath/arena.hpp>.
//
//   hotpath::arena a;
//   hotpath::arena_resource res(a);
//   std::pmr::vector<int> v(&res);
#ifndef HOTPATH_ARENA_RESOURCE_HPP
#define HOTPATH_ARENA_RESOURCE_HPP

#include <hotpath/arena/basic_arena.hpp>

#include <cstddef>
#include <memory_resource>

namespace hotpath {

// A memory_resource that allocates from an arena it does not own (the arena must outlive it
// and every container using it). do_deallocate gives memory back only when it is the arena's
// most recent allocation; the rest is freed by the arena's reset/rewind/release. Two resources
// compare equal when they use the same arena. Not thread-safe (like the arena).
template <class Arena = arena>
class arena_resource final : public std::pmr::memory_resource {
 public:
  explicit arena_resource(Arena& a) noexcept : arena_(&a) {}
  [[nodiscard]] Arena& get_arena() const noexcept { return *arena_; }

 private:
  // Throws std::bad_alloc when upstream fails (alignments above 4096: std::invalid_argument).
  void* do_allocate(std::size_t bytes, std::size_t align) override {
    return arena_->allocate(bytes, align);
  }
  void do_deallocate(void* p, std::size_t bytes, std::size_t) noexcept override {
    arena_->deallocate(p, bytes);
  }
  [[nodiscard]] bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override {
    if (this == &other) return true;
    const auto* r = dynamic_cast<const arena_resource*>(&other);
    return r != nullptr && r->arena_ == arena_;
  }

  Arena* arena_;
};

}  // namespace hotpath

#endif  // HOTPATH_ARENA_RESOURCE_HPP
