#include "server/grpc/key_service.h"

#include <optional>
#include <string>

#include "jwt/algorithm.h"
#include "jwt/json.h"
#include "server/grpc/status_mapping.h"
#include "server/grpc/timestamp.h"

namespace identity::server {
namespace {

v1::KeyState ToProto(storage::KeyState state) {
  switch (state) {
    case storage::KeyState::kNext:
      return v1::KEY_STATE_NEXT;
    case storage::KeyState::kCurrent:
      return v1::KEY_STATE_CURRENT;
    case storage::KeyState::kRetired:
      return v1::KEY_STATE_RETIRED;
  }
  return v1::KEY_STATE_UNSPECIFIED;
}

void ToProto(const storage::SigningKeyRecord& key, v1::KeyInfo* out) {
  out->set_kid(key.kid);
  out->set_alg(key.alg);
  out->set_state(ToProto(key.state));
  *out->mutable_created_at() = ToTimestamp(key.created_at);
  if (key.activated_at) {
    *out->mutable_activated_at() = ToTimestamp(*key.activated_at);
  }
  if (key.retired_at) *out->mutable_retired_at() = ToTimestamp(*key.retired_at);
  if (key.remove_at) *out->mutable_remove_at() = ToTimestamp(*key.remove_at);
}

}  // namespace

grpc::ServerUnaryReactor* KeyServiceImpl::GetJwks(
    grpc::CallbackServerContext* context, const v1::GetJwksRequest*,
    v1::GetJwksResponse* response) {
  // Held: the keys below are read from it.
  const std::shared_ptr<const KeySnapshot> snapshot = keys_->snapshot();
  response->set_jwks_json(snapshot->public_jwks_json);
  for (const jwt::Json& key : snapshot->public_jwks["keys"]) {
    v1::PublicJwk* out = response->add_keys();
    const auto text = [&key](const char* name) {
      auto it = key.find(name);
      return it != key.end() && it->is_string() ? it->get<std::string>()
                                                : std::string();
    };
    out->set_kid(text("kid"));
    out->set_kty(text("kty"));
    out->set_alg(text("alg"));
    out->set_use(text("use"));
    out->set_crv(text("crv"));
    out->set_x(text("x"));
    out->set_y(text("y"));
    out->set_n(text("n"));
    out->set_e(text("e"));
  }
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerUnaryReactor* KeyServiceImpl::ListKeys(
    grpc::CallbackServerContext* context, const v1::ListKeysRequest*,
    v1::ListKeysResponse* response) {
  return RunUnary(context, pool_.get(), /*may_block=*/true,
                  [this, response] { return DoListKeys(response); });
}

grpc::ServerUnaryReactor* KeyServiceImpl::RotateKeys(
    grpc::CallbackServerContext* context, const v1::RotateKeysRequest* request,
    v1::RotateKeysResponse* response) {
  return RunUnary(
      context, pool_.get(), /*may_block=*/true,
      [this, request, response] { return DoRotateKeys(*request, response); });
}

grpc::Status KeyServiceImpl::DoListKeys(v1::ListKeysResponse* response) const {
  // The snapshot's records carry no private parts; they are at most one
  // refresh interval old, so reload first for an exact answer.
  if (absl::Status s = keys_->Refresh(); !s.ok()) return ToGrpcStatus(s);
  const std::shared_ptr<const KeySnapshot> snapshot = keys_->snapshot();
  for (const storage::SigningKeyRecord& key : snapshot->keys) {
    ToProto(key, response->add_keys());
  }
  return grpc::Status::OK;
}

grpc::Status KeyServiceImpl::DoRotateKeys(
    const v1::RotateKeysRequest& request,
    v1::RotateKeysResponse* response) const {
  std::optional<jwt::Algorithm> alg;
  if (!request.alg().empty()) {
    alg = jwt::AlgorithmFromName(request.alg());
    if (!alg.has_value()) {
      return ToGrpcStatus(absl::InvalidArgumentError(
          "alg: not a JWS algorithm this server knows"));
    }
  }
  if (absl::Status s = keys_->RotateNow(alg); !s.ok()) {
    if (s.code() == absl::StatusCode::kAborted) {
      s = absl::AbortedError(
          "another replica rotated the keys at the same moment; the keys "
          "have rotated once, call again to rotate once more");
    }
    return ToGrpcStatus(s);
  }
  const std::shared_ptr<const KeySnapshot> snapshot = keys_->snapshot();
  const std::string shown(
      jwt::AlgorithmName(alg.value_or(snapshot->signing.front().algorithm)));
  for (const storage::SigningKeyRecord& key : snapshot->keys) {
    if (key.state == storage::KeyState::kRetired) continue;
    ToProto(key, response->add_signing_keys());
    if (key.alg != shown) continue;
    ToProto(key, key.state == storage::KeyState::kCurrent
                     ? response->mutable_current()
                     : response->mutable_next());
  }
  return grpc::Status::OK;
}

}  // namespace identity::server
