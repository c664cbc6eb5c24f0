#include "server/oauth/bootstrap_admin.h"

#include "gtest/gtest.h"
#include "storage/memory/memory_store.h"

namespace identity::server {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

class BootstrapAdminTest : public ::testing::Test {
 protected:
  storage::MemoryStore store_;
  ClientSecretHasher hasher_ =
      *ClientSecretHasher::Create(std::string(32, 'h'));
};

TEST_F(BootstrapAdminTest, CreatesTheAdminClientOnce) {
  EXPECT_TRUE(*EnsureBootstrapAdmin(store_, hasher_, "admin", "s3cret", kNow));
  auto client = store_.GetClient("admin");
  ASSERT_TRUE(client.ok());
  EXPECT_EQ(client->allowed_scopes, std::vector<std::string>{kAdminScope});
  EXPECT_TRUE(hasher_.Matches("s3cret", client->secret_hash));
  EXPECT_FALSE(*EnsureBootstrapAdmin(store_, hasher_, "admin", "s3cret", kNow));
}

TEST_F(BootstrapAdminTest, NeverTakesOverAnExistingClient) {
  storage::ClientRecord existing;
  existing.client_id = "admin";
  existing.allowed_scopes = {"orders.read"};
  existing.secret_hash = hasher_.Hash("original");
  existing.created_at = existing.updated_at = kNow;
  ASSERT_TRUE(store_.CreateClient(existing).ok());
  EXPECT_FALSE(
      *EnsureBootstrapAdmin(store_, hasher_, "admin", "attacker", kNow));
  EXPECT_EQ(*store_.GetClient("admin"), existing);
}

TEST_F(BootstrapAdminTest, NeedsIdAndSecret) {
  EXPECT_EQ(
      EnsureBootstrapAdmin(store_, hasher_, "", "s", kNow).status().code(),
      absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(
      EnsureBootstrapAdmin(store_, hasher_, "admin", "", kNow).status().code(),
      absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace identity::server
