// The commands that work on files and standard input only: keys and tokens.
// Each is a verb table handler (verb_table.h): it gets its validated command
// line and returns the exit status. Not thread-safe (they use the console).
#ifndef IDENTITY_CLIENT_IDCTL_OFFLINE_COMMANDS_H_
#define IDENTITY_CLIENT_IDCTL_OFFLINE_COMMANDS_H_

#include "client/idctl/command_line.h"
#include "client/idctl/console.h"

namespace identity::idctl {

// keys generate --alg ALG [--kid KID] [--bits N]: a new private JWK.
int KeysGenerate(const ParsedArgs& args, Console& console);
// keys public KEY_FILE: the public JWK of a private one.
int KeysPublic(const ParsedArgs& args, Console& console);
// keys jwks KEY_FILE...: a JWKS of the keys' public parts.
int KeysJwksFromFiles(const ParsedArgs& args, Console& console);
// keys to-pem [--private] KEY_FILE: SPKI or PKCS#8 PEM.
int KeysToPem(const ParsedArgs& args, Console& console);
// keys from-pem [--alg ALG] [--kid KID] PEM_FILE: the JWK of a PEM key.
int KeysFromPem(const ParsedArgs& args, Console& console);
// jwt sign --key KEY_FILE --claims JSON [--typ TYP]: a compact JWS.
int JwtSign(const ParsedArgs& args, Console& console);
// jwt decode TOKEN: header and claims, NOT verified.
int JwtDecode(const ParsedArgs& args, Console& console);
// jwt verify --jwks FILE [...] TOKEN: exit 0 and the claims when valid, exit 1
// and the reason when not.
int JwtVerify(const ParsedArgs& args, Console& console);
// `dpop proof`: a DPoP proof (RFC 9449) signed with --key for --htm (POST)
// and --htu, with "ath" of --ath-token when given; printed on one line.
int DpopProof(const ParsedArgs& args, Console& console);

}  // namespace identity::idctl

#endif  // IDENTITY_CLIENT_IDCTL_OFFLINE_COMMANDS_H_
