// loadgen: a closed-loop gRPC load generator for identity-server's
// TokenService.Token (client_credentials) and IntrospectionService.Introspect.
//
//   IDENTITY_CLIENT_SECRET=... bazel-bin/bench/loadgen --target=127.0.0.1:50051
//       --rpc=token --concurrency=32 --channels=4 --warmup=2 --duration=10
//       --client-id=bench [--server-pid=PID] [--postgres-pid=PID]
//
// `--concurrency` callers each keep exactly one call outstanding (callback
// API), spread round-robin over `--channels` channels (one HTTP/2 connection
// each). For `introspect` one token is obtained with Token first and then
// introspected over and over; the caller authenticates with the
// client_id/client_secret fields in both cases.
//
// Calls that complete within the measurement window (after `--warmup`, for
// `--duration` seconds) are counted and their latencies kept; errors are
// counted by status code over the whole run, warm-up included (an introspect
// answered `active: false` counts as error "INACTIVE"). With `--server-pid`
// and `--postgres-pid` (the postmaster; its child processes are included) the
// CPU time those processes used within the window is reported per call, as is
// the loadgen's own.
//
// Prints a human-readable summary, then one JSON line for scripts. Exit
// status: 0 when every call succeeded, 1 when any failed, 2 on bad usage.
#include <dirent.h>
#include <grpcpp/grpcpp.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "identity/v1/admin.grpc.pb.h"
#include "identity/v1/introspection.grpc.pb.h"
#include "identity/v1/token.grpc.pb.h"

namespace identity::bench {
namespace {

using Clock = std::chrono::steady_clock;
using v1::IntrospectionService;
using v1::TokenService;

constexpr int kInactive = -1;  // Error "code" of an introspection not active.

struct Options {
  std::string target = "127.0.0.1:50051";
  std::string rpc = "token";
  int concurrency = 1;
  int channels = 1;
  double warmup = 2;
  double duration = 10;
  double deadline = 10;
  std::string client_id = "bench";
  std::string client_secret;
  int server_pid = 0;
  int postgres_pid = 0;
  // refresh and authorize: made by Provision (a user, and a client allowed
  // authorization_code and refresh_token).
  std::string username;
  std::string password;
  std::string redirect_uri = "https://bench.example/callback";
};

// A fixed PKCE pair (RFC 7636 Appendix B): the load is on the server.
constexpr char kVerifier[] = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
constexpr char kChallenge[] = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

constexpr char kUsage[] =
    "usage: loadgen --target=HOST:PORT "
    "--rpc=token|introspect|refresh|authorize\n"
    "  [--concurrency=N] [--channels=K] [--warmup=S] [--duration=S]\n"
    "  [--deadline=S] [--client-id=ID] [--client-secret=SECRET]\n"
    "  [--server-pid=PID] [--postgres-pid=PID]\n"
    "The secret may come from IDENTITY_CLIENT_SECRET instead.\n"
    "refresh and authorize: the client must have scope identity.admin; the\n"
    "loadgen registers a user and a client of its own with it. refresh: each\n"
    "caller rotates its own refresh token chain; authorize: one call is\n"
    "Authorize (an Argon2id login) then Token with the code.\n";

// Accepts --name=value and --name value.
std::optional<Options> ParseArgs(int argc, char** argv) {
  Options o;
  if (const char* secret = std::getenv("IDENTITY_CLIENT_SECRET")) {
    o.client_secret = secret;
  }

  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i], value;
    if (arg.rfind("--", 0) != 0) return std::nullopt;
    const size_t eq = arg.find('=');
    if (eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      return std::nullopt;
    }
    bool ok = true;
    if (arg == "--target") {
      o.target = value;
    } else if (arg == "--rpc") {
      o.rpc = value;
    } else if (arg == "--client-id") {
      o.client_id = value;
    } else if (arg == "--client-secret") {
      o.client_secret = value;
    } else if (arg == "--concurrency") {
      ok = absl::SimpleAtoi(value, &o.concurrency) && o.concurrency > 0;
    } else if (arg == "--channels") {
      ok = absl::SimpleAtoi(value, &o.channels) && o.channels > 0;
    } else if (arg == "--warmup") {
      ok = absl::SimpleAtod(value, &o.warmup) && o.warmup >= 0;
    } else if (arg == "--duration") {
      ok = absl::SimpleAtod(value, &o.duration) && o.duration > 0;
    } else if (arg == "--deadline") {
      ok = absl::SimpleAtod(value, &o.deadline) && o.deadline > 0;
    } else if (arg == "--server-pid") {
      ok = absl::SimpleAtoi(value, &o.server_pid);
    } else if (arg == "--postgres-pid") {
      ok = absl::SimpleAtoi(value, &o.postgres_pid);
    } else {
      ok = false;
    }
    if (!ok) return std::nullopt;
  }
  if (o.rpc != "token" && o.rpc != "introspect" && o.rpc != "refresh" &&
      o.rpc != "authorize") {
    return std::nullopt;
  }
  if (o.client_secret.empty()) return std::nullopt;

