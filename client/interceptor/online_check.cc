#include "client/interceptor/online_check.h"

#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "identity/v1/introspection.grpc.pb.h"

namespace identity::interceptor {

IntrospectionChecker::IntrospectionChecker(
    std::shared_ptr<grpc::Channel> issuer, IntrospectionCheckerOptions options,
    const jwt::Clock* clock)
    : issuer_(std::move(issuer)), options_(std::move(options)), clock_(clock) {}

absl::StatusOr<bool> IntrospectionChecker::IsActive(absl::string_view token) {
  const absl::Time now = clock_->Now();
  {
    absl::MutexLock lock(&mu_);
    auto it = answers_.find(token);
    if (it != answers_.end() && now < it->second.until) {
      return it->second.active;
    }
    ++calls_;
  }
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + options_.timeout));
  v1::IntrospectRequest request;
  request.set_token(std::string(token));
  request.set_client_id(options_.client_id);
  request.set_client_secret(options_.client_secret);
  v1::IntrospectResponse response;
  const grpc::Status status =
      v1::IntrospectionService::NewStub(issuer_)->Introspect(&context, request,
                                                             &response);
  if (!status.ok()) {
    return absl::UnavailableError(absl::StrCat(
        "IntrospectionService.Introspect: ", status.error_message()));
  }
  absl::MutexLock lock(&mu_);
  if (answers_.size() >= options_.max_entries) {
    absl::erase_if(answers_, [now](const auto& entry) {
      return entry.second.until <= now;
    });
    if (answers_.size() >= options_.max_entries) answers_.clear();
  }
  answers_.insert_or_assign(std::string(token),
                            Entry{response.active(), now + options_.cache_ttl});
  return response.active();
}

int64_t IntrospectionChecker::calls() const {
  absl::MutexLock lock(&mu_);
  return calls_;
}

}  // namespace identity::interceptor
