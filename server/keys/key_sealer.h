// Encryption at rest for the server's private signing keys (SPEC "Keys"):
// AES-256-GCM under a key-encryption key (KEK) from configuration.
#ifndef IDENTITY_SERVER_KEYS_KEY_SEALER_H_
#define IDENTITY_SERVER_KEYS_KEY_SEALER_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/random_source.h"

namespace identity::server {

// Seals and opens byte strings with AES-256-GCM. Immutable; thread-safe.
//
// Sealed form: version (0x01) ‖ 96-bit random nonce ‖ ciphertext ‖ 128-bit tag.
// The associated data binds a sealed value to its context (the key's kid), so
// a sealed private key copied onto another key's row does not open.
class KeySealer {
 public:
  static constexpr size_t kKekSize = 32;

  // `kek` must be exactly 32 bytes. Errors: InvalidArgument.
  static absl::StatusOr<KeySealer> Create(std::string kek,
                                          RandomSource random = SystemRandom());

  // Reads a KEK as written in a file or an environment variable: 32 bytes
  // encoded as 64 hex digits or as (unpadded) base64url; surrounding
  // whitespace is ignored. Errors: InvalidArgument saying what was wrong, never
  // echoing the text.
  static absl::StatusOr<std::string> ParseKek(absl::string_view text);

  absl::StatusOr<std::string> Seal(absl::string_view plaintext,
                                   absl::string_view associated_data) const;

  // Errors: DataLoss when the value was altered, sealed under another KEK or
  // with other associated data (indistinguishable by design); InvalidArgument
  // for a value too short or of an unknown version.
  absl::StatusOr<std::string> Open(absl::string_view sealed,
                                   absl::string_view associated_data) const;

 private:
  KeySealer(std::string kek, RandomSource random)
      : kek_(std::move(kek)), random_(std::move(random)) {}

  std::string kek_;
  RandomSource random_;
};

}  // namespace identity::server

#endif  // IDENTITY_SERVER_KEYS_KEY_SEALER_H_
