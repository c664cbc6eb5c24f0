#include "client/interceptor/token_source.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/support/client_interceptor.h>

#include "absl/strings/str_cat.h"
#include "client/interceptor/client_assertion.h"
#include "identity/v1/token.grpc.pb.h"

namespace identity::interceptor {

std::shared_ptr<TokenSource> TokenSource::Create(
    std::shared_ptr<grpc::Channel> issuer, TokenSourceOptions options,
    const jwt::Clock* clock) {
  return std::shared_ptr<TokenSource>(
      new TokenSource(std::move(issuer), std::move(options), clock));
}

absl::StatusOr<TokenSource::Issued> TokenSource::Request() const {
  grpc::ClientContext context;
  context.set_deadline(
      absl::ToChronoTime(absl::Now() + options_.request_timeout));
  v1::TokenRequest request;
  request.set_grant_type("client_credentials");
  request.set_client_id(options_.client_id);
  if (options_.assertion_signer != nullptr) {
    auto assertion =
        MakeClientAssertion(*options_.assertion_signer, options_.client_id,
                            options_.assertion_audience, clock_->Now());
    if (!assertion.ok()) return assertion.status();
    request.set_client_assertion_type(kJwtBearerAssertionType);
    request.set_client_assertion(*std::move(assertion));
  } else {
    request.set_client_secret(options_.client_secret);
  }
  request.set_scope(options_.scope);
  v1::TokenResponse response;
  const absl::Time sent = clock_->Now();
  const grpc::Status status =
      v1::TokenService::NewStub(issuer_)->Token(&context, request, &response);
  if (!status.ok()) {
    return absl::Status(
        static_cast<absl::StatusCode>(status.error_code()),
        absl::StrCat("TokenService.Token: ", status.error_message()));
  }
  if (response.access_token().empty() || response.expires_in() <= 0) {
    return absl::InternalError(
        "TokenService.Token answered without a token or a lifetime");
  }
  // Counted from when the request left: never later than the server's view.
  return Issued{response.access_token(),
                sent + absl::Seconds(response.expires_in())};
}

absl::StatusOr<std::string> TokenSource::Token() {
  absl::MutexLock lock(&mu_);
  for (;;) {
    const absl::Time now = clock_->Now();
    const bool valid = !token_.empty() && now < expires_at_;
    if (valid && now < expires_at_ - options_.refresh_ahead) return token_;
    if (requesting_) {
      // Someone is already asking: use the current token if it still works,
      // else wait for the answer.
      if (valid) return token_;
      mu_.Await(absl::Condition(
          +[](bool* requesting) { return !*requesting; }, &requesting_));
      continue;
    }
    if (!last_error_.ok() && now - failed_at_ < options_.retry_pause) {
      // The last request failed moments ago: no new one yet.
      if (valid) return token_;
      return last_error_;
    }
    requesting_ = true;
    ++requests_;
    mu_.Unlock();
    absl::StatusOr<Issued> issued = Request();
    mu_.Lock();
    requesting_ = false;
    if (issued.ok()) {
      token_ = std::move(issued->token);
      expires_at_ = issued->expires_at;
      last_error_ = absl::OkStatus();
      return token_;
    }
    last_error_ = issued.status();
    failed_at_ = clock_->Now();
    if (valid) return token_;  // Refreshing ahead failed; this one still works.
    return last_error_;
  }
}

int64_t TokenSource::requests() const {
  absl::MutexLock lock(&mu_);
  return requests_;
}

namespace {

class TokenPlugin final : public grpc::MetadataCredentialsPlugin {
 public:
  explicit TokenPlugin(std::shared_ptr<TokenSource> tokens)
      : tokens_(std::move(tokens)) {}
  grpc::Status GetMetadata(
      grpc::string_ref, grpc::string_ref, const grpc::AuthContext&,
      std::multimap<grpc::string, grpc::string>* metadata) override {
    absl::StatusOr<std::string> token = tokens_->Token();
    if (!token.ok()) {
      return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                          std::string(token.status().message()));
    }
    metadata->insert({"authorization", "Bearer " + *token});
    return grpc::Status::OK;
  }

 private:
  const std::shared_ptr<TokenSource> tokens_;
};

class TokenInterceptor final : public grpc::experimental::Interceptor {
 public:
  explicit TokenInterceptor(TokenSource* tokens) : tokens_(tokens) {}
  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::
                PRE_SEND_INITIAL_METADATA)) {
      absl::StatusOr<std::string> token = tokens_->Token();
      if (token.ok()) {
        methods->GetSendInitialMetadata()->insert(
            {"authorization", "Bearer " + *token});
      }
    }
    methods->Proceed();
  }

 private:
  TokenSource* const tokens_;
};

class TokenInterceptorFactory final
    : public grpc::experimental::ClientInterceptorFactoryInterface {
 public:
  explicit TokenInterceptorFactory(std::shared_ptr<TokenSource> tokens)
      : tokens_(std::move(tokens)) {}
  grpc::experimental::Interceptor* CreateClientInterceptor(
      grpc::experimental::ClientRpcInfo*) override {
    return new TokenInterceptor(tokens_.get());
  }

 private:
  const std::shared_ptr<TokenSource> tokens_;
};

}  // namespace

std::shared_ptr<grpc::CallCredentials> TokenCallCredentials(
    std::shared_ptr<TokenSource> tokens) {
  return grpc::MetadataCredentialsFromPlugin(
      std::make_unique<TokenPlugin>(std::move(tokens)));
}

std::shared_ptr<grpc::Channel> CreateChannelWithTokens(
    const std::string& target,
    const std::shared_ptr<grpc::ChannelCredentials>& credentials,
    std::shared_ptr<TokenSource> tokens, const grpc::ChannelArguments& args) {
  std::vector<
      std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>>
      interceptors;
  interceptors.push_back(
      std::make_unique<TokenInterceptorFactory>(std::move(tokens)));
  return grpc::experimental::CreateCustomChannelWithInterceptors(
      target, credentials, args, std::move(interceptors));
}

}  // namespace identity::interceptor