  return o;
}

// utime + stime of a process and its parent pid, from /proc/PID/stat.
struct ProcStat {
  long ticks = 0;
  int ppid = 0;
};

std::optional<ProcStat> ReadProcStat(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return std::nullopt;
  const size_t paren = line.rfind(')');  // comm may hold spaces.
  if (paren == std::string::npos) return std::nullopt;
  std::vector<std::string> f = absl::StrSplit(line.substr(paren + 2), ' ');
  // f[0] is field 3 (state): ppid is field 4, utime 14, stime 15.
  ProcStat stat;
  long utime = 0, stime = 0;
  if (f.size() < 13 || !absl::SimpleAtoi(f[1], &stat.ppid) ||
      !absl::SimpleAtoi(f[11], &utime) || !absl::SimpleAtoi(f[12], &stime)) {
    return std::nullopt;
  }
  stat.ticks = utime + stime;
  return stat;
}

// CPU seconds used so far by `pid`, and by its children if asked.
double CpuSeconds(int pid, bool with_children) {
  long ticks = 0;
  if (auto own = ReadProcStat(pid)) ticks += own->ticks;
  if (with_children) {
    if (DIR* dir = opendir("/proc")) {
      while (dirent* entry = readdir(dir)) {
        int child = 0;
        if (!absl::SimpleAtoi(entry->d_name, &child)) continue;
        auto stat = ReadProcStat(child);
        if (stat && stat->ppid == pid) ticks += stat->ticks;
      }
      closedir(dir);
    }
  }
  return static_cast<double>(ticks) / sysconf(_SC_CLK_TCK);
}

double OwnCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// What all callers share.
// The user's login for the client's code (Authorize).
v1::AuthorizeRequest LoginRequest(const Options& o) {
  v1::AuthorizeRequest request;
  request.set_response_type("code");
  request.set_client_id(o.client_id);
  request.set_redirect_uri(o.redirect_uri);
  request.set_scope("openid profile email");
  request.set_code_challenge(kChallenge);
  request.set_code_challenge_method("S256");
  request.set_username(o.username);
  request.set_password(o.password);
  return request;
}

struct Run {
  Options options;
  Clock::time_point window_start, window_end;
  std::atomic<bool> stopping{false};
  absl::Mutex mu;
  int running ABSL_GUARDED_BY(mu) = 0;
};

// One closed-loop caller: one call outstanding, the next started from the
// completion callback. Only one callback of a caller runs at a time, so its
// fields need no lock.
class Caller {
 public:
  Caller(Run* run, TokenService::Stub* token, IntrospectionService::Stub* intro,
         const std::string& access_token)
      : run_(run), token_stub_(token), intro_stub_(intro) {
    const Options& o = run->options;
    authorize_request_ = LoginRequest(o);
    token_request_.set_grant_type("client_credentials");
    token_request_.set_client_id(o.client_id);
    token_request_.set_client_secret(o.client_secret);
    intro_request_.set_token(access_token);
    intro_request_.set_token_type_hint("access_token");
    intro_request_.set_client_id(o.client_id);
    intro_request_.set_client_secret(o.client_secret);
  }

