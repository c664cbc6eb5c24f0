// Managing resources (AdminService): the protected APIs tokens may be
// restricted to (RFC 8707), by their resource indicator, with a name and the
// scopes each defines. Transport-free: the gRPC face only converts messages.
#ifndef IDENTITY_SERVER_OAUTH_RESOURCE_REGISTRY_H_
#define IDENTITY_SERVER_OAUTH_RESOURCE_REGISTRY_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "jwt/clock.h"
#include "storage/resource_store.h"

namespace identity::server {

struct ResourceSpec {
  // The resource indicator: CheckResourceIndicator (resource_indicators.h).
  // The key: never changed by an update.
  std::string resource;
  // Up to 200 bytes of UTF-8 without control or invisible format characters.
  std::string name;
  // 1 to 100 scope tokens (RFC 6749 §3.3) of at most 256 bytes; duplicates
  // are dropped. Never one of this server's own (identity.admin, openid,
  // offline_access, profile, email, address, phone): it checks its own
  // tokens whatever their audience. A client may have the resource when one of
  // them is among its allowed scopes; a token for it carries only these.
  std::vector<std::string> scopes;
};

struct ResourcePage {
  std::vector<storage::ResourceRecord> resources;
  std::string next_page_token;  // Empty on the last page.
};

// Thread-safe. Everything passed in must outlive it. Errors: kInvalidRequest
// (oauth_error.h) for bad input, NotFound, AlreadyExists, and the store's. A
// failed call changes nothing.
class ResourceRegistry {
 public:
  ResourceRegistry(storage::ResourceStore* store, const jwt::Clock* clock)
      : store_(store), clock_(clock) {}

  absl::StatusOr<storage::ResourceRecord> Create(ResourceSpec spec) const;
  absl::StatusOr<storage::ResourceRecord> Get(absl::string_view resource) const;
  // `page_size`: 1 to 1000, 0 means 100. `page_token`: empty or a previous
  // page's next_page_token.
  absl::StatusOr<ResourcePage> List(int page_size,
                                    absl::string_view page_token) const;
  // Replaces the name and scopes. Tokens already issued keep theirs; codes
  // and refresh tokens get the new scopes at their next token request.
  absl::StatusOr<storage::ResourceRecord> Update(ResourceSpec spec) const;
  absl::Status Delete(absl::string_view resource) const;

 private:
  storage::ResourceStore* const store_;
  const jwt::Clock* const clock_;
};

}  // namespace identity::server

#endif  // IDENTITY_SERVER_OAUTH_RESOURCE_REGISTRY_H_
