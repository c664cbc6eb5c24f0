// Server credentials that authorize every call BEFORE its handler runs, on
// plaintext and TLS ports alike (docs/interceptor.md has the design).
//
// gRPC C++ server interceptors cannot stop a call (the handler runs anyway),
// and grpc::InsecureServerCredentials() refuses an AuthMetadataProcessor. The
// gRPC core, though, runs an auth metadata processor on any server
// credentials object, insecure ones included, and fails the call with the
// processor's status before any handler is scheduled. These credentials
// create the core credentials themselves and attach the processor, which asks
// a CallAuthorizer about each call.
//
//   auto creds = interceptor::AuthorizingServerCredentials(authorizer);
//   builder.AddListeningPort("0.0.0.0:50051", creds);
#ifndef IDENTITY_CLIENT_INTERCEPTOR_SERVER_CREDENTIALS_H_
#define IDENTITY_CLIENT_INTERCEPTOR_SERVER_CREDENTIALS_H_

#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_context.h>

#include <memory>
#include <optional>

#include "client/interceptor/call_authorizer.h"

namespace identity::interceptor {

// Plaintext (`tls` empty) or TLS credentials whose calls `authorizer`
// decides. Authorization metadata stays visible to handlers.
std::shared_ptr<grpc::ServerCredentials> AuthorizingServerCredentials(
    std::shared_ptr<const CallAuthorizer> authorizer,
    std::optional<grpc::SslServerCredentialsOptions> tls = std::nullopt);

// What the client of a refused call reads: `message` with each character
// outside printable ASCII replaced by '?' (one '?' per UTF-8 sequence, or
// per stray byte) and each control character by a space. gRPC
// percent-encodes grpc-message, but not every client decodes it back
// (grpc-js shows such a message garbled), so refusals stay ASCII.
std::string AsciiStatusMessage(absl::string_view message);

// The verified token of the call a handler is serving: the one accessor for
// the caller's claims (subject, client_id, scopes, every claim).
//
//   auto caller = interceptor::VerifiedCaller(*context, *authorizer);
//   if (caller.ok()) Use((*caller)->claims.sub, (*caller)->scopes);
//
// The processor cannot hand per-call data to the handler (its auth context
// is per connection), so this re-reads the call's authorization metadata and
// asks the authorizer's validator, a hash lookup when that validator is a
// CachingTokenValidator. Errors: Unauthenticated when the call carries no
// valid bearer token (an open method called without one).
absl::StatusOr<std::shared_ptr<const VerifiedToken>> VerifiedCaller(
    const grpc::ServerContextBase& context, const CallAuthorizer& authorizer);

}  // namespace identity::interceptor

#endif  // IDENTITY_CLIENT_INTERCEPTOR_SERVER_CREDENTIALS_H_