  // refresh: the first refresh token of this caller's chain.
  void set_refresh_token(std::string token) {
    token_request_.set_grant_type("refresh_token");
    token_request_.set_refresh_token(std::move(token));
  }

  void Start() {
    NewContext();
    started_ = Clock::now();
    auto done = [this](grpc::Status status) { Done(status); };
    const std::string& rpc = run_->options.rpc;
    if (rpc == "authorize") {
      // Authorize, then Token with the code; the pair is one call.
      authorize_response_.Clear();
      token_stub_->async()->Authorize(
          context_.get(), &authorize_request_, &authorize_response_,
          [this](grpc::Status status) {
            if (!status.ok()) return Done(status);
            NewContext();
            token_request_.set_grant_type("authorization_code");
            token_request_.set_code(authorize_response_.code());
            token_request_.set_redirect_uri(run_->options.redirect_uri);
            token_request_.set_code_verifier(kVerifier);
            token_response_.Clear();
            token_stub_->async()->Token(
                context_.get(), &token_request_, &token_response_,
                [this](grpc::Status status) { Done(status); });
          });
    } else if (rpc == "token" || rpc == "refresh") {
      token_response_.Clear();
      token_stub_->async()->Token(context_.get(), &token_request_,
                                  &token_response_, done);
    } else {
      intro_response_.Clear();
      intro_stub_->async()->Introspect(context_.get(), &intro_request_,
                                       &intro_response_, done);
    }
  }

  const std::vector<uint32_t>& latencies_us() const { return latencies_us_; }
  const std::map<int, int64_t>& errors() const { return errors_; }

 private:
  void NewContext() {
    context_ = std::make_unique<grpc::ClientContext>();
    context_->set_deadline(
        std::chrono::system_clock::now() +
        std::chrono::duration_cast<std::chrono::system_clock::duration>(
            std::chrono::duration<double>(run_->options.deadline)));
  }

  void Done(const grpc::Status& status) {
    const Clock::time_point now = Clock::now();
    int error = status.error_code();
    const bool token_rpc = run_->options.rpc != "introspect";
    if (status.ok() && run_->options.rpc == "refresh") {
      // The next call presents the token this one returned.
      token_request_.set_refresh_token(token_response_.refresh_token());
    }
    if (status.ok() && token_rpc && token_response_.access_token().empty()) {
      error = grpc::StatusCode::INTERNAL;
    } else if (status.ok() && run_->options.rpc == "introspect" &&
               !intro_response_.active()) {
      error = kInactive;
    }
    if (error != grpc::StatusCode::OK) {
      ++errors_[error];
    } else if (now >= run_->window_start && now <= run_->window_end) {
      latencies_us_.push_back(static_cast<uint32_t>(
          std::chrono::duration_cast<std::chrono::microseconds>(now - started_)
              .count()));
    }
    if (now < run_->window_end && !run_->stopping.load()) {
      Start();
      return;
    }
    absl::MutexLock lock(&run_->mu);
    --run_->running;
  }

  Run* const run_;
  TokenService::Stub* const token_stub_;
  IntrospectionService::Stub* const intro_stub_;
  std::unique_ptr<grpc::ClientContext> context_;
  Clock::time_point started_;
  v1::AuthorizeRequest authorize_request_;
  v1::AuthorizeResponse authorize_response_;
  v1::TokenRequest token_request_;
  v1::TokenResponse token_response_;
  v1::IntrospectRequest intro_request_;
  v1::IntrospectResponse intro_response_;
  std::vector<uint32_t> latencies_us_;
  std::map<int, int64_t> errors_;
};

// gRPC and absl share their status codes.
std::string CodeName(int code) {
  if (code == kInactive) return "INACTIVE";
  return absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
}

