#include "jwt/jwt_verifier.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "jwt/status.h"

namespace identity::jwt {
namespace {

absl::string_view StripApplication(absl::string_view typ) {
  constexpr absl::string_view kPrefix = "application/";
  if (typ.size() > kPrefix.size() && absl::StartsWithIgnoreCase(typ, kPrefix)) {
    typ.remove_prefix(kPrefix.size());
  }
  return typ;
}

// A required check must be configured, or skipped in so many words, never
// both (RFC 8725 §3.11: a verifier that leaves "typ", "iss" or "aud"
// unchecked accepts one kind of JWT as another).
absl::Status CheckRequiredField(bool is_set, bool skipped,
                                absl::string_view field,
                                absl::string_view skip_flag) {
  if (!is_set && !skipped) {
    return MakeError(Reason::kOptionsInvalid,
                     absl::StrCat(field, " is empty: set it, or set ",
                                  skip_flag, " to accept any"));
  }
  if (is_set && skipped) {
    return MakeError(
        Reason::kOptionsInvalid,
        absl::StrCat(field, " is set and so is ", skip_flag, "; choose one"));
  }
  return absl::OkStatus();
}

absl::Status CheckRequiredFields(const VerifierOptions& options) {
  absl::Status status =
      CheckRequiredField(!options.issuer.empty(), options.skip_issuer_check,
                         "issuer", "skip_issuer_check");
  if (!status.ok()) return status;
  status = CheckRequiredField(!options.audiences.empty(),
                              options.skip_audience_check, "audiences",
                              "skip_audience_check");
  if (!status.ok()) return status;
  // An empty accepted audience would match a token whose "aud" is "".
  if (std::find(options.audiences.begin(), options.audiences.end(), "") !=
      options.audiences.end()) {
    return MakeError(Reason::kOptionsInvalid,
                     "audiences holds an empty audience");
  }
  return CheckRequiredField(!options.required_typ.empty(),
                            options.skip_typ_check, "required_typ",
                            "skip_typ_check");
}

}  // namespace

bool TypMatches(absl::string_view typ, absl::string_view expected) {
  return absl::EqualsIgnoreCase(StripApplication(typ),
                                StripApplication(expected));
}

absl::StatusOr<JwtVerifier> JwtVerifier::Create(VerifierOptions options) {
  if (absl::Status status = CheckRequiredFields(options); !status.ok()) {
    return status;
  }
  if (options.leeway < absl::ZeroDuration() || options.leeway > kMaxLeeway ||
      options.leeway != absl::Seconds(absl::ToInt64Seconds(options.leeway))) {
    return MakeError(Reason::kOptionsInvalid,
                     "leeway must be whole seconds between 0 and 1 day");
  }
  if (options.allowed_algorithms.empty()) {
    return MakeError(Reason::kOptionsInvalid,
                     "at least one algorithm must be allowed");
  }
  if (options.max_token_size == 0) {
    return MakeError(Reason::kOptionsInvalid,
                     "max_token_size must be positive");
  }
  if (options.clock == nullptr) {
    return MakeError(Reason::kOptionsInvalid, "clock is null");
  }
  return JwtVerifier(std::move(options));
}

absl::StatusOr<VerifiedJwt> JwtVerifier::Verify(absl::string_view token,
                                                const Jwks& jwks) const {
  auto jws = Jws::Parse(token, options_.max_token_size);
  if (!jws.ok()) return jws.status();

  // RFC 8725 §3.11: explicit typing keeps one kind of JWT from being replayed
  // as another.
  if (!options_.skip_typ_check) {
    const auto& typ = jws->header().typ;
    if (!typ.has_value()) {
      return MakeError(Reason::kTypMissing,
                       absl::StrCat("the header has no \"typ\"; \"",
                                    options_.required_typ, "\" is required"));
    }
    if (!TypMatches(*typ, options_.required_typ)) {
      return MakeError(
          Reason::kTypMismatch,
          absl::StrCat("\"typ\" must be \"", options_.required_typ, "\""));
    }
  }

  auto key = VerifyJws(*jws, jwks, options_.allowed_algorithms);
  if (!key.ok()) return key.status();

  // The payload is read only after the signature verified.
  auto claims = Claims::Parse(jws->payload());
  if (!claims.ok()) return claims.status();

  if (absl::Status times = CheckTimes(*claims); !times.ok()) return times;
  if (!options_.skip_issuer_check) {
    if (!claims->iss.has_value()) {
      return MakeError(Reason::kIssuerMissing, "the token has no \"iss\"");
    }
    if (*claims->iss != options_.issuer) {
      return MakeError(Reason::kIssuerMismatch,
                       "\"iss\" is not the expected issuer");
    }
  }
  if (!options_.skip_audience_check) {
    if (claims->aud.empty()) {
      return MakeError(Reason::kAudienceMissing, "the token has no \"aud\"");
    }
    const bool match = std::any_of(
        claims->aud.begin(), claims->aud.end(), [this](const std::string& aud) {
          return std::find(options_.audiences.begin(), options_.audiences.end(),
                           aud) != options_.audiences.end();
        });
    if (!match) {
      return MakeError(Reason::kAudienceMismatch,
                       "\"aud\" holds none of the accepted audiences");
    }
  }
  VerifiedJwt verified;
  verified.kid = (*key)->kid();
  verified.claims = *std::move(claims);
  verified.header = std::move(*jws).header();
  verified.payload = std::move(*jws).payload();
  return verified;
}

absl::Status JwtVerifier::CheckTimes(const Claims& claims) const {
  // NumericDates are at most 2^53 and the leeway at most a day, so clamping
  // "now" to the same range keeps every sum below from overflowing, whatever
  // the clock says.
  const int64_t now = std::clamp<int64_t>(
      absl::ToUnixSeconds(options_.clock->Now()), 0, int64_t{1} << 53);
  const int64_t leeway = absl::ToInt64Seconds(options_.leeway);
  if (!claims.exp.has_value()) {
    if (options_.require_exp) {
      return MakeError(Reason::kExpMissing, "the token has no \"exp\"");
    }
  } else if (now >= *claims.exp + leeway) {
    // RFC 7519 §4.1.4: the current time MUST be before "exp".
    return MakeError(Reason::kExpired, "the token has expired");
  }
  if (claims.nbf.has_value() && now + leeway < *claims.nbf) {
    return MakeError(Reason::kNotYetValid,
                     "the token is not valid yet (\"nbf\")");
  }
  if (claims.iat.has_value() && *claims.iat > now + leeway) {
    return MakeError(Reason::kIssuedInFuture,
                     "the token was issued in the future (\"iat\")");
  }
  return absl::OkStatus();
}

}  // namespace identity::jwt
