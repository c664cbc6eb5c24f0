// The transport of back-channel logout notices (server/oauth/
// backchannel_logout.h): one bounded HTTP POST per attempt
// (client/interceptor/http_get.h: one deadline over the whole exchange, no
// redirects followed, TLS 1.2+ verified against the system's roots, plain
// http:// only to localhost, 127.0.0.1 or [::1]).
#ifndef IDENTITY_SERVER_HTTP_LOGOUT_POSTER_H_
#define IDENTITY_SERVER_HTTP_LOGOUT_POSTER_H_

#include "absl/time/time.h"
#include "server/oauth/backchannel_logout.h"

namespace identity::server {

LogoutPoster HttpLogoutPoster(absl::Duration timeout);

}  // namespace identity::server

#endif  // IDENTITY_SERVER_HTTP_LOGOUT_POSTER_H_
