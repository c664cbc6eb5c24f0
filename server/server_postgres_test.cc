// identity-server replicas on one PostgreSQL database, as real processes:
// they share clients and keys, a rotation under continuous verification
// rejects no valid token, every RPC refuses bad input without changing
// anything, and a database outage is UNAVAILABLE until the database is back.
// Each test owns a scratch database on the server tests/run_all.sh starts.
#include <arpa/inet.h>
#include <grpcpp/grpcpp.h>
#include <poll.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "identity/v1/admin.grpc.pb.h"
#include "identity/v1/introspection.grpc.pb.h"
#include "identity/v1/keys.grpc.pb.h"
#include "identity/v1/token.grpc.pb.h"
#include "jwt/jws.h"
#include "jwt/jwt_verifier.h"
#include "server/grpc/testing/error_reason.h"
#include "server/testing/replica_client.h"
#include "server/testing/server_process.h"
#include "storage/testing/scratch_database.h"

namespace identity::server {
namespace {

using testing::ReasonOf;

using testing::CommandResult;
using testing::kAdminId;
using testing::kAdminSecret;
using testing::RunCommand;
using testing::ServerProcess;

constexpr char kIssuer[] = "https://id.example";

// A gRPC client of one replica.
using Replica = testing::ReplicaClient;

// Polls `done` every 5 ms until it holds or `timeout` passes; whether it held.
// Every wait in these tests is bounded: reaching the bound is a failure.
bool WaitFor(const std::function<bool()>& done,
             std::chrono::seconds timeout = std::chrono::seconds(60)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

// Sets `stop` and joins `thread` when it goes out of scope, so that a failed
// assertion ends the test instead of destroying a joinable std::thread.
class StopAndJoin {
 public:
  StopAndJoin(std::atomic<bool>* stop, std::thread* thread)
      : stop_(stop), thread_(thread) {}
  StopAndJoin(const StopAndJoin&) = delete;
  StopAndJoin& operator=(const StopAndJoin&) = delete;
  ~StopAndJoin() { Now(); }
  void Now() {
    *stop_ = true;
    if (thread_->joinable()) thread_->join();
  }

 private:
  std::atomic<bool>* const stop_;
  std::thread* const thread_;
};

std::string KidOf(const std::string& token) {
  auto jws = jwt::Jws::Parse(token, token.size());
  return jws.ok() ? jws->header().kid.value_or("") : "";
}

// A JSON string member of idctl's output: "name": "value".
std::string JsonMember(const std::string& json, const std::string& name) {
  const std::string key = "\"" + name + "\": \"";
  const size_t start = json.find(key);
  if (start == std::string::npos) return "";
  const size_t begin = start + key.size();
  return json.substr(begin, json.find('"', begin) - begin);
}

class ServerPostgresTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto database = storage::testing::ScratchDatabase::Create();
    ASSERT_TRUE(database.ok()) << database.status();
    database_ = *std::move(database);
  }

  // Starts a replica on `database_url` (the scratch database by default);
  // `cache_ttl` is its --store-cache-ttl.
  std::unique_ptr<ServerProcess> StartServer(std::string* address,
                                             std::string database_url = "",
                                             std::string cache_ttl = "1s") {
    *address = "127.0.0.1:" + std::to_string(testing::FreePort());
    return std::make_unique<ServerProcess>(std::vector<std::string>{
        "--store=postgres",
        "--database-url=" +
            (database_url.empty() ? database_->url() : database_url),
        "--grpc-listen=" + *address, std::string("--issuer=") + kIssuer,
        "--audience=orders-api", "--key-refresh-interval=1s",
        "--store-cache-ttl=" + cache_ttl});
  }

