// Resource indicators (RFC 8707): which registered resource (a protected API)
// a token is for. The rules of both faces, at the authorization request and
// at the token endpoint, in one place:
//   - syntax (§2): an absolute URI (RFC 3986 §4.3), no fragment, at most
//     kMaxResourceIndicatorLength bytes, no space or control character;
//   - a resource must be registered (storage/resource_store.h);
//   - a client may have a resource when its allowed_scopes hold at least one
//     of the resource's scopes (what the resource would grant it is the
//     intersection; none: nothing to grant, refused);
//   - at the token endpoint at most one resource per request (a token with
//     several audiences would be accepted by each of them: RFC 9700 §2.3's
//     audience restriction wants one), and for a code or a refresh token one
//     of those the grant was authorized for (§2.2);
//   - the token's scopes are narrowed to the resource's (§2.2).
// Every refusal is invalid_target (§2).
#ifndef IDENTITY_SERVER_OAUTH_RESOURCE_INDICATORS_H_
#define IDENTITY_SERVER_OAUTH_RESOURCE_INDICATORS_H_

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "storage/client_store.h"
#include "storage/resource_store.h"

namespace identity::server {

inline constexpr size_t kMaxResourceIndicatorLength = 512;
// How many distinct resources one authorization request may name.
inline constexpr size_t kMaxResourcesPerAuthorization = 10;

// RFC 8707 §2 syntax (above). Errors: kInvalidTarget (oauth_error.h).
absl::Status CheckResourceIndicator(absl::string_view indicator);

// Whether `client` may have `resource`: one of its allowed scopes is among
// the resource's.
bool AllowsResource(const storage::ClientRecord& client,
                    const storage::ResourceRecord& resource);

// `scopes` that `resource` defines, in `scopes`' order (RFC 8707 §2.2: the
// token is narrowed to what the resource accepts).
std::vector<std::string> ResourceScopes(
    const std::vector<std::string>& scopes,
    const storage::ResourceRecord& resource);

// Thread-safe. `store` must outlive it.
class ResourceIndicators {
 public:
  explicit ResourceIndicators(storage::ResourceStore* store) : store_(store) {}

  // RFC 8707 §2.1, an authorization request's `resource` values: each
  // well-formed, registered and allowed to `client`; at most
  // kMaxResourcesPerAuthorization distinct. Returns them without
  // duplicates, in order (empty when none was named). Errors:
  // kInvalidTarget; the store's.
  absl::StatusOr<std::vector<std::string>> ForAuthorization(
      const std::vector<std::string>& requested,
      const storage::ClientRecord& client) const;

  // RFC 8707 §2.2, a token request's `resource` values, for a grant
  // authorized for `authorized` (empty: none named; client_credentials
  // passes std::nullopt: any resource allowed to the client). Returns the
  // resource the token is for, or std::nullopt for the server's default
  // audience (no resource named, and the grant named none). With no
  // resource named, a grant authorized for exactly one gets it. Errors:
  // kInvalidTarget for several named (or none named for a grant authorized
  // for several), a malformed, unknown or not allowed one, or one the grant
  // was not authorized for; the store's.
  absl::StatusOr<std::optional<storage::ResourceRecord>> ForToken(
      const std::vector<std::string>& requested,
      const std::optional<std::vector<std::string>>& authorized,
      const storage::ClientRecord& client) const;

 private:
  // The registered resource `indicator`, if `client` may have it. Errors:
  // kInvalidTarget; the store's.
  absl::StatusOr<storage::ResourceRecord> Allowed(
      absl::string_view indicator, const storage::ClientRecord& client) const;

  storage::ResourceStore* const store_;
};

// ResourceIndicators::ForToken through `indicators`, which may be null (a
// server built without resources): then a request or grant naming a
// resource is kInvalidTarget, and one naming none is for the default
// audience.
absl::StatusOr<std::optional<storage::ResourceRecord>> TokenTarget(
    const ResourceIndicators* indicators,
    const std::vector<std::string>& requested,
    const std::optional<std::vector<std::string>>& authorized,
    const storage::ClientRecord& client);

// ResourceScopes(scopes, resource); kInvalidScope when that leaves none (a
// token for the resource would carry no scope it accepts).
absl::StatusOr<std::vector<std::string>> NarrowToResource(
    const std::vector<std::string>& scopes,
    const storage::ResourceRecord& resource);

}  // namespace identity::server

#endif  // IDENTITY_SERVER_OAUTH_RESOURCE_INDICATORS_H_
