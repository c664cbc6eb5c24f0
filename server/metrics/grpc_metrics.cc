#include "server/metrics/grpc_metrics.h"

#include <google/protobuf/descriptor.h>

#include <algorithm>
#include <iterator>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace identity::metrics {
namespace {

using grpc::experimental::InterceptionHookPoints;
using grpc::experimental::ServerRpcInfo;

Labels CallLabels(ServerRpcInfo::Type type, absl::string_view method) {
  auto [service, name] = SplitMethod(method);
  return {{"grpc_type", std::string(GrpcTypeName(type))},
          {"grpc_service", std::move(service)},
          {"grpc_method", std::move(name)}};
}

class MetricsInterceptor final : public grpc::experimental::Interceptor {
 public:
  MetricsInterceptor(GrpcServerMetrics* metrics, ServerRpcInfo* info)
      : metrics_(metrics), type_(info->type()), method_(info->method()) {}

  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      started_ = absl::Now();
      metrics_->Started(type_, method_);
    }
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_STATUS)) {
      // A status sent before the metadata was received has no latency.
      const absl::Duration latency = started_ == absl::InfinitePast()
                                         ? absl::InfiniteDuration()
                                         : absl::Now() - started_;
      metrics_->Handled(type_, method_, methods->GetSendStatus().error_code(),
                        latency);
    }
    methods->Proceed();
  }

 private:
  GrpcServerMetrics* const metrics_;
  const ServerRpcInfo::Type type_;
  // The ServerRpcInfo's, which lives as long as the call and this
  // interceptor.
  const absl::string_view method_;
  absl::Time started_ = absl::InfinitePast();
};

class Factory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit Factory(GrpcServerMetrics* metrics) : metrics_(metrics) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      ServerRpcInfo* info) override {
    return new MetricsInterceptor(metrics_, info);
  }

 private:
  GrpcServerMetrics* const metrics_;
};

}  // namespace

std::pair<std::string, std::string> SplitMethod(absl::string_view path) {
  const size_t slash = path.rfind('/');
  if (path.empty() || path[0] != '/' || slash == 0 ||
      slash == absl::string_view::npos) {
    return {"unknown", "unknown"};
  }
  std::string service(path.substr(1, slash - 1));
  std::string method(path.substr(slash + 1));
  // The path is the caller's choice, and a call refused before routing can
  // name any: only methods this binary knows become labels.
  static constexpr absl::string_view kGrpcOwn[] = {
      "/grpc.health.v1.Health/Check", "/grpc.health.v1.Health/Watch",
      "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
      "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo"};
  const bool known =
      std::find(std::begin(kGrpcOwn), std::end(kGrpcOwn), path) !=
          std::end(kGrpcOwn) ||
      google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(
          absl::StrCat(service, ".", method)) != nullptr;
  if (!known) return {"unknown", "unknown"};
  return {std::move(service), std::move(method)};
}

absl::string_view GrpcTypeName(ServerRpcInfo::Type type) {
  switch (type) {
    case ServerRpcInfo::Type::UNARY:
      return "unary";
    case ServerRpcInfo::Type::CLIENT_STREAMING:
      return "client_stream";
    case ServerRpcInfo::Type::SERVER_STREAMING:
      return "server_stream";
    case ServerRpcInfo::Type::BIDI_STREAMING:
      return "bidi_stream";
  }
  return "unknown";
}

std::string GrpcCodeName(grpc::StatusCode code) {
  // Go's codes.Code.String(), which go-grpc-prometheus puts in grpc_code:
  // dashboards and alerts match these exact spellings.
  static constexpr const char* kNames[] = {"OK",
                                           "Canceled",
                                           "Unknown",
                                           "InvalidArgument",
                                           "DeadlineExceeded",
                                           "NotFound",
                                           "AlreadyExists",
                                           "PermissionDenied",
                                           "ResourceExhausted",
                                           "FailedPrecondition",
                                           "Aborted",
                                           "OutOfRange",
                                           "Unimplemented",
                                           "Internal",
                                           "Unavailable",
                                           "DataLoss",
                                           "Unauthenticated"};
  const int index = static_cast<int>(code);
  if (index < 0 || index >= static_cast<int>(std::size(kNames))) {
    return absl::StrCat("Code(", index, ")");  // As Go prints unknown codes.
  }
  return kNames[index];
}

GrpcServerMetrics::GrpcServerMetrics(Registry* registry)
    : started_(
          MustRegister(BuildCounter()
                           .Name("grpc_server_started_total")
                           .Help("Total number of RPCs started on the server.")
                           .Register(*registry))),
      handled_(MustRegister(
          BuildCounter()
              .Name("grpc_server_handled_total")
              .Help("Total number of RPCs completed on the server, regardless "
                    "of success or failure.")
              .Register(*registry))),
      seconds_(MustRegister(
          BuildHistogram()
              .Name("grpc_server_handling_seconds")
              .Help("Histogram of response latency (seconds) of gRPC that had "
                    "been application-level handled by the server.")
              // go-grpc-prometheus's default buckets (5 ms to 10 s), with
              // three below them: this server answers in about a millisecond.
              .Buckets({0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                        0.25, 0.5, 1, 2.5, 5, 10})
              .Register(*registry))) {}

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
GrpcServerMetrics::InterceptorFactory() {
  return std::make_unique<Factory>(this);
}

GrpcServerMetrics::Series& GrpcServerMetrics::SeriesFor(
    ServerRpcInfo::Type type, absl::string_view method) {
  std::string key = absl::StrCat(static_cast<int>(type), " ", method);
  {
    absl::ReaderMutexLock lock(&mu_);
    auto it = series_.find(key);
    if (it != series_.end()) return *it->second;
  }
  const Labels labels = CallLabels(type, method);
  if (labels.at("grpc_service") == "unknown") {
    // One entry per type for every unknown path: the map stays bounded.
    key = absl::StrCat(static_cast<int>(type), " unknown");
    absl::ReaderMutexLock lock(&mu_);
    auto it = series_.find(key);
    if (it != series_.end()) return *it->second;
  }
  auto series = std::make_unique<Series>();
  series->started = &started_->Get(labels);
  series->seconds = &seconds_->Get(labels);
  series->handled.fill(nullptr);
  absl::MutexLock lock(&mu_);
  auto [it, inserted] = series_.try_emplace(key, std::move(series));
  return *it->second;
}

void GrpcServerMetrics::Started(ServerRpcInfo::Type type,
                                absl::string_view method) {
  SeriesFor(type, method).started->Increment();
}

void GrpcServerMetrics::Handled(ServerRpcInfo::Type type,
                                absl::string_view method, grpc::StatusCode code,
                                absl::Duration latency) {
  Series& series = SeriesFor(type, method);
  if (latency != absl::InfiniteDuration()) {
    series.seconds->Observe(absl::ToDoubleSeconds(latency));
  }
  // Codes 0 to 16 are remembered per series; any other is looked up.
  const int index = static_cast<int>(code);
  const bool cached =
      index >= 0 && index < static_cast<int>(series.handled.size());
  Counter* handled = nullptr;
  if (cached) {
    absl::ReaderMutexLock lock(&mu_);
    handled = series.handled[index];
  }
  if (handled == nullptr) {
    Labels labels = CallLabels(type, method);
    labels["grpc_code"] = GrpcCodeName(code);
    handled = &handled_->Get(labels);
    if (cached) {
      absl::MutexLock lock(&mu_);
      series.handled[index] = handled;
    }
  }
  handled->Increment();
}

}  // namespace identity::metrics
