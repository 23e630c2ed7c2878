// hotpath/arena/allocator.hpp: hotpath::arena_allocator<T>, a standard Allocator over a hotpath
// arena. Included by <hotpath/arena.hpp>.
//
//   hotpath::arena a;
//   std::vector<int, hotpath::arena_allocator<int>> v(a);
//   std::basic_string<char, std::char_traits<char>, hotpath::arena_allocator<char>> s("x", a);
#ifndef HOTPATH_ARENA_ALLOCATOR_HPP
#define HOTPATH_ARENA_ALLOCATOR_HPP

#include <hotpath/arena/basic_arena.hpp>

#include <cstddef>
#include <limits>
#include <type_traits>

namespace hotpath {

// Allocates from an arena it does not own (the arena must outlive every container using it).
// Stateful (one pointer), rebinds to any U, equal iff same arena. Like
// std::pmr::polymorphic_allocator it does not propagate on container copy/move assignment or
// swap: a container keeps its arena (move-assigning between arenas copies the elements, swapping
// containers of different arenas is undefined). deallocate reclaims only the arena's most recent
// allocation; everything else goes at reset/rewind/release. Not thread-safe.
template <class T, class Arena = arena>
class arena_allocator {
 public:
  using value_type = T;
  using propagate_on_container_copy_assignment = std::false_type;
  using propagate_on_container_move_assignment = std::false_type;
  using propagate_on_container_swap = std::false_type;
  using is_always_equal = std::false_type;
  template <class U>
  struct rebind {
    using other = arena_allocator<U, Arena>;
  };

  // Implicit, so `std::vector<int, arena_allocator<int>> v(my_arena);` works.
  arena_allocator(Arena& a) noexcept : arena_(&a) {}  // NOLINT(google-explicit-constructor)
  template <class U>
  arena_allocator(const arena_allocator<U, Arena>& other) noexcept  // NOLINT: rebinding copy
      : arena_(&other.get_arena()) {}

  // Storage for n objects; throws std::bad_array_new_length on overflow, std::bad_alloc when
  // upstream fails.
  // NOLINTBEGIN(bugprone-sizeof-expression): T may be a pointer (bucket arrays), that is fine
  [[nodiscard]] T* allocate(std::size_t n) {
    static_assert(alignof(T) <= Arena::max_alignment, "arena_allocator: alignof(T) > 4096");
    if (n > std::numeric_limits<std::size_t>::max() / sizeof(T)) {
      detail::arena_array_too_long();
    }
    return static_cast<T*>(arena_->allocate(n * sizeof(T), alignof(T)));
  }
  void deallocate(T* p, std::size_t n) noexcept { arena_->deallocate(p, n * sizeof(T)); }
  // NOLINTEND(bugprone-sizeof-expression)

  [[nodiscard]] Arena& get_arena() const noexcept { return *arena_; }

 private:
  Arena* arena_;
};

// Equal iff both allocate from the same arena (memory from one can be given to the other).
template <class T, class U, class Arena>
[[nodiscard]] bool operator==(const arena_allocator<T, Arena>& a,
                              const arena_allocator<U, Arena>& b) noexcept {
  return &a.get_arena() == &b.get_arena();
}

}  // namespace hotpath

#endif  // HOTPATH_ARENA_ALLOCATOR_HPP
