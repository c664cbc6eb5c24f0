// The polling loop of idctl login --device (RFC 8628 §3.4-3.5) against
// scripted answers and a fake clock: it waits the interval before each
// poll, slows down as told, stops at an answer and never passes the
// deadline.
#include "client/idctl/device_login.h"

#include <string>
#include <vector>

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"

namespace identity::idctl {
namespace {

grpc::Status Refusal(grpc::StatusCode code, const std::string& reason,
                     const std::string& interval = "") {
  google::rpc::ErrorInfo info;
  info.set_reason(reason);
  info.set_domain("identity.dev");
  if (!interval.empty()) (*info.mutable_metadata())["interval"] = interval;
  google::rpc::Status details;
  details.set_code(static_cast<int>(code));
  details.add_details()->PackFrom(info);
  return grpc::Status(code, reason, details.SerializeAsString());
}

struct Script {
  std::vector<grpc::Status> answers;
  size_t next = 0;
  absl::Time now = absl::FromUnixSeconds(1'800'000'000);
  std::vector<absl::Duration> waits;

  DevicePolling Polling() {
    DevicePolling p;
    p.poll = [this](identity::v1::TokenResponse* response) {
      const grpc::Status status = answers.at(next++);
      if (status.ok()) response->set_access_token("at");
      return status;
    };
    p.now = [this] { return now; };
    p.sleep = [this](absl::Duration d) {
      waits.push_back(d);
      now += d;
    };
    return p;
  }
};

TEST(DeviceLoginTest, WaitsTheIntervalAndSlowsDownAsTold) {
  Script s;
  s.answers = {
      Refusal(grpc::StatusCode::FAILED_PRECONDITION, "authorization_pending"),
      Refusal(grpc::StatusCode::RESOURCE_EXHAUSTED, "slow_down", "10"),
      Refusal(grpc::StatusCode::RESOURCE_EXHAUSTED, "slow_down"),
      grpc::Status::OK};
  identity::v1::TokenResponse response;
  int polls = 0;
  const grpc::Status status =
      PollForDeviceToken(s.Polling(), absl::Seconds(5),
                         s.now + absl::Minutes(10), &response, &polls);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.access_token(), "at");
  EXPECT_EQ(polls, 4);
  EXPECT_EQ(s.waits, (std::vector<absl::Duration>{
                         absl::Seconds(5), absl::Seconds(5), absl::Seconds(10),
                         absl::Seconds(15)}));
}

TEST(DeviceLoginTest, DenialOrExpiryEndsThePolling) {
  for (const char* reason : {"access_denied", "expired_token"}) {
    Script s;
    s.answers = {
        Refusal(grpc::StatusCode::FAILED_PRECONDITION, "authorization_pending"),
        Refusal(grpc::StatusCode::PERMISSION_DENIED, reason)};
    identity::v1::TokenResponse response;
    const grpc::Status status = PollForDeviceToken(
        s.Polling(), absl::Seconds(5), s.now + absl::Minutes(10), &response);
    EXPECT_EQ(status.error_message(), reason);
    EXPECT_EQ(s.next, 2u);
  }
}

TEST(DeviceLoginTest, NeverPollsPastTheDeadline) {
  Script s;
  for (int i = 0; i < 100; ++i) {
    s.answers.push_back(Refusal(grpc::StatusCode::FAILED_PRECONDITION,
                                "authorization_pending"));
  }
  identity::v1::TokenResponse response;
  int polls = 0;
  const absl::Time deadline = s.now + absl::Seconds(60);
  const grpc::Status status = PollForDeviceToken(s.Polling(), absl::Seconds(5),
                                                 deadline, &response, &polls);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_EQ(polls, 11);  // At 5, 10, ... 55 s; not at 60.
  EXPECT_LT(s.now, deadline);
}

}  // namespace
}  // namespace identity::idctl
