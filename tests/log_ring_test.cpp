// Tests for hotpath/log_ring.hpp: single-threaded behaviour of every policy combination
// against a std::deque reference model (random operation sequences), overflow accounting,
// overwrite gap reporting, blocking push, non-trivial element types, and multi-threaded stress
// runs whose records carry (producer, sequence) so that duplicates, reordering and lost records
// are detected (label `concurrency`: these run under TSan).
#include <hotpath/log_ring.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace {

struct rec {
  std::uint32_t producer = 0;
  std::uint32_t seq = 0;
  std::uint64_t pad[7] = {};  // 64 bytes, like the benchmark's records
};
static_assert(sizeof(rec) == 64);

using hotpath::basic_log_ring;
using hotpath::block_when_full;
using hotpath::drop_newest;
using hotpath::multi_producer;
using hotpath::overwrite_oldest;
using hotpath::single_producer;

// Policies are checked by type traits the tests pin down.
static_assert(!hotpath::spsc_log_ring<rec>::is_multi_producer);
static_assert(hotpath::mpsc_log_ring<rec>::is_multi_producer);
static_assert(std::is_same_v<basic_log_ring<rec>::overflow_policy, drop_newest>);
static_assert(basic_log_ring<rec, overwrite_oldest, multi_producer>::is_overwriting);
static_assert(basic_log_ring<rec, block_when_full<>>::is_blocking);
static_assert(noexcept(std::declval<hotpath::spsc_log_ring<rec>&>().try_push(rec{})));
static_assert(noexcept(std::declval<hotpath::mpsc_log_ring<rec>&>().try_pop(std::declval<rec&>())));

template <class R>
concept has_push = requires(R& r, const rec& v) {
  r.push(v);
};
static_assert(has_push<basic_log_ring<rec, block_when_full<>>>);
static_assert(!has_push<hotpath::mpsc_log_ring<rec>>, "push() exists only for block_when_full");

TEST(LogRing, CapacityRoundsUpToPowerOfTwo) {
  EXPECT_EQ(hotpath::spsc_log_ring<int>(1000).capacity(), 1024u);
  EXPECT_EQ(hotpath::spsc_log_ring<int>(1024).capacity(), 1024u);
  EXPECT_EQ(hotpath::mpsc_log_ring<int>(1).capacity(), 2u);
  EXPECT_EQ(hotpath::mpsc_log_ring<int>(3).capacity(), 4u);
  EXPECT_THROW(hotpath::spsc_log_ring<int>(0), std::length_error);
}

template <class Ring>
class LogRingTyped : public ::testing::Test {};

using all_rings =
    ::testing::Types<basic_log_ring<std::uint64_t, single_producer, drop_newest>,
                     basic_log_ring<std::uint64_t, multi_producer, drop_newest>,
                     basic_log_ring<std::uint64_t, single_producer, overwrite_oldest>,
                     basic_log_ring<std::uint64_t, multi_producer, overwrite_oldest>,
                     basic_log_ring<std::uint64_t, single_producer, block_when_full<>>,
                     basic_log_ring<std::uint64_t, multi_producer, block_when_full<8>>>;
TYPED_TEST_SUITE(LogRingTyped, all_rings);

// Random pushes, pops and drains against a deque model of the documented overflow behaviour.
TYPED_TEST(LogRingTyped, MatchesReferenceModel) {
  for (std::size_t cap : {2u, 5u, 16u}) {
    TypeParam ring(cap);
    const std::size_t c = ring.capacity();
    std::deque<std::uint64_t> model;
    std::uint64_t model_dropped = 0, pending_missed = 0, next = 0;
    std::mt19937_64 rng(cap * 7919);
    for (int step = 0; step < 20000; ++step) {
      const auto op = rng() % 8;
      if (op < 4) {
        const std::uint64_t v = next++;
        const bool ok = ring.try_push(v);
        if (model.size() < c) {
          ASSERT_TRUE(ok);
          model.push_back(v);
        } else if (TypeParam::is_overwriting) {
          ASSERT_TRUE(ok);
          model.pop_front();
          model.push_back(v);
          ++model_dropped;
          ++pending_missed;
        } else {
          ASSERT_FALSE(ok);
          if (!TypeParam::is_blocking) ++model_dropped;
        }
      } else if (op < 7) {
        std::uint64_t out = 0, missed = 99;
        const bool ok = ring.try_pop(out, missed);
        ASSERT_EQ(ok, !model.empty());
        if (ok) {
          ASSERT_EQ(out, model.front());
          ASSERT_EQ(missed, pending_missed);
          pending_missed = 0;
          model.pop_front();
        }
      } else {
        const std::size_t max = rng() % 4;
        std::size_t seen = 0;
        const std::size_t n = ring.drain(
            [&](std::uint64_t& v, std::uint64_t missed) {
              ASSERT_EQ(v, model.front());
              ASSERT_EQ(missed, pending_missed);
              pending_missed = 0;
              model.pop_front();
              ++seen;
            },
            max);
        ASSERT_EQ(n, seen);
        ASSERT_LE(n, max);
      }
      ASSERT_EQ(ring.size_approx(), model.size());
      ASSERT_EQ(ring.dropped(), model_dropped);
    }
  }
}

