// Readiness follows the probe, listeners hear each change once, and the
// background loop stops cleanly.
#include "server/health/health_monitor.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace identity::server {
namespace {

TEST(HealthMonitorTest, FollowsTheProbeAndReportsEachChangeOnce) {
  absl::Status next = absl::OkStatus();
  HealthMonitor monitor([&] { return next; });
  std::vector<std::string> heard;
  monitor.AddListener([&](bool serving, const absl::Status& status) {
    heard.push_back(serving ? "serving"
                            : "not serving: " + std::string(status.message()));
  });
  EXPECT_FALSE(monitor.serving());  // Not before the first probe.
  EXPECT_TRUE(monitor.Check());
  EXPECT_TRUE(monitor.Check());
  next = absl::UnavailableError("cannot connect");
  EXPECT_FALSE(monitor.Check());
  EXPECT_FALSE(monitor.serving());
  EXPECT_FALSE(monitor.Check());
  next = absl::OkStatus();
  EXPECT_TRUE(monitor.Check());
  EXPECT_TRUE(monitor.serving());
  EXPECT_EQ(heard, (std::vector<std::string>{
                       "serving", "not serving: cannot connect", "serving"}));
}

TEST(HealthMonitorTest, GraceKeepsAServingReplicaServingThatLong) {
  absl::Status next = absl::OkStatus();
  absl::Time now = absl::FromUnixSeconds(1'800'000'000);
  HealthMonitor monitor([&] { return next; }, absl::Seconds(30),
                        [&] { return now; });
  std::vector<bool> heard;
  monitor.AddListener(
      [&](bool serving, const absl::Status&) { heard.push_back(serving); });
  EXPECT_TRUE(monitor.Check());
  next = absl::UnavailableError("failing over");
  now += absl::Seconds(2);
  EXPECT_TRUE(monitor.Check()) << "within the grace";
  now += absl::Seconds(27);
  EXPECT_TRUE(monitor.Check());
  next = absl::OkStatus();  // Back: the grace starts again from here.
  now += absl::Seconds(2);
  EXPECT_TRUE(monitor.Check());
  next = absl::UnavailableError("down");
  now += absl::Seconds(30);
  EXPECT_FALSE(monitor.Check()) << "30 s since the last success";
  now += absl::Seconds(1);
  EXPECT_FALSE(monitor.Check());
  next = absl::OkStatus();
  EXPECT_TRUE(monitor.Check());
  EXPECT_EQ(heard, (std::vector<bool>{true, false, true}));
}

TEST(HealthMonitorTest, GraceNeverMakesAReplicaReadyThatWasNot) {
  absl::Time now = absl::FromUnixSeconds(1'800'000'000);
  HealthMonitor monitor([] { return absl::UnavailableError("down"); },
                        absl::Seconds(30), [&] { return now; });
  EXPECT_FALSE(monitor.Check()) << "never served: not ready at start";
  now += absl::Seconds(1);
  EXPECT_FALSE(monitor.Check());
}

TEST(HealthMonitorTest, FirstResultIsReportedEvenWhenFailing) {
  HealthMonitor monitor([] { return absl::UnavailableError("down"); });
  int calls = 0;
  monitor.AddListener([&](bool serving, const absl::Status&) {
    EXPECT_FALSE(serving);
    ++calls;
  });
  monitor.Check();
  monitor.Check();
  EXPECT_EQ(calls, 1);
}

TEST(HealthMonitorTest, WithoutAProbeItIsAlwaysServing) {
  HealthMonitor monitor(nullptr);
  EXPECT_TRUE(monitor.Check());
}

TEST(HealthMonitorTest, StartChecksAtOnceAndStopEndsTheLoop) {
  std::atomic<int> probes{0};
  HealthMonitor monitor([&] {
    ++probes;
    return absl::OkStatus();
  });
  monitor.Start(absl::Hours(1));
  EXPECT_TRUE(monitor.serving());  // Checked before Start returned.
  monitor.Stop();
  EXPECT_EQ(probes.load(), 1);
  monitor.Stop();  // Idempotent; the destructor stops too.
}

TEST(HealthMonitorTest, DrainIsNotServingForGood) {
  HealthMonitor monitor(nullptr);
  std::vector<std::string> heard;
  monitor.AddListener([&](bool serving, const absl::Status& status) {
    heard.push_back(serving ? "serving" : std::string(status.message()));
  });
  monitor.Start(absl::Hours(1));
  monitor.Drain();
  EXPECT_FALSE(monitor.serving());
  EXPECT_FALSE(monitor.Check());  // A late probe cannot bring it back.
  monitor.Drain();                // Idempotent.
  EXPECT_EQ(heard, (std::vector<std::string>{"serving", "draining"}));
}

}  // namespace
}  // namespace identity::server
