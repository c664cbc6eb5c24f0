#include "client/interceptor/client_assertion.h"

#include <openssl/rand.h>

#include "jwt/base64url.h"
#include "jwt/json.h"

namespace identity::interceptor {

absl::StatusOr<std::string> MakeClientAssertion(const jwt::JwtSigner& signer,
                                                absl::string_view client_id,
                                                absl::string_view audience,
                                                absl::Time now,
                                                absl::Duration lifetime) {
  if (client_id.empty() || audience.empty() ||
      lifetime <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "a client assertion needs a client_id, an audience and a lifetime");
  }
  unsigned char random[16];
  if (RAND_bytes(random, sizeof(random)) != 1) {
    return absl::InternalError("no random bytes for the assertion's jti");
  }
  const int64_t iat = absl::ToUnixSeconds(now);
  const jwt::Json claims = {
      {"iss", std::string(client_id)},
      {"sub", std::string(client_id)},
      {"aud", std::string(audience)},
      {"jti", jwt::Base64UrlEncode(absl::string_view(
                  reinterpret_cast<const char*>(random), sizeof(random)))},
      {"iat", iat},
      {"exp", iat + absl::ToInt64Seconds(lifetime)},
  };
  return signer.SignJson(claims);
}

}  // namespace identity::interceptor