TEST(LogRing, DropNewestCountsExactly) {
  hotpath::spsc_log_ring<int> ring(4);
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(ring.try_push(i));
  for (int i = 0; i < 10; ++i) EXPECT_FALSE(ring.try_emplace(100 + i));
  EXPECT_EQ(ring.dropped(), 10u);
  EXPECT_EQ(ring.pushed(), 4u);
  int v = -1;
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(ring.try_pop(v));
    EXPECT_EQ(v, i);  // the oldest records survive
  }
  EXPECT_FALSE(ring.try_pop(v));
}

TEST(LogRing, OverwriteOldestReportsGaps) {
  basic_log_ring<int, multi_producer, overwrite_oldest> ring(4);
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(ring.try_push(i));
  EXPECT_EQ(ring.dropped(), 6u);
  int v = -1;
  std::uint64_t missed = 0;
  ASSERT_TRUE(ring.try_pop(v, missed));
  EXPECT_EQ(v, 6);
  EXPECT_EQ(missed, 6u);  // 0..5 were overwritten before the consumer saw them
  ASSERT_TRUE(ring.try_pop(v, missed));
  EXPECT_EQ(v, 7);
  EXPECT_EQ(missed, 0u);
  for (int i = 10; i < 13; ++i) EXPECT_TRUE(ring.try_push(i));  // evicts 8
  ASSERT_TRUE(ring.try_pop(v, missed));
  EXPECT_EQ(v, 9);
  EXPECT_EQ(missed, 1u);
}

TEST(LogRing, BlockingTryPushFailsWithoutDropping) {
  basic_log_ring<int, single_producer, block_when_full<>> ring(2);
  EXPECT_TRUE(ring.try_push(1));
  EXPECT_TRUE(ring.try_push(2));
  EXPECT_FALSE(ring.try_push(3));
  EXPECT_EQ(ring.dropped(), 0u);
}

