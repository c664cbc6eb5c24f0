#include "server/grpc/client_credentials_metadata.h"

namespace identity::server {
namespace {

std::optional<std::string> Field(absl::string_view value) {
  if (value.empty()) return std::nullopt;
  return std::string(value);
}

}  // namespace

absl::string_view AuthorizationMetadata(
    const grpc::ServerContextBase& context) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find("authorization");
  if (it == metadata.end()) return absl::string_view();
  return absl::string_view(it->second.data(), it->second.size());
}

absl::StatusOr<ClientCredentials> CallCredentials(
    const grpc::ServerContextBase& context, absl::string_view field_client_id,
    absl::string_view field_client_secret,
    absl::string_view field_client_assertion_type,
    absl::string_view field_client_assertion) {
  return ResolveClientCredentials(
      {AuthorizationMetadata(context), Field(field_client_id),
       Field(field_client_secret), Field(field_client_assertion_type),
       Field(field_client_assertion)});
}

}  // namespace identity::server
