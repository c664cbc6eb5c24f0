// Where a gRPC call's work runs. The hot methods (Token, Introspect, GetJwks)
// use gRPC's callback API: a call that cannot block (a client_credentials
// token of a cached client, the introspection of an access token, the JWK
// Set) is answered on the gRPC thread that read it, with no hand-off to
// another thread; one that may wait on the database or a password hash is
// handed to a BlockingPool, so that gRPC's few callback threads, which read
// every connection, never wait. The core decides which is which
// (TokenEndpoint::MayBlock, Introspector::MayBlock); the face only asks.
//
// Why: gRPC's synchronous API ran every call on a pool thread, woken and
// handed back per call (9 futex calls per call even on one connection); that
// cost the server more per call than the ES256 signature (docs/benchmarks.md,
// "The differential breakdown").
#ifndef IDENTITY_SERVER_GRPC_CALL_RUNNER_H_
#define IDENTITY_SERVER_GRPC_CALL_RUNNER_H_

#include <deque>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/server_callback.h"
#include "grpcpp/support/status.h"

namespace identity::server {

// Threads for the calls that may block. Bounded: at most `max_threads`,
// started when a call finds none idle, each ending after `idle_timeout`
// without work (`min_threads` of them stay). A call that finds every thread
// busy is not queued: TrySchedule returns false and the call is refused at
// once (RESOURCE_EXHAUSTED), as gRPC's synchronous server refused a call
// past its ResourceQuota's threads. Thread-safe.
class BlockingPool {
 public:
  struct Options {
    int max_threads = 256;  // --grpc-max-threads.
    int min_threads = 0;
    absl::Duration idle_timeout = absl::Seconds(30);
  };
  explicit BlockingPool(Options options);
  // Waits for the work scheduled to finish, then for its threads to end.
  ~BlockingPool();
  BlockingPool(const BlockingPool&) = delete;
  BlockingPool& operator=(const BlockingPool&) = delete;

  // Runs `work` on a thread of the pool; false (and `work` dropped, not
  // run) when max_threads are all busy, or a thread cannot be started.
  bool TrySchedule(std::function<void()> work);

  // Threads alive.
  int threads() const;
  // Blocks until exactly `count` threads are alive (tests: idle threads
  // ending, with no sleep).
  void AwaitThreads(int count) const;
  // Blocks until no work is queued or running.
  void AwaitIdle() const;

 private:
  void Work();
  // Starts a thread counted idle; false if the system refuses one. Needs
  // mu_.
  bool StartThread() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Joins `ended` (threads that left Work); called without mu_.
  static void Join(std::vector<std::thread> ended);

  const Options options_;
  mutable absl::Mutex mu_;
  std::deque<std::function<void()>> queue_ ABSL_GUARDED_BY(mu_);
  int idle_ ABSL_GUARDED_BY(mu_) = 0;
  int busy_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  absl::flat_hash_map<std::thread::id, std::thread> threads_
      ABSL_GUARDED_BY(mu_);
  std::vector<std::thread> ended_ ABSL_GUARDED_BY(mu_);
};

// The pool a service runs its blocking calls on: the one it was given, or,
// when given none, one of its own with BlockingPool's default options.
class ServicePool {
 public:
  explicit ServicePool(BlockingPool* given)
      : own_(given == nullptr
                 ? std::make_unique<BlockingPool>(BlockingPool::Options())
                 : nullptr),
        pool_(given == nullptr ? own_.get() : given) {}

  BlockingPool* get() const { return pool_; }

 private:
  std::unique_ptr<BlockingPool> own_;
  BlockingPool* const pool_;
};

// Answers a callback-API unary call with what `work` returns (work fills the
// response): at once on this thread when `may_block` is false; else on
// `pool`, or RESOURCE_EXHAUSTED at once when the pool has no thread free.
// Work run on this thread runs inside a storage::NoIoScope: if a store
// refused it I/O, its answer is dropped and it runs again on the pool, so
// `work` must leave the response untouched when it fails and may be run
// twice. The request and response stay valid until the reactor finishes.
grpc::ServerUnaryReactor* RunUnary(grpc::CallbackServerContext* context,
                                   BlockingPool* pool, bool may_block,
                                   std::function<grpc::Status()> work);

}  // namespace identity::server

#endif  // IDENTITY_SERVER_GRPC_CALL_RUNNER_H_
