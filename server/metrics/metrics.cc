#include "server/metrics/metrics.h"

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace identity::metrics {
namespace {

// Prometheus' number syntax: integers exactly, others with round-trip
// precision, and +Inf, -Inf, NaN.
std::string FormatNumber(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (value == std::floor(value) && std::fabs(value) < 9007199254740992.0) {
    return absl::StrCat(static_cast<int64_t>(value));
  }
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.17g", value);
  // Shortest form that reads back the same.
  for (int precision = 1; precision < 17; ++precision) {
    char shorter[32];
    std::snprintf(shorter, sizeof(shorter), "%.*g", precision, value);
    if (std::strtod(shorter, nullptr) == value) return shorter;
  }
  return buffer;
}

void AppendEscaped(absl::string_view text, bool quote, std::string* out) {
  for (char c : text) {
    if (c == '\\') {
      out->append("\\\\");
    } else if (c == '\n') {
      out->append("\\n");
    } else if (quote && c == '"') {
      out->append("\\\"");
    } else {
      out->push_back(c);
    }
  }
}

// name{a="x",b="y"} or name{a="x",le="0.5"} (extra label last).
void AppendSample(const std::string& name, const Labels& labels,
                  const std::pair<std::string, std::string>* extra,
                  double value, std::string* out) {
  out->append(name);
  if (!labels.empty() || extra != nullptr) {
    out->push_back('{');
    bool first = true;
    const auto label = [&](const std::string& key, const std::string& v) {
      if (!first) out->push_back(',');
      first = false;
      out->append(key);
      out->append("=\"");
      AppendEscaped(v, /*quote=*/true, out);
      out->push_back('"');
    };
    for (const auto& [key, v] : labels) label(key, v);
    if (extra != nullptr) label(extra->first, extra->second);
    out->push_back('}');
  }
  out->push_back(' ');
  out->append(FormatNumber(value));
  out->push_back('\n');
}

absl::string_view TypeName(MetricType type) {
  switch (type) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
  }
  return "untyped";
}

template <typename T>
MetricType TypeOf();
template <>
MetricType TypeOf<Counter>() {
  return MetricType::kCounter;
}
template <>
MetricType TypeOf<Gauge>() {
  return MetricType::kGauge;
}
template <>
MetricType TypeOf<Histogram>() {
  return MetricType::kHistogram;
}

template <typename T>
std::unique_ptr<T> NewMetric(const std::vector<double>&) {
  return std::make_unique<T>();
}
template <>
std::unique_ptr<Histogram> NewMetric<Histogram>(
    const std::vector<double>& bounds) {
  return std::make_unique<Histogram>(bounds);
}

void AppendValues(const std::string& name, const Labels& labels,
                  const Counter& c, std::string* out) {
  AppendSample(name, labels, nullptr, c.Value(), out);
}
void AppendValues(const std::string& name, const Labels& labels, const Gauge& g,
                  std::string* out) {
  AppendSample(name, labels, nullptr, g.Value(), out);
}
void AppendValues(const std::string& name, const Labels& labels,
                  const Histogram& h, std::string* out) {
  // Read the buckets first: a concurrent Observe may land between reads,
  // and Prometheus tolerates count/sum slightly ahead of the buckets.
  const std::vector<uint64_t> counts = h.BucketCounts();
  uint64_t cumulative = 0;
  for (size_t i = 0; i < counts.size(); ++i) {
    cumulative += counts[i];
    const std::pair<std::string, std::string> le = {
        "le", i < h.bounds().size() ? FormatNumber(h.bounds()[i]) : "+Inf"};
    AppendSample(name + "_bucket", labels, &le, static_cast<double>(cumulative),
                 out);
  }
  AppendSample(name + "_sum", labels, nullptr, h.Sum(), out);
  AppendSample(name + "_count", labels, nullptr,
               static_cast<double>(std::max<uint64_t>(h.Count(), cumulative)),
               out);
}

}  // namespace

bool IsValidMetricName(absl::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool ok = absl::ascii_isalpha(c) || c == '_' || c == ':' ||
                    (i > 0 && absl::ascii_isdigit(c));
    if (!ok) return false;
  }
  return true;
}

bool IsValidLabelName(absl::string_view name) {
  if (name.empty() || absl::StartsWith(name, "__")) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool ok =
        absl::ascii_isalpha(c) || c == '_' || (i > 0 && absl::ascii_isdigit(c));
    if (!ok) return false;
  }
  return true;
}

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)),
      buckets_(new std::atomic<uint64_t>[bounds_.size() + 1]) {
  for (size_t i = 0; i <= bounds_.size(); ++i) buckets_[i] = 0;
}

