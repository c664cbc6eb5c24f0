#include "server/grpc/call_runner.h"

#include <system_error>
#include <utility>

#include "storage/no_io_scope.h"

namespace identity::server {

BlockingPool::BlockingPool(Options options) : options_(options) {
  absl::MutexLock lock(&mu_);
  for (int i = 0; i < options_.min_threads; ++i) {
    if (!StartThread()) break;  // Started on demand later.
  }
}

BlockingPool::~BlockingPool() {
  std::vector<std::thread> ended;
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    // Threads drain the queue before they end.
    mu_.Await(absl::Condition(
        +[](absl::flat_hash_map<std::thread::id, std::thread>* threads) {
          return threads->empty();
        },
        &threads_));
    ended.swap(ended_);
  }
  Join(std::move(ended));
}

bool BlockingPool::StartThread() {
  std::thread thread;
  try {
    thread = std::thread([this] { Work(); });
  } catch (const std::system_error&) {
    return false;  // EAGAIN: the process or the system is out of threads.
  }
  ++idle_;  // Idle until it takes work.
  const std::thread::id id = thread.get_id();
  threads_.emplace(id, std::move(thread));
  return true;
}

bool BlockingPool::TrySchedule(std::function<void()> work) {
  std::vector<std::thread> ended;
  bool scheduled = false;
  {
    absl::MutexLock lock(&mu_);
    ended.swap(ended_);
    // Work queued but not yet taken is owed to idle threads already woken.
    const bool idle = idle_ > static_cast<int>(queue_.size());
    if (!stopping_ &&
        (idle || (static_cast<int>(threads_.size()) < options_.max_threads &&
                  StartThread()))) {
      queue_.push_back(std::move(work));
      scheduled = true;
    }
  }
  Join(std::move(ended));
  return scheduled;
}

void BlockingPool::Work() {
  absl::MutexLock lock(&mu_);
  auto has_work = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return !queue_.empty() || stopping_;
  };
  for (;;) {
    mu_.AwaitWithTimeout(absl::Condition(&has_work), options_.idle_timeout);
    if (queue_.empty()) {
      // Stopping, or idle for idle_timeout: end unless among the minimum.
      if (stopping_) break;
      if (static_cast<int>(threads_.size()) > options_.min_threads) break;
      continue;
    }
    std::function<void()> work = std::move(queue_.front());
    queue_.pop_front();
    --idle_;
    ++busy_;
    mu_.Unlock();
    work();
    work = nullptr;
    mu_.Lock();
    --busy_;
    ++idle_;
  }
  --idle_;
  // Joined by the next TrySchedule or the destructor: a thread cannot join
  // itself, and its handle must outlive its last touch of mu_.
  auto self = threads_.extract(std::this_thread::get_id());
  ended_.push_back(std::move(self.mapped()));
}

void BlockingPool::Join(std::vector<std::thread> ended) {
  for (std::thread& thread : ended) thread.join();
}

int BlockingPool::threads() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(threads_.size());
}

void BlockingPool::AwaitThreads(int count) const {
  absl::MutexLock lock(&mu_);
  auto alive = [this, count]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return static_cast<int>(threads_.size()) == count;
  };
  mu_.Await(absl::Condition(&alive));
}

void BlockingPool::AwaitIdle() const {
  absl::MutexLock lock(&mu_);
  auto idle = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return busy_ == 0 && queue_.empty();
  };
  mu_.Await(absl::Condition(&idle));
}

grpc::ServerUnaryReactor* RunUnary(grpc::CallbackServerContext* context,
                                   BlockingPool* pool, bool may_block,
                                   std::function<grpc::Status()> work) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (!may_block) {
    grpc::Status status;
    bool refused = false;
    {
      storage::NoIoScope scope;
      status = work();
      refused = scope.refused();
    }
    if (!refused) {
      reactor->Finish(status);
      return reactor;
    }
    // A store had to do I/O after all (a cached copy dropped or aged out
    // since the core judged the call): the work runs again on the pool.
  }
  if (!pool->TrySchedule(
          [reactor, work = std::move(work)] { reactor->Finish(work()); })) {
    reactor->Finish(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                                 "every thread for blocking calls is busy"));
  }
  return reactor;
}

}  // namespace identity::server
