#include "jwt/status.h"

#include <set>
#include <string>

#include "gtest/gtest.h"

namespace identity::jwt {
namespace {

TEST(StatusTest, EveryReasonHasItsOwnNameAndRoundTrips) {
  std::set<std::string> names;
  for (int i = static_cast<int>(Reason::kTokenTooLarge);
       i <= static_cast<int>(Reason::kCryptoFailure); ++i) {
    const Reason reason = static_cast<Reason>(i);
    const std::string name(ReasonName(reason));
    EXPECT_TRUE(names.insert(name).second) << "two reasons named " << name;
    const absl::Status status = MakeError(reason, "message");
    EXPECT_FALSE(status.ok());
    EXPECT_EQ(ReasonOf(status), reason) << name;
    EXPECT_NE(status.message().find(name), absl::string_view::npos);
  }
  EXPECT_EQ(ReasonOf(absl::OkStatus()), Reason::kOk);
  EXPECT_EQ(ReasonOf(absl::InternalError("foreign")), Reason::kCryptoFailure);
}

}  // namespace
}  // namespace identity::jwt
