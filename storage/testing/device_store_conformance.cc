// The device authorization cases of the store conformance suite
// (store_conformance.h): RFC 8628's codes kept by hash, a live user code
// unique, the decision, each poll and the redemption atomic.
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/barrier.h"
#include "storage/testing/store_conformance.h"

namespace identity::storage::testing {
namespace {

const absl::Time kT0 = absl::FromUnixMicros(1'800'000'000'123'456);

using State = DeviceAuthorizationState;

DeviceAuthorizationRecord Device(const std::string& hash,
                                 const std::string& user_code_hash) {
  DeviceAuthorizationRecord r;
  r.device_code_hash = hash;
  r.user_code_hash = user_code_hash;
  r.client_id = "tv";
  r.scope = "openid orders.read";
  r.grant_id = "grant-" + hash;
  r.created_at = kT0;
  r.expires_at = kT0 + absl::Minutes(10);
  r.interval_seconds = 5;
  return r;
}

// Every test here runs against each backend the suite is instantiated with.
#define DEVICE_TEST(name) TEST_P(StoreConformanceTest, Device##name)
#define DEVICE_SETUP()                                  \
  ASSERT_NE(stores_.devices, nullptr);                  \
  DeviceAuthorizationStore* devices_ = stores_.devices; \
  AddDeviceClients(stores_)

void AddDeviceClients(const Stores& stores) {
  ClientRecord client;
  client.client_id = "tv";
  client.grant_types = {"urn:ietf:params:oauth:grant-type:device_code"};
  client.public_client = true;
  client.created_at = client.updated_at = kT0;
  ASSERT_TRUE(stores.clients->CreateClient(client).ok());
  client.client_id = "other";
  ASSERT_TRUE(stores.clients->CreateClient(client).ok());
}

}  // namespace

DEVICE_TEST(AuthorizationReadsBackByUserCodeWhilePending) {
  DEVICE_SETUP();
  ASSERT_TRUE(
      devices_->CreateDeviceAuthorization(Device("d1", "u1"), kT0).ok());
  auto found = devices_->GetPendingDeviceAuthorization("u1", kT0);
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(*found, Device("d1", "u1"));
  EXPECT_EQ(devices_->GetPendingDeviceAuthorization("u2", kT0).status().code(),
            absl::StatusCode::kNotFound);
  // Expired: gone for the user.
  EXPECT_EQ(
      devices_->GetPendingDeviceAuthorization("u1", kT0 + absl::Minutes(10))
          .status()
          .code(),
      absl::StatusCode::kNotFound);
}

DEVICE_TEST(LiveUserCodeIsUniqueAndAnExpiredOneIsReplaced) {
  DEVICE_SETUP();
  ASSERT_TRUE(
      devices_->CreateDeviceAuthorization(Device("d1", "u1"), kT0).ok());
  EXPECT_EQ(devices_->CreateDeviceAuthorization(Device("d2", "u1"), kT0).code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(devices_->CreateDeviceAuthorization(Device("d1", "u9"), kT0).code(),
            absl::StatusCode::kAlreadyExists);
  const absl::Time later = kT0 + absl::Minutes(10);
  DeviceAuthorizationRecord again = Device("d2", "u1");
  again.expires_at = later + absl::Minutes(10);
  ASSERT_TRUE(devices_->CreateDeviceAuthorization(again, later).ok());
  auto found = devices_->GetPendingDeviceAuthorization("u1", later);
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(found->device_code_hash, "d2");
  EXPECT_EQ(
      devices_->PollDeviceAuthorization("d1", "tv", later).status().code(),
      absl::StatusCode::kNotFound);
}

DEVICE_TEST(LiveAuthorizationsAreCountedPerClient) {
  DEVICE_SETUP();
  ASSERT_TRUE(
      devices_->CreateDeviceAuthorization(Device("d1", "u1"), kT0).ok());
  DeviceAuthorizationRecord short_lived = Device("d2", "u2");
  short_lived.expires_at = kT0 + absl::Seconds(1);
  ASSERT_TRUE(devices_->CreateDeviceAuthorization(short_lived, kT0).ok());
  EXPECT_EQ(*devices_->CountLiveDeviceAuthorizations("tv", kT0), 2);
  EXPECT_EQ(
      *devices_->CountLiveDeviceAuthorizations("tv", kT0 + absl::Seconds(1)),
      1);
  EXPECT_EQ(*devices_->CountLiveDeviceAuthorizations("other", kT0), 0);
}

DEVICE_TEST(DecisionIsMadeOnceWhileLive) {
  DEVICE_SETUP();
  ASSERT_TRUE(
      devices_->CreateDeviceAuthorization(Device("d1", "u1"), kT0).ok());
  ASSERT_TRUE(
      devices_->CreateDeviceAuthorization(Device("d2", "u2"), kT0).ok());
  auto decided = devices_->DecideDeviceAuthorization(
      "u1", kT0, State::kApproved, "alice", kT0 - absl::Minutes(1), "sid-1");
  ASSERT_TRUE(decided.ok()) << decided.status();
  EXPECT_EQ(decided->state, State::kApproved);
  EXPECT_EQ(decided->user_id, "alice");
  EXPECT_EQ(decided->auth_time, kT0 - absl::Minutes(1));
  EXPECT_EQ(decided->sid, "sid-1");
  EXPECT_EQ(
      devices_
          ->DecideDeviceAuthorization("u1", kT0, State::kDenied, "bob", kT0, "")
          .status()
          .code(),
      absl::StatusCode::kNotFound);
  EXPECT_EQ(devices_->GetPendingDeviceAuthorization("u1", kT0).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(devices_
                ->DecideDeviceAuthorization("u2", kT0 + absl::Minutes(10),
                                            State::kApproved, "alice", kT0, "")
                .status()
                .code(),
            absl::StatusCode::kNotFound);
}

DEVICE_TEST(PollReturnsThePreviousPollAndRecordsThisOne) {
  DEVICE_SETUP();
  ASSERT_TRUE(
      devices_->CreateDeviceAuthorization(Device("d1", "u1"), kT0).ok());
  auto first = devices_->PollDeviceAuthorization("d1", "tv", kT0);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->last_polled_at, absl::UnixEpoch());
  auto second =
      devices_->PollDeviceAuthorization("d1", "tv", kT0 + absl::Seconds(2));
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->last_polled_at, kT0);
  EXPECT_EQ(
      devices_->PollDeviceAuthorization("d1", "other", kT0).status().code(),
      absl::StatusCode::kNotFound);
  EXPECT_EQ(devices_->PollDeviceAuthorization("d9", "tv", kT0).status().code(),
            absl::StatusCode::kNotFound);
  // Another client's poll left the row alone.
  auto third =
      devices_->PollDeviceAuthorization("d1", "tv", kT0 + absl::Seconds(9));
  EXPECT_EQ(third->last_polled_at, kT0 + absl::Seconds(2));
}

DEVICE_TEST(PollIntervalGrows) {
  DEVICE_SETUP();
  ASSERT_TRUE(
      devices_->CreateDeviceAuthorization(Device("d1", "u1"), kT0).ok());
  EXPECT_EQ(*devices_->IncreaseDevicePollInterval("d1", 5), 10);
  EXPECT_EQ(*devices_->IncreaseDevicePollInterval("d1", 5), 15);
  EXPECT_EQ(
      devices_->PollDeviceAuthorization("d1", "tv", kT0)->interval_seconds, 15);
  EXPECT_EQ(devices_->IncreaseDevicePollInterval("d9", 5).status().code(),
            absl::StatusCode::kNotFound);
}

DEVICE_TEST(OnlyAnApprovedLiveAuthorizationIsRedeemedOnce) {
  DEVICE_SETUP();
  ASSERT_TRUE(
      devices_->CreateDeviceAuthorization(Device("d1", "u1"), kT0).ok());
  ASSERT_TRUE(
      devices_->CreateDeviceAuthorization(Device("d2", "u2"), kT0).ok());
  EXPECT_EQ(devices_->RedeemDeviceAuthorization("d1", "tv", kT0, "at-0")
                .status()
                .code(),
            absl::StatusCode::kFailedPrecondition);  // Pending.
  ASSERT_TRUE(devices_
                  ->DecideDeviceAuthorization("u1", kT0, State::kApproved,
                                              "alice", kT0, "")
                  .ok());
  ASSERT_TRUE(devices_
                  ->DecideDeviceAuthorization("u2", kT0, State::kDenied,
                                              "alice", kT0, "")
                  .ok());
  EXPECT_EQ(devices_->RedeemDeviceAuthorization("d1", "other", kT0, "at-0")
                .status()
                .code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(devices_
                ->RedeemDeviceAuthorization("d1", "tv", kT0 + absl::Minutes(10),
                                            "at-0")
                .status()
                .code(),
            absl::StatusCode::kFailedPrecondition);  // Expired.
  auto redeemed = devices_->RedeemDeviceAuthorization("d1", "tv", kT0, "at-1");
  ASSERT_TRUE(redeemed.ok()) << redeemed.status();
  EXPECT_EQ(redeemed->redeemed_at, kT0);
  EXPECT_EQ(redeemed->access_token_jti, "at-1");
  EXPECT_EQ(devices_->RedeemDeviceAuthorization("d1", "tv", kT0, "at-2")
                .status()
                .code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(devices_->RedeemDeviceAuthorization("d2", "tv", kT0, "at-3")
                .status()
                .code(),
            absl::StatusCode::kFailedPrecondition);  // Denied.
  EXPECT_EQ(devices_->RedeemDeviceAuthorization("d9", "tv", kT0, "at-4")
                .status()
                .code(),
            absl::StatusCode::kNotFound);
}

DEVICE_TEST(ConcurrentRedemptionsHaveOneWinner) {
  DEVICE_SETUP();
  ASSERT_TRUE(
      devices_->CreateDeviceAuthorization(Device("d1", "u1"), kT0).ok());
  ASSERT_TRUE(devices_
                  ->DecideDeviceAuthorization("u1", kT0, State::kApproved,
                                              "alice", kT0, "")
                  .ok());
  constexpr int kThreads = 16;
  absl::Barrier start(kThreads);
  std::atomic<int> redeemed{0}, refused{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      start.Block();
      auto result = devices_->RedeemDeviceAuthorization("d1", "tv", kT0,
                                                        absl::StrCat("at-", i));
      if (result.ok()) {
        ++redeemed;
      } else if (result.status().code() ==
                 absl::StatusCode::kFailedPrecondition) {
        ++refused;
      } else {
        ADD_FAILURE() << result.status();
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(redeemed.load(), 1);
  EXPECT_EQ(refused.load(), kThreads - 1);
}

DEVICE_TEST(ConcurrentPollsEachSeeAnotherPreviousPoll) {
  DEVICE_SETUP();
  ASSERT_TRUE(
      devices_->CreateDeviceAuthorization(Device("d1", "u1"), kT0).ok());
  constexpr int kThreads = 8;
  absl::Barrier start(kThreads);
  std::atomic<int> first_polls{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      start.Block();
      auto polled = devices_->PollDeviceAuthorization(
          "d1", "tv", kT0 + absl::Seconds(i + 1));
      ASSERT_TRUE(polled.ok()) << polled.status();
      first_polls += polled->last_polled_at == absl::UnixEpoch();
    });
  }
  for (auto& t : threads) t.join();
  // Serialized: exactly one of them was the first poll.
  EXPECT_EQ(first_polls.load(), 1);
}

DEVICE_TEST(ExpiredAuthorizationsArePurged) {
  DEVICE_SETUP();
  DeviceAuthorizationRecord old = Device("old", "u1");
  old.expires_at = kT0;
  ASSERT_TRUE(
      devices_->CreateDeviceAuthorization(old, kT0 - absl::Hours(1)).ok());
  ASSERT_TRUE(
      devices_->CreateDeviceAuthorization(Device("new", "u2"), kT0).ok());
  EXPECT_EQ(*devices_->PurgeExpiredDeviceAuthorizations(kT0), 0);
  EXPECT_EQ(*devices_->PurgeExpiredDeviceAuthorizations(kT0 + absl::Seconds(1)),
            1);
  EXPECT_EQ(devices_->PollDeviceAuthorization("old", "tv", kT0).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_TRUE(devices_->PollDeviceAuthorization("new", "tv", kT0).ok());
}

}  // namespace identity::storage::testing
