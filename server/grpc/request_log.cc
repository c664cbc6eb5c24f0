#include "server/grpc/request_log.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <grpcpp/server_context.h>

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "server/oauth/authorization_header.h"
#include "server/random_source.h"

namespace identity::server {
namespace {

using grpc::experimental::InterceptionHookPoints;

constexpr size_t kMaxClientIdInLog = 128;
// The services whose requests' client_id field names the caller (in
// AdminService it names the client being managed).
constexpr absl::string_view kCallerClientIdServices[] = {
    "/identity.v1.TokenService/", "/identity.v1.IntrospectionService/"};

absl::string_view View(grpc::string_ref ref) {
  return absl::string_view(ref.data(), ref.size());
}

class RequestLogInterceptor final : public grpc::experimental::Interceptor {
 public:
  RequestLogInterceptor(RequestLog* log,
                        grpc::experimental::ServerRpcInfo* info)
      : log_(log), info_(info), start_(absl::Now()) {}

  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      ReadMetadata(*methods->GetRecvInitialMetadata());
    }
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
      methods->GetSendInitialMetadata()->emplace("x-request-id", request_id_);
    }
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::POST_RECV_MESSAGE) &&
        client_id_.empty() && OwnService()) {
      ReadClientId(methods->GetRecvMessage());
    }
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_STATUS)) {
      Write(methods->GetSendStatus());
    }
    methods->Proceed();
  }

 private:
  void ReadMetadata(
      const std::multimap<grpc::string_ref, grpc::string_ref>& metadata) {
    auto id = metadata.find("x-request-id");
    if (id != metadata.end() && IsAcceptableRequestId(View(id->second))) {
      request_id_ = std::string(View(id->second));
    } else {
      request_id_ = log_->NewRequestId();
    }
    auto authorization = metadata.find("authorization");
    if (authorization != metadata.end() &&
        HasAuthScheme(View(authorization->second), "Basic")) {
      auto credentials = ParseBasicAuthorization(View(authorization->second));
      if (credentials.ok()) client_id_ = std::move(credentials->client_id);
    }
  }

  // Whether the request's client_id field is the caller's: only in
  // identity's token and introspection services, whose handlers take
  // protobuf messages. Others need not: gRPC's own health service, for one,
  // receives a raw ByteBuffer, which must not be read as a protobuf message.
  bool OwnService() const {
    for (absl::string_view prefix : kCallerClientIdServices) {
      if (absl::StartsWith(info_->method(), prefix)) return true;
    }
    return false;
  }

  // The request's top-level `client_id` string field, if it has one.
  void ReadClientId(void* message) {
    if (message == nullptr) return;
    const auto* request = static_cast<google::protobuf::Message*>(message);
    const google::protobuf::FieldDescriptor* field =
        request->GetDescriptor()->FindFieldByName("client_id");
    if (field == nullptr || field->is_repeated() ||
        field->cpp_type() !=
            google::protobuf::FieldDescriptor::CPPTYPE_STRING) {
      return;
    }
    client_id_ = request->GetReflection()->GetString(*request, field);
  }

  void Write(const grpc::Status& status) {
    const logging::Level level = LevelForStatus(status.error_code());
    const logging::Logger& logger = log_->logger();
    if (!logger.Enabled(level)) return;
    const double latency_ms = absl::ToDoubleMilliseconds(absl::Now() - start_);
    const std::string code = absl::StatusCodeToString(
        static_cast<absl::StatusCode>(status.error_code()));
    const absl::string_view client_id =
        absl::string_view(client_id_).substr(0, kMaxClientIdInLog);
    const std::string peer = info_->server_context() != nullptr
                                 ? info_->server_context()->peer()
                                 : std::string();
    if (status.ok()) {
      logger.Log(level, "grpc call",
                 {{"request_id", request_id_},
                  {"method", info_->method()},
                  {"status", code},
                  {"latency_ms", latency_ms},
                  {"client_id", client_id},
                  {"peer", peer}});
    } else {
      logger.Log(level, "grpc call",
                 {{"request_id", request_id_},
                  {"method", info_->method()},
                  {"status", code},
                  {"latency_ms", latency_ms},
                  {"client_id", client_id},
                  {"peer", peer},
                  {"error", status.error_message()}});
    }
  }

  RequestLog* const log_;
  grpc::experimental::ServerRpcInfo* const info_;
  const absl::Time start_;
  std::string request_id_;
  std::string client_id_;
};

class Factory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit Factory(RequestLog* log) : log_(log) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new RequestLogInterceptor(log_, info);
  }

 private:
  RequestLog* const log_;
};

}  // namespace

RequestLog::RequestLog(const logging::Logger* logger)
    : logger_(logger),
      prefix_(
          absl::BytesToHexString(std::string(RandomBytes(SystemRandom(), 6)))) {
}

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
RequestLog::InterceptorFactory() {
  return std::make_unique<Factory>(this);
}

std::string RequestLog::NewRequestId() {
  return absl::StrCat(prefix_, "-",
                      next_.fetch_add(1, std::memory_order_relaxed));
}

bool IsAcceptableRequestId(absl::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (!absl::ascii_isalnum(c) && c != '.' && c != '_' && c != ':' &&
        c != '-') {
      return false;
    }
  }
  return true;
}

logging::Level LevelForStatus(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return logging::Level::kDebug;
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return logging::Level::kWarn;
    case grpc::StatusCode::INTERNAL:
    case grpc::StatusCode::UNKNOWN:
    case grpc::StatusCode::DATA_LOSS:
      return logging::Level::kError;
    default:
      return logging::Level::kInfo;
  }
}

void LoggingAuthObserver::OnDecision(absl::string_view path,
                                     interceptor::Outcome outcome,
                                     absl::string_view reason) {
  if (next_ != nullptr) next_->OnDecision(path, outcome, reason);
  logging::Level level;
  switch (outcome) {
    case interceptor::Outcome::kOpen:
    case interceptor::Outcome::kAllowed:
      return;
    case interceptor::Outcome::kUnavailable:
      level = logging::Level::kWarn;
      break;
    default:
      level = logging::Level::kInfo;
  }
  logger_->Log(level, "grpc call refused",
               {{"method", path},
                {"outcome", interceptor::OutcomeName(outcome)},
                {"reason", reason}});
}

}  // namespace identity::server