// Nearest-rank percentile of sorted values.
uint32_t Percentile(const std::vector<uint32_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  const auto rank = static_cast<size_t>(std::ceil(p * sorted.size()));
  return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
}

// Registers a user and a client for the refresh and authorize loads, as
// the admin client of `o`, and makes `o` use them.
absl::Status Provision(const std::shared_ptr<grpc::Channel>& channel,
                       Options& o) {
  const std::string suffix = absl::StrCat(
      std::chrono::steady_clock::now().time_since_epoch().count() % 1000000007);
  grpc::ClientContext token_context;
  v1::TokenRequest token_request;
  token_request.set_grant_type("client_credentials");
  token_request.set_client_id(o.client_id);
  token_request.set_client_secret(o.client_secret);
  token_request.set_scope("identity.admin");
  v1::TokenResponse admin;
  grpc::Status status = TokenService::NewStub(channel)->Token(
      &token_context, token_request, &admin);
  if (!status.ok()) {
    return absl::UnavailableError("an identity.admin token: " +
                                  status.error_message());
  }
  auto stub = v1::AdminService::NewStub(channel);
  auto context = [&] {
    auto c = std::make_unique<grpc::ClientContext>();
    c->AddMetadata("authorization", "Bearer " + admin.access_token());
    return c;
  };
  o.username = "bench-" + suffix;
  o.password = "bench password " + suffix;
  v1::CreateUserRequest user;
  user.set_username(o.username);
  user.set_password(o.password);
  user.set_name("Bench User");
  user.set_email(o.username + "@bench.example");
  v1::User created_user;
  status = stub->CreateUser(context().get(), user, &created_user);
  if (!status.ok()) {
    return absl::UnavailableError("CreateUser: " + status.error_message());
  }
  v1::CreateClientRequest client;
  client.set_client_id("bench-web-" + suffix);
  client.add_redirect_uris(o.redirect_uri);
  client.add_grant_types("authorization_code");
  client.add_grant_types("refresh_token");
  v1::CreateClientResponse created_client;
  status = stub->CreateClient(context().get(), client, &created_client);
  if (!status.ok()) {
    return absl::UnavailableError("CreateClient: " + status.error_message());
  }
  o.client_id = created_client.client().client_id();
  o.client_secret = created_client.client_secret();
  return absl::OkStatus();
}

struct Stubs {
  std::vector<std::unique_ptr<TokenService::Stub>> token;
  std::vector<std::unique_ptr<IntrospectionService::Stub>> introspection;
};

// Distinct channel args and a local subchannel pool: K real connections.
absl::StatusOr<Stubs> Connect(const Options& o) {
  Stubs stubs;
  for (int i = 0; i < o.channels; ++i) {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    args.SetInt("identity.loadgen.channel", i);
    auto channel = grpc::CreateCustomChannel(
        o.target, grpc::InsecureChannelCredentials(), args);
    if (!channel->WaitForConnected(std::chrono::system_clock::now() +
                                   std::chrono::seconds(10))) {
      return absl::UnavailableError("cannot connect to " + o.target);
    }
    stubs.token.push_back(TokenService::NewStub(channel));
    stubs.introspection.push_back(IntrospectionService::NewStub(channel));
  }
  return stubs;
}

absl::Status Failed(absl::string_view what, const grpc::Status& status) {
  return absl::UnavailableError(absl::StrCat(
      what, ": ", CodeName(status.error_code()), " ", status.error_message()));
}

// The token the introspect callers introspect.
absl::StatusOr<std::string> ClientToken(const Options& o,
                                        TokenService::Stub* stub) {
  grpc::ClientContext context;
  v1::TokenRequest request;
  v1::TokenResponse response;
  request.set_grant_type("client_credentials");
  request.set_client_id(o.client_id);
  request.set_client_secret(o.client_secret);
  grpc::Status status = stub->Token(&context, request, &response);
  if (!status.ok()) return Failed("Token failed", status);
  return response.access_token();
}