  std::unique_ptr<storage::testing::ScratchDatabase> database_;
};

TEST_F(ServerPostgresTest,
       ReplicasShareClientsAndKeysAndRotateWithoutRejections) {
  std::string address_a, address_b;
  auto server_a = StartServer(&address_a);
  Replica a(address_a);
  ASSERT_TRUE(a.WaitUntilServing());
  auto server_b = StartServer(&address_b);  // Finds A's keys in the database.
  Replica b(address_b);
  ASSERT_TRUE(b.WaitUntilServing());
  EXPECT_EQ(a.Jwks(), b.Jwks());

  // A client created through A with idctl gets tokens from B.
  const std::string idctl = "client/idctl/idctl";
  const std::string admin = absl::StrCat(" --client-id ", kAdminId,
                                         " --client-secret ", kAdminSecret);
  CommandResult created =
      RunCommand(idctl + " clients create --server " + address_a + admin +
                 " --id billing --name Billing --allow-scope orders.read");
  ASSERT_EQ(created.exit_code, 0) << created.output;
  const std::string secret = JsonMember(created.output, "client_secret");
  ASSERT_EQ(secret.size(), 43u) << created.output;
  CommandResult listed =
      RunCommand(idctl + " clients list --server " + address_b + admin);
  ASSERT_EQ(listed.exit_code, 0) << listed.output;
  EXPECT_NE(listed.output.find("\"billing\""), std::string::npos);
  EXPECT_NE(listed.output.find("\"admin\""), std::string::npos);
  v1::TokenResponse token;
  ASSERT_TRUE(b.Token("billing", secret, "orders.read", &token).ok());
  v1::IntrospectResponse introspected;
  ASSERT_TRUE(a.Introspect(token.access_token(), &introspected).ok());
  EXPECT_TRUE(introspected.active());
  EXPECT_EQ(introspected.client_id(), "billing");

  // Verifiers hold the JWKS fetched before the rotation; tokens come from
  // both replicas and are checked against it, and introspected by the
  // other replica, while A rotates and B catches up.
  auto jwks = jwt::Jwks::Parse(a.Jwks());
  ASSERT_TRUE(jwks.ok());
  jwt::VerifierOptions options;
  options.issuer = kIssuer;
  options.audiences = {"orders-api"};
  options.required_typ = "at+jwt";
  auto verifier = jwt::JwtVerifier::Create(options);
  ASSERT_TRUE(verifier.ok());
  const std::string old_kid = KidOf(token.access_token());

  std::atomic<bool> stop{false};
  std::atomic<int> verified{0}, failures{0};
  std::mutex mu;
  std::map<std::string, int> kids_seen;  // kid -> tokens, per replica below.
  std::string first_failure;
  std::thread verifier_thread([&] {
    for (int i = 0; !stop; ++i) {
      Replica& issuer = i % 2 == 0 ? a : b;
      Replica& other = i % 2 == 0 ? b : a;
      v1::TokenResponse t;
      grpc::Status s = issuer.Token("billing", secret, "", &t);
      v1::IntrospectResponse r;
      const bool ok = s.ok() &&
                      verifier->Verify(t.access_token(), *jwks).ok() &&
                      other.Introspect(t.access_token(), &r).ok() && r.active();
      std::lock_guard<std::mutex> lock(mu);
      if (ok) {
        ++verified;
        ++kids_seen[(i % 2 == 0 ? "a:" : "b:") + KidOf(t.access_token())];
      } else if (failures++ == 0) {
        first_failure = s.ok() ? "verification" : s.error_message();
      }
    }
  });
  StopAndJoin stop_verifier(&stop, &verifier_thread);
  ASSERT_TRUE(WaitFor([&] { return verified >= 20 || failures > 0; }))
      << "no token verified: " << verified << " verified, " << failures
      << " failures";
  CommandResult rotated =
      RunCommand(idctl + " keys rotate --server " + address_a + admin);
  ASSERT_EQ(rotated.exit_code, 0) << rotated.output;
  const auto rotated_at = std::chrono::steady_clock::now();
  // The kid that became current: the NEXT key the verifiers already hold.
  CommandResult keys =
      RunCommand(idctl + " keys list --server " + address_b + admin);
  ASSERT_EQ(keys.exit_code, 0) << keys.output;
  const size_t current_at = rotated.output.find("\"current\"");
  ASSERT_NE(current_at, std::string::npos) << rotated.output;
  const std::string new_kid =
      JsonMember(rotated.output.substr(current_at), "kid");
  ASSERT_NE(new_kid, old_kid);
  ASSERT_NE(jwks->FindByKid(new_kid), nullptr)
      << "the new current key was published before it signed";

  // B signs with the new key within its refresh interval (1 s).
  std::chrono::duration<double> b_caught_up{0};
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(mu);
      if (kids_seen["b:" + new_kid] > 0) {
        b_caught_up = std::chrono::steady_clock::now() - rotated_at;
        break;
      }
    }
    ASSERT_LT(std::chrono::steady_clock::now() - rotated_at,
              std::chrono::seconds(20))
        << "replica B never signed with the rotated key";
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const int target = verified + 20;
  ASSERT_TRUE(WaitFor([&] { return verified >= target || failures > 0; }))
      << "verification stalled at " << verified << " tokens";
  stop_verifier.Now();
  EXPECT_EQ(failures.load(), 0) << first_failure;
  EXPECT_GT(kids_seen["a:" + new_kid], 0);
  EXPECT_GT(kids_seen["a:" + old_kid] + kids_seen["b:" + old_kid], 0);
  std::cout << "verified " << verified << " tokens across the rotation; "
            << "replica B signed with the new key after " << b_caught_up.count()
            << " s (refresh interval 1 s)\n";
  EXPECT_EQ(a.Jwks(), b.Jwks());

