// KEK rotation under load, as an operator does it (docs/operations.md "KEK
// rotation"): two identity-server replicas on one PostgreSQL database serve
// client_credentials Token and Introspect calls without pause while each is
// restarted in turn, three times: with the new KEK as "next", with the new
// KEK current and the old one "previous" (the replicas re-seal), and with
// the new KEK alone. Every call is counted; none may fail, every token
// verifies against the JWKS fetched before the rotation, and client secrets
// (one hashed before KEK rotation existed, one after) keep working. A
// replica started without the KEK the data still needs refuses to start.
#include <grpcpp/grpcpp.h>
#include <sys/wait.h>

#include <array>
#include <atomic>
#include <chrono>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "identity/v1/introspection.grpc.pb.h"
#include "identity/v1/keys.grpc.pb.h"
#include "identity/v1/token.grpc.pb.h"
#include "jwt/jwks.h"
#include "jwt/jwt_verifier.h"
#include "server/keys/key_derivation.h"
#include "server/keys/key_sealer.h"
#include "server/oauth/client_secret.h"
#include "server/testing/replica_client.h"
#include "server/testing/server_process.h"
#include "storage/postgres/postgres_store.h"
#include "storage/testing/scratch_database.h"

namespace identity::server {
namespace {

using testing::kAdminId;
using testing::kAdminSecret;
using testing::ServerProcess;

constexpr char kIssuer[] = "https://id.example";
const std::string kOldKekHex(64, 'a');  // ServerProcess's default KEK.
const std::string kNewKekHex = std::string(32, '7') + std::string(32, 'c');
constexpr char kLegacySecret[] = "legacy-secret-hashed-before-kek-rotation";

std::chrono::system_clock::time_point In(std::chrono::seconds d) {
  return std::chrono::system_clock::now() + d;
}

using Replica = testing::ReplicaClient;

// The exit status of `process` if it exits within `timeout`.
std::optional<int> ExitWithin(ServerProcess& process,
                              std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (auto status = process.TryWait(); status.has_value()) return status;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return std::nullopt;
}

class KekRotationPostgresTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto database = storage::testing::ScratchDatabase::Create();
    ASSERT_TRUE(database.ok()) << database.status();
    database_ = *std::move(database);
    const char* tmp = std::getenv("TEST_TMPDIR");
    const std::string dir = tmp != nullptr ? tmp : "/tmp";
    old_kek_file_ = dir + "/old.kek";
    new_kek_file_ = dir + "/new.kek";
    std::ofstream(old_kek_file_) << kOldKekHex << "\n";
    std::ofstream(new_kek_file_) << kNewKekHex << "\n";
    storage::PoolOptions pool;
    pool.url = database_->url();
    pool.size = 1;
    auto store = storage::PostgresStore::Open(pool);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
  }

  // A replica: `kek_hex` current, plus the given flags.
  std::unique_ptr<ServerProcess> Start(const std::string& kek_hex,
                                       std::vector<std::string> flags,
                                       std::string* address) {
    *address = "127.0.0.1:" + std::to_string(testing::FreePort());
    std::vector<std::string> args = {
        "--store=postgres",          "--database-url=" + database_->url(),
        "--grpc-listen=" + *address, std::string("--issuer=") + kIssuer,
        "--audience=orders-api",     "--key-refresh-interval=1s",
        "--store-cache-ttl=1s"};
    args.insert(args.end(), flags.begin(), flags.end());
    return std::make_unique<ServerProcess>(
        args, std::vector<std::string>{"IDENTITY_KEK=" + kek_hex});
  }

  // The KEK ids of every sealed value in the database ("" for version 1).
  std::vector<std::string> SealedKekIds() {
    std::vector<std::string> ids;
    const auto keys = store_->ListSigningKeys().value();
    for (const auto& key : keys) {
      ids.push_back(
          KeySealer::SealedKekId(key.sealed_private_jwk).value_or("?"));
    }
    const auto secrets = store_->ListSealedSecrets().value();
    for (const auto& secret : secrets) {
      ids.push_back(KeySealer::SealedKekId(secret.sealed).value_or("?"));
    }
    return ids;
  }

  bool AllSealedUnder(const std::string& kek_hex) {
    const std::string id = KeySealer::KekId(absl::HexStringToBytes(kek_hex));
    for (const std::string& sealed_by : SealedKekIds()) {
      if (sealed_by != id) return false;
    }
    return true;
  }

  std::unique_ptr<storage::testing::ScratchDatabase> database_;
  std::unique_ptr<storage::PostgresStore> store_;
  std::string old_kek_file_, new_kek_file_;
};

