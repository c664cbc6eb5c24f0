// A small Prometheus metrics library (SPEC "Metrics"): a registry of counter,
// gauge and histogram families with labels, and the text exposition format
// 0.0.4. prometheus-cpp is not packaged by Debian; the API has its shape
// (families, Add(labels) returning a metric to keep, BuildX().Name().Help()
// .Register(registry)) so that a later swap touches one file.
//
// Hot paths take no lock: a metric's value is an atomic, updated with
// compare-and-swap. Family::Add takes the family's lock once per label set;
// keep the returned reference (it stays valid as long as the registry).
#ifndef IDENTITY_SERVER_METRICS_METRICS_H_
#define IDENTITY_SERVER_METRICS_METRICS_H_

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <initializer_list>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace identity::metrics {

using Labels = std::map<std::string, std::string>;

// A double updated atomically (C++17 has no atomic<double>::fetch_add).
class AtomicDouble {
 public:
  void Add(double delta) {
    double current = value_.load(std::memory_order_relaxed);
    while (!value_.compare_exchange_weak(current, current + delta,
                                         std::memory_order_relaxed)) {
    }
  }
  void Set(double value) { value_.store(value, std::memory_order_relaxed); }
  double Get() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// Only goes up (negative increments are ignored, as prometheus-cpp does).
class Counter {
 public:
  void Increment(double value = 1) {
    if (value > 0) value_.Add(value);
  }
  double Value() const { return value_.Get(); }

 private:
  AtomicDouble value_;
};

class Gauge {
 public:
  void Set(double value) { value_.Set(value); }
  void Increment(double value = 1) { value_.Add(value); }
  void Decrement(double value = 1) { value_.Add(-value); }
  double Value() const { return value_.Get(); }

 private:
  AtomicDouble value_;
};

// Observations counted into buckets with the given upper bounds (strictly
// increasing; "+Inf" is implicit), plus their sum and count.
class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void Observe(double value);

  const std::vector<double>& bounds() const { return bounds_; }
  // Per bucket, not cumulative; the last is the +Inf bucket.
  std::vector<uint64_t> BucketCounts() const;
  double Sum() const { return sum_.Get(); }
  uint64_t Count() const { return count_.load(std::memory_order_relaxed); }

 private:
  const std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;
  AtomicDouble sum_;
  std::atomic<uint64_t> count_{0};
};

// Bucket bounds for latencies in seconds, as go-grpc-prometheus uses
// (Prometheus' default buckets).
std::vector<double> DefaultLatencyBuckets();

enum class MetricType { kCounter, kGauge, kHistogram };

class Registry;

// The metrics of one name, one per label set.
template <typename T>
class Family {
 public:
  // The metric for `labels`, created on first use. Errors: InvalidArgument
  // for a bad label name (or "le" on a histogram).
  absl::StatusOr<T*> Add(const Labels& labels);
  // For static label sets known to be valid (names checked by tests);
  // aborts on a bad label name.
  T& Get(const Labels& labels);

 private:
  friend class Registry;
  template <typename U>
  friend class Builder;
  Family(std::string name, std::string help, MetricType type,
         std::vector<double> bounds)
      : name_(std::move(name)),
        help_(std::move(help)),
        type_(type),
        bounds_(std::move(bounds)) {}
  void Serialize(std::string* out) const;

  const std::string name_;
  const std::string help_;
  const MetricType type_;
  const std::vector<double> bounds_;  // Histograms only.
  mutable absl::Mutex mu_;
  std::map<Labels, std::unique_ptr<T>> metrics_ ABSL_GUARDED_BY(mu_);
};

// Thread-safe.
class Registry {
 public:
  // The text exposition format 0.0.4 of every family, in registration order.
  // Runs the collect hooks first.
  std::string Serialize() const;

  // `hook` runs at the start of every Serialize, to bring gauges (and
  // counters read from elsewhere, like CPU time) up to date: values that
  // are cheaper to read on a scrape than to track on every change.
  void AddCollectHook(std::function<void()> hook);

 private:
  template <typename U>
  friend class Builder;
  struct Entry {
    std::string name;
    std::function<void(std::string*)> serialize;
  };
  absl::Status Check(const std::string& name) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  std::vector<std::function<void()>> hooks_ ABSL_GUARDED_BY(mu_);
  std::vector<Entry> entries_ ABSL_GUARDED_BY(mu_);
  std::vector<std::shared_ptr<void>> owned_ ABSL_GUARDED_BY(mu_);
};

// BuildCounter().Name("x_total").Help("...").Register(registry).
template <typename T>
class Builder {
 public:
  Builder& Name(std::string name) {
    name_ = std::move(name);
    return *this;
  }
  Builder& Help(std::string help) {
    help_ = std::move(help);
    return *this;
  }
  // Histograms: the bucket bounds (DefaultLatencyBuckets() if never set).
  Builder& Buckets(std::vector<double> bounds) {
    bounds_ = std::move(bounds);
    return *this;
  }
  // Errors: InvalidArgument for a bad or taken name, or bad buckets.
  absl::StatusOr<Family<T>*> Register(Registry& registry);

 private:
  std::string name_;
  std::string help_;
  std::vector<double> bounds_ = DefaultLatencyBuckets();
};

// A family that must register (fixed names known to be valid): aborts with
// the error otherwise, as a programming error.
template <typename T>
Family<T>* MustRegister(absl::StatusOr<Family<T>*> family) {
  if (!family.ok()) {
    std::cerr << "metrics: " << family.status() << "\n";
    std::abort();
  }
  return *family;
}

// The series of one family by label values, for hot paths whose values
// vary (a client id): after a value set's first use, a shared lock and a
// hash lookup, then a lock-free update. Thread-safe; the values' cardinality
// must be bounded by the caller.
template <typename T>
class SeriesByValues {
 public:
  SeriesByValues(Family<T>* family, std::vector<std::string> label_names)
      : family_(family), names_(std::move(label_names)) {}

  // `values` in the order of the label names.
  T& With(std::initializer_list<absl::string_view> values) {
    std::string key;
    for (absl::string_view value : values) {
      key.append(value.data(), value.size());
      key.push_back('\0');
    }
    {
      absl::ReaderMutexLock lock(&mu_);
      auto found = series_.find(key);
      if (found != series_.end()) return *found->second;
    }
    Labels labels;
    auto value = values.begin();
    for (const std::string& name : names_) {
      labels[name] = value == values.end() ? "" : std::string(*value++);
    }
    T& series = family_->Get(labels);
    absl::MutexLock lock(&mu_);
    series_.emplace(std::move(key), &series);
    return series;
  }

 private:
  Family<T>* const family_;
  const std::vector<std::string> names_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, T*> series_ ABSL_GUARDED_BY(mu_);
};

inline Builder<Counter> BuildCounter() { return {}; }
inline Builder<Gauge> BuildGauge() { return {}; }
inline Builder<Histogram> BuildHistogram() { return {}; }

// Whether `name` is a valid metric name ([a-zA-Z_:][a-zA-Z0-9_:]*) or label
// name ([a-zA-Z_][a-zA-Z0-9_]*, not starting with "__").
bool IsValidMetricName(absl::string_view name);
bool IsValidLabelName(absl::string_view name);

}  // namespace identity::metrics

#endif  // IDENTITY_SERVER_METRICS_METRICS_H_