  CommandResult deleted = RunCommand(idctl + " clients delete --server " +
                                     address_b + admin + " billing");
  EXPECT_EQ(deleted.exit_code, 0) << deleted.output;
  // B deleted it: B refuses at once; A, which cached the client, within its
  // --store-cache-ttl (1 s).
  EXPECT_EQ(b.Token("billing", secret, "", &token).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  const auto deleted_at = std::chrono::steady_clock::now();
  while (a.Token("billing", secret, "", &token).ok()) {
    ASSERT_LT(std::chrono::steady_clock::now() - deleted_at,
              std::chrono::seconds(10))
        << "replica A still accepts a deleted client";
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(a.Token("billing", secret, "", &token).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(server_a->Stop(), 0);
  EXPECT_EQ(server_b->Stop(), 0);
}

TEST_F(ServerPostgresTest, BadInputOnEveryRpcIsRefusedAndChangesNothing) {
  std::string address;
  auto server = StartServer(&address);
  Replica r(address);
  ASSERT_TRUE(r.WaitUntilServing());
  const std::string admin_token = r.AdminToken();
  v1::TokenResponse worker_token;
  {
    v1::CreateClientRequest request;
    request.set_client_id("worker");
    request.add_allowed_scopes("orders.read");
    v1::CreateClientResponse response;
    ASSERT_TRUE(r.admin
                    ->CreateClient(r.AdminContext(admin_token).get(), request,
                                   &response)
                    .ok());
    ASSERT_TRUE(
        r.Token("worker", response.client_secret(), "", &worker_token).ok());
  }
  const auto snapshot = [&] {
    v1::ListClientsResponse clients;
    v1::ListKeysResponse keys;
    EXPECT_TRUE(
        r.admin->ListClients(r.AdminContext(admin_token).get(), {}, &clients)
            .ok());
    EXPECT_TRUE(
        r.keys->ListKeys(r.AdminContext(admin_token).get(), {}, &keys).ok());
    return clients.SerializeAsString() + keys.SerializeAsString();
  };
  const std::string before = snapshot();

  struct Case {
    std::string name;
    std::function<grpc::Status()> call;
    grpc::StatusCode code;
    std::string reason;  // The ErrorInfo reason, "" for none.
  };
  const auto token_call = [&](std::string grant, std::string id,
                              std::string secret, std::string scope) {
    return [&r, grant, id, secret, scope] {
      grpc::ClientContext context;
      v1::TokenRequest request;
      request.set_grant_type(grant);
      request.set_client_id(id);
      request.set_client_secret(secret);
      request.set_scope(scope);
      v1::TokenResponse response;
      return r.tokens->Token(&context, request, &response);
    };
  };
  using Code = grpc::StatusCode;
  v1::CreateClientRequest bad_id;
  bad_id.set_client_id("no spaces");
  v1::CreateClientRequest bad_scope;
  bad_scope.set_client_id("fresh");
  bad_scope.add_allowed_scopes("two words");
  v1::CreateClientRequest duplicate;
  duplicate.set_client_id("worker");
  v1::GetClientRequest missing;
  missing.set_client_id("nobody");
  v1::ListClientsRequest huge_page;
  huge_page.set_page_size(5000);
  v1::ListClientsRequest bad_page_token;
  bad_page_token.set_page_token("%%%");
  v1::UpdateClientRequest update_missing;
  update_missing.set_client_id("nobody");
  v1::UpdateClientRequest update_bad;
  update_bad.set_client_id("worker");
  update_bad.add_allowed_scopes("");
  v1::DeleteClientRequest delete_missing;
  delete_missing.set_client_id("nobody");
  v1::DeleteClientRequest delete_bad;
  delete_bad.set_client_id("");

  auto create = [&](v1::CreateClientRequest req, std::string token) {
    return [&r, req, token] {
      v1::CreateClientResponse out;
      return r.admin->CreateClient(r.AdminContext(token).get(), req, &out);
    };
  };
  std::vector<Case> cases = {
      {"token: unknown grant", token_call("password", "worker", "x", ""),
       Code::INVALID_ARGUMENT, "unsupported_grant_type"},
      {"token: no grant", token_call("", "worker", "x", ""),
       Code::INVALID_ARGUMENT, "invalid_request"},
      {"token: wrong secret",
       token_call("client_credentials", "worker", "wrong", ""),
       Code::UNAUTHENTICATED, "invalid_client"},
      {"token: no client", token_call("client_credentials", "", "", ""),
       Code::UNAUTHENTICATED, "invalid_client"},
      {"token: scope not allowed",
       token_call("client_credentials", kAdminId, kAdminSecret, "orders.read"),
       Code::INVALID_ARGUMENT, "invalid_scope"},
      {"token: malformed scope",
       token_call("client_credentials", kAdminId, kAdminSecret, "a\"b"),
       Code::INVALID_ARGUMENT, "invalid_scope"},
      {"introspect: empty token",
       [&] {
         v1::IntrospectResponse out;
         return r.Introspect("", &out);
       },
       Code::INVALID_ARGUMENT, "invalid_request"},
      {"introspect: wrong caller",
       [&] {
         grpc::ClientContext context;
         v1::IntrospectRequest request;
         request.set_token(admin_token);
         request.set_client_id(kAdminId);
         request.set_client_secret("wrong");
         v1::IntrospectResponse out;
         return r.introspection->Introspect(&context, request, &out);
       },
       Code::UNAUTHENTICATED, "invalid_client"},
      {"rotate: no token",
       [&] {
         grpc::ClientContext context;
         v1::RotateKeysResponse out;
         return r.keys->RotateKeys(&context, {}, &out);
       },
       Code::UNAUTHENTICATED, ""},
      {"rotate: token without identity.admin",
       [&] {
         v1::RotateKeysResponse out;
         return r.keys->RotateKeys(
             r.AdminContext(worker_token.access_token()).get(), {}, &out);
       },
       Code::PERMISSION_DENIED, ""},
      {"list keys: bad token",
       [&] {
         v1::ListKeysResponse out;
         return r.keys->ListKeys(r.AdminContext("a.b.c").get(), {}, &out);
       },
       Code::UNAUTHENTICATED, ""},
      {"create: no admin scope", create(bad_scope, worker_token.access_token()),
       Code::PERMISSION_DENIED, ""},
      {"create: bad id", create(bad_id, admin_token), Code::INVALID_ARGUMENT,
       "invalid_request"},
      {"create: bad scope", create(bad_scope, admin_token),
       Code::INVALID_ARGUMENT, "invalid_request"},
      {"create: duplicate", create(duplicate, admin_token),
       Code::ALREADY_EXISTS, ""},
      {"get: missing",
       [&] {
         v1::Client out;
         return r.admin->GetClient(r.AdminContext(admin_token).get(), missing,
                                   &out);
       },
       Code::NOT_FOUND, ""},
      {"list: page too big",
       [&] {
         v1::ListClientsResponse out;
         return r.admin->ListClients(r.AdminContext(admin_token).get(),
                                     huge_page, &out);
       },
       Code::INVALID_ARGUMENT, "invalid_request"},
      {"list: bad page token",
       [&] {
         v1::ListClientsResponse out;
         return r.admin->ListClients(r.AdminContext(admin_token).get(),
                                     bad_page_token, &out);
       },
       Code::INVALID_ARGUMENT, "invalid_request"},
      {"update: missing",
       [&] {
         v1::Client out;
         return r.admin->UpdateClient(r.AdminContext(admin_token).get(),
                                      update_missing, &out);
       },
       Code::NOT_FOUND, ""},
      {"update: bad scope",
       [&] {
         v1::Client out;
         return r.admin->UpdateClient(r.AdminContext(admin_token).get(),
                                      update_bad, &out);
       },
       Code::INVALID_ARGUMENT, "invalid_request"},
      {"delete: missing",
       [&] {
         v1::DeleteClientResponse out;
         return r.admin->DeleteClient(r.AdminContext(admin_token).get(),
                                      delete_missing, &out);
       },
       Code::NOT_FOUND, ""},
      {"delete: empty id",
       [&] {
         v1::DeleteClientResponse out;
         return r.admin->DeleteClient(r.AdminContext(admin_token).get(),
                                      delete_bad, &out);
       },
       Code::INVALID_ARGUMENT, "invalid_request"},
  };
  for (const Case& c : cases) {
    const grpc::Status status = c.call();
    EXPECT_EQ(status.error_code(), c.code)
        << c.name << ": " << status.error_message();
    EXPECT_EQ(ReasonOf(status), c.reason) << c.name;
    EXPECT_FALSE(status.error_message().empty()) << c.name;
  }
  EXPECT_EQ(snapshot(), before) << "a refused call changed the database";
  EXPECT_EQ(server->Stop(), 0);
}

// Forwards loopback TCP connections to PostgreSQL. SetUp(false) cuts every
// open connection and closes new ones at once, as a database host that went
// away behind a stable address would; SetUp(true) forwards again.
class TcpProxy {
 public:
  TcpProxy(int listen_port, int target_port) : target_port_(target_port) {
    listener_ = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in addr = Loopback(listen_port);
    listening_ = bind(listener_, reinterpret_cast<sockaddr*>(&addr),
                      sizeof(addr)) == 0 &&
                 listen(listener_, 64) == 0;
    acceptor_ = std::thread([this] { Accept(); });
  }

  ~TcpProxy() {
    SetUp(false);
    stopping_ = true;
    acceptor_.join();
    close(listener_);
    for (auto& t : pumps_) t.join();
    for (int fd : all_) close(fd);
  }

  bool listening() const { return listening_; }

  void SetUp(bool up) {
    std::lock_guard<std::mutex> lock(mu_);
    up_ = up;
    if (up) return;
    for (int fd : open_) shutdown(fd, SHUT_RDWR);
    open_.clear();
  }

 private:
  static sockaddr_in Loopback(int port) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return addr;
  }

  void Accept() {
    while (!stopping_) {
      pollfd p{listener_, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      const int client = accept(listener_, nullptr, nullptr);
      if (client < 0) continue;
      std::lock_guard<std::mutex> lock(mu_);
      if (!up_) {
        close(client);
        continue;
      }
      const int upstream = socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in addr = Loopback(target_port_);
      if (connect(upstream, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) !=
          0) {
        close(client);
        close(upstream);
        continue;
      }
      open_.push_back(client);
      open_.push_back(upstream);
      all_.push_back(client);
      all_.push_back(upstream);
      pumps_.emplace_back([client, upstream] { Pump(client, upstream); });
    }
  }

  // Copies both ways until either side closes or is shut down.
  static void Pump(int a, int b) {
    pollfd fds[2] = {{a, POLLIN, 0}, {b, POLLIN, 0}};
    char buffer[16384];
    bool done = false;
    while (!done && poll(fds, 2, -1) > 0) {
      for (int i = 0; i < 2 && !done; ++i) {
        if (fds[i].revents == 0) continue;
        const ssize_t n = read(fds[i].fd, buffer, sizeof(buffer));
        // send(MSG_NOSIGNAL): a peer shut down by SetUp(false) must not
        // raise SIGPIPE in the test process.
        done = n <= 0 || send(fds[1 - i].fd, buffer, n, MSG_NOSIGNAL) != n;
      }
    }
    // Closed by the destructor: closing here could let a new socket reuse
    // the number while SetUp(false) still means to shut it down.
    shutdown(a, SHUT_RDWR);
    shutdown(b, SHUT_RDWR);
  }

  const int target_port_;
  int listener_ = -1;
  bool listening_ = false;
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;
  std::mutex mu_;
  bool up_ = true;
  std::vector<int> open_;  // Forwarding now.
  std::vector<int> all_;   // Every socket accepted or opened.
  std::vector<std::thread> pumps_;
};

TEST_F(ServerPostgresTest, DatabaseOutageIsUnavailableThenRecovers) {
  // The scratch database's URL, with the port of a proxy in front of it.
  const std::string url = database_->url();
  const size_t at = url.find('@');
  const size_t colon = url.find(':', at);
  const size_t slash = url.find('/', colon);
  int pg_port = 0;
  ASSERT_TRUE(
      absl::SimpleAtoi(url.substr(colon + 1, slash - colon - 1), &pg_port))
      << url;
  const int proxy_port = testing::FreePort();
  TcpProxy proxy(proxy_port, pg_port);
  ASSERT_TRUE(proxy.listening());
  const std::string proxied =
      url.substr(0, colon + 1) + std::to_string(proxy_port) + url.substr(slash);

  std::string address;
  // No cache: every call needs the database (with one, calls answered from
  // memory keep working through a short outage).
  auto server = StartServer(&address, proxied, "0");
  Replica r(address);
  ASSERT_TRUE(r.WaitUntilServing());
  v1::TokenResponse token;
  ASSERT_TRUE(r.Token(kAdminId, kAdminSecret, "", &token).ok());

  proxy.SetUp(false);  // The database is gone: connections cut and refused.
  v1::TokenResponse during;
  grpc::Status status = r.Token(kAdminId, kAdminSecret, "", &during);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << status.error_message();
  v1::IntrospectResponse introspected;
  status = r.Introspect(token.access_token(), &introspected);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << status.error_message();
  EXPECT_FALSE(r.Jwks().empty()) << "keys are served from memory";

  proxy.SetUp(true);
  // Pooled connections that broke are dropped as they are found; after that
  // every call succeeds.
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!r.Token(kAdminId, kAdminSecret, "", &during).ok()) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "never recovered";
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(r.Token(kAdminId, kAdminSecret, "", &during).ok()) << i;
    ASSERT_TRUE(r.Introspect(token.access_token(), &introspected).ok()) << i;
    EXPECT_TRUE(introspected.active());
  }
  EXPECT_EQ(server->Stop(), 0);
}

}  // namespace
}  // namespace identity::server
