// Persistence of resources (protected APIs, RFC 8707): each has a resource
// indicator, a name and the scopes it defines. No OAuth rules here (the core,
// server/oauth/resources.h, validates what it stores and decides which client
// may have which resource).
#ifndef IDENTITY_STORAGE_RESOURCE_STORE_H_
#define IDENTITY_STORAGE_RESOURCE_STORE_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace identity::storage {

struct ResourceRecord {
  // The resource indicator (RFC 8707 §2): an absolute URI without a
  // fragment, no spaces inside. The key.
  std::string resource;
  std::string name;
  // Scope tokens (RFC 6749 §3.3) the resource defines.
  std::vector<std::string> scopes;
  absl::Time created_at;
  absl::Time updated_at;

  bool operator==(const ResourceRecord& other) const;
};

// Implementations are thread-safe. Errors: NotFound, AlreadyExists,
// Unavailable, Internal.
class ResourceStore {
 public:
  virtual ~ResourceStore() = default;

  // AlreadyExists if the indicator is taken.
  virtual absl::Status CreateResource(const ResourceRecord& resource) = 0;
  // NotFound if absent.
  virtual absl::StatusOr<ResourceRecord> GetResource(
      absl::string_view resource) = 0;
  // Up to `limit` resources with an indicator > `after`, ordered by it.
  virtual absl::StatusOr<std::vector<ResourceRecord>> ListResources(
      absl::string_view after, int limit) = 0;
  // Replaces name, scopes and updated_at. NotFound if absent.
  virtual absl::Status UpdateResource(const ResourceRecord& resource) = 0;
  // NotFound if absent.
  virtual absl::Status DeleteResource(absl::string_view resource) = 0;
};

}  // namespace identity::storage

#endif  // IDENTITY_STORAGE_RESOURCE_STORE_H_
