#include "server/oauth/events.h"

namespace identity::server {

OAuthEvents* OAuthEvents::None() {
  static OAuthEvents* const none = new OAuthEvents();
  return none;
}

absl::string_view GrantTypeLabel(absl::string_view grant_type) {
  for (absl::string_view known :
       {"client_credentials", "authorization_code", "refresh_token",
        "urn:ietf:params:oauth:grant-type:device_code",
        "urn:ietf:params:oauth:grant-type:token-exchange"}) {
    if (grant_type == known) return known;
  }
  return grant_type.empty() ? "none" : "other";
}

}  // namespace identity::server
