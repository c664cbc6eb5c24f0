#include "server/metrics/process_metrics.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"

namespace identity::metrics {
namespace {

std::string ReadAll(const char* path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::optional<int64_t> BootTime() {
  for (absl::string_view line : absl::StrSplit(ReadAll("/proc/stat"), '\n')) {
    int64_t value = 0;
    if (absl::ConsumePrefix(&line, "btime ") &&
        absl::SimpleAtoi(line, &value)) {
      return value;
    }
  }
  return std::nullopt;
}

double OpenFds() {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return 0;
  double count = 0;
  while (const dirent* entry = readdir(dir)) {
    if (entry->d_name[0] != '.') ++count;
  }
  closedir(dir);
  return count - 1;  // Not the descriptor opendir itself holds.
}

}  // namespace

std::optional<ProcessStat> ParseProcessStat(absl::string_view stat,
                                            int64_t ticks_per_second,
                                            int64_t page_size,
                                            int64_t boot_time) {
  // "pid (comm) state ppid ...": comm ends at the last ')'.
  const size_t comm_end = stat.rfind(')');
  if (comm_end == absl::string_view::npos || ticks_per_second <= 0) {
    return std::nullopt;
  }
  std::vector<absl::string_view> fields =
      absl::StrSplit(stat.substr(comm_end + 1), ' ', absl::SkipEmpty());
  // fields[0] is field 3 (state) of proc(5): field N is fields[N - 3].
  auto field = [&](int n, int64_t* value) {
    return static_cast<size_t>(n - 3) < fields.size() &&
           absl::SimpleAtoi(absl::StripAsciiWhitespace(fields[n - 3]), value);
  };
  int64_t utime, stime, start, vsize, rss;
  if (!field(14, &utime) || !field(15, &stime) || !field(22, &start) ||
      !field(23, &vsize) || !field(24, &rss)) {
    return std::nullopt;
  }
  ProcessStat result;
  const double ticks = static_cast<double>(ticks_per_second);
  result.cpu_seconds = static_cast<double>(utime + stime) / ticks;
  result.start_time_seconds =
      static_cast<double>(boot_time) + static_cast<double>(start) / ticks;
  result.virtual_bytes = static_cast<double>(vsize);
  result.resident_bytes = static_cast<double>(rss) * page_size;
  return result;
}

void RegisterProcessMetrics(Registry* registry) {
  auto gauge = [&](const char* name, const char* help) {
    return &MustRegister(BuildGauge().Name(name).Help(help).Register(*registry))
                ->Get({});
  };
  Counter* cpu = &MustRegister(BuildCounter()
                                   .Name("process_cpu_seconds_total")
                                   .Help("Total user and system CPU time "
                                         "spent in seconds.")
                                   .Register(*registry))
                      ->Get({});
  Gauge* resident =
      gauge("process_resident_memory_bytes", "Resident memory size in bytes.");
  Gauge* virt =
      gauge("process_virtual_memory_bytes", "Virtual memory size in bytes.");
  Gauge* open_fds =
      gauge("process_open_fds", "Number of open file descriptors.");
  Gauge* max_fds =
      gauge("process_max_fds", "Maximum number of open file descriptors.");
  Gauge* start = gauge("process_start_time_seconds",
                       "Start time of the process since unix epoch in "
                       "seconds.");
  const int64_t ticks = sysconf(_SC_CLK_TCK);
  const int64_t page = sysconf(_SC_PAGESIZE);
  const int64_t boot = BootTime().value_or(0);
  auto mu = std::make_shared<absl::Mutex>();
  registry->AddCollectHook([=] {
    // Concurrent scrapes must not both add the same CPU time.
    absl::MutexLock lock(mu.get());
    auto stat = ParseProcessStat(ReadAll("/proc/self/stat"), ticks, page, boot);
    if (stat.has_value()) {
      // The counter follows the kernel's total, which only grows.
      if (stat->cpu_seconds > cpu->Value()) {
        cpu->Increment(stat->cpu_seconds - cpu->Value());
      }
      resident->Set(stat->resident_bytes);
      virt->Set(stat->virtual_bytes);
      start->Set(stat->start_time_seconds);
    }
    open_fds->Set(OpenFds());
    rlimit limit;
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
      max_fds->Set(static_cast<double>(limit.rlim_cur));
    }
  });
}

}  // namespace identity::metrics
