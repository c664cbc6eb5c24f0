#include "server/keys/key_sealer.h"

#include <cstring>
#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "server/keys/testing/legacy_seal.h"

namespace identity::server {
namespace {

std::string Kek(char fill) { return std::string(KeySealer::kKekSize, fill); }

KeySealer MakeSealer(char fill = 'k') { return *KeySealer::Create(Kek(fill)); }

KeySealer Ring(char current, std::vector<char> previous,
               std::vector<char> next = {}) {
  KekRing ring;
  ring.current = Kek(current);
  for (char c : previous) ring.previous.push_back(Kek(c));
  for (char c : next) ring.next.push_back(Kek(c));
  return *KeySealer::Create(std::move(ring));
}

using testing::SealVersion1;

TEST(KeySealerTest, OpensWhatItSealed) {
  KeySealer sealer = MakeSealer();
  auto sealed = sealer.Seal("private key bytes", "kid-1");
  ASSERT_TRUE(sealed.ok());
  EXPECT_EQ(sealed->size(), 1 + 8 + 12 + 17 + 16u);
  EXPECT_EQ((*sealed)[0], '\x02');
  EXPECT_EQ(sealed->find("private key bytes"), std::string::npos);
  auto opened = sealer.Open(*sealed, "kid-1");
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(*opened, "private key bytes");
}

TEST(KeySealerTest, SealedValueNamesItsKek) {
  KeySealer sealer = MakeSealer('k');
  const std::string sealed = *sealer.Seal("x", "kid");
  EXPECT_EQ(*KeySealer::SealedKekId(sealed), KeySealer::KekId(Kek('k')));
  EXPECT_EQ(sealer.current_kek_id(), KeySealer::KekId(Kek('k')));
  EXPECT_EQ(sealer.current_kek_id().size(), 16u);
  EXPECT_NE(KeySealer::KekId(Kek('k')), KeySealer::KekId(Kek('l')));
  // The id reveals nothing of the KEK's bytes.
  EXPECT_EQ(sealed.find(Kek('k').substr(0, 8)), std::string::npos);
}

TEST(KeySealerTest, EveryNonceIsFresh) {
  KeySealer sealer = MakeSealer();
  EXPECT_NE(*sealer.Seal("same", "kid"), *sealer.Seal("same", "kid"));
}

TEST(KeySealerTest, UsesTheInjectedRandomSource) {
  auto sealer = KeySealer::Create(Kek('k'), [](uint8_t* out, size_t size) {
    std::memset(out, 0x42, size);
  });
  ASSERT_TRUE(sealer.ok());
  const std::string sealed = *sealer->Seal("x", "kid");
  EXPECT_EQ(sealed.substr(9, 12), std::string(12, '\x42'));
  EXPECT_EQ(sealed, *sealer->Seal("x", "kid"));  // Same nonce, same output.
}

TEST(KeySealerTest, RefusesAlteredValues) {
  KeySealer sealer = MakeSealer();
  const std::string sealed = *sealer.Seal("secret", "kid");
  for (size_t i = 1; i < sealed.size(); ++i) {
    std::string altered = sealed;
    altered[i] ^= 0x01;
    // An altered KEK id names a KEK nobody has; anything else fails the tag.
    EXPECT_EQ(sealer.Open(altered, "kid").status().code(),
              i < 9 ? absl::StatusCode::kFailedPrecondition
                    : absl::StatusCode::kDataLoss)
        << "byte " << i;
  }
}

TEST(KeySealerTest, RefusesAnotherContext) {
  const std::string sealed = *MakeSealer('a').Seal("secret", "kid-1");
  EXPECT_EQ(MakeSealer('a').Open(sealed, "kid-2").status().code(),
            absl::StatusCode::kDataLoss);
}

// A wrong KEK is named, not guessed at: the value says which KEK sealed it.
TEST(KeySealerTest, RefusesAValueOfAKekNotConfiguredNamingIt) {
  const std::string sealed = *MakeSealer('a').Seal("secret", "kid-1");
  auto opened = MakeSealer('b').Open(sealed, "kid-1");
  EXPECT_EQ(opened.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(opened.status().message().find(KeySealer::KekId(Kek('a'))),
            std::string::npos)
      << opened.status();
}

// The KEK id is bound: moving a value under another configured KEK's id
// does not open it.
TEST(KeySealerTest, RefusesAValueRelabelledWithAnotherKeksId) {
  KeySealer ring = Ring('a', {'b'});
  std::string sealed = *MakeSealer('b').Seal("secret", "kid");
  const std::string a_id(
      *KeySealer::SealedKekId(*MakeSealer('a').Seal("", "")));
  ASSERT_EQ(a_id, KeySealer::KekId(Kek('a')));
  std::string relabelled = sealed;
  relabelled.replace(1, 8, MakeSealer('a').Seal("", "")->substr(1, 8));
  EXPECT_EQ(ring.Open(relabelled, "kid").status().code(),
            absl::StatusCode::kDataLoss);
  EXPECT_EQ(*ring.Open(sealed, "kid"), "secret");
}

TEST(KeySealerTest, RefusesTruncatedEmptyOrUnknownVersion) {
  KeySealer sealer = MakeSealer();
  std::string sealed = *sealer.Seal("secret", "kid");
  EXPECT_EQ(sealer.Open(sealed.substr(0, 36), "kid").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(sealer.Open("", "kid").status().code(),
            absl::StatusCode::kInvalidArgument);
  sealed[0] = 0x03;
  EXPECT_EQ(sealer.Open(sealed, "kid").status().code(),
            absl::StatusCode::kInvalidArgument);
}

// A version-2 header stripped of its KEK id is no longer a valid value.
TEST(KeySealerTest, RefusesAValueWithoutItsKekId) {
  KeySealer sealer = MakeSealer();
  const std::string sealed = *sealer.Seal("secret", "kid");
  std::string stripped = sealed.substr(0, 1) + sealed.substr(9);
  EXPECT_FALSE(sealer.Open(stripped, "kid").ok());
  stripped[0] = 0x01;  // Nor does it pass for version 1.
  EXPECT_EQ(sealer.Open(stripped, "kid").status().code(),
            absl::StatusCode::kDataLoss);
}

// Backward compatibility: values sealed before KEK rotation existed open.
TEST(KeySealerTest, OpensVersion1UnderWhicheverKekOfTheRingSealedIt) {
  const std::string v1 = SealVersion1(Kek('o'), "legacy", "kid");
  EXPECT_EQ(*KeySealer::SealedKekId(v1), "");
  auto alone = MakeSealer('o').OpenWithRole(v1, "kid");
  ASSERT_TRUE(alone.ok()) << alone.status();
  EXPECT_EQ(alone->plaintext, "legacy");
  EXPECT_EQ(alone->version, 1);
  EXPECT_EQ(alone->role, KekRole::kCurrent);
  auto rotating = Ring('n', {'o'}).OpenWithRole(v1, "kid");
  ASSERT_TRUE(rotating.ok()) << rotating.status();
  EXPECT_EQ(rotating->role, KekRole::kPrevious);
  EXPECT_EQ(MakeSealer('n').Open(v1, "kid").status().code(),
            absl::StatusCode::kDataLoss);
  EXPECT_EQ(MakeSealer('o').Open(v1, "other").status().code(),
            absl::StatusCode::kDataLoss);
}

TEST(KeySealerTest, SaysWhichKekOfTheRingSealedAValue) {
  KeySealer ring = Ring('c', {'p'}, {'n'});
  EXPECT_EQ(ring.OpenWithRole(*ring.Seal("x", "k"), "k")->role,
            KekRole::kCurrent);
  EXPECT_EQ(ring.OpenWithRole(*MakeSealer('p').Seal("x", "k"), "k")->role,
            KekRole::kPrevious);
  EXPECT_EQ(ring.OpenWithRole(*MakeSealer('n').Seal("x", "k"), "k")->role,
            KekRole::kNext);
  // Only the current KEK seals.
  EXPECT_EQ(*KeySealer::SealedKekId(*ring.Seal("x", "k")),
            KeySealer::KekId(Kek('c')));
}

TEST(KeySealerTest, DerivesFromTheKekThatSealedAValue) {
  KeySealer ring = Ring('n', {'o'});
  const std::string v1 = SealVersion1(Kek('o'), "legacy", "kid");
  EXPECT_EQ(*ring.DeriveFromSealingKek(v1, "kid", "label"),
            MakeSealer('o').DeriveFromCurrentKek("label"));
  EXPECT_NE(ring.DeriveFromCurrentKek("label"),
            MakeSealer('o').DeriveFromCurrentKek("label"));
  EXPECT_FALSE(MakeSealer('n').DeriveFromSealingKek(v1, "kid", "label").ok());
}

TEST(KeySealerTest, KekMustBe32BytesAndAppearOnce) {
  EXPECT_FALSE(KeySealer::Create(std::string(31, 'k')).ok());
  EXPECT_FALSE(KeySealer::Create(std::string(33, 'k')).ok());
  EXPECT_FALSE(KeySealer::Create("").ok());
  KekRing twice;
  twice.current = Kek('a');
  twice.previous = {Kek('a')};
  EXPECT_EQ(KeySealer::Create(twice).status().code(),
            absl::StatusCode::kInvalidArgument);
  KekRing short_previous;
  short_previous.current = Kek('a');
  short_previous.next = {std::string(31, 'b')};
  EXPECT_FALSE(KeySealer::Create(short_previous).ok());
}

TEST(KeySealerTest, ParsesKekAsHexOrBase64Url) {
  const std::string hex(64, 'a');
  auto from_hex = KeySealer::ParseKek("  " + hex + "\n");
  ASSERT_TRUE(from_hex.ok());
  EXPECT_EQ(*from_hex, std::string(32, '\xaa'));
  auto from_b64 =
      KeySealer::ParseKek("qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqo");
  ASSERT_TRUE(from_b64.ok()) << from_b64.status();
  EXPECT_EQ(*from_b64, std::string(32, '\xaa'));
  EXPECT_FALSE(KeySealer::ParseKek("short").ok());
  EXPECT_FALSE(KeySealer::ParseKek(std::string(62, 'a')).ok());
  EXPECT_FALSE(KeySealer::ParseKek("").ok());
  // The error never echoes the text.
  const std::string bogus = "not-a-key-but-maybe-a-secret!";
  EXPECT_EQ(KeySealer::ParseKek(bogus).status().message().find(bogus),
            std::string::npos);
}

}  // namespace
}  // namespace identity::server
