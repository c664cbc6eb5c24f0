// The standard process metrics of Prometheus client libraries, read from
// /proc on each scrape (Linux):
//   process_cpu_seconds_total, process_resident_memory_bytes,
//   process_virtual_memory_bytes, process_open_fds, process_max_fds,
//   process_start_time_seconds
#ifndef IDENTITY_SERVER_METRICS_PROCESS_METRICS_H_
#define IDENTITY_SERVER_METRICS_PROCESS_METRICS_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "server/metrics/metrics.h"

namespace identity::metrics {

// What /proc/self/stat says, in the units of the metrics.
struct ProcessStat {
  double cpu_seconds = 0;         // utime + stime.
  double start_time_seconds = 0;  // Unix time.
  double resident_bytes = 0;
  double virtual_bytes = 0;
};

// Parses the text of /proc/<pid>/stat (proc(5)); the command name may hold
// spaces and parentheses. `ticks_per_second` is sysconf(_SC_CLK_TCK),
// `page_size` sysconf(_SC_PAGESIZE), `boot_time` the "btime" line of
// /proc/stat. Nullopt for text that does not parse.
std::optional<ProcessStat> ParseProcessStat(absl::string_view stat,
                                            int64_t ticks_per_second,
                                            int64_t page_size,
                                            int64_t boot_time);

// Registers the families in `registry` and a collect hook that updates
// them from this process's /proc entries. Aborts if a name is taken.
void RegisterProcessMetrics(Registry* registry);

}  // namespace identity::metrics

#endif  // IDENTITY_SERVER_METRICS_PROCESS_METRICS_H_