TEST(LogRing, BlockingPushWaitsForConsumer) {
  basic_log_ring<int, multi_producer, block_when_full<4>> ring(2);
  ring.push(0);
  ring.push(1);
  std::atomic<bool> done{false};
  std::thread producer([&] {
    ring.push(2);  // full: must wait until the consumer pops
    done.store(true);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_FALSE(done.load());
  int v = -1;
  ASSERT_TRUE(ring.try_pop(v));
  EXPECT_EQ(v, 0);
  producer.join();
  EXPECT_TRUE(done.load());
  ASSERT_TRUE(ring.try_pop(v));
  EXPECT_EQ(v, 1);
  ASSERT_TRUE(ring.try_pop(v));
  EXPECT_EQ(v, 2);
  EXPECT_EQ(ring.dropped(), 0u);
}

// Regression: a drain ending on a multiple of 64 publishes head inside its loop; the blocked
// producer must still be woken (it sleeps in atomic::wait after zero spins).
template <class Ring>
void wake_after_aligned_drain() {
  Ring ring(64);
  for (int i = 0; i < 64; ++i) ring.push(i);
  std::thread producer([&] { ring.push(64); });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(ring.drain([](int&) {}, 64), 64u);
  producer.join();  // hangs if the wakeup is lost
  int v = -1;
  ASSERT_TRUE(ring.try_pop(v));
  EXPECT_EQ(v, 64);
}
TEST(LogRing, BlockedProducerWokenByAlignedDrain) {
  wake_after_aligned_drain<basic_log_ring<int, single_producer, block_when_full<0>>>();
  wake_after_aligned_drain<basic_log_ring<int, multi_producer, block_when_full<0>>>();
}

// Owning element types: moved in and out, evicted ones and leftovers destroyed (ASan checks
// for leaks and double frees).
TEST(LogRing, NonTrivialElements) {
  {
    basic_log_ring<std::unique_ptr<std::string>, multi_producer, overwrite_oldest> ring(4);
    for (int i = 0; i < 9; ++i) ring.try_push(std::make_unique<std::string>(std::to_string(i)));
    std::unique_ptr<std::string> out;
    ASSERT_TRUE(ring.try_pop(out));
    EXPECT_EQ(*out, "5");
  }
  {
    hotpath::spsc_log_ring<std::string> ring(8);
    for (int i = 0; i < 6; ++i) ring.try_push(std::string(40, static_cast<char>('a' + i)));
    std::string out;
    ASSERT_TRUE(ring.try_pop(out));
    EXPECT_EQ(out, std::string(40, 'a'));
    EXPECT_THROW(ring.drain([](std::string&) { throw std::runtime_error("sink failed"); }),
                 std::runtime_error);
    EXPECT_EQ(ring.size_approx(), 4u);  // the record whose callback threw is consumed
    EXPECT_EQ(ring.drain([](std::string&) {}), 4u);
  }
}

// --- stress -------------------------------------------------------------------------------

constexpr std::uint32_t kPerProducer = HOTPATH_TSAN ? 20000 : 100000;

template <class Ring>
void stress(unsigned producers, std::size_t capacity, std::uint32_t per_producer = kPerProducer) {
  Ring ring(capacity);
  std::atomic<unsigned> running{producers};
  std::vector<std::uint64_t> attempts(producers, 0);
  std::vector<std::thread> threads;
  for (unsigned p = 0; p < producers; ++p) {
    threads.emplace_back([&, p] {
      for (std::uint32_t s = 0; s < per_producer; ++s) {
        rec r;
        r.producer = p;
        r.seq = s;
        r.pad[0] = s * 3u + p;
        if constexpr (Ring::is_blocking) {
          ring.push(r);
        } else {
          ring.try_push(r);
        }
        ++attempts[p];
        if ((s & 255) == 0) std::this_thread::yield();  // vary the interleavings
      }
      running.fetch_sub(1);
    });
  }
  std::vector<std::int64_t> last(producers, -1);
  std::uint64_t consumed = 0, missed_total = 0;
  auto check = [&](rec& r, std::uint64_t missed) {
    ASSERT_LT(r.producer, producers);
    ASSERT_EQ(r.pad[0], r.seq * 3u + r.producer);  // not torn
    // Strictly increasing per producer: nothing duplicated, order kept.
    ASSERT_GT(static_cast<std::int64_t>(r.seq), last[r.producer]);
    if (Ring::is_blocking) {
      ASSERT_EQ(static_cast<std::int64_t>(r.seq), last[r.producer] + 1);  // nothing lost
    }
    last[r.producer] = r.seq;
    missed_total += missed;
    ++consumed;
  };
  for (;;) {
    const bool finished = running.load() == 0;
    const std::size_t n = ring.drain(check, 97);
    if (n == 0) {
      if (finished && ring.drain(check) == 0) break;
      std::this_thread::yield();
    }
  }
  for (auto& t : threads) t.join();
  const std::uint64_t produced = std::uint64_t{producers} * per_producer;
  EXPECT_EQ(consumed + ring.dropped(), produced);
  if (Ring::is_blocking) {
    EXPECT_EQ(ring.dropped(), 0u);
  }
  if (Ring::is_overwriting) {
    EXPECT_EQ(missed_total, ring.dropped());
  } else {
    EXPECT_EQ(ring.pushed(), consumed);
  }
  EXPECT_EQ(ring.size_approx(), 0u);
}

TEST(LogRingStress, SpscDropNewest) { stress<hotpath::spsc_log_ring<rec>>(1, 64); }
TEST(LogRingStress, SpscOverwriteOldest) {
  stress<basic_log_ring<rec, single_producer, overwrite_oldest>>(1, 64);
}
TEST(LogRingStress, SpscBlock) {
  stress<basic_log_ring<rec, single_producer, block_when_full<16>>>(1, 64);
}
TEST(LogRingStress, MpscDropNewest) { stress<hotpath::mpsc_log_ring<rec>>(3, 64); }
TEST(LogRingStress, MpscOverwriteOldest) {
  stress<basic_log_ring<rec, multi_producer, overwrite_oldest>>(3, 64);
}
TEST(LogRingStress, MpscBlock) {
  stress<basic_log_ring<rec, multi_producer, block_when_full<16>>>(3, 64);
}
TEST(LogRingStress, MpscBlockTinyRing) {
  stress<basic_log_ring<rec, multi_producer, block_when_full<0>>>(4, 2, kPerProducer / 10);
}

}  // namespace
