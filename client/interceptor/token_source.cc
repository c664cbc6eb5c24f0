#include "client/interceptor/token_source.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/support/client_interceptor.h>
#include <openssl/rand.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "client/interceptor/client_assertion.h"
#include "identity/v1/token.grpc.pb.h"
#include "jwt/base64url.h"
#include "jwt/dpop_proof.h"

namespace identity::interceptor {

std::shared_ptr<TokenSource> TokenSource::Create(
    std::shared_ptr<grpc::Channel> issuer, TokenSourceOptions options,
    const jwt::Clock* clock) {
  return std::shared_ptr<TokenSource>(
      new TokenSource(std::move(issuer), std::move(options), clock));
}

namespace {

constexpr char kTokenMethod[] = "/identity.v1.TokenService/Token";

}  // namespace

absl::StatusOr<jwt::Jwk> GenerateDpopKey() {
  return jwt::Jwk::Generate(jwt::Algorithm::kES256);
}

absl::StatusOr<std::string> TokenSource::Proof(
    absl::string_view authority, absl::string_view method_path,
    std::optional<std::string> token) const {
  unsigned char random[16];
  if (RAND_bytes(random, sizeof(random)) != 1) {
    return absl::InternalError("no random bytes for a DPoP proof's jti");
  }
  jwt::DpopProofClaims claims;
  claims.method = "POST";
  claims.uri = jwt::DpopGrpcUri(authority, method_path);
  claims.jti = jwt::Base64UrlEncode(
      absl::string_view(reinterpret_cast<const char*>(random), sizeof(random)));
  claims.issued_at = clock_->Now();
  claims.access_token = std::move(token);
  return jwt::SignDpopProof(*options_.dpop_key, claims);
}

absl::StatusOr<TokenSource::Issued> TokenSource::Request() const {
  grpc::ClientContext context;
  if (options_.dpop_key != nullptr) {
    if (options_.issuer_authority.empty()) {
      return absl::InvalidArgumentError(
          "TokenSourceOptions: dpop_key needs issuer_authority");
    }
    absl::StatusOr<std::string> proof =
        Proof(options_.issuer_authority, kTokenMethod, std::nullopt);
    if (!proof.ok()) return proof.status();
    context.AddMetadata("dpop", *proof);
  }
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
  // RFC 9449 §5: token_type "DPoP" says the token is bound to the key.
  return Issued{response.access_token(),
                sent + absl::Seconds(response.expires_in()),
                options_.dpop_key != nullptr &&
                    absl::EqualsIgnoreCase(response.token_type(), "DPoP")};
}

absl::StatusOr<std::string> TokenSource::Token() {
  absl::StatusOr<Issued> current = Current();
  if (!current.ok()) return current.status();
  return std::move(current->token);
}

absl::StatusOr<CallAuthorization> TokenSource::AuthorizationFor(
    absl::string_view authority, absl::string_view method_path) {
  absl::StatusOr<Issued> current = Current();
  if (!current.ok()) return current.status();
  CallAuthorization call;
  if (!current->dpop) {
    call.authorization = "Bearer " + current->token;
    return call;
  }
  absl::StatusOr<std::string> proof =
      Proof(authority, method_path, current->token);
  if (!proof.ok()) return proof.status();
  call.authorization = "DPoP " + current->token;
  call.dpop = *std::move(proof);
  return call;
}

bool TokenSource::dpop_bound() const {
  absl::MutexLock lock(&mu_);
  return dpop_;
}

absl::StatusOr<TokenSource::Issued> TokenSource::Current() {
  absl::MutexLock lock(&mu_);
  for (;;) {
    const absl::Time now = clock_->Now();
    const bool valid = !token_.empty() && now < expires_at_;
    if (valid && now < expires_at_ - options_.refresh_ahead)
      return Issued{token_, expires_at_, dpop_};
    if (requesting_) {
      // Someone is already asking: use the current token if it still works,
      // else wait for the answer.
      if (valid) return Issued{token_, expires_at_, dpop_};
      mu_.Await(absl::Condition(
          +[](bool* requesting) { return !*requesting; }, &requesting_));
      continue;
    }
    if (!last_error_.ok() && now - failed_at_ < options_.retry_pause) {
      // The last request failed moments ago: no new one yet.
      if (valid) return Issued{token_, expires_at_, dpop_};
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
      dpop_ = issued->dpop;
      last_error_ = absl::OkStatus();
      return Issued{token_, expires_at_, dpop_};
    }
    last_error_ = issued.status();
    failed_at_ = clock_->Now();
    if (valid)
      return Issued{token_, expires_at_,
                    dpop_};  // Refreshing ahead failed; this one still works.
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
  // `service_url`: "https://<authority>/<pkg.Service>" (gRPC drops a
  // default :443); `method_name`: "<Method>".
  grpc::Status GetMetadata(
      grpc::string_ref service_url, grpc::string_ref method_name,
      const grpc::AuthContext&,
      std::multimap<grpc::string, grpc::string>* metadata) override {
    absl::string_view url(service_url.data(), service_url.size());
    const size_t scheme = url.find("://");
    if (scheme != absl::string_view::npos) url.remove_prefix(scheme + 3);
    const size_t slash = url.find('/');
    const absl::string_view authority = url.substr(0, slash);
    const std::string path =
        slash == absl::string_view::npos
            ? ""
            : absl::StrCat(
                  url.substr(slash), "/",
                  absl::string_view(method_name.data(), method_name.size()));
    absl::StatusOr<CallAuthorization> call =
        tokens_->AuthorizationFor(authority, path);
    if (!call.ok()) {
      return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                          std::string(call.status().message()));
    }
    metadata->insert({"authorization", call->authorization});
    if (!call->dpop.empty()) metadata->insert({"dpop", call->dpop});
    return grpc::Status::OK;
  }

 private:
  const std::shared_ptr<TokenSource> tokens_;
};

class TokenInterceptor final : public grpc::experimental::Interceptor {
 public:
  TokenInterceptor(TokenSource* tokens, const std::string* authority,
                   std::string method)
      : tokens_(tokens), authority_(authority), method_(std::move(method)) {}
  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::
                PRE_SEND_INITIAL_METADATA)) {
      absl::StatusOr<CallAuthorization> call =
          tokens_->AuthorizationFor(*authority_, method_);
      if (call.ok()) {
        auto* metadata = methods->GetSendInitialMetadata();
        metadata->insert({"authorization", call->authorization});
        if (!call->dpop.empty()) metadata->insert({"dpop", call->dpop});
      }
    }
    methods->Proceed();
  }

 private:
  TokenSource* const tokens_;
  const std::string* const authority_;  // The factory's.
  const std::string method_;
};

class TokenInterceptorFactory final
    : public grpc::experimental::ClientInterceptorFactoryInterface {
 public:
  TokenInterceptorFactory(std::shared_ptr<TokenSource> tokens,
                          std::string authority)
      : tokens_(std::move(tokens)), authority_(std::move(authority)) {}
  grpc::experimental::Interceptor* CreateClientInterceptor(
      grpc::experimental::ClientRpcInfo* info) override {
    return new TokenInterceptor(
        tokens_.get(), &authority_,
        info->method() != nullptr ? info->method() : "");
  }

 private:
  const std::shared_ptr<TokenSource> tokens_;
  const std::string authority_;
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
  // gRPC's :authority for "dns:///host:port" and "host:port" targets.
  absl::string_view authority = target;
  absl::ConsumePrefix(&authority, "dns:///");
  interceptors.push_back(std::make_unique<TokenInterceptorFactory>(
      std::move(tokens), std::string(authority)));
  return grpc::experimental::CreateCustomChannelWithInterceptors(
      target, credentials, args, std::move(interceptors));
}

}  // namespace identity::interceptor
