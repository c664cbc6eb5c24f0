#include "client/interceptor/server_credentials.h"

#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/slice.h>
#include <grpcpp/version_info.h>

#include <deque>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"

// AuthorizingCredentials overrides AddPortToServer, a private virtual of
// grpc::ServerCredentials, and builds the port's credentials with C-core
// calls (grpc_insecure_server_credentials_create is marked experimental).
// Verified with gRPC 1.51 by //client/interceptor:interceptor_test
// (CredentialsTest: refused calls never reach the handler, plaintext and
// TLS). Another gRPC must pass that test before this check is widened
// (docs/interceptor.md, "Upgrading gRPC").
static_assert(GRPC_CPP_VERSION_MAJOR == 1 && GRPC_CPP_VERSION_MINOR == 51,
              "AuthorizingServerCredentials is verified with gRPC 1.51 only: "
              "see docs/interceptor.md, \"Upgrading gRPC\"");

namespace identity::interceptor {
namespace {

absl::string_view View(const grpc_slice& slice) {
  return absl::string_view(
      reinterpret_cast<const char*>(GRPC_SLICE_START_PTR(slice)),
      GRPC_SLICE_LENGTH(slice));
}

// A few threads for decisions that may block (online checks), so that they
// never hold up gRPC's own threads. Drains its queue before it goes.
class BlockingWork {
 public:
  // The threads start with the first work: servers without online checks
  // have none.
  explicit BlockingWork(int threads) : size_(threads) {}
  // The last reference may go on one of the workers (a check's `done` lets
  // the core destroy the port's processor): that thread is detached instead
  // of joined (joining itself throws), and finishes on the shared state.
  ~BlockingWork() {
    {
      absl::MutexLock lock(&state_->mu);
      state_->stopping = true;
    }
    for (auto& t : threads_) {
      if (t.get_id() == std::this_thread::get_id()) {
        t.detach();
      } else {
        t.join();
      }
    }
  }
  // False when the queue is full (the caller refuses the call instead).
  bool Add(std::function<void()> work) {
    absl::MutexLock lock(&state_->mu);
    if (state_->queue.size() >= kMaxQueued) return false;
    state_->queue.push_back(std::move(work));
    while (static_cast<int>(threads_.size()) < size_) {
      threads_.emplace_back([state = state_] { Run(*state); });
    }
    return true;
  }

 private:
  struct State {
    absl::Mutex mu;
    std::deque<std::function<void()>> queue ABSL_GUARDED_BY(mu);
    bool stopping ABSL_GUARDED_BY(mu) = false;
  };

  static void Run(State& state) {
    for (;;) {
      std::function<void()> work;
      {
        absl::MutexLock lock(&state.mu);
        state.mu.Await(absl::Condition(
            +[](State* s) ABSL_NO_THREAD_SAFETY_ANALYSIS {
              return s->stopping || !s->queue.empty();
            },
            &state));
        if (state.queue.empty()) return;  // Stopping, and nothing left.
        work = std::move(state.queue.front());
        state.queue.pop_front();
      }
      work();
    }
  }

  static constexpr size_t kMaxQueued = 1000;
  const int size_;
  const std::shared_ptr<State> state_ = std::make_shared<State>();
  // Only Add (under state_->mu) and the destructor touch it.
  std::vector<std::thread> threads_;
};

// The processor's state: one per listening port (the core destroys it with
// the port's credentials), all sharing the authorizer and the threads.
struct ProcessorState {
  std::shared_ptr<const CallAuthorizer> authorizer;
  std::shared_ptr<BlockingWork> blocking;
};

void Finish(const absl::Status& status, grpc_process_auth_metadata_done_cb done,
            void* user_data, const std::vector<grpc_metadata>& hidden = {}) {
  if (status.ok()) {
    // `hidden`: metadata the handler must not see (the core removes
    // "consumed" metadata from the call).
    done(user_data, hidden.empty() ? nullptr : hidden.data(), hidden.size(),
         nullptr, 0, GRPC_STATUS_OK, nullptr);
    return;
  }
  // absl and gRPC share the canonical code numbers. The core copies the
  // message before `done` returns.
  const std::string message = AsciiStatusMessage(status.message());
  done(user_data, nullptr, 0, nullptr, 0,
       static_cast<grpc_status_code>(status.code()), message.c_str());
}

// Authorize, then finish the call; an open method called with credentials
// that fail the DPoP rules runs as an anonymous call: its "authorization"
// and "dpop" are hidden from the handler. `md` (the core's) stays valid
// until `done` runs.
void DecideAndFinish(const CallAuthorizer& authorizer, const CallMetadata& call,
                     const grpc_metadata* md, size_t num_md,
                     grpc_process_auth_metadata_done_cb done, void* user_data) {
  const absl::Status status = authorizer.Authorize(call);
  std::vector<grpc_metadata> hidden;
  if (status.ok() && !authorizer.OpenCallCredentialsUsable(call)) {
    for (size_t i = 0; i < num_md; ++i) {
      const absl::string_view key = View(md[i].key);
      if (key == "authorization" || key == "dpop") hidden.push_back(md[i]);
    }
  }
  Finish(status, done, user_data, hidden);
}

// A copy of a call's metadata, for a decision on another thread.
class OwnedCall {
 public:
  explicit OwnedCall(const CallMetadata& call)
      : path_(call.path),
        authority_(call.authority),
        authorization_(call.authorization.begin(), call.authorization.end()),
        dpop_(call.dpop.begin(), call.dpop.end()) {}
  CallMetadata View() const {
    CallMetadata call;
    call.path = path_;
    call.authority = authority_;
    call.authorization.assign(authorization_.begin(), authorization_.end());
    call.dpop.assign(dpop_.begin(), dpop_.end());
    return call;
  }

