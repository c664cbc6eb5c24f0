// ListAllPages: every page of a List* method, as one response.
#include "client/idctl/paging.h"

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "identity/v1/admin.pb.h"

namespace identity::idctl {
namespace {

namespace v1 = ::identity::v1;

// Serves `pages` of users like ListUsers: the page token is the index of the
// page, and every page but the last has a next_page_token.
class PagedUsers {
 public:
  explicit PagedUsers(std::vector<std::vector<std::string>> pages)
      : pages_(std::move(pages)) {}

  grpc::Status operator()(const v1::ListUsersRequest& request,
                          v1::ListUsersResponse* page) {
    requests.push_back(request);
    const size_t index =
        request.page_token().empty() ? 0 : std::stoul(request.page_token());
    if (index == fail_at) {
      return grpc::Status(grpc::StatusCode::UNAVAILABLE, "down");
    }
    for (const std::string& id : pages_[index]) {
      page->add_users()->set_user_id(id);
    }
    if (index + 1 < pages_.size()) {
      page->set_next_page_token(std::to_string(index + 1));
    }
    return grpc::Status::OK;
  }

  std::vector<v1::ListUsersRequest> requests;
  size_t fail_at = SIZE_MAX;

 private:
  std::vector<std::vector<std::string>> pages_;
};

std::vector<std::string> Ids(const v1::ListUsersResponse& response) {
  std::vector<std::string> ids;
  for (const v1::User& user : response.users()) ids.push_back(user.user_id());
  return ids;
}

TEST(PagingTest, FollowsNextPageTokenAndAppendsEveryPageInOrder) {
  PagedUsers server({{"a", "b"}, {"c"}, {"d", "e"}});
  v1::ListUsersResponse all;
  const grpc::Status status =
      ListAllPages<v1::ListUsersRequest, v1::ListUsersResponse>(
          std::ref(server), v1::ListUsersRequest(), &all);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(Ids(all), (std::vector<std::string>{"a", "b", "c", "d", "e"}));
  EXPECT_TRUE(all.next_page_token().empty());
  ASSERT_EQ(server.requests.size(), 3u);
  EXPECT_EQ(server.requests[0].page_token(), "");
  EXPECT_EQ(server.requests[1].page_token(), "1");
  EXPECT_EQ(server.requests[2].page_token(), "2");
  for (const auto& request : server.requests) {
    EXPECT_EQ(request.page_size(), kListPageSize);  // The API's largest.
  }
}

TEST(PagingTest, OneEmptyPageIsAnEmptyList) {
  PagedUsers server(std::vector<std::vector<std::string>>(1));  // One, empty.
  v1::ListUsersResponse all;
  ASSERT_TRUE((ListAllPages<v1::ListUsersRequest, v1::ListUsersResponse>(
                   std::ref(server), v1::ListUsersRequest(), &all))
                  .ok());
  EXPECT_EQ(all.users_size(), 0);
  EXPECT_EQ(server.requests.size(), 1u);
}

TEST(PagingTest, AFailedPageStopsTheLoopWithItsStatus) {
  PagedUsers server({{"a"}, {"b"}, {"c"}});
  server.fail_at = 1;
  v1::ListUsersResponse all;
  const grpc::Status status =
      ListAllPages<v1::ListUsersRequest, v1::ListUsersResponse>(
          std::ref(server), v1::ListUsersRequest(), &all);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(server.requests.size(), 2u);  // Not the third page.
}

}  // namespace
}  // namespace identity::idctl
