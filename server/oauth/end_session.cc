#include "server/oauth/end_session.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "jwt/claims.h"
#include "jwt/jws.h"
#include "server/oauth/client_registry.h"
#include "server/oauth/oauth_error.h"
#include "server/oauth/redirect_uri.h"

namespace identity::server {
namespace {

constexpr size_t kMaxState = 1024;

absl::Status Refused(absl::string_view message) {
  return OAuthFailure(OAuthError::kInvalidRequest, message);
}

bool Contains(const std::vector<std::string>& values, absl::string_view v) {
  return std::find(values.begin(), values.end(), v) != values.end();
}

}  // namespace

absl::Status EndSessionEndpoint::CheckHint(
    absl::string_view hint, EndSessionPlan& plan,
    std::vector<std::string>& audiences) const {
  const absl::Status invalid =
      Refused("id_token_hint is not an ID token this server issued");
  auto jws = jwt::Jws::Parse(hint);
  if (!jws.ok()) return invalid;
  // Not an access token: RFC 9068 §4 tokens say "at+jwt"; ID tokens "JWT".
  if (jws->header().typ.has_value() &&
      absl::AsciiStrToLower(*jws->header().typ) != "jwt") {
    return invalid;
  }
  auto key =
      jwt::VerifyJws(*jws, *keys_->snapshot()->jwks, ServerSigningAlgorithms());
  if (!key.ok()) return invalid;
  auto claims = jwt::Claims::Parse(jws->payload());
  // RP-Initiated Logout §2: the hint's expiry does not matter; its issuer,
  // subject and audience do.
  if (!claims.ok() || claims->iss != issuer_ || !claims->sub.has_value() ||
      claims->aud.empty()) {
    return invalid;
  }
  plan.has_hint = true;
  plan.hint_sub = *claims->sub;
  if (auto sid = claims->other.find("sid");
      sid != claims->other.end() && sid->is_string()) {
    plan.hint_sid = sid->get<std::string>();
  }
  audiences = claims->aud;
  if (auto azp = claims->other.find("azp");
      azp != claims->other.end() && azp->is_string()) {
    audiences = {azp->get<std::string>()};
  }
  return absl::OkStatus();
}

absl::StatusOr<EndSessionPlan> EndSessionEndpoint::Validate(
    const EndSessionRequest& request) const {
  EndSessionPlan plan;
  std::vector<std::string> audiences;
  if (!request.id_token_hint.empty()) {
    if (absl::Status s = CheckHint(request.id_token_hint, plan, audiences);
        !s.ok()) {
      return s;
    }
  }
  if (!request.client_id.empty()) {
    if (plan.has_hint && !Contains(audiences, request.client_id)) {
      return Refused("client_id is not the audience of id_token_hint");
    }
    plan.client_id = request.client_id;
  } else if (audiences.size() == 1) {
    plan.client_id = audiences.front();
  }
  if (request.post_logout_redirect_uri.empty()) return plan;
  if (plan.client_id.empty() || !IsValidClientId(plan.client_id)) {
    return Refused("post_logout_redirect_uri needs client_id or id_token_hint");
  }
  auto client = clients_->GetClient(plan.client_id);
  if (client.status().code() == absl::StatusCode::kNotFound) {
    return Refused("unknown client_id");
  }
  if (!client.ok()) return client.status();
  // §3: exact match against the registered values (as redirect_uri).
  if (!Contains(client->post_logout_redirect_uris,
                request.post_logout_redirect_uri)) {
    return Refused(
        "post_logout_redirect_uri is not one registered for this client");
  }
  if (request.state.size() > kMaxState) return Refused("state is too long");
  std::vector<std::pair<std::string, std::string>> parameters;
  if (!request.state.empty()) parameters.emplace_back("state", request.state);
  plan.redirect_url = AppendQuery(request.post_logout_redirect_uri, parameters);
  return plan;
}

bool EndSessionEndpoint::NeedsConfirmation(
    const EndSessionPlan& plan,
    const std::optional<storage::SessionRecord>& session) const {
  if (!session.has_value()) return false;  // Nothing to end.
  if (!plan.has_hint || plan.hint_sub != session->user_id) return true;
  return !plan.hint_sid.empty() && plan.hint_sid != session->sid;
}

absl::Status EndSessionEndpoint::End(
    const storage::SessionRecord& session) const {
  auto ended = sessions_->End(session.sid);
  if (ended.ok() ||
      ended.status().code() == absl::StatusCode::kFailedPrecondition ||
      ended.status().code() == absl::StatusCode::kNotFound) {
    return absl::OkStatus();
  }
  return ended.status();
}

}  // namespace identity::server
