// The JWKS cache over a real file fetcher (a file the test rewrites, as an
// operator would), with a fake clock: refresh on the interval, one refetch
// per interval however many unknown kids, the last good set through an
// outage up to its bound, and rotation reaching the validator.
#include "client/interceptor/jwks_cache.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <thread>

#include "client/interceptor/token_validator.h"
#include "gtest/gtest.h"
#include "jwt/jwk.h"
#include "jwt/jwt_signer.h"

namespace identity::interceptor {
namespace {

const absl::Time kT0 = absl::FromUnixSeconds(1'800'000'000);

// Counts the fetches reaching the real fetcher.
class CountingFetcher final : public JwksFetcher {
 public:
  CountingFetcher(std::unique_ptr<JwksFetcher> inner, std::atomic<int>* count)
      : inner_(std::move(inner)), count_(count) {}
  absl::StatusOr<FetchedJwks> Fetch() override {
    ++*count_;
    absl::StatusOr<FetchedJwks> fetched = inner_->Fetch();
    if (fetched.ok()) fetched->max_age = max_age_;
    return fetched;
  }
  // The freshness hint the next fetches carry.
  std::optional<absl::Duration> max_age_;

 private:
  std::unique_ptr<JwksFetcher> inner_;
  std::atomic<int>* count_;
};

class JwksCacheTest : public ::testing::Test {
 protected:
  JwksCacheTest()
      : path_(std::string(std::getenv("TEST_TMPDIR")
                              ? std::getenv("TEST_TMPDIR")
                              : "/tmp") +
              "/jwks-" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name() +
              ".json"),
        key1_(*jwt::Jwk::Generate(jwt::Algorithm::kES256, "k1")),
        key2_(*jwt::Jwk::Generate(jwt::Algorithm::kES256, "k2")) {
    Publish({key1_});
  }
  ~JwksCacheTest() override { std::remove(path_.c_str()); }

  void Publish(const std::vector<jwt::Jwk>& keys) {
    std::vector<jwt::Jwk> public_keys;
    for (const auto& key : keys) public_keys.push_back(key.PublicKey());
    std::ofstream(path_) << jwt::DumpJson(
        jwt::Jwks::FromKeys(public_keys)->ToPublicJson());
  }

  std::unique_ptr<JwksCache> NewCache(JwksCacheOptions options = {}) {
    auto cache = JwksCache::Create(
        std::make_unique<CountingFetcher>(FileJwksFetcher(path_), &fetches_),
        &clock_, options);
    EXPECT_TRUE(cache.ok()) << cache.status();
    return *std::move(cache);
  }

  std::string Token(const jwt::Jwk& key) {
    jwt::Claims claims;
    claims.iss = "https://id.example";
    claims.aud = {"orders-api"};
    claims.exp = absl::ToUnixSeconds(clock_.Now()) + 3600;
    return *jwt::JwtSigner::Create(key, {.typ = "at+jwt"})->Sign(claims);
  }

  // A resource server's verifier of the tokens above.
  jwt::VerifierOptions VerifierOptions() {
    jwt::VerifierOptions options;
    options.issuer = "https://id.example";
    options.audiences = {"orders-api"};
    options.required_typ = "at+jwt";
    options.clock = &clock_;
    return options;
  }

  const std::string path_;
  const jwt::Jwk key1_;
  const jwt::Jwk key2_;
  jwt::FakeClock clock_{kT0};
  std::atomic<int> fetches_{0};
};

TEST_F(JwksCacheTest, FetchesAtCreationThenOnTheInterval) {
  auto cache = NewCache({absl::Minutes(5), absl::Seconds(30), absl::Hours(1)});
  EXPECT_EQ(fetches_, 1);
  ASSERT_NE(cache->Current(), nullptr);
  EXPECT_NE(cache->Current()->FindByKid("k1"), nullptr);
  clock_.Advance(absl::Minutes(5) - absl::Seconds(1));
  EXPECT_FALSE(cache->Tick());
  clock_.Advance(absl::Seconds(1));
  EXPECT_TRUE(cache->Tick());
  EXPECT_EQ(fetches_, 2);
}

TEST_F(JwksCacheTest, ManyUnknownKidsFetchOncePerInterval) {
  auto cache = NewCache({absl::Minutes(5), absl::Seconds(30), absl::Hours(1)});
  clock_.Advance(absl::Seconds(30));
  for (int i = 0; i < 1000; ++i) {
    cache->RequestRefetch();
    cache->Tick();
  }
  EXPECT_EQ(fetches_, 2) << "one refetch for 1000 unknown kids";
  // Within the pause the request waits; it is served when the pause ends.
  cache->RequestRefetch();
  clock_.Advance(absl::Seconds(29));
  EXPECT_FALSE(cache->Tick());
  clock_.Advance(absl::Seconds(1));
  EXPECT_TRUE(cache->Tick());
  EXPECT_EQ(fetches_, 3);
  EXPECT_FALSE(cache->Tick()) << "the request was served";
}

TEST_F(JwksCacheTest, LastGoodSetServesThroughAnOutageUpToItsBound) {
  auto cache = NewCache({absl::Minutes(5), absl::Seconds(30), absl::Hours(1)});
  std::remove(path_.c_str());  // The key server is gone.
  clock_.Advance(absl::Minutes(5));
  EXPECT_TRUE(cache->Tick());
  EXPECT_EQ(cache->failed_fetches(), 1);
  EXPECT_FALSE(cache->last_error().ok());
  EXPECT_NE(cache->Current(), nullptr) << "the last good set keeps serving";
  // Retries are paced by min_refetch_interval.
  EXPECT_FALSE(cache->Tick());
  clock_.Advance(absl::Seconds(30));
  EXPECT_TRUE(cache->Tick());
  EXPECT_EQ(cache->failed_fetches(), 2);
  clock_.Advance(absl::Hours(1) - absl::Minutes(5) - absl::Seconds(30));
  EXPECT_NE(cache->Current(), nullptr);  // Exactly max_staleness old.
  clock_.Advance(absl::Seconds(1));
  EXPECT_EQ(cache->Current(), nullptr) << "too old to trust";
  Publish({key1_});  // Back.
  EXPECT_TRUE(cache->Tick());
  EXPECT_NE(cache->Current(), nullptr);
}

TEST_F(JwksCacheTest, AnUnknownKidReachesTheValidatorAfterOneRefetch) {
  auto cache = NewCache({absl::Minutes(5), absl::Seconds(30), absl::Hours(1)});
  JwksTokenValidator validator(
      *jwt::JwtVerifier::Create(VerifierOptions()),
      [&] { return cache->Current(); }, [&] { cache->RequestRefetch(); });
  EXPECT_TRUE(validator.Validate(Token(key1_)).ok());
  Publish({key1_, key2_});  // The issuer rotated in a new key.
  EXPECT_EQ(validator.Validate(Token(key2_)).status().code(),
            absl::StatusCode::kUnauthenticated);
  clock_.Advance(absl::Seconds(30));
  EXPECT_TRUE(cache->Tick()) << "the unknown kid asked for a refetch";
  EXPECT_TRUE(validator.Validate(Token(key2_)).ok());
  EXPECT_TRUE(validator.Validate(Token(key1_)).ok());
}

TEST_F(JwksCacheTest, AThousandCallsWithUnknownKidsFetchOncePerInterval) {
  auto cache = NewCache({absl::Minutes(5), absl::Seconds(30), absl::Hours(1)});
  JwksTokenValidator validator(
      *jwt::JwtVerifier::Create(VerifierOptions()),
      [&] { return cache->Current(); }, [&] { cache->RequestRefetch(); });
  clock_.Advance(absl::Seconds(30));
  for (int i = 0; i < 1000; ++i) {
    // A random kid per call, as an attacker would send.
    auto key = jwt::Jwk::Generate(jwt::Algorithm::kES256,
                                  "random-" + std::to_string(i));
    EXPECT_FALSE(validator.Validate(Token(*key)).ok());
    cache->Tick();  // What the background thread does between calls.
  }
  EXPECT_EQ(fetches_, 2) << "one fetch at creation, one for 1000 unknown kids";
}

TEST_F(JwksCacheTest, BackgroundThreadServesRequests) {
  auto cache = NewCache({absl::Minutes(5), absl::Seconds(30), absl::Hours(1)});
  cache->Start();
  clock_.Advance(absl::Seconds(30));
  cache->RequestRefetch();
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (fetches_ < 2 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(fetches_, 2);
}

TEST_F(JwksCacheTest, RefusesOptionsOutOfOrder) {
  for (const JwksCacheOptions& bad :
       {JwksCacheOptions{absl::ZeroDuration(), absl::Seconds(1),
                         absl::Hours(1)},
        JwksCacheOptions{absl::Minutes(5), absl::ZeroDuration(),
                         absl::Hours(1)},
        JwksCacheOptions{absl::Minutes(5), absl::Seconds(1),
                         absl::Minutes(1)}}) {
    EXPECT_EQ(
        JwksCache::Create(FileJwksFetcher(path_), &clock_, bad).status().code(),
        absl::StatusCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace identity::interceptor
