// hotpath/detail/cache_table.hpp: the storage shared by the cache's two indexes
// (cache_bucket_index.hpp, cache_index.hpp): a power-of-two array of cells, its mask and the
// number of entries. Internal.
#ifndef HOTPATH_DETAIL_CACHE_TABLE_HPP
#define HOTPATH_DETAIL_CACHE_TABLE_HPP

#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>

namespace hotpath::detail {

// "No node": what both indexes' find returns on a miss, and the cache's null link.
inline constexpr std::uint32_t cache_npos = 0xFFFFFFFFu;

// A moved-from table is empty (no array, mask and count 0), as a moved-from cache must be.
template <class Cell>
class cache_table {
 public:
  cache_table() = default;
  cache_table(cache_table&& o) noexcept
      : cells_(std::move(o.cells_)),
        mask_(std::exchange(o.mask_, 0)),
        count_(std::exchange(o.count_, 0)) {}
  cache_table& operator=(cache_table&& o) noexcept {
    cells_ = std::move(o.cells_);
    mask_ = std::exchange(o.mask_, 0);
    count_ = std::exchange(o.count_, 0);
    return *this;
  }
  ~cache_table() = default;
  cache_table(const cache_table&) = delete;
  cache_table& operator=(const cache_table&) = delete;

 protected:
  std::unique_ptr<Cell[]> cells_;
  std::size_t mask_ = 0;   // number of cells - 1 (cells_ != nullptr)
  std::size_t count_ = 0;  // entries
};

}  // namespace hotpath::detail

#endif  // HOTPATH_DETAIL_CACHE_TABLE_HPP
