// Which web origins may read the answers of the endpoints a single-page app
// calls with fetch (the token, revocation and UserInfo endpoints): the
// origins of the client's registered redirect URIs. A browser app is served
// from where it receives its authorization responses, so registering a
// redirect URI registers its origin; a page of any other origin may still
// send a request (a form POST needs no permission) but never reads the
// answer. One rule for the HTTP face (gRPC has no CORS).
#ifndef IDENTITY_SERVER_OAUTH_CORS_POLICY_H_
#define IDENTITY_SERVER_OAUTH_CORS_POLICY_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "storage/client_store.h"

namespace identity::server {

// The ASCII serialization of an http(s) URL's origin (RFC 6454 §6.2):
// "scheme://host" with ":port" unless it is the scheme's default, scheme and
// host lowercased. nullopt for anything else (no scheme or host, another
// scheme, userinfo, a bad port).
std::optional<std::string> WebOriginOf(absl::string_view url);

// Whether `origin`, an Origin header's value, is a serialized http(s) origin
// (scheme, host and optional port, nothing more; never "null").
bool IsSerializedWebOrigin(absl::string_view origin);

// Thread-safe; `clients` must outlive it.
class CorsPolicy {
 public:
  explicit CorsPolicy(storage::ClientStore* clients) : clients_(clients) {}

  // Whether a page of `origin` may read an answer given to `client_id`: the
  // client exists and one of its redirect URIs has exactly that origin.
  // False on any store error (the answer then carries no permission).
  bool Allows(absl::string_view client_id, absl::string_view origin) const;

 private:
  storage::ClientStore* const clients_;
};

}  // namespace identity::server

#endif  // IDENTITY_SERVER_OAUTH_CORS_POLICY_H_
