// BlockingPool's bounds, and RunUnary over real loopback gRPC: a call that
// cannot block is answered on gRPC's thread even while every pool thread
// waits; one that may block runs on the pool, and past the pool's bound is
// refused at once.
#include "server/grpc/call_runner.h"

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "identity/v1/introspection.grpc.pb.h"
#include "storage/no_io_scope.h"

namespace identity::server {
namespace {

BlockingPool::Options Bounded(int max_threads, int min_threads = 0,
                              absl::Duration idle = absl::Seconds(30)) {
  BlockingPool::Options options;
  options.max_threads = max_threads;
  options.min_threads = min_threads;
  options.idle_timeout = idle;
  return options;
}

TEST(BlockingPoolTest, RunsWorkOnItsOwnThreads) {
  BlockingPool pool(Bounded(4));
  absl::Notification ran;
  std::thread::id worker;
  ASSERT_TRUE(pool.TrySchedule([&] {
    worker = std::this_thread::get_id();
    ran.Notify();
  }));
  ran.WaitForNotification();
  EXPECT_NE(worker, std::this_thread::get_id());
  EXPECT_EQ(pool.threads(), 1);
}

TEST(BlockingPoolTest, RefusesWorkPastMaxThreadsWithoutQueueing) {
  BlockingPool pool(Bounded(2));
  absl::Notification release;
  std::atomic<int> started{0};
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(pool.TrySchedule([&] {
      ++started;
      release.WaitForNotification();
    }));
  }
  std::atomic<bool> third_ran{false};
  EXPECT_FALSE(pool.TrySchedule([&] { third_ran = true; }));
  EXPECT_EQ(pool.threads(), 2);
  release.Notify();
  // A thread that finished takes new work again.
  pool.AwaitIdle();
  absl::Notification again;
  ASSERT_TRUE(pool.TrySchedule([&] { again.Notify(); }));
  again.WaitForNotification();
  EXPECT_FALSE(third_ran);
  EXPECT_EQ(started, 2);
  EXPECT_LE(pool.threads(), 2);
}

TEST(BlockingPoolTest, ReusesAnIdleThreadRatherThanStartingOne) {
  BlockingPool pool(Bounded(8));
  for (int i = 0; i < 20; ++i) {
    absl::Notification done;
    ASSERT_TRUE(pool.TrySchedule([&] { done.Notify(); }));
    done.WaitForNotification();
    pool.AwaitIdle();
  }
  EXPECT_EQ(pool.threads(), 1);
}

TEST(BlockingPoolTest, IdleThreadsEndDownToTheMinimum) {
  BlockingPool pool(Bounded(4, /*min_threads=*/1, absl::Milliseconds(1)));
  EXPECT_EQ(pool.threads(), 1);
  absl::Notification release;
  std::atomic<int> started{0};
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(pool.TrySchedule([&] {
      ++started;
      release.WaitForNotification();
    }));
  }
  EXPECT_EQ(pool.threads(), 3);
  release.Notify();
  pool.AwaitThreads(1);
  EXPECT_EQ(started, 3);
  // And they start again under load.
  absl::Notification ran;
  ASSERT_TRUE(pool.TrySchedule([&] { ran.Notify(); }));
  ran.WaitForNotification();
}

TEST(BlockingPoolTest, DestructionFinishesWhatWasScheduled) {
  std::atomic<int> ran{0};
  {
    BlockingPool pool(Bounded(3));
    for (int i = 0; i < 3; ++i) {
      ASSERT_TRUE(pool.TrySchedule([&] { ++ran; }));
    }
  }
  EXPECT_EQ(ran, 3);
}

