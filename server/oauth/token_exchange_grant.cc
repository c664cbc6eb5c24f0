#include "server/oauth/token_exchange_grant.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "jwt/base64url.h"
#include "server/oauth/client_registry.h"
#include "server/oauth/oauth_error.h"
#include "server/oauth/resource_indicators.h"
#include "server/oauth/scope.h"
#include "server/oauth/token_binding.h"

namespace identity::server {
namespace {

constexpr char kActClaim[] = "act";

absl::Status InvalidRequest(absl::string_view message) {
  return OAuthFailure(OAuthError::kInvalidRequest, message);
}

// RFC 8693 §2.2.2: a subject or actor token that is invalid for any reason
// (bad signature, expired, revoked, not an access token of this server) or
// unacceptable by policy is invalid_request (not RFC 6749's invalid_grant).
absl::Status Unacceptable(absl::string_view message) {
  return OAuthFailure(OAuthError::kInvalidRequest, message);
}

bool Contains(const std::vector<std::string>& values, absl::string_view v) {
  return std::find(values.begin(), values.end(), v) != values.end();
}

// RFC 8693 §2.1 and §2.2.2: what the request must carry before anything is
// looked up.
absl::Status CheckRequestSyntax(const TokenRequestFields& r) {
  const std::string wanted = absl::StrCat(" must be ", kAccessTokenType);
  if (r.subject_token.empty()) {
    return InvalidRequest("subject_token is required");
  }
  if (r.subject_token_type != kAccessTokenType) {
    return InvalidRequest(absl::StrCat("subject_token_type", wanted));
  }
  if (r.actor_token.empty() != r.actor_token_type.empty()) {
    return InvalidRequest(
        "actor_token and actor_token_type go together (RFC 8693 §2.1)");
  }
  if (!r.actor_token.empty() && r.actor_token_type != kAccessTokenType) {
    return InvalidRequest(absl::StrCat("actor_token_type", wanted));
  }
  // §2.2.2: a requested type the server cannot issue is invalid_request.
  if (!r.requested_token_type.empty() &&
      r.requested_token_type != kAccessTokenType) {
    return InvalidRequest(absl::StrCat("requested_token_type", wanted));
  }
  // RFC 8707 resources are not yet a target of exchange: refused rather
  // than ignored, so no token goes to a default audience it did not ask for.
  if (!r.resource.empty()) {
    return OAuthFailure(OAuthError::kInvalidTarget,
                        "token exchange takes audience, not resource");
  }
  for (const std::string& audience : r.audience) {
    if (audience.empty()) return InvalidRequest("an audience value is empty");
  }
  // RFC 9700 §2.3 (audience restriction): a token for several audiences
  // would be accepted by each; RFC 8693 §2.1 allows several but requires
  // none, and §2.2.2 names invalid_target for a target the server will not
  // issue for.
  if (r.audience.size() > 1) {
    return OAuthFailure(OAuthError::kInvalidTarget,
                        "one audience per exchanged token");
  }
  return absl::OkStatus();
}

// `token` as a live access token of this server; `which` names it in the
// error ("subject_token", "actor_token").
absl::StatusOr<jwt::VerifiedJwt> LiveAccessToken(const OwnAccessTokens& tokens,
                                                 absl::string_view token,
                                                 absl::string_view which) {
  auto verified = tokens.Check(token);
  if (!verified.ok()) {
    if (OAuthErrorOf(verified.status()) != OAuthError::kInvalidToken) {
      return verified.status();  // The store's (Unavailable).
    }
    return Unacceptable(
        absl::StrCat(which, " is not a valid access token: ",
                     OwnAccessTokens::ReasonOf(verified.status())));
  }
  // RFC 9068 §2.2: sub and exp are required (the verifier requires exp).
  if (!verified->claims.sub.has_value() || verified->claims.sub->empty()) {
    return Unacceptable(absl::StrCat(which, " has no sub"));
  }
  return verified;
}

// RFC 9449: an exchange never loosens a DPoP binding. A bound subject token
// becomes a token bound to the exchanging client's key, never a Bearer one
// (else whoever steals a bound token and may exchange unbinds it); a bound
// actor token, the client's own, is presented with a proof by its key.
absl::Status KeepsTheBinding(const TokenRequestFields& request,
                             const jwt::VerifiedJwt& subject,
                             const std::optional<jwt::VerifiedJwt>& actor) {
  if (!ConfirmedJkt(subject.claims).empty() && request.dpop_jkt.empty()) {
    return Unacceptable(
        "subject_token is DPoP-bound: exchange it with a DPoP proof");
  }
  if (actor.has_value()) {
    const std::string actor_jkt = ConfirmedJkt(actor->claims);
    if (!actor_jkt.empty() && actor_jkt != request.dpop_jkt) {
      return Unacceptable(
          "actor_token is DPoP-bound: send a DPoP proof made with its key");
    }
  }
  return absl::OkStatus();
}

// RFC 8693 §1.1: who acts. nullopt: impersonation; else the actor's "sub".
absl::StatusOr<std::optional<std::string>> ChooseActor(
    const storage::ClientRecord& client,
    const std::optional<jwt::VerifiedJwt>& actor) {
  const storage::TokenExchangePolicy& policy = client.token_exchange;
  if (actor.has_value()) {
    if (!policy.delegation) {
      return OAuthFailure(OAuthError::kUnauthorizedClient,
                          "the client may not exchange tokens by delegation");
    }
    return std::optional<std::string>(*actor->claims.sub);
  }
  if (policy.impersonation) return std::optional<std::string>();
  if (policy.delegation) return std::optional<std::string>(client.client_id);
  return OAuthFailure(OAuthError::kUnauthorizedClient,
                      "the client may not exchange tokens");
}

// The audience of the new token: the requested one, in the client's policy
// (RFC 8693 §2.2.2 invalid_target), or without one the server's default,
// but only for a subject token of the default audience: one for another
// audience (a resource's) is never retargeted to the default, which would
// reach services the subject's token could not.
absl::StatusOr<std::string> GrantAudience(
    const std::vector<std::string>& requested,
    const storage::TokenExchangePolicy& policy, const jwt::Claims& subject,
    const std::string& default_audience) {
  if (requested.empty()) {
    if (subject.aud != std::vector<std::string>{default_audience}) {
      return OAuthFailure(
          OAuthError::kInvalidTarget,
          "the subject token is for another audience than the default: name "
          "the audience");
    }
    return default_audience;
  }
  if (!Contains(policy.audiences, requested.front())) {
    return OAuthFailure(
        OAuthError::kInvalidTarget,
        "an audience is not among those the client may request");
  }
  return requested.front();
}

// The scopes of the new token: the requested ones (default: all) within
// both the subject token's and the client's (RFC 8693 §2.1 scope; an
// exchange never widens what the subject granted).
absl::StatusOr<std::vector<std::string>> GrantExchangeScopes(
    absl::string_view requested_text, const jwt::Claims& subject,
    const storage::ClientRecord& client) {
  auto requested = ParseScope(requested_text);
  if (!requested.ok()) return requested.status();
  auto held = ParseScope(subject.GetString("scope").value_or(""));
  if (!held.ok()) return Unacceptable("subject_token has a malformed scope");
  std::vector<std::string> ceiling;
  for (const std::string& scope : *held) {
    if (Contains(client.allowed_scopes, scope)) ceiling.push_back(scope);
  }
  if (requested->empty()) return ceiling;
  for (const std::string& scope : *requested) {
    if (!Contains(ceiling, scope)) {
      return OAuthFailure(OAuthError::kInvalidScope,
                          absl::StrCat("scope \"", scope,
                                       "\" is beyond the subject token's or "
                                       "the client's scopes"));
    }
  }
  return requested;
}

// The "act" claim of the new token (RFC 8693 §4.1), or a null Json for
// none: {"sub": actor} over the subject's chain for delegation; the
// subject's chain unchanged for impersonation.
absl::StatusOr<jwt::Json> ActClaim(const jwt::Claims& subject,
                                   const std::optional<std::string>& actor) {
  auto depth = ActorChainDepth(subject);
  if (!depth.ok()) return depth.status();
  const auto prior = subject.other.find(kActClaim);
  jwt::Json act;  // null
  if (prior != subject.other.end()) act = *prior;
  if (!actor.has_value()) return act;
  if (*depth + 1 > kMaxActorChainDepth) {
    return Unacceptable(absl::StrCat("the delegation chain would exceed ",
                                     kMaxActorChainDepth, " actors"));
  }
  jwt::Json outer = jwt::Json::object();
  outer["sub"] = *actor;
  if (!act.is_null()) outer[kActClaim] = std::move(act);
  return outer;
}

}  // namespace

absl::StatusOr<int> ActorChainDepth(const jwt::Claims& claims) {
  auto level = claims.other.find(kActClaim);
  const jwt::Json* end_of = &claims.other;
  int depth = 0;
  while (level != end_of->end()) {
    if (!level->is_object()) return Unacceptable("an act claim is malformed");
    const auto sub = level->find("sub");
    if (sub == level->end() || !sub->is_string()) {
      return Unacceptable("an act claim has no string sub");
    }
    if (++depth > kMaxActorChainDepth) {
      return Unacceptable(absl::StrCat("the delegation chain exceeds ",
                                       kMaxActorChainDepth, " actors"));
    }
    end_of = &*level;
    level = end_of->find(kActClaim);
  }
  return depth;
}

absl::Status TokenExchangeGrant::NarrowToRegisteredResource(
    absl::string_view audience, std::vector<std::string>& scopes) const {
  if (resources_ == nullptr) return absl::OkStatus();
  auto resource = resources_->GetResource(audience);
  if (resource.status().code() == absl::StatusCode::kNotFound) {
    return absl::OkStatus();  // Not a resource: the policy is the bound.
  }
  if (!resource.ok()) return resource.status();
  auto narrowed = NarrowToResource(scopes, *resource);
  if (!narrowed.ok()) return narrowed.status();
  scopes = *std::move(narrowed);
  return absl::OkStatus();
}

absl::StatusOr<IssuedToken> TokenExchangeGrant::Exchange(
    const TokenRequestFields& request) const {
  // Syntax first: a malformed request fails before any storage call.
  if (absl::Status s = CheckRequestSyntax(request); !s.ok()) return s;
  if (auto scope = ParseScope(request.scope); !scope.ok()) {
    return scope.status();
  }
  auto client =
      authenticator_->Authenticate(request.client_id, request.client_secret,
                                   request.source, request.client_assertion);
  if (!client.ok()) return client.status();
  if (!AllowsGrant(*client, kTokenExchangeGrantType)) {
    return OAuthFailure(OAuthError::kUnauthorizedClient,
                        "the client may not use token exchange");
  }
  auto subject =
      LiveAccessToken(*access_tokens_, request.subject_token, "subject_token");
  if (!subject.ok()) return subject.status();
  std::optional<jwt::VerifiedJwt> actor_token;
  if (!request.actor_token.empty()) {
    auto checked =
        LiveAccessToken(*access_tokens_, request.actor_token, "actor_token");
    if (!checked.ok()) return checked.status();
    if (checked->claims.GetString("client_id") != client->client_id) {
      return Unacceptable("actor_token was issued to another client");
    }
    actor_token = *std::move(checked);
  }
  if (absl::Status s = KeepsTheBinding(request, *subject, actor_token);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = ConfirmClient(request, *client); !s.ok()) return s;
  auto actor = ChooseActor(*client, actor_token);
  if (!actor.ok()) return actor.status();
  auto act = ActClaim(subject->claims, *actor);
  if (!act.ok()) return act.status();
  auto audience = GrantAudience(request.audience, client->token_exchange,
                                subject->claims, options_.audience);
  if (!audience.ok()) return audience.status();
  auto scopes = GrantExchangeScopes(request.scope, subject->claims, *client);
  if (!scopes.ok()) return scopes.status();
  if (absl::Status s = NarrowToRegisteredResource(*audience, *scopes);
      !s.ok()) {
    return s;
  }

  // Never outlive what it was exchanged for.
  const int64_t now = absl::ToUnixSeconds(access_tokens_->clock()->Now());
  int64_t exp =
      std::min(now + absl::ToInt64Seconds(options_.access_token_lifetime),
               *subject->claims.exp);
  if (actor_token.has_value()) exp = std::min(exp, *actor_token->claims.exp);
  if (exp <= now) return Unacceptable("subject_token or actor_token expired");

  jwt::Claims claims;
  claims.iss = options_.issuer;
  claims.sub = subject->claims.sub;
  claims.aud = {*std::move(audience)};
  claims.iat = now;
  claims.exp = exp;
  claims.jti = jwt::Base64UrlEncode(RandomBytes(random_, 16));
  claims.other["client_id"] = client->client_id;
  const std::string scope = absl::StrJoin(*scopes, " ");
  if (!scope.empty()) claims.other["scope"] = scope;
  if (auto auth_time = subject->claims.other.find("auth_time");
      auth_time != subject->claims.other.end()) {
    claims.other["auth_time"] = *auth_time;
  }
  if (!act->is_null()) claims.other[kActClaim] = *std::move(act);
  AddConfirmation(claims, request.dpop_jkt);
  auto token = keys_->snapshot()->signer->Sign(claims);
  if (!token.ok()) return token.status();
  IssuedToken issued;
  issued.access_token = *std::move(token);
  issued.expires_in = exp - now;
  issued.scope = scope;
  issued.issued_token_type = kAccessTokenType;
  return issued;
}

}  // namespace identity::server