TEST_F(KekRotationPostgresTest, RotatesTheKekUnderLoadWithoutAFailedCall) {
  // Two replicas on the old KEK.
  std::array<std::string, 2> addresses;
  std::array<std::unique_ptr<ServerProcess>, 2> servers;
  std::mutex mu;
  std::array<std::shared_ptr<Replica>, 2> up;  // Null while restarting.
  for (int i = 0; i < 2; ++i) {
    servers[i] = Start(kOldKekHex, {}, &addresses[i]);
    auto replica = std::make_shared<Replica>(addresses[i]);
    ASSERT_TRUE(
        replica->channel->WaitForConnected(In(std::chrono::seconds(30))));
    up[i] = replica;
  }
  // A client whose secret was hashed as the server did before KEK rotation
  // existed: "v1:" under a key derived from the (old) KEK.
  auto legacy_hasher = ClientSecretHasher::Create(DeriveSubkey(
      absl::HexStringToBytes(kOldKekHex), "identity client-secret hash v1"));
  ASSERT_TRUE(legacy_hasher.ok());
  storage::ClientRecord legacy;
  legacy.client_id = "legacy";
  legacy.name = "Legacy";
  legacy.secret_hash = "v1:" + legacy_hasher->Hash(kLegacySecret).substr(3);
  legacy.grant_types = {"client_credentials"};
  legacy.created_at = legacy.updated_at = absl::Now();
  ASSERT_TRUE(store_->CreateClient(legacy).ok());

  auto jwks = jwt::Jwks::Parse(up[0]->Jwks());
  ASSERT_TRUE(jwks.ok());
  jwt::VerifierOptions options;
  options.issuer = kIssuer;
  options.audiences = {"orders-api"};
  options.required_typ = "at+jwt";
  auto verifier = jwt::JwtVerifier::Create(options);
  ASSERT_TRUE(verifier.ok());

  // The load: Token from one replica, Introspect on the other (or the same
  // when only one is up), alternating the clients; bounded by `stop` and by
  // kMaxCalls.
  constexpr int kMaxCalls = 200000;
  std::atomic<bool> stop{false};
  std::atomic<int> calls{0}, verified{0}, failures{0};
  std::string first_failure;
  std::thread load([&] {
    for (int i = 0; !stop && i < kMaxCalls; ++i) {
      std::shared_ptr<Replica> issuer, checker;
      {
        std::lock_guard<std::mutex> lock(mu);
        issuer = up[i % 2] ? up[i % 2] : up[(i + 1) % 2];
        checker = up[(i + 1) % 2] ? up[(i + 1) % 2] : up[i % 2];
      }
      const bool legacy_client = i % 4 < 2;
      v1::TokenResponse t;
      grpc::Status s = legacy_client
                           ? issuer->Token("legacy", kLegacySecret, "", &t)
                           : issuer->Token(kAdminId, kAdminSecret, "", &t);
      v1::IntrospectResponse r;
      grpc::Status si;
      const bool ok =
          s.ok() && verifier->Verify(t.access_token(), *jwks).ok() &&
          (si = checker->Introspect(t.access_token(), &r)).ok() && r.active();
      calls += 2;
      std::lock_guard<std::mutex> lock(mu);
      if (ok) {
        ++verified;
      } else if (failures++ == 0) {
        first_failure = !s.ok()    ? "Token: " + s.error_message()
                        : !si.ok() ? "Introspect: " + si.error_message()
                                   : "verification or inactive";
      }
    }
  });
  struct Joiner {
    std::atomic<bool>* stop;
    std::thread* thread;
    ~Joiner() {
      *stop = true;
      if (thread->joinable()) thread->join();
    }
  } joiner{&stop, &load};
  auto wait_verified = [&](int more) {
    const int target = verified + more;
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (verified < target && failures == 0 &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return verified >= target;
  };
  ASSERT_TRUE(wait_verified(20)) << first_failure;

  // One replica at a time: out of the load, drained, started anew.
  auto restart = [&](int i, const std::string& kek_hex,
                     std::vector<std::string> flags) {
    std::shared_ptr<Replica> old;
    {
      std::lock_guard<std::mutex> lock(mu);
      old = std::move(up[i]);
    }
    // As a load balancer does: no new calls, the ones under way finish.
    const auto drained_by =
        std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (old.use_count() > 1 &&
           std::chrono::steady_clock::now() < drained_by) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    EXPECT_EQ(servers[i]->Stop(), 0);
    servers[i] = Start(kek_hex, std::move(flags), &addresses[i]);
    auto replica = std::make_shared<Replica>(addresses[i]);
    if (!replica->channel->WaitForConnected(In(std::chrono::seconds(30)))) {
      return false;
    }
    std::lock_guard<std::mutex> lock(mu);
    up[i] = replica;
    return true;
  };
  const std::string next_flag = "--next-kek-files=" + new_kek_file_;
  const std::string previous_flag = "--previous-kek-files=" + old_kek_file_;

  // 1: every replica learns the new KEK; nothing is sealed under it yet.
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(restart(i, kOldKekHex, {next_flag})) << "phase 1, " << i;
    ASSERT_TRUE(wait_verified(20)) << first_failure;
  }
  EXPECT_TRUE(AllSealedUnder(kOldKekHex));
  {  // Retiring the old KEK now would strand everything: refused, exit 2.
    std::string address;
    auto too_early = Start(kNewKekHex, {}, &address);
    EXPECT_EQ(ExitWithin(*too_early, std::chrono::seconds(30)), 2);
  }

  // 2: the new KEK becomes current; the replicas re-seal under it.
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(restart(i, kNewKekHex, {previous_flag})) << "phase 2, " << i;
    ASSERT_TRUE(wait_verified(20)) << first_failure;
  }
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!AllSealedUnder(kNewKekHex)) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline)
        << "values still sealed under the old KEK";
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  const size_t sealed_values = SealedKekIds().size();

  // 3: the old KEK retired.
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(restart(i, kNewKekHex, {})) << "phase 3, " << i;
    ASSERT_TRUE(wait_verified(20)) << first_failure;
  }
  {  // And the old KEK alone no longer opens anything.
    std::string address;
    auto old_only = Start(kOldKekHex, {}, &address);
    EXPECT_EQ(ExitWithin(*old_only, std::chrono::seconds(30)), 2);
  }
  ASSERT_TRUE(wait_verified(20)) << first_failure;
  stop = true;
  load.join();
  EXPECT_EQ(failures.load(), 0) << first_failure;
  EXPECT_EQ(up[0]->Jwks(), up[1]->Jwks());
  std::cout << calls << " calls (Token + Introspect) across the KEK rotation, "
            << failures << " failed; " << verified << " tokens verified; "
            << sealed_values << " sealed values re-sealed under the new KEK\n";
  for (auto& server : servers) EXPECT_EQ(server->Stop(), 0);
}

}  // namespace
}  // namespace identity::server
