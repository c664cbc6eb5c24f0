// DPoP proofs at this server: refused as invalid_dpop_proof with the reason,
// and used once (RFC 9449 §11.1).
#include "server/oauth/dpop_proof_check.h"

#include <string>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "jwt/clock.h"
#include "jwt/jwk.h"
#include "server/oauth/oauth_error.h"
#include "storage/memory/memory_store.h"

namespace identity::server {
namespace {

constexpr int64_t kNow = 1'800'000'000;
constexpr char kTokenUri[] = "https://id.example/token";

class DpopProofCheckTest : public ::testing::Test {
 protected:
  DpopProofCheck MakeCheck() {
    jwt::DpopProofOptions options;
    options.clock = &clock_;
    return *DpopProofCheck::Create(options, &store_);
  }

  std::string Proof(const jwt::Jwk& key, const std::string& jti) const {
    jwt::DpopProofClaims claims;
    claims.method = "POST";
    claims.uri = kTokenUri;
    claims.jti = jti;
    claims.issued_at = clock_.Now();
    return *jwt::SignDpopProof(key, claims);
  }

  static jwt::DpopRequest TokenRequest() {
    jwt::DpopRequest request;
    request.method = "POST";
    request.uri = kTokenUri;
    return request;
  }

  static void ExpectRefused(const absl::StatusOr<jwt::DpopProof>& result,
                            absl::string_view why) {
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(OAuthErrorCodeOf(result.status()), "invalid_dpop_proof")
        << result.status();
    EXPECT_TRUE(absl::StrContains(result.status().message(), why))
        << result.status();
  }

  jwt::FakeClock clock_{absl::FromUnixSeconds(kNow)};
  storage::MemoryStore store_;
  jwt::Jwk key_ = *jwt::Jwk::Generate(jwt::Algorithm::kES256);
};

TEST_F(DpopProofCheckTest, ValidProofGivesItsKeyThumbprint) {
  auto proof = MakeCheck().Check(Proof(key_, "a"), TokenRequest());
  ASSERT_TRUE(proof.ok()) << proof.status();
  EXPECT_EQ(proof->jkt, key_.PublicKey().Thumbprint());
}

// RFC 9449 §11.1: a proof is accepted once, by whichever replica sees it
// first (two checks on one store).
TEST_F(DpopProofCheckTest, ReplayedProofIsRefusedOnAnyReplica) {
  const std::string proof = Proof(key_, "once");
  ASSERT_TRUE(MakeCheck().Check(proof, TokenRequest()).ok());
  ExpectRefused(MakeCheck().Check(proof, TokenRequest()), "replayed");
  // A fresh proof with the same jti by the same key is a replay too.
  clock_.Advance(absl::Seconds(1));
  ExpectRefused(MakeCheck().Check(Proof(key_, "once"), TokenRequest()),
                "replayed");
}

// The jti is scoped to the key: another client's key may use the same one.
TEST_F(DpopProofCheckTest, SameJtiByAnotherKeyIsAccepted) {
  ASSERT_TRUE(MakeCheck().Check(Proof(key_, "shared"), TokenRequest()).ok());
  const jwt::Jwk other = *jwt::Jwk::Generate(jwt::Algorithm::kEdDSA);
  EXPECT_TRUE(MakeCheck().Check(Proof(other, "shared"), TokenRequest()).ok());
}

// A refused proof never reaches the store: it does not use up its jti.
TEST_F(DpopProofCheckTest, RefusedProofDoesNotUseItsJti) {
  jwt::DpopRequest elsewhere = TokenRequest();
  elsewhere.uri = "https://id.example/par";
  const std::string proof = Proof(key_, "kept");
  ExpectRefused(MakeCheck().Check(proof, elsewhere), "dpop_htu_mismatch");
  EXPECT_TRUE(MakeCheck().Check(proof, TokenRequest()).ok());
}

TEST_F(DpopProofCheckTest, EachRefusalNamesItsReason) {
  ExpectRefused(MakeCheck().Check("not.a.proof", TokenRequest()),
                "base64_invalid");
  clock_.Advance(absl::Minutes(2));
  const std::string old = Proof(key_, "old");
  clock_.Advance(absl::Minutes(2));
  ExpectRefused(MakeCheck().Check(old, TokenRequest()), "dpop_proof_too_old");
  jwt::DpopRequest with_token = TokenRequest();
  with_token.access_token = "at";
  ExpectRefused(MakeCheck().Check(Proof(key_, "no-ath"), with_token),
                "dpop_ath_mismatch");
}

// Verify stores nothing: the proof's single use starts at ClaimOnce (a
// caller verifies, authenticates the client, then claims).
TEST_F(DpopProofCheckTest, VerifyStoresNothingClaimOnceDoes) {
  const DpopProofCheck check = MakeCheck();
  const std::string proof = Proof(key_, "two-step");
  auto verified = check.Verify(proof, TokenRequest());
  ASSERT_TRUE(verified.ok()) << verified.status();
  ASSERT_TRUE(check.Verify(proof, TokenRequest()).ok());
  EXPECT_TRUE(check.ClaimOnce(*verified).ok());
  EXPECT_EQ(OAuthErrorCodeOf(check.ClaimOnce(*verified)), "invalid_dpop_proof");
  ExpectRefused(check.Check(proof, TokenRequest()), "replayed");
}

// After accepted_until the proof is too old anyway; the store may forget it.
TEST_F(DpopProofCheckTest, ReplayEntryLastsUntilTheProofExpires) {
  ASSERT_TRUE(MakeCheck().Check(Proof(key_, "purge"), TokenRequest()).ok());
  EXPECT_EQ(*store_.PurgeExpiredClaims(clock_.Now() + absl::Seconds(60)), 0);
  EXPECT_EQ(*store_.PurgeExpiredClaims(clock_.Now() + absl::Seconds(61)), 1);
}

TEST(DpopProofCheckCreateTest, NeedsAStoreAndValidOptions) {
  storage::MemoryStore store;
  EXPECT_FALSE(DpopProofCheck::Create({}, nullptr).ok());
  jwt::DpopProofOptions options;
  options.max_age = absl::ZeroDuration();
  EXPECT_EQ(DpopProofCheck::Create(options, &store).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace identity::server
