// Every page of an AdminService List* method, as one response.
#ifndef IDENTITY_CLIENT_IDCTL_PAGING_H_
#define IDENTITY_CLIENT_IDCTL_PAGING_H_

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <functional>

namespace identity::idctl {

// The page size idctl asks for: the largest the API allows.
inline constexpr int32_t kListPageSize = 1000;

// Calls `list_page` with `request` for pages of kListPageSize, following
// next_page_token until a page comes without one, and appends every page's
// items to `all` (whose next_page_token stays empty). Each page is a separate
// call with its own deadline, so the result is not one snapshot. Stops at the
// first failed call and returns its status; `all` then holds the pages so far.
// `Request` has page_size and page_token, `Response` repeated items and
// next_page_token (ListClients*, ListUsers*).
template <typename Request, typename Response>
grpc::Status ListAllPages(
    const std::function<grpc::Status(const Request&, Response*)>& list_page,
    Request request, Response* all) {
  request.set_page_size(kListPageSize);
  do {
    Response page;
    const grpc::Status status = list_page(request, &page);
    if (!status.ok()) return status;
    request.set_page_token(page.next_page_token());
    page.clear_next_page_token();
    all->MergeFrom(page);  // Appends the repeated items.
  } while (!request.page_token().empty());
  return grpc::Status::OK;
}

}  // namespace identity::idctl

#endif  // IDENTITY_CLIENT_IDCTL_PAGING_H_
