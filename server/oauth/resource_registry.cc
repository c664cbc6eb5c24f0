#include "server/oauth/resource_registry.h"

#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "server/oauth/bootstrap_admin.h"
#include "server/oauth/claim_release.h"
#include "server/oauth/client_registry.h"
#include "server/oauth/oauth_error.h"
#include "server/oauth/paging.h"
#include "server/oauth/resource_indicators.h"
#include "server/oauth/scope.h"

namespace identity::server {
namespace {

constexpr size_t kMaxNameLength = 200;
constexpr size_t kMaxScopes = 100;

absl::Status Invalid(absl::string_view message) {
  return OAuthFailure(OAuthError::kInvalidRequest, message);
}

// The indicator's syntax, reported as a bad admin request.
absl::Status CheckIndicator(absl::string_view resource) {
  absl::Status s = CheckResourceIndicator(resource);
  if (s.ok()) return s;
  return Invalid(s.message());
}

// The scopes of this server's own APIs: administration, OpenID Connect's
// (UserInfo) and offline_access. The server checks its own tokens whatever
// their audience (own_access_tokens.h), so a resource defining one would make
// tokens meant for another API work here.
bool IsServerScope(absl::string_view scope) {
  if (scope == kAdminScope || scope == "openid" || scope == "offline_access") {
    return true;
  }
  for (const std::string& claim_scope : ClaimScopes()) {
    if (scope == claim_scope) return true;
  }
  return false;
}

bool IsValidIndicator(absl::string_view resource) {
  return CheckResourceIndicator(resource).ok();
}

// Checks the name and scopes of `spec`, dropping duplicate scopes.
absl::Status NormalizeSpec(ResourceSpec& spec) {
  if (absl::Status s = CheckIndicator(spec.resource); !s.ok()) return s;
  if (spec.name.size() > kMaxNameLength || !IsPrintableUtf8(spec.name)) {
    return Invalid(absl::StrCat("name must be at most ", kMaxNameLength,
                                " bytes of UTF-8 without control or invisible "
                                "format characters"));
  }
  if (spec.scopes.empty() || spec.scopes.size() > kMaxScopes) {
    return Invalid(absl::StrCat("a resource defines 1 to ", kMaxScopes,
                                " scopes (a client may have it through them)"));
  }
  for (const std::string& scope : spec.scopes) {
    auto parsed = ParseScope(scope);
    if (!parsed.ok() || parsed->size() != 1 || (*parsed)[0] != scope) {
      return Invalid(absl::StrCat("scope \"", absl::CHexEscape(scope),
                                  "\" is not a scope token (RFC 6749 §3.3)"));
    }
    if (IsServerScope(scope)) {
      return Invalid(absl::StrCat(
          "scope ", scope,
          " is this server's own (administration, OpenID Connect): a "
          "resource's token must not be accepted here"));
    }
  }
  auto unique = ParseScope(absl::StrJoin(spec.scopes, " "));
  if (!unique.ok()) return unique.status();
  spec.scopes = *std::move(unique);
  return absl::OkStatus();
}

// Microseconds: what the stores keep.
absl::Time StoredNow(const jwt::Clock* clock) {
  return absl::FromUnixMicros(absl::ToUnixMicros(clock->Now()));
}

}  // namespace

absl::StatusOr<storage::ResourceRecord> ResourceRegistry::Create(
    ResourceSpec spec) const {
  if (absl::Status s = NormalizeSpec(spec); !s.ok()) return s;
  storage::ResourceRecord record;
  record.resource = std::move(spec.resource);
  record.name = std::move(spec.name);
  record.scopes = std::move(spec.scopes);
  record.created_at = StoredNow(clock_);
  record.updated_at = record.created_at;
  if (absl::Status s = store_->CreateResource(record); !s.ok()) return s;
  return record;
}

absl::StatusOr<storage::ResourceRecord> ResourceRegistry::Get(
    absl::string_view resource) const {
  if (absl::Status s = CheckIndicator(resource); !s.ok()) return s;
  return store_->GetResource(resource);
}

absl::StatusOr<ResourcePage> ResourceRegistry::List(
    int page_size, absl::string_view page_token) const {
  auto page_request =
      ParsePageRequest(page_size, page_token, &IsValidIndicator);
  if (!page_request.ok()) return page_request.status();
  auto resources =
      store_->ListResources(page_request->after, page_request->size + 1);
  if (!resources.ok()) return resources.status();
  ResourcePage page;
  page.resources = *std::move(resources);
  if (page.resources.size() > static_cast<size_t>(page_request->size)) {
    page.resources.resize(page_request->size);
    page.next_page_token = NextPageToken(page.resources.back().resource);
  }
  return page;
}

absl::StatusOr<storage::ResourceRecord> ResourceRegistry::Update(
    ResourceSpec spec) const {
  if (absl::Status s = NormalizeSpec(spec); !s.ok()) return s;
  auto record = store_->GetResource(spec.resource);
  if (!record.ok()) return record.status();
  record->name = std::move(spec.name);
  record->scopes = std::move(spec.scopes);
  record->updated_at = StoredNow(clock_);
  if (absl::Status s = store_->UpdateResource(*record); !s.ok()) return s;
  return record;
}

absl::Status ResourceRegistry::Delete(absl::string_view resource) const {
  if (absl::Status s = CheckIndicator(resource); !s.ok()) return s;
  return store_->DeleteResource(resource);
}

}  // namespace identity::server
