#include "client/interceptor/key_source.h"

#include <grpcpp/grpcpp.h>

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "identity/v1/keys.grpc.pb.h"

namespace identity::interceptor {
namespace {

class KeyServiceFetcher final : public JwksFetcher {
 public:
  KeyServiceFetcher(std::shared_ptr<grpc::Channel> channel,
                    absl::Duration timeout)
      : stub_(v1::KeyService::NewStub(std::move(channel))), timeout_(timeout) {}

  absl::StatusOr<std::string> Fetch() override {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + timeout_));
    v1::GetJwksResponse response;
    const grpc::Status status =
        stub_->GetJwks(&context, v1::GetJwksRequest(), &response);
    if (!status.ok()) {
      return absl::Status(
          static_cast<absl::StatusCode>(status.error_code()),
          absl::StrCat("KeyService.GetJwks: ", status.error_message()));
    }
    return response.jwks_json();
  }

 private:
  const std::unique_ptr<v1::KeyService::Stub> stub_;
  const absl::Duration timeout_;
};

class FileFetcher final : public JwksFetcher {
 public:
  explicit FileFetcher(std::string path) : path_(std::move(path)) {}

  absl::StatusOr<std::string> Fetch() override {
    std::ifstream in(path_, std::ios::binary);
    if (!in) return absl::UnavailableError(absl::StrCat("cannot read ", path_));
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

 private:
  const std::string path_;
};

// One overload per alternative of KeySource, for std::visit.
struct FetcherFor {
  absl::string_view issuer;

  absl::StatusOr<std::unique_ptr<JwksFetcher>> operator()(
      const KeyServiceKeys& keys) const {
    if (keys.address.empty()) {
      return absl::InvalidArgumentError("KeyServiceKeys: address is empty");
    }
    if (keys.timeout <= absl::ZeroDuration()) {
      return absl::InvalidArgumentError(
          "KeyServiceKeys: timeout must be positive");
    }
    return KeyServiceJwksFetcher(
        grpc::CreateChannel(keys.address,
                            keys.credentials != nullptr
                                ? keys.credentials
                                : grpc::InsecureChannelCredentials()),
        keys.timeout);
  }
  absl::StatusOr<std::unique_ptr<JwksFetcher>> operator()(
      const JwksFileKeys& keys) const {
    if (keys.path.empty()) {
      return absl::InvalidArgumentError("JwksFileKeys: path is empty");
    }
    return FileJwksFetcher(keys.path);
  }
  absl::StatusOr<std::unique_ptr<JwksFetcher>> operator()(
      const JwksUriKeys& keys) const {
    if (keys.uri.empty()) {
      return absl::InvalidArgumentError("JwksUriKeys: uri is empty");
    }
    return absl::UnimplementedError(
        "JwksUriKeys: keys over HTTPS are not implemented yet; use "
        "KeyServiceKeys or JwksFileKeys");
  }
  absl::StatusOr<std::unique_ptr<JwksFetcher>> operator()(
      const OidcDiscoveryKeys&) const {
    return absl::UnimplementedError(absl::StrCat(
        "OidcDiscoveryKeys for \"", issuer,
        "\": discovery is not implemented yet; use KeyServiceKeys or "
        "JwksFileKeys"));
  }
};

}  // namespace

std::unique_ptr<JwksFetcher> KeyServiceJwksFetcher(
    std::shared_ptr<grpc::Channel> channel, absl::Duration timeout) {
  return std::make_unique<KeyServiceFetcher>(std::move(channel), timeout);
}

std::unique_ptr<JwksFetcher> FileJwksFetcher(std::string path) {
  return std::make_unique<FileFetcher>(std::move(path));
}

absl::StatusOr<std::unique_ptr<JwksFetcher>> CreateJwksFetcher(
    const KeySource& source, absl::string_view issuer) {
  return std::visit(FetcherFor{issuer}, source);
}

}  // namespace identity::interceptor
