// Paging of admin listings (clients, users): a page size and an opaque page
// token, which is the last key of the previous page in base64url.
#ifndef IDENTITY_SERVER_OAUTH_PAGING_H_
#define IDENTITY_SERVER_OAUTH_PAGING_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace identity::server {

struct PageRequest {
  int size = 100;
  std::string after;  // List keys after this one ("" for the first page).
};

// `page_size` 1 to 1000, 0 meaning 100; `page_token` empty or one
// NextPageToken made from a key `valid_key` accepts. Errors: kInvalidRequest
// (oauth_error.h).
absl::StatusOr<PageRequest> ParsePageRequest(
    int page_size, absl::string_view page_token,
    bool (*valid_key)(absl::string_view));

std::string NextPageToken(absl::string_view last_key);

}  // namespace identity::server

#endif  // IDENTITY_SERVER_OAUTH_PAGING_H_
