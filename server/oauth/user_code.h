// The user code of the device authorization grant (RFC 8628 §6.1): short,
// typed by a person on another device, so made of letters that are hard to
// confuse and that no keyboard layout hides: 8 characters from the 20
// consonants BCDFGHJKLMNPQRSTVWXZ (no vowels, so no words; about 34.5 bits),
// shown as "XXXX-XXXX". Guessing it is bounded by the entry throttle and the
// code's short life (device_authorization.h, RFC 8628 §5.1).
#ifndef IDENTITY_SERVER_OAUTH_USER_CODE_H_
#define IDENTITY_SERVER_OAUTH_USER_CODE_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "server/random_source.h"

namespace identity::server {

inline constexpr absl::string_view kUserCodeAlphabet = "BCDFGHJKLMNPQRSTVWXZ";
inline constexpr int kUserCodeLength = 8;

// A new user code, uniformly random over the alphabet, as shown:
// "XXXX-XXXX".
std::string NewUserCode(const RandomSource& random);

// The canonical form of what a person typed (RFC 8628 §6.1: case and
// punctuation ignored): the 8 letters in upper case without the dash, or
// nullopt when, after dropping dashes and spaces, it is not 8 letters of
// the alphabet.
std::optional<std::string> NormalizeUserCode(absl::string_view typed);

// "BCDFGHJK" as shown: "BCDF-GHJK".
std::string DisplayUserCode(absl::string_view normalized);

}  // namespace identity::server

#endif  // IDENTITY_SERVER_OAUTH_USER_CODE_H_
