// Raising the soft open-file limit, on this test process's own limit.
#include "server/open_file_limit.h"

#include <sys/resource.h>

#include "gtest/gtest.h"

namespace identity::server {
namespace {

rlimit Current() {
  rlimit limit{};
  EXPECT_EQ(getrlimit(RLIMIT_NOFILE, &limit), 0);
  return limit;
}

TEST(OpenFileLimitTest, RaisesTheSoftLimitToTheHardOne) {
  rlimit lowered = Current();
  if (lowered.rlim_max < 128) GTEST_SKIP() << "hard limit under 128";
  lowered.rlim_cur = 64;
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &lowered), 0);

  auto raised = RaiseOpenFileLimit();
  ASSERT_TRUE(raised.ok()) << raised.status();
  EXPECT_EQ(raised->soft_before, 64u);
  EXPECT_EQ(raised->soft, lowered.rlim_max);
  EXPECT_EQ(raised->hard, lowered.rlim_max);
  EXPECT_EQ(Current().rlim_cur, lowered.rlim_max);
}

TEST(OpenFileLimitTest, ASoftLimitAtTheHardOneStaysThere) {
  ASSERT_TRUE(RaiseOpenFileLimit().ok());
  auto again = RaiseOpenFileLimit();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->soft_before, again->hard);
  EXPECT_EQ(again->soft, again->hard);
}

}  // namespace
}  // namespace identity::server
