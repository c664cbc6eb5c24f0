#include "server/oauth/paging.h"

#include "absl/strings/str_cat.h"
#include "jwt/base64url.h"
#include "server/oauth/oauth_error.h"

namespace identity::server {

constexpr int kDefaultPageSize = 100;
constexpr int kMaxPageSize = 1000;

absl::StatusOr<PageRequest> ParsePageRequest(
    int page_size, absl::string_view page_token,
    bool (*valid_key)(absl::string_view)) {
  if (page_size < 0 || page_size > kMaxPageSize) {
    return OAuthFailure(OAuthError::kInvalidRequest,
                        absl::StrCat("page_size must be 0 to ", kMaxPageSize));
  }
  PageRequest request;
  request.size = page_size == 0 ? kDefaultPageSize : page_size;
  if (!page_token.empty()) {
    auto decoded = jwt::Base64UrlDecode(page_token);
    if (!decoded.ok() || !valid_key(*decoded)) {
      return OAuthFailure(OAuthError::kInvalidRequest,
                          "page_token is not one this server issued");
    }
    request.after = *std::move(decoded);
  }
  return request;
}

std::string NextPageToken(absl::string_view last_key) {
  return jwt::Base64UrlEncode(last_key);
}

}  // namespace identity::server
