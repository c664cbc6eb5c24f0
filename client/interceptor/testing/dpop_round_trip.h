// Test-only: DPoP-bound tokens of a TokenSource used end to end. A resource
// server (KeyService/RotateKeys, whose handler records the caller's DPoP
// key thumbprint) on 127.0.0.1 behind the interceptor's credentials, which
// require DPoP and trust `validator` (the issuer's tokens), is called `calls`
// times through TokenCallCredentials on a TLS channel and `calls` times
// through CreateChannelWithTokens on a plaintext one. Every call must pass
// (so each carries a fresh proof: the replay cache refuses a reused jti).
//
// For an end-to-end test against identity-server: a TokenSource over a
// channel to the server with a dpop_key and issuer_authority, and a
// JwksTokenValidator over the server's keys (KeyService/GetJwks).
#ifndef IDENTITY_CLIENT_INTERCEPTOR_TESTING_DPOP_ROUND_TRIP_H_
#define IDENTITY_CLIENT_INTERCEPTOR_TESTING_DPOP_ROUND_TRIP_H_

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "client/interceptor/call_authorizer.h"
#include "client/interceptor/dpop_check.h"
#include "client/interceptor/server_credentials.h"
#include "client/interceptor/testing/self_signed_cert.h"
#include "client/interceptor/token_source.h"
#include "identity/v1/keys.grpc.pb.h"

namespace identity::interceptor::testing {

// RotateKeys records the thumbprint of each caller's DPoP key.
class DpopRecordingService final : public v1::KeyService::Service {
 public:
  explicit DpopRecordingService(const CallAuthorizer* authorizer)
      : authorizer_(authorizer) {}
  grpc::Status RotateKeys(grpc::ServerContext* context,
                          const v1::RotateKeysRequest*,
                          v1::RotateKeysResponse*) override {
    auto caller = VerifiedCaller(*context, *authorizer_);
    if (!caller.ok()) return grpc::Status(grpc::StatusCode::INTERNAL, "caller");
    auto jkt = (*caller)->DpopJkt();
    absl::MutexLock lock(&mu_);
    ++runs_;
    last_jkt_ = jkt.ok() && jkt->has_value() ? **jkt : "";
    return grpc::Status::OK;
  }
  int runs() const {
    absl::MutexLock lock(&mu_);
    return runs_;
  }
  std::string last_jkt() const {
    absl::MutexLock lock(&mu_);
    return last_jkt_;
  }

 private:
  const CallAuthorizer* const authorizer_;
  mutable absl::Mutex mu_;
  int runs_ ABSL_GUARDED_BY(mu_) = 0;
  std::string last_jkt_ ABSL_GUARDED_BY(mu_);
};

// The thumbprint the handler saw, or the first failed call's status.
inline absl::StatusOr<std::string> DpopRoundTrip(
    std::shared_ptr<const TokenValidator> validator,
    std::shared_ptr<TokenSource> tokens, int calls) {
  DpopOptions options;
  options.require = true;
  auto checker = DpopChecker::Create(options, jwt::Clock::Real());
  if (!checker.ok()) return checker.status();
  auto authorizer = std::make_shared<const CallAuthorizer>(
      MethodPolicy::RequireTokenByDefault(), std::move(validator), nullptr,
      nullptr, *checker);
  DpopRecordingService service(authorizer.get());
  const auto pair = SelfSignedLocalhost();
  grpc::SslServerCredentialsOptions tls;
  tls.pem_key_cert_pairs.push_back(pair);
  grpc::ServerBuilder builder;
  int tls_port = 0;
  int plain_port = 0;
  builder.AddListeningPort(
      "127.0.0.1:0", AuthorizingServerCredentials(authorizer, tls), &tls_port);
  builder.AddListeningPort(
      "127.0.0.1:0", AuthorizingServerCredentials(authorizer), &plain_port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || tls_port == 0 || plain_port == 0) {
    return absl::InternalError("the resource server did not start");
  }
  grpc::SslCredentialsOptions client;
  client.pem_root_certs = pair.cert_chain;
  grpc::ChannelArguments args;
  args.SetSslTargetNameOverride("localhost");
  auto secure = v1::KeyService::NewStub(grpc::CreateCustomChannel(
      absl::StrCat("127.0.0.1:", tls_port),
      grpc::CompositeChannelCredentials(grpc::SslCredentials(client),
                                        TokenCallCredentials(tokens)),
      args));
  auto plain = v1::KeyService::NewStub(
      CreateChannelWithTokens(absl::StrCat("127.0.0.1:", plain_port),
                              grpc::InsecureChannelCredentials(), tokens));
  absl::Status failed;
  for (int i = 0; i < 2 * calls && failed.ok(); ++i) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(10));
    v1::RotateKeysRequest request;
    v1::RotateKeysResponse response;
    const grpc::Status status =
        (i % 2 == 0 ? secure : plain)->RotateKeys(&context, request, &response);
    if (!status.ok()) {
      failed =
          absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                       absl::StrCat(i % 2 == 0 ? "TLS" : "plaintext", " call ",
                                    i / 2, ": ", status.error_message()));
    }
  }
  server->Shutdown();
  if (!failed.ok()) return failed;
  if (service.runs() != 2 * calls) {
    return absl::InternalError("not every call reached the handler");
  }
  return service.last_jkt();
}

}  // namespace identity::interceptor::testing

#endif  // IDENTITY_CLIENT_INTERCEPTOR_TESTING_DPOP_ROUND_TRIP_H_