// A user's refresh token: one login and one code exchange.
absl::StatusOr<std::string> LogIn(const Options& o, TokenService::Stub* stub) {
  const v1::AuthorizeRequest authorize = LoginRequest(o);
  v1::AuthorizeResponse code;
  grpc::ClientContext authorize_context;
  grpc::Status status = stub->Authorize(&authorize_context, authorize, &code);
  if (!status.ok()) return Failed("cannot get a refresh token", status);
  v1::TokenRequest exchange;
  exchange.set_grant_type("authorization_code");
  exchange.set_client_id(o.client_id);
  exchange.set_client_secret(o.client_secret);
  exchange.set_code(code.code());
  exchange.set_redirect_uri(o.redirect_uri);
  exchange.set_code_verifier(kVerifier);
  v1::TokenResponse tokens;
  grpc::ClientContext token_context;
  status = stub->Token(&token_context, exchange, &tokens);
  if (!status.ok() || tokens.refresh_token().empty()) {
    return Failed("cannot get a refresh token", status);
  }
  return tokens.refresh_token();
}

// The callers, each ready for its first call.
absl::StatusOr<std::vector<std::unique_ptr<Caller>>> MakeCallers(
    Run& run, const Stubs& stubs) {
  const Options& o = run.options;
  std::string access_token;
  if (o.rpc == "introspect") {
    auto token = ClientToken(o, stubs.token[0].get());
    if (!token.ok()) return token.status();
    access_token = *std::move(token);
  }
  std::vector<std::unique_ptr<Caller>> callers;
  for (int i = 0; i < o.concurrency; ++i) {
    callers.push_back(std::make_unique<Caller>(
        &run, stubs.token[i % o.channels].get(),
        stubs.introspection[i % o.channels].get(), access_token));
    if (o.rpc == "refresh") {
      // Each caller rotates a chain of its own: log in once per caller.
      auto refresh_token = LogIn(o, stubs.token[i % o.channels].get());
      if (!refresh_token.ok()) return refresh_token.status();
      callers.back()->set_refresh_token(*refresh_token);
    }
  }
  return callers;
}

// CPU seconds of loadgen, the server and PostgreSQL over the window.
struct CpuUse {
  double client = 0, server = 0, postgres = 0;
};

// Starts the callers, measures over the window, and waits for them all.
CpuUse Measure(Run& run, std::vector<std::unique_ptr<Caller>>& callers) {
  const Options& o = run.options;
  auto seconds = [](double s) {
    return std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(s));
  };
  run.window_start = Clock::now() + seconds(o.warmup);
  run.window_end = run.window_start + seconds(o.duration);
  {
    absl::MutexLock lock(&run.mu);
    run.running = o.concurrency;
  }
  for (auto& caller : callers) caller->Start();
  auto sample = [&o] {
    return CpuUse{OwnCpuSeconds(),
                  o.server_pid ? CpuSeconds(o.server_pid, false) : 0,
                  o.postgres_pid ? CpuSeconds(o.postgres_pid, true) : 0};
  };
  std::this_thread::sleep_until(run.window_start);
  const CpuUse before = sample();
  std::this_thread::sleep_until(run.window_end);
  const CpuUse after = sample();
  run.stopping = true;
  absl::MutexLock lock(&run.mu);
  auto idle = [&run]() ABSL_SHARED_LOCKS_REQUIRED(run.mu) {
    return run.running == 0;
  };
  run.mu.Await(absl::Condition(&idle));
  return CpuUse{after.client - before.client, after.server - before.server,
                after.postgres - before.postgres};
}