void Histogram::Observe(double value) {
  // The first bucket whose upper bound holds the value (le: <=).
  const size_t bucket =
      std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin();
  buckets_[bucket].fetch_add(1, std::memory_order_relaxed);
  sum_.Add(value);
  count_.fetch_add(1, std::memory_order_relaxed);
}

std::vector<uint64_t> Histogram::BucketCounts() const {
  std::vector<uint64_t> counts(bounds_.size() + 1);
  for (size_t i = 0; i < counts.size(); ++i) {
    counts[i] = buckets_[i].load(std::memory_order_relaxed);
  }
  return counts;
}

std::vector<double> DefaultLatencyBuckets() {
  return {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

template <typename T>
absl::StatusOr<T*> Family<T>::Add(const Labels& labels) {
  for (const auto& [key, value] : labels) {
    if (!IsValidLabelName(key) ||
        (type_ == MetricType::kHistogram && key == "le")) {
      return absl::InvalidArgumentError(
          absl::StrCat(name_, ": \"", key, "\" is not a usable label name"));
    }
  }
  absl::MutexLock lock(&mu_);
  std::unique_ptr<T>& metric = metrics_[labels];
  if (metric == nullptr) metric = NewMetric<T>(bounds_);
  return metric.get();
}

template <typename T>
T& Family<T>::Get(const Labels& labels) {
  absl::StatusOr<T*> metric = Add(labels);
  if (!metric.ok()) {
    std::cerr << "metrics: " << metric.status() << "\n";
    std::abort();
  }
  return **metric;
}

template <typename T>
void Family<T>::Serialize(std::string* out) const {
  out->append("# HELP ").append(name_).push_back(' ');
  AppendEscaped(help_, /*quote=*/false, out);
  out->push_back('\n');
  absl::StrAppend(out, "# TYPE ", name_, " ", TypeName(type_), "\n");
  absl::MutexLock lock(&mu_);
  for (const auto& [labels, metric] : metrics_) {
    AppendValues(name_, labels, *metric, out);
  }
}

template <typename T>
absl::StatusOr<Family<T>*> Builder<T>::Register(Registry& registry) {
  if (!IsValidMetricName(name_)) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", name_, "\" is not a valid metric name"));
  }
  if (TypeOf<T>() == MetricType::kHistogram &&
      (bounds_.empty() || !std::is_sorted(bounds_.begin(), bounds_.end()) ||
       std::adjacent_find(bounds_.begin(), bounds_.end()) != bounds_.end() ||
       std::isinf(bounds_.back()) || std::isnan(bounds_.back()))) {
    return absl::InvalidArgumentError(absl::StrCat(
        name_, ": bucket bounds must be finite and strictly increasing"));
  }
  auto family = std::shared_ptr<Family<T>>(
      new Family<T>(name_, help_, TypeOf<T>(), bounds_));
  absl::MutexLock lock(&registry.mu_);
  if (absl::Status s = registry.Check(name_); !s.ok()) return s;
  Family<T>* raw = family.get();
  registry.entries_.push_back(
      {name_, [raw](std::string* out) { raw->Serialize(out); }});
  registry.owned_.push_back(std::move(family));
  return raw;
}

absl::Status Registry::Check(const std::string& name) const {
  for (const Entry& entry : entries_) {
    // Histograms add _bucket, _sum and _count: those names are taken too.
    if (entry.name == name) {
      return absl::InvalidArgumentError(
          absl::StrCat("metric \"", name, "\" is registered twice"));
    }
  }
  return absl::OkStatus();
}

std::string Registry::Serialize() const {
  std::vector<std::function<void()>> hooks;
  {
    absl::MutexLock lock(&mu_);
    hooks = hooks_;
  }
  // Outside the lock: a hook may update any family.
  for (const auto& hook : hooks) hook();
  std::string out;
  absl::MutexLock lock(&mu_);
  for (const Entry& entry : entries_) entry.serialize(&out);
  return out;
}

void Registry::AddCollectHook(std::function<void()> hook) {
  absl::MutexLock lock(&mu_);
  hooks_.push_back(std::move(hook));
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;
template class Builder<Counter>;
template class Builder<Gauge>;
template class Builder<Histogram>;

}  // namespace identity::metrics
