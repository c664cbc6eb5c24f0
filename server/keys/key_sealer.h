// Encryption at rest for the server's private signing keys and other sealed
// secrets (SPEC "Keys"): AES-256-GCM under a key-encryption key (KEK) from
// configuration, with a key ring so that the KEK can be rotated
// (docs/operations.md "KEK rotation").
#ifndef IDENTITY_SERVER_KEYS_KEY_SEALER_H_
#define IDENTITY_SERVER_KEYS_KEY_SEALER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/random_source.h"

namespace identity::server {

// The KEKs a replica holds (each 32 bytes).
struct KekRing {
  // Seals everything this replica seals.
  std::string current;
  // Open only; what they sealed is re-sealed under `current`
  // (kek_rotation.h). The KEKs a rotation moves away from.
  std::vector<std::string> previous;
  // Open only, and never re-sealed away from: the KEK a rotation moves to,
  // held by every replica before any replica seals under it.
  std::vector<std::string> next;
};

// Which of the ring's KEKs sealed a value.
enum class KekRole { kCurrent, kPrevious, kNext };

// Seals and opens byte strings with AES-256-GCM. Immutable; thread-safe.
//
// Sealed form (version 2): 0x02 ‖ KEK id (8 bytes) ‖ 96-bit random nonce ‖
// ciphertext ‖ 128-bit tag, where the KEK id is the first 8 bytes of
// HMAC-SHA-256(KEK, "identity kek id v1") (it names the KEK without
// revealing it). The associated data is 0x02 ‖ KEK id ‖ context: it binds
// a sealed value to its context (the key's kid), so a sealed private key
// copied onto another key's row does not open, and to its header.
// Version 1 (0x01 ‖ nonce ‖ ciphertext ‖ tag, associated data = context),
// written before KEK rotation existed, still opens: it names no KEK, so
// every KEK of the ring is tried, the current one first.
class KeySealer {
 public:
  static constexpr size_t kKekSize = 32;
  static constexpr size_t kKekIdSize = 8;

  // One KEK, no rotation under way. `kek` must be exactly 32 bytes.
  // Errors: InvalidArgument.
  static absl::StatusOr<KeySealer> Create(std::string kek,
                                          RandomSource random = SystemRandom());

  // Every KEK must be 32 bytes, and no KEK may appear twice. Errors:
  // InvalidArgument.
  static absl::StatusOr<KeySealer> Create(KekRing ring,
                                          RandomSource random = SystemRandom());

  // Reads a KEK as written in a file or an environment variable: 32 bytes
  // encoded as 64 hex digits or as (unpadded) base64url; surrounding
  // whitespace is ignored. Errors: InvalidArgument saying what was wrong, never
  // echoing the text.
  static absl::StatusOr<std::string> ParseKek(absl::string_view text);

  // The KEK id of `kek` in hex (16 digits): safe to log and to show.
  static std::string KekId(absl::string_view kek);

  // The current KEK's id, in hex.
  std::string current_kek_id() const;

  // Seals under the current KEK, in version 2.
  absl::StatusOr<std::string> Seal(absl::string_view plaintext,
                                   absl::string_view associated_data) const;

  struct Opened {
    std::string plaintext;
    KekRole role = KekRole::kCurrent;  // Which KEK sealed it.
    int version = 2;                   // Of the sealed form.
  };

  // Errors: FailedPrecondition when the value names a KEK the ring does not
  // hold (the message gives its id); DataLoss when the value was altered,
  // sealed with other associated data or (version 1) under none of the
  // ring's KEKs; InvalidArgument for a value too short or of an unknown
  // version.
  absl::StatusOr<Opened> OpenWithRole(absl::string_view sealed,
                                      absl::string_view associated_data) const;

  // OpenWithRole's plaintext.
  absl::StatusOr<std::string> Open(absl::string_view sealed,
                                   absl::string_view associated_data) const;

  // DeriveSubkey(KEK, label) (key_derivation.h) of the current KEK, or of
  // the KEK that sealed `sealed` (which must open, as OpenWithRole): the
  // keys derived from the KEK before KEK rotation existed, kept so that
  // what they protect outlives the KEK (server_secrets.h).
  std::string DeriveFromCurrentKek(absl::string_view label) const;
  absl::StatusOr<std::string> DeriveFromSealingKek(
      absl::string_view sealed, absl::string_view associated_data,
      absl::string_view label) const;

  // The KEK id a version-2 value names, in hex; empty for version 1.
  // Errors: InvalidArgument as OpenWithRole.
  static absl::StatusOr<std::string> SealedKekId(absl::string_view sealed);

 private:
  struct Kek {
    std::string key;
    std::string id;  // kKekIdSize raw bytes.
    KekRole role;
  };

  absl::StatusOr<std::pair<Opened, const Kek*>> OpenAndFind(
      absl::string_view sealed, absl::string_view associated_data) const;

  KeySealer(std::vector<Kek> keks, RandomSource random)
      : keks_(std::move(keks)), random_(std::move(random)) {}

  std::vector<Kek> keks_;  // The current KEK first.
  RandomSource random_;
};

}  // namespace identity::server

#endif  // IDENTITY_SERVER_KEYS_KEY_SEALER_H_
