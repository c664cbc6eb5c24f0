#include "server/users/hash_limiter.h"

#include <atomic>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace identity::server {
namespace {

std::unique_ptr<HashLimiter> Make(HashLimiterOptions options) {
  auto limiter = HashLimiter::Create(std::move(options));
  EXPECT_TRUE(limiter.ok()) << limiter.status();
  return *std::move(limiter);
}

// A wait that never sleeps: the condition as it is now, and the timeout
// asked for recorded.
HashSlotWait NoSleep(std::vector<absl::Duration>* asked) {
  return [asked](absl::Mutex&, const absl::Condition& condition,
                 absl::Duration timeout) {
    asked->push_back(timeout);
    return condition.Eval();
  };
}

TEST(HashLimiterTest, AtMostMaxConcurrentSlotsAreTaken) {
  std::vector<absl::Duration> asked;
  auto limiter = Make({2, absl::Milliseconds(100), NoSleep(&asked)});
  auto first = limiter->Acquire();
  auto second = limiter->Acquire();
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(limiter->in_use(), 2);
  auto third = limiter->Acquire();
  EXPECT_EQ(third.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(third.status().message(), "the server is busy");
  // It waited, for max_wait.
  EXPECT_EQ(asked, std::vector<absl::Duration>{absl::Milliseconds(100)});
  EXPECT_EQ(limiter->in_use(), 2);
}

TEST(HashLimiterTest, ASlotIsGivenBackWhenDestroyed) {
  auto limiter = Make({1, absl::ZeroDuration()});
  {
    auto slot = limiter->Acquire();
    ASSERT_TRUE(slot.ok());
    EXPECT_FALSE(limiter->Acquire().ok());
    // Moving the slot does not give it back twice.
    HashLimiter::Slot moved = *std::move(slot);
    EXPECT_EQ(limiter->in_use(), 1);
  }
  EXPECT_EQ(limiter->in_use(), 0);
  EXPECT_TRUE(limiter->Acquire().ok());
}

TEST(HashLimiterTest, ZeroWaitRefusesWithoutWaiting) {
  std::vector<absl::Duration> asked;
  auto limiter = Make({1, absl::ZeroDuration(), NoSleep(&asked)});
  auto held = limiter->Acquire();
  ASSERT_TRUE(held.ok());
  EXPECT_EQ(limiter->Acquire().status().code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(asked.empty());
}

TEST(HashLimiterTest, AWaiterGetsTheSlotGivenBack) {
  std::atomic<int> waiting{0};
  HashLimiterOptions options;
  options.max_concurrent = 1;
  options.max_wait = absl::Minutes(5);  // Ample: the release comes first.
  options.wait = [&waiting](absl::Mutex& mu, const absl::Condition& condition,
                            absl::Duration timeout) {
    ++waiting;
    return mu.AwaitWithTimeout(condition, timeout);
  };
  auto limiter = Make(std::move(options));
  std::optional<absl::StatusOr<HashLimiter::Slot>> held(limiter->Acquire());
  ASSERT_TRUE(held->ok());
  absl::Status waited = absl::UnknownError("not run");
  std::thread waiter([&] { waited = limiter->Acquire().status(); });
  while (waiting.load() == 0) std::this_thread::yield();
  held.reset();
  waiter.join();
  EXPECT_TRUE(waited.ok()) << waited;
  EXPECT_EQ(limiter->in_use(), 0);
}

TEST(HashLimiterTest, ConcurrentCallersNeverExceedTheBound) {
  auto limiter = Make({3, absl::Minutes(5)});
  std::atomic<int> running{0}, peak{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        auto slot = limiter->Acquire();
        ASSERT_TRUE(slot.ok());
        const int now = ++running;
        int seen = peak.load();
        while (now > seen && !peak.compare_exchange_weak(seen, now)) {
        }
        --running;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_LE(peak.load(), 3);
  EXPECT_GE(peak.load(), 1);
  EXPECT_EQ(limiter->in_use(), 0);
}

TEST(HashLimiterTest, OptionsAreValidated) {
  EXPECT_EQ(HashLimiter::Create({0, absl::ZeroDuration()}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(HashLimiter::Create({1, -absl::Milliseconds(1)}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(HashLimiter::Create({1, absl::ZeroDuration()}).ok());
}

}  // namespace
}  // namespace identity::server