// A service whose calls say whether they may block: token "block" may (and
// waits for the test's release), anything else may not.
class PoolProbeService final
    : public v1::IntrospectionService::CallbackService {
 public:
  explicit PoolProbeService(BlockingPool* pool) : pool_(pool) {}

  grpc::ServerUnaryReactor* Introspect(
      grpc::CallbackServerContext* context,
      const v1::IntrospectRequest* request,
      v1::IntrospectResponse* response) override {
    const bool may_block = request->token() == "block";
    // "misjudged": judged answerable from memory, but a store refuses I/O
    // (as a read cache whose copy went away does inside a NoIoScope).
    const bool misjudged = request->token() == "misjudged";
    const std::thread::id reader = std::this_thread::get_id();
    return RunUnary(
        context, pool_, may_block,
        [this, may_block, misjudged, reader, response] {
          const bool same = std::this_thread::get_id() == reader;
          if (misjudged && storage::NoIoScope::Active()) {
            ++refusals_;
            return grpc::Status(
                grpc::StatusCode::UNAVAILABLE,
                std::string(storage::NoIoScope::Refuse().message()));
          }
          if (may_block) {
            if (++blocked_ == 1) entered_.Notify();
            release_.WaitForNotification();
          }
          // "scope" carries where it ran.
          response->set_scope(same ? "reader" : "pool");
          return grpc::Status::OK;
        });
  }

  int refusals() const { return refusals_; }
  void Release() {
    if (!release_.HasBeenNotified()) release_.Notify();
  }
  int blocked() const { return blocked_; }
  // Whether a blocking call reached its work within `timeout`.
  bool AwaitEntered(absl::Duration timeout) {
    return entered_.WaitForNotificationWithTimeout(timeout);
  }

 private:
  BlockingPool* const pool_;
  absl::Notification entered_;
  absl::Notification release_;
  std::atomic<int> blocked_{0};
  std::atomic<int> refusals_{0};
};

class RunUnaryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    int port = 0;
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    stub_ = v1::IntrospectionService::NewStub(
        grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                            grpc::InsecureChannelCredentials()));
  }
  void TearDown() override {
    service_.Release();
    server_->Shutdown();
  }

  grpc::Status Call(const std::string& token, v1::IntrospectResponse* out) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(20));
    v1::IntrospectRequest request;
    request.set_token(token);
    return stub_->Introspect(&context, request, out);
  }

  BlockingPool pool_{Bounded(1)};
  PoolProbeService service_{&pool_};
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::IntrospectionService::Stub> stub_;
};

TEST_F(RunUnaryTest, ACallThatCannotBlockIsAnsweredOnTheThreadThatReadIt) {
  v1::IntrospectResponse response;
  ASSERT_TRUE(Call("fast", &response).ok());
  EXPECT_EQ(response.scope(), "reader");
  EXPECT_EQ(pool_.threads(), 0);
}

TEST_F(RunUnaryTest, AMisjudgedCallRunsAgainOnThePool) {
  v1::IntrospectResponse response;
  const grpc::Status status = Call("misjudged", &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.scope(), "pool") << "the refused answer was dropped";
  EXPECT_EQ(service_.refusals(), 1);
  EXPECT_EQ(pool_.threads(), 1);
}

TEST_F(RunUnaryTest, BlockingCallsRunOnThePoolAndNeverStallTheOthers) {
  // One call holds the pool's only thread...
  v1::IntrospectResponse held_response;
  grpc::Status held_status;
  std::thread held([&] { held_status = Call("block", &held_response); });
  // Released and joined however the test ends.
  struct Join {
    PoolProbeService* service;
    std::thread* thread;
    ~Join() {
      service->Release();
      if (thread->joinable()) thread->join();
    }
  } join{&service_, &held};
  ASSERT_TRUE(service_.AwaitEntered(absl::Seconds(20)));
  // ...a second blocking call finds no thread and is refused at once...
  v1::IntrospectResponse refused;
  const grpc::Status status = Call("block", &refused);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  // ...and calls that cannot block are still answered.
  for (int i = 0; i < 10; ++i) {
    v1::IntrospectResponse fast;
    ASSERT_TRUE(Call("fast", &fast).ok());
    EXPECT_EQ(fast.scope(), "reader");
  }
  service_.Release();
  held.join();
  ASSERT_TRUE(held_status.ok()) << held_status.error_message();
  EXPECT_EQ(held_response.scope(), "pool");
  EXPECT_EQ(service_.blocked(), 1);
}

}  // namespace
}  // namespace identity::server
