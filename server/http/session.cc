#include "server/http/session.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "jwt/base64url.h"

namespace identity::server {

std::string SessionCodec::Mac(absl::string_view payload) const {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()),
       reinterpret_cast<const unsigned char*>(payload.data()), payload.size(),
       mac, &size);
  return std::string(reinterpret_cast<const char*>(mac), size);
}

std::string SessionCodec::Encode(const Session& session) const {
  // "v2|secret|user_id|auth_time|expires_at": secrets and user ids are
  // base64url, no '|'. (v1 cookies, without a secret, are refused.)
  const std::string payload = jwt::Base64UrlEncode(
      absl::StrCat("v2|", session.secret, "|", session.user_id, "|",
                   absl::ToUnixSeconds(session.auth_time), "|",
                   absl::ToUnixSeconds(session.expires_at)));
  return absl::StrCat(payload, ".", jwt::Base64UrlEncode(Mac(payload)));
}

absl::StatusOr<Session> SessionCodec::Decode(absl::string_view value,
                                             absl::Time now) const {
  const absl::Status refused = absl::UnauthenticatedError("no valid session");
  const size_t dot = value.find('.');
  if (dot == absl::string_view::npos || value.size() > 512) return refused;
  const absl::string_view payload = value.substr(0, dot);
  auto mac = jwt::Base64UrlDecode(value.substr(dot + 1));
  const std::string expected = Mac(payload);
  if (!mac.ok() || mac->size() != expected.size() ||
      CRYPTO_memcmp(mac->data(), expected.data(), expected.size()) != 0) {
    return refused;
  }
  auto text = jwt::Base64UrlDecode(payload);
  if (!text.ok()) return refused;
  std::vector<std::string> parts = absl::StrSplit(*text, '|');
  int64_t auth_time = 0, expires_at = 0;
  if (parts.size() != 5 || parts[0] != "v2" || parts[1].empty() ||
      parts[2].empty() || !absl::SimpleAtoi(parts[3], &auth_time) ||
      !absl::SimpleAtoi(parts[4], &expires_at)) {
    return refused;
  }
  Session session;
  session.secret = parts[1];
  session.user_id = parts[2];
  session.auth_time = absl::FromUnixSeconds(auth_time);
  session.expires_at = absl::FromUnixSeconds(expires_at);
  if (session.expires_at <= now) return refused;
  return session;
}

}  // namespace identity::server
