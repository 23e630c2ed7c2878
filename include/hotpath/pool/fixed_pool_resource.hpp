// hotpath/pool/fixed_pool_resource.hpp: an untyped pool of fixed-size blocks exposed as a
// std::pmr::memory_resource. Included by <hotpath/pool.hpp>.
//
// What: requests of at most block_size bytes and at most `alignment` alignment are served
// from one stack of free blocks (the storage of hotpath::object_pool); larger ones are
// forwarded to the upstream resource. Versus std::pmr::unsynchronized_pool_resource: one size
// class chosen by the user instead of a size-class search per call, and a live count.
// Not thread-safe (like unsynchronized_pool_resource). Memory is returned upstream on
// destruction.
//
//   hotpath::fixed_pool_resource res(32, 16);     // list<int> nodes fit in 32 bytes
//   std::pmr::list<int> l(&res);                   // every node from the pool
//   l.push_back(1);
//   std::pmr::vector<char> v(1 << 20, &res);       // too large: forwarded to upstream
#ifndef HOTPATH_POOL_FIXED_POOL_RESOURCE_HPP
#define HOTPATH_POOL_FIXED_POOL_RESOURCE_HPP

#include <hotpath/detail/config.hpp>
#include <hotpath/pool/storage.hpp>

#include <bit>
#include <cstddef>
#include <memory>
#include <memory_resource>
#include <new>
#include <stdexcept>

namespace hotpath {

class fixed_pool_resource : public std::pmr::memory_resource {
 public:
  // A pool of `block_size`-byte blocks aligned to `alignment` (a power of two); slabs of
  // initial_slots, doubling up to max_slots blocks, come from `upstream`, which must outlive
  // this resource. Throws std::invalid_argument on a zero block size or a bad alignment.
  explicit fixed_pool_resource(
      std::size_t block_size, std::size_t alignment = alignof(std::max_align_t),
      std::pmr::memory_resource* upstream = std::pmr::get_default_resource(),
      std::size_t initial_slots = 64, std::size_t max_slots = 8192)
      : block_size_(checked_size(block_size, alignment)),
        alignment_(alignment),
        upstream_(upstream),
        storage_(config(block_size, alignment, upstream, initial_slots, max_slots)) {}

  fixed_pool_resource(const fixed_pool_resource&) = delete;
  fixed_pool_resource& operator=(const fixed_pool_resource&) = delete;
  ~fixed_pool_resource() override = default;

  std::size_t block_size() const noexcept { return block_size_; }
  std::size_t alignment() const noexcept { return alignment_; }
  std::pmr::memory_resource* upstream_resource() const noexcept { return upstream_; }
  // Blocks handed out from the pool (forwarded requests are not counted).
  std::size_t live() const noexcept { return storage_.carved() - storage_.free_count(); }
  // Blocks the pool's slabs can hold.
  std::size_t capacity() const noexcept { return storage_.capacity(); }

 protected:
  // O(1) from the pool when bytes <= block_size() and align <= alignment(); otherwise
  // upstream. Throws std::bad_alloc when upstream fails.
  void* do_allocate(std::size_t bytes, std::size_t align) override {
    if (HOTPATH_LIKELY(fits(bytes, align))) {
      void* p = storage_.allocate();
      if (HOTPATH_UNLIKELY(p == nullptr)) detail::pool_throw_bad_alloc();
      detail::pool_mark_used(p);
      return p;
    }
    return upstream_->allocate(bytes, align);
  }

  // bytes and align must be those given to allocate. Double deallocate aborts in debug.
  void do_deallocate(void* p, std::size_t bytes, std::size_t align) override {
    if (HOTPATH_LIKELY(fits(bytes, align))) {
      HOTPATH_UNPOISON(p, storage_.stride());
      detail::pool_check_not_freed(p);
      detail::pool_mark_freed(p);
      storage_.deallocate(p);
      return;
    }
    upstream_->deallocate(p, bytes, align);
  }

  bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override {
    return this == &other;
  }

 private:
  static std::size_t checked_size(std::size_t block_size, std::size_t alignment) {
    if (block_size == 0) throw std::invalid_argument("fixed_pool_resource: block_size is 0");
    if (!std::has_single_bit(alignment)) {
      throw std::invalid_argument("fixed_pool_resource: alignment is not a power of two");
    }
    return block_size;
  }

  static detail::pool_storage_config config(std::size_t block_size, std::size_t alignment,
                                            std::pmr::memory_resource* upstream,
                                            std::size_t initial_slots, std::size_t max_slots) {
    detail::pool_storage_config c;
    c.layout = detail::pool_layout::make(block_size, alignment);
    c.initial_slots = initial_slots < 1 ? 1 : initial_slots;
    c.max_slots = max_slots < c.initial_slots ? c.initial_slots : max_slots;
    c.upstream = upstream;
    return c;
  }

  bool fits(std::size_t bytes, std::size_t align) const noexcept {
    return bytes <= block_size_ && align <= alignment_;
  }

  std::size_t block_size_;
  std::size_t alignment_;
  std::pmr::memory_resource* upstream_;
  detail::freelist_storage storage_;
};

}  // namespace hotpath

#endif  // HOTPATH_POOL_FIXED_POOL_RESOURCE_HPP
