#include "server/http/logout_poster.h"

#include <string>

#include "client/interceptor/http_get.h"

namespace identity::server {

LogoutPoster HttpLogoutPoster(absl::Duration timeout) {
  return [timeout](const std::string& uri,
                   const std::string& body) -> absl::StatusOr<int> {
    interceptor::HttpGetOptions options;
    options.timeout = timeout;
    options.max_body_bytes = 64 * 1024;  // The answer is not read.
    auto posted = interceptor::HttpPost(
        uri, "application/x-www-form-urlencoded", body, options);
    if (!posted.ok()) return posted.status();
    return posted->status;
  };
}

}  // namespace identity::server
