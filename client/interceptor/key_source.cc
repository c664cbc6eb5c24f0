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

  absl::StatusOr<FetchedJwks> Fetch() override {
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
    return FetchedJwks{response.jwks_json()};
  }

 private:
  const std::unique_ptr<v1::KeyService::Stub> stub_;
  const absl::Duration timeout_;
};

class FileFetcher final : public JwksFetcher {
 public:
  explicit FileFetcher(std::string path) : path_(std::move(path)) {}

  absl::StatusOr<FetchedJwks> Fetch() override {
    std::ifstream in(path_, std::ios::binary);
    if (!in) return absl::UnavailableError(absl::StrCat("cannot read ", path_));
    std::stringstream text;
    text << in.rdbuf();
    return FetchedJwks{text.str()};
  }

 private:
  const std::string path_;
};

}  // namespace

std::unique_ptr<JwksFetcher> KeyServiceJwksFetcher(
    std::shared_ptr<grpc::Channel> channel, absl::Duration timeout) {
  return std::make_unique<KeyServiceFetcher>(std::move(channel), timeout);
}

std::unique_ptr<JwksFetcher> FileJwksFetcher(std::string path) {
  return std::make_unique<FileFetcher>(std::move(path));
}

}  // namespace identity::interceptor