// Prints the text summary and the JSON line; the exit status.
int Report(const Options& o,
           const std::vector<std::unique_ptr<Caller>>& callers,
           const CpuUse& cpu) {
  std::vector<uint32_t> all;
  std::map<int, int64_t> errors;
  int64_t error_count = 0;
  for (const auto& caller : callers) {
    all.insert(all.end(), caller->latencies_us().begin(),
               caller->latencies_us().end());
    for (const auto& [code, n] : caller->errors()) {
      errors[code] += n;
      error_count += n;
    }
  }
  std::sort(all.begin(), all.end());
  const double calls = static_cast<double>(all.size());
  const double rate = calls / o.duration;
  const uint32_t p50 = Percentile(all, 0.50), p90 = Percentile(all, 0.90),
                 p99 = Percentile(all, 0.99),
                 max = all.empty() ? 0 : all.back();
  auto per_call_us = [calls](double seconds) {
    return calls > 0 ? seconds * 1e6 / calls : 0.0;
  };
  std::string error_text, error_json;
  for (const auto& [code, n] : errors) {
    absl::StrAppend(&error_text, " ", CodeName(code), "=", n);
    absl::StrAppend(&error_json, error_json.empty() ? "" : ",", "\"",
                    CodeName(code), "\":", n);
  }
  std::printf(
      "rpc %s  concurrency %d  channels %d  window %.1f s (after %.1f s "
      "warm-up)\n"
      "  calls %.0f  errors %lld%s  rate %.0f calls/s\n"
      "  latency ms: p50 %.3f  p90 %.3f  p99 %.3f  max %.3f\n"
      "  cpu us/call: loadgen %.1f",
      o.rpc.c_str(), o.concurrency, o.channels, o.duration, o.warmup, calls,
      static_cast<long long>(error_count), error_text.c_str(), rate, p50 / 1e3,
      p90 / 1e3, p99 / 1e3, max / 1e3, per_call_us(cpu.client));
  if (o.server_pid) std::printf("  server %.1f", per_call_us(cpu.server));
  if (o.postgres_pid) std::printf("  postgres %.1f", per_call_us(cpu.postgres));
  std::printf(
      "\n{\"rpc\":\"%s\",\"concurrency\":%d,\"channels\":%d,"
      "\"duration_s\":%g,\"calls\":%.0f,\"errors\":%lld,"
      "\"errors_by_code\":{%s},\"rate\":%.1f,\"p50_us\":%u,\"p90_us\":%u,"
      "\"p99_us\":%u,\"max_us\":%u,\"loadgen_cpu_us_per_call\":%.1f,"
      "\"server_cpu_us_per_call\":%.1f,\"postgres_cpu_us_per_call\":%.1f}\n",
      o.rpc.c_str(), o.concurrency, o.channels, o.duration, calls,
      static_cast<long long>(error_count), error_json.c_str(), rate, p50, p90,
      p99, max, per_call_us(cpu.client), per_call_us(cpu.server),
      per_call_us(cpu.postgres));
  std::fflush(stdout);
  return error_count == 0 && calls > 0 ? 0 : 1;
}

int Main(int argc, char** argv) {
  std::optional<Options> options = ParseArgs(argc, argv);
  if (!options.has_value()) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  // Debian's absl is built without NDEBUG, so absl::Mutex (gRPC's locks
  // included) runs its deadlock detector; the client should not pay for it.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  Run run;
  run.options = *options;
  const Options& o = run.options;
  auto fail = [](const absl::Status& status) {
    std::fprintf(stderr, "loadgen: %s\n",
                 std::string(status.message()).c_str());
    return 1;
  };
  auto stubs = Connect(o);
  if (!stubs.ok()) return fail(stubs.status());
  if (o.rpc == "refresh" || o.rpc == "authorize") {
    auto admin_channel = grpc::CreateCustomChannel(
        o.target, grpc::InsecureChannelCredentials(), grpc::ChannelArguments());
    if (absl::Status s = Provision(admin_channel, run.options); !s.ok()) {
      return fail(s);
    }
  }
  auto callers = MakeCallers(run, *stubs);
  if (!callers.ok()) return fail(callers.status());
  const CpuUse cpu = Measure(run, *callers);
  return Report(o, *callers, cpu);
}

}  // namespace
}  // namespace identity::bench

int main(int argc, char** argv) { return identity::bench::Main(argc, argv); }
