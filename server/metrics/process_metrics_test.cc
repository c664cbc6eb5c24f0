// Process metrics: the /proc/<pid>/stat parser on real and hostile text, and
// the registered families reading this very process.
#include "server/metrics/process_metrics.h"

#include <unistd.h>

#include <ctime>
#include <string>

#include "gtest/gtest.h"

namespace identity::metrics {
namespace {

// A line as the kernel writes it, with a command name holding ") (" to show
// the parser finds the real end of the name.
constexpr char kStat[] =
    "4242 (we ird) (name) S 1 4242 4242 0 -1 4194560 1000 0 0 0 "
    "250 150 0 0 20 0 9 0 12345 104857600 2560 18446744073709551615 "
    "1 1 0 0 0 0 0 4096 0 0 0 0 17 1 0 0 0 0 0\n";

TEST(ProcessMetricsTest, ParsesCpuStartTimeAndMemory) {
  auto stat = ParseProcessStat(kStat, /*ticks_per_second=*/100,
                               /*page_size=*/4096, /*boot_time=*/1'700'000'000);
  ASSERT_TRUE(stat.has_value());
  EXPECT_DOUBLE_EQ(stat->cpu_seconds, 4.0);  // (250 + 150) / 100.
  EXPECT_DOUBLE_EQ(stat->start_time_seconds, 1'700'000'000 + 123.45);
  EXPECT_DOUBLE_EQ(stat->virtual_bytes, 104857600);
  EXPECT_DOUBLE_EQ(stat->resident_bytes, 2560.0 * 4096);
}

TEST(ProcessMetricsTest, RefusesTextThatIsNotAStatLine) {
  for (const char* bad : {"", "4242 (x", "4242 (x) S 1 2 3",
                          "4242 (x) S 1 4242 4242 0 -1 4194560 1000 0 0 0 "
                          "abc 150 0 0 20 0 9 0 12345 1 2"}) {
    EXPECT_FALSE(ParseProcessStat(bad, 100, 4096, 0).has_value()) << bad;
  }
  EXPECT_FALSE(ParseProcessStat(kStat, 0, 4096, 0).has_value());
}

double ValueOf(const std::string& text, const std::string& name) {
  const size_t at = text.find("\n" + name + " ");
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + name.size() + 2));
}

TEST(ProcessMetricsTest, ReadsThisProcess) {
  Registry registry;
  RegisterProcessMetrics(&registry);
  volatile double spin = 0;
  for (int i = 0; i < 20'000'000; ++i) spin = spin + i;  // Some CPU time.
  const std::string text = registry.Serialize();
  EXPECT_GT(ValueOf(text, "process_resident_memory_bytes"), 1 << 20) << text;
  EXPECT_GT(ValueOf(text, "process_virtual_memory_bytes"),
            ValueOf(text, "process_resident_memory_bytes"));
  EXPECT_GE(ValueOf(text, "process_open_fds"), 3);  // stdin, stdout, stderr.
  EXPECT_GT(ValueOf(text, "process_max_fds"), 0);
  EXPECT_GT(ValueOf(text, "process_cpu_seconds_total"), 0);
  const double started = ValueOf(text, "process_start_time_seconds");
  EXPECT_LE(started, static_cast<double>(time(nullptr)) + 1);
  EXPECT_GT(started, static_cast<double>(time(nullptr)) - 3600);
  // The CPU counter never goes down between scrapes.
  const double first = ValueOf(text, "process_cpu_seconds_total");
  EXPECT_GE(ValueOf(registry.Serialize(), "process_cpu_seconds_total"), first);
}

}  // namespace
}  // namespace identity::metrics