 private:
  std::string path_;
  std::string authority_;
  std::vector<std::string> authorization_;
  std::vector<std::string> dpop_;
};

// Runs on a gRPC core thread for every call on the port, before the call is
// matched to a handler. The metadata holds ":path" and ":authority" besides
// the client's keys.
// The auth context is per connection, so nothing is written into it.
void Process(void* state, grpc_auth_context* /*connection*/,
             const grpc_metadata* md, size_t num_md,
             grpc_process_auth_metadata_done_cb done, void* user_data) {
  const auto* processor = static_cast<const ProcessorState*>(state);
  CallMetadata call;
  for (size_t i = 0; i < num_md; ++i) {
    const absl::string_view key = View(md[i].key);
    if (key == ":path") {
      call.path = View(md[i].value);
    } else if (key == ":authority") {
      call.authority = View(md[i].value);
    } else if (key == "authorization") {
      call.authorization.push_back(View(md[i].value));
    } else if (key == "dpop") {
      call.dpop.push_back(View(md[i].value));
    }
  }
  if (!processor->authorizer->MayBlock(call.path)) {
    DecideAndFinish(*processor->authorizer, call, md, num_md, done, user_data);
    return;
  }
  // An online check (or a blocking DPoP replay cache): decided on another
  // thread; the core holds the call (and its metadata) until `done` runs.
  // Copies keep it simple anyway.
  const bool queued = processor->blocking->Add(
      [authorizer = processor->authorizer, copy = OwnedCall(call), md, num_md,
       done, user_data] {
        DecideAndFinish(*authorizer, copy.View(), md, num_md, done, user_data);
      });
  if (!queued) {
    Finish(absl::UnavailableError("too many calls waiting for an online "
                                  "token check; try again later"),
           done, user_data);
  }
}

void Destroy(void* state) { delete static_cast<ProcessorState*>(state); }

class AuthorizingCredentials final : public grpc::ServerCredentials {
 public:
  AuthorizingCredentials(std::shared_ptr<const CallAuthorizer> authorizer,
                         std::optional<grpc::SslServerCredentialsOptions> tls)
      : authorizer_(std::move(authorizer)), tls_(std::move(tls)) {}

  // The authorizer is this object's processor; another cannot be added.
  void SetAuthMetadataProcessor(
      const std::shared_ptr<grpc::AuthMetadataProcessor>&) override {}

 private:
  int AddPortToServer(const std::string& addr, grpc_server* server) override {
    grpc_server_credentials* creds = CreateCoreCredentials();
    if (creds == nullptr) return 0;
    grpc_auth_metadata_processor processor;
    processor.process = &Process;
    processor.destroy = &Destroy;
    processor.state = new ProcessorState{authorizer_, blocking_};
    grpc_server_credentials_set_auth_metadata_processor(creds, processor);
    const int port = grpc_server_add_http2_port(server, addr.c_str(), creds);
    grpc_server_credentials_release(creds);
    return port;
  }

  grpc_server_credentials* CreateCoreCredentials() const {
    if (!tls_.has_value()) return grpc_insecure_server_credentials_create();
    std::vector<grpc_ssl_pem_key_cert_pair> pairs;
    for (const auto& pair : tls_->pem_key_cert_pairs) {
      pairs.push_back({pair.private_key.c_str(), pair.cert_chain.c_str()});
    }
    grpc_ssl_server_certificate_config* config =
        grpc_ssl_server_certificate_config_create(
            tls_->pem_root_certs.empty() ? nullptr
                                         : tls_->pem_root_certs.c_str(),
            pairs.data(), pairs.size());
    grpc_ssl_client_certificate_request_type request =
        tls_->force_client_auth
            ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
            : tls_->client_certificate_request;
    return grpc_ssl_server_credentials_create_with_options(
        grpc_ssl_server_credentials_create_options_using_config(request,
                                                                config));
  }

  const std::shared_ptr<const CallAuthorizer> authorizer_;
  const std::optional<grpc::SslServerCredentialsOptions> tls_;
  const std::shared_ptr<BlockingWork> blocking_ =
      std::make_shared<BlockingWork>(4);
};

}  // namespace

std::shared_ptr<grpc::ServerCredentials> AuthorizingServerCredentials(
    std::shared_ptr<const CallAuthorizer> authorizer,
    std::optional<grpc::SslServerCredentialsOptions> tls) {
  return std::make_shared<AuthorizingCredentials>(std::move(authorizer),
                                                  std::move(tls));
}

std::string AsciiStatusMessage(absl::string_view message) {
  std::string ascii;
  ascii.reserve(message.size());
  size_t i = 0;
  while (i < message.size()) {
    const auto byte = static_cast<unsigned char>(message[i]);
    if (byte < 0x80) {
      ascii.push_back(byte < 0x20 || byte == 0x7f ? ' ' : message[i]);
      ++i;
      continue;
    }
    // A UTF-8 lead byte and its continuation bytes become one '?'; a stray
    // continuation byte is one too.
    ascii.push_back('?');
    ++i;
    if (byte >= 0xc0) {
      while (i < message.size() &&
             (static_cast<unsigned char>(message[i]) & 0xc0) == 0x80) {
        ++i;
      }
    }
  }
  return ascii;
}

absl::StatusOr<std::shared_ptr<const VerifiedToken>> VerifiedCaller(
    const grpc::ServerContextBase& context, const CallAuthorizer& authorizer) {
  std::vector<absl::string_view> authorization;
  const auto range = context.client_metadata().equal_range("authorization");
  for (auto it = range.first; it != range.second; ++it) {
    authorization.emplace_back(it->second.data(), it->second.size());
  }
  return authorizer.VerifiedCaller(authorization);
}

}  // namespace identity::interceptor
