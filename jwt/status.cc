#include "jwt/status.h"

#include <string>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"

namespace identity::jwt {
namespace {

constexpr absl::string_view kPayloadUrl =
    "type.identity.dev/identity.jwt.Reason";

struct ReasonInfo {
  Reason reason;
  absl::string_view name;
  absl::StatusCode code;
};

// One row per reason (status_test.cc checks that none is missing).
constexpr ReasonInfo kReasons[] = {
    {Reason::kOk, "ok", absl::StatusCode::kOk},
    {Reason::kTokenTooLarge, "token_too_large",
     absl::StatusCode::kInvalidArgument},
    {Reason::kTokenMalformed, "token_malformed",
     absl::StatusCode::kInvalidArgument},
    {Reason::kBase64Invalid, "base64_invalid",
     absl::StatusCode::kInvalidArgument},
    {Reason::kJsonMalformed, "json_malformed",
     absl::StatusCode::kInvalidArgument},
    {Reason::kJsonInvalidUtf8, "json_invalid_utf8",
     absl::StatusCode::kInvalidArgument},
    {Reason::kJsonDuplicateMember, "json_duplicate_member",
     absl::StatusCode::kInvalidArgument},
    {Reason::kJsonNotObject, "json_not_object",
     absl::StatusCode::kInvalidArgument},
    {Reason::kHeaderInvalid, "header_invalid",
     absl::StatusCode::kInvalidArgument},
    {Reason::kAlgMissing, "alg_missing", absl::StatusCode::kInvalidArgument},
    {Reason::kAlgNone, "alg_none", absl::StatusCode::kUnauthenticated},
    {Reason::kAlgUnsupported, "alg_unsupported",
     absl::StatusCode::kUnauthenticated},
    {Reason::kAlgNotAllowed, "alg_not_allowed",
     absl::StatusCode::kUnauthenticated},
    {Reason::kCritUnsupported, "crit_unsupported",
     absl::StatusCode::kUnauthenticated},
    {Reason::kTypMissing, "typ_missing", absl::StatusCode::kUnauthenticated},
    {Reason::kTypMismatch, "typ_mismatch", absl::StatusCode::kUnauthenticated},
    {Reason::kKidRequired, "kid_required", absl::StatusCode::kUnauthenticated},
    {Reason::kKidUnknown, "kid_unknown", absl::StatusCode::kUnauthenticated},
    {Reason::kNoUsableKey, "no_usable_key", absl::StatusCode::kUnauthenticated},
    {Reason::kKeyAlgMismatch, "key_alg_mismatch",
     absl::StatusCode::kUnauthenticated},
    {Reason::kKeyUseMismatch, "key_use_mismatch",
     absl::StatusCode::kUnauthenticated},
    {Reason::kKeyNotPrivate, "key_not_private",
     absl::StatusCode::kFailedPrecondition},
    {Reason::kSignatureLengthInvalid, "signature_length_invalid",
     absl::StatusCode::kUnauthenticated},
    {Reason::kSignatureRangeInvalid, "signature_range_invalid",
     absl::StatusCode::kUnauthenticated},
    {Reason::kSignatureInvalid, "signature_invalid",
     absl::StatusCode::kUnauthenticated},
    {Reason::kClaimInvalid, "claim_invalid",
     absl::StatusCode::kUnauthenticated},
    {Reason::kExpMissing, "exp_missing", absl::StatusCode::kUnauthenticated},
    {Reason::kExpired, "expired", absl::StatusCode::kUnauthenticated},
    {Reason::kNotYetValid, "not_yet_valid", absl::StatusCode::kUnauthenticated},
    {Reason::kIssuedInFuture, "issued_in_future",
     absl::StatusCode::kUnauthenticated},
    {Reason::kIssuerMissing, "issuer_missing",
     absl::StatusCode::kUnauthenticated},
    {Reason::kIssuerMismatch, "issuer_mismatch",
     absl::StatusCode::kUnauthenticated},
    {Reason::kAudienceMissing, "audience_missing",
     absl::StatusCode::kUnauthenticated},
    {Reason::kAudienceMismatch, "audience_mismatch",
     absl::StatusCode::kUnauthenticated},
    {Reason::kDpopKeyInvalid, "dpop_key_invalid",
     absl::StatusCode::kUnauthenticated},
    {Reason::kDpopMethodMismatch, "dpop_htm_mismatch",
     absl::StatusCode::kUnauthenticated},
    {Reason::kDpopUriMismatch, "dpop_htu_mismatch",
     absl::StatusCode::kUnauthenticated},
    {Reason::kDpopProofTooOld, "dpop_proof_too_old",
     absl::StatusCode::kUnauthenticated},
    {Reason::kDpopAthMismatch, "dpop_ath_mismatch",
     absl::StatusCode::kUnauthenticated},
    {Reason::kDpopNonceMismatch, "dpop_nonce_mismatch",
     absl::StatusCode::kUnauthenticated},
    {Reason::kJwkInvalid, "jwk_invalid", absl::StatusCode::kInvalidArgument},
    {Reason::kJwkUnsupported, "jwk_unsupported",
     absl::StatusCode::kInvalidArgument},
    {Reason::kJwkInvalidKey, "jwk_invalid_key",
     absl::StatusCode::kInvalidArgument},
    {Reason::kJwkWeakKey, "jwk_weak_key", absl::StatusCode::kInvalidArgument},
    {Reason::kJwksInvalid, "jwks_invalid", absl::StatusCode::kInvalidArgument},
    {Reason::kJwksDuplicateKid, "jwks_duplicate_kid",
     absl::StatusCode::kInvalidArgument},
    {Reason::kJwksMixedKeyTypes, "jwks_mixed_key_types",
     absl::StatusCode::kInvalidArgument},
    {Reason::kPemInvalid, "pem_invalid", absl::StatusCode::kInvalidArgument},
    {Reason::kOptionsInvalid, "options_invalid",
     absl::StatusCode::kInvalidArgument},
    {Reason::kCryptoFailure, "crypto_failure", absl::StatusCode::kInternal},
};

const ReasonInfo& Info(Reason reason) {
  for (const ReasonInfo& info : kReasons) {
    if (info.reason == reason) return info;
  }
  return Info(Reason::kCryptoFailure);
}

}  // namespace

absl::string_view ReasonName(Reason reason) { return Info(reason).name; }

absl::Status MakeError(Reason reason, absl::string_view message) {
  const ReasonInfo& info = Info(reason);
  absl::StatusCode code = info.code;
  if (code == absl::StatusCode::kOk) code = absl::StatusCode::kInternal;
  absl::Status status(code, absl::StrCat(info.name, ": ", message));
  status.SetPayload(kPayloadUrl, absl::Cord(info.name));
  return status;
}

Reason ReasonOf(const absl::Status& status) {
  if (status.ok()) return Reason::kOk;
  auto payload = status.GetPayload(kPayloadUrl);
  if (!payload.has_value()) return Reason::kCryptoFailure;
  const std::string name(*payload);
  for (const ReasonInfo& info : kReasons) {
    if (info.name == name) return info.reason;
  }
  return Reason::kCryptoFailure;
}

}  // namespace identity::jwt
