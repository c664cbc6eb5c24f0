#include "storage/postgres/migrations.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"

namespace identity::storage {
namespace {

// The migrations, in order. Append only: never edit one that has shipped.
// 1: clients and the revocation list.
constexpr char kMigration1[] = R"sql(
        CREATE TABLE clients (
          client_id      text PRIMARY KEY,
          name           text NOT NULL,
          allowed_scopes text NOT NULL,  -- space-separated scope tokens
          secret_hash    text NOT NULL,  -- keyed hash, never the secret
          created_at     timestamptz NOT NULL,
          updated_at     timestamptz NOT NULL
        );
        CREATE TABLE revoked_tokens (
          jti        text PRIMARY KEY,
          expires_at timestamptz NOT NULL
        );
        CREATE INDEX revoked_tokens_expires_at ON revoked_tokens (expires_at);
      )sql";

// 2: signing keys. The partial unique indexes make "at most one CURRENT
// and one NEXT key" a database fact, whatever replicas do at once.
constexpr char kMigration2[] = R"sql(
        CREATE TABLE signing_keys (
          kid                text PRIMARY KEY,
          alg                text NOT NULL,
          state              text NOT NULL
                             CHECK (state IN ('next', 'current', 'retired')),
          public_jwk         text NOT NULL,
          sealed_private_jwk text NOT NULL,  -- base64url, sealed under the KEK
          created_at         timestamptz NOT NULL,
          activated_at       timestamptz,
          retired_at         timestamptz,
          remove_at          timestamptz
        );
        CREATE UNIQUE INDEX signing_keys_one_current ON signing_keys (state)
          WHERE state = 'current';
        CREATE UNIQUE INDEX signing_keys_one_next ON signing_keys (state)
          WHERE state = 'next';
      )sql";

// 3: users, authorization codes, refresh tokens; clients gain redirect
// URIs, grant types and the public flag. Clients stored before have
// the client_credentials grant only. The defaults stay, so that a
// replica still running the previous binary during a rolling upgrade
// creates clients as it always did.
constexpr char kMigration3[] = R"sql(
        ALTER TABLE clients
          ADD COLUMN redirect_uris text NOT NULL DEFAULT '',  -- space-separated
          ADD COLUMN grant_types   text NOT NULL
                                   DEFAULT 'client_credentials',  -- likewise
          ADD COLUMN public_client boolean NOT NULL DEFAULT false;
        CREATE TABLE users (
          user_id        text PRIMARY KEY,
          username       text NOT NULL UNIQUE,
          password_hash  text NOT NULL,  -- PHC string, never the password
          name           text NOT NULL,
          email          text NOT NULL,
          email_verified boolean NOT NULL,
          disabled       boolean NOT NULL,
          created_at     timestamptz NOT NULL,
          updated_at     timestamptz NOT NULL
        );
        CREATE TABLE authorization_codes (
          code_hash               text PRIMARY KEY,  -- never the code
          grant_id                text NOT NULL,
          client_id               text NOT NULL,
          user_id                 text NOT NULL,
          redirect_uri            text NOT NULL,
          scope                   text NOT NULL,
          nonce                   text NOT NULL,
          code_challenge          text NOT NULL,
          code_challenge_method   text NOT NULL,
          auth_time               timestamptz NOT NULL,
          expires_at              timestamptz NOT NULL,
          redeemed_at             timestamptz,  -- NULL until redeemed
          access_token_jti        text NOT NULL,
          access_token_expires_at timestamptz NOT NULL
        );
        CREATE INDEX authorization_codes_expires_at
          ON authorization_codes (expires_at);
        CREATE TABLE refresh_tokens (
          token_hash          text PRIMARY KEY,  -- never the token
          family_id           text NOT NULL,
          client_id           text NOT NULL,
          user_id             text NOT NULL,
          scope               text NOT NULL,
          auth_time           timestamptz NOT NULL,
          created_at          timestamptz NOT NULL,
          idle_expires_at     timestamptz NOT NULL,
          absolute_expires_at timestamptz NOT NULL,
          rotated_at          timestamptz,  -- NULL until replaced
          revoked             boolean NOT NULL
        );
        CREATE INDEX refresh_tokens_family_id ON refresh_tokens (family_id);
        CREATE INDEX refresh_tokens_absolute_expires_at
          ON refresh_tokens (absolute_expires_at);
      )sql";

// 4: each refresh token records the access token issued with it, so
// that revoking a grant (replay, reuse, RFC 7009, a user disabled or
// given a new password) revokes every access token it issued; the
// indexes find a grant's codes and a user's grants.
constexpr char kMigration4[] = R"sql(
        ALTER TABLE refresh_tokens
          ADD COLUMN access_token_jti text NOT NULL DEFAULT '',
          ADD COLUMN access_token_expires_at timestamptz NOT NULL
            DEFAULT 'epoch';
        CREATE INDEX refresh_tokens_user_id ON refresh_tokens (user_id);
        CREATE INDEX authorization_codes_grant_id
          ON authorization_codes (grant_id);
        CREATE INDEX authorization_codes_user_id
          ON authorization_codes (user_id);
      )sql";

// 5: the login throttle's counters, shared by the replicas
// (storage/login_attempt_store.h). Keys are digests, never usernames
// or addresses.
constexpr char kMigration5[] = R"sql(
        CREATE TABLE login_attempts (
          key          text PRIMARY KEY,
          failures     integer NOT NULL,
          lockouts     integer NOT NULL,
          window_start timestamptz NOT NULL,
          last_failure timestamptz NOT NULL,
          locked_until timestamptz NOT NULL,
          expires_at   timestamptz NOT NULL
        );
        CREATE INDEX login_attempts_expires_at ON login_attempts (expires_at);
      )sql";

// 6: the server's own secrets (the client-secret hashing keys, the session
// cookie key), sealed under the KEK, so that they do not change when the
// KEK does (KEK rotation, docs/operations.md).
constexpr char kMigration6[] = R"sql(
        CREATE TABLE sealed_secrets (
          name       text PRIMARY KEY,
          sealed     text NOT NULL,  -- base64url, sealed under the KEK
          created_at timestamptz NOT NULL
        );
      )sql";

// 7: clients registered to leave PKCE out of nonce-protected OpenID Connect
// requests (storage/client_store.h).
constexpr char kMigration7[] = R"sql(
        ALTER TABLE clients
          ADD COLUMN pkce_optional boolean NOT NULL DEFAULT false;
      )sql";

// 8: several signing algorithms at once (OIDC Core §15.1: RS256 for ID
// tokens beside ES256 for access tokens): "at most one CURRENT and one NEXT
// key" becomes per algorithm; clients may ask for the algorithm of their ID
// tokens ('' = the server's default).
constexpr char kMigration8[] = R"sql(
        DROP INDEX signing_keys_one_current;
        DROP INDEX signing_keys_one_next;
        CREATE UNIQUE INDEX signing_keys_one_current_per_alg
          ON signing_keys (alg) WHERE state = 'current';
        CREATE UNIQUE INDEX signing_keys_one_next_per_alg
          ON signing_keys (alg) WHERE state = 'next';
        ALTER TABLE clients
          ADD COLUMN id_token_signed_response_alg text NOT NULL DEFAULT '';
      )sql";

// 9: the users' standard claims (OIDC Core §5.1) beyond name and email, and
// when a claim last changed (the updated_at claim; users stored before take
// their updated_at). The defaults stay for replicas still running the
// previous binary during a rolling upgrade.
constexpr char kMigration9[] = R"sql(
        ALTER TABLE users
          ADD COLUMN given_name             text NOT NULL DEFAULT '',
          ADD COLUMN family_name            text NOT NULL DEFAULT '',
          ADD COLUMN middle_name            text NOT NULL DEFAULT '',
          ADD COLUMN nickname               text NOT NULL DEFAULT '',
          ADD COLUMN profile                text NOT NULL DEFAULT '',
          ADD COLUMN picture                text NOT NULL DEFAULT '',
          ADD COLUMN website                text NOT NULL DEFAULT '',
          ADD COLUMN gender                 text NOT NULL DEFAULT '',
          ADD COLUMN birthdate              text NOT NULL DEFAULT '',
          ADD COLUMN zoneinfo               text NOT NULL DEFAULT '',
          ADD COLUMN locale                 text NOT NULL DEFAULT '',
          ADD COLUMN phone_number           text NOT NULL DEFAULT '',
          ADD COLUMN address_formatted      text NOT NULL DEFAULT '',
          ADD COLUMN address_street_address text NOT NULL DEFAULT '',
          ADD COLUMN address_locality       text NOT NULL DEFAULT '',
          ADD COLUMN address_region         text NOT NULL DEFAULT '',
          ADD COLUMN address_postal_code    text NOT NULL DEFAULT '',
          ADD COLUMN address_country        text NOT NULL DEFAULT '',
          ADD COLUMN phone_number_verified  boolean NOT NULL DEFAULT false,
          ADD COLUMN claims_updated_at      timestamptz NOT NULL DEFAULT now();
        UPDATE users SET claims_updated_at = updated_at;
      )sql";

// 10: pushed authorization requests (RFC 9126), stored by the hash of their
// request_uri until consumed or expired, and clients registered to require
// them.
constexpr char kMigration10[] = R"sql(
        CREATE TABLE pushed_authorization_requests (
          request_uri_hash text PRIMARY KEY,
          client_id        text NOT NULL,
          parameters       text NOT NULL,
          expires_at       timestamptz NOT NULL
        );
        CREATE INDEX pushed_authorization_requests_expires_at
          ON pushed_authorization_requests (expires_at);
        CREATE INDEX pushed_authorization_requests_client
          ON pushed_authorization_requests (client_id, expires_at);
        ALTER TABLE clients
          ADD COLUMN require_pushed_authorization_requests boolean NOT NULL
            DEFAULT false;
      )sql";

// 11: server-side login sessions (storage/session_store.h): the session each
// code and refresh token came from (OIDC sid), and the clients'
// post_logout_redirect_uris (RP-Initiated Logout 1.0 §3). The defaults stay
// for replicas still running the previous binary during a rolling upgrade.
constexpr char kMigration11[] = R"sql(
        CREATE TABLE login_sessions (
          sid         text PRIMARY KEY,
          secret_hash text NOT NULL UNIQUE,
          user_id     text NOT NULL,
          auth_time   timestamptz NOT NULL,
          created_at  timestamptz NOT NULL,
          expires_at  timestamptz NOT NULL,
          ended_at    timestamptz
        );
        CREATE INDEX login_sessions_user ON login_sessions (user_id);
        CREATE INDEX login_sessions_expiry ON login_sessions (expires_at);
        ALTER TABLE authorization_codes
          ADD COLUMN sid text NOT NULL DEFAULT '';
        ALTER TABLE refresh_tokens
          ADD COLUMN sid text NOT NULL DEFAULT '';
        ALTER TABLE clients
          ADD COLUMN post_logout_redirect_uris text NOT NULL DEFAULT '';
      )sql";

// 12: OpenID Connect Back-Channel Logout 1.0: the clients issued codes in
// each login session (told when it ends; gone with the session), and the
// clients' backchannel_logout_uri and backchannel_logout_session_required.
constexpr char kMigration12[] = R"sql(
        CREATE TABLE session_clients (
          sid       text NOT NULL REFERENCES login_sessions (sid)
                      ON DELETE CASCADE,
          client_id text NOT NULL,
          PRIMARY KEY (sid, client_id)
        );
        ALTER TABLE clients
          ADD COLUMN backchannel_logout_uri text NOT NULL DEFAULT '',
          ADD COLUMN backchannel_logout_session_required boolean NOT NULL
            DEFAULT false;
      )sql";

// 13: consent to third-party clients (OIDC Core §3.1.2.4): per user and
// client, the scopes allowed (space-separated) and when; gone with the user
// or the client. The clients' third_party flag.
constexpr char kMigration13[] = R"sql(
        CREATE TABLE consents (
          user_id    text NOT NULL REFERENCES users (user_id)
                       ON DELETE CASCADE,
          client_id  text NOT NULL REFERENCES clients (client_id)
                       ON DELETE CASCADE,
          scopes     text NOT NULL,
          granted_at timestamptz NOT NULL,
          PRIMARY KEY (user_id, client_id)
        );
        CREATE INDEX consents_client ON consents (client_id);
        ALTER TABLE clients
          ADD COLUMN third_party boolean NOT NULL DEFAULT false;
      )sql";

// 14: resources (RFC 8707): protected APIs by their resource indicator, with
// the scopes each defines (space-separated); codes and refresh tokens record
// the indicators their grant was authorized for (space-separated; '' for
// none, what grants made before have).
constexpr char kMigration14[] = R"sql(
        CREATE TABLE resources (
          resource   text PRIMARY KEY,
          name       text NOT NULL,
          scopes     text NOT NULL,
          created_at timestamptz NOT NULL,
          updated_at timestamptz NOT NULL
        );
        ALTER TABLE authorization_codes
          ADD COLUMN resources text NOT NULL DEFAULT '';
        ALTER TABLE refresh_tokens
          ADD COLUMN resources text NOT NULL DEFAULT '';
      )sql";

// 15: device authorizations (RFC 8628), stored by the hashes of their
// device_code and user_code; a user_code's hash is unique (an expired holder
// is deleted before it is reused); gone with their client.
constexpr char kMigration15[] = R"sql(
        CREATE TABLE device_authorizations (
          device_code_hash text PRIMARY KEY,
          user_code_hash   text NOT NULL UNIQUE,
          client_id        text NOT NULL REFERENCES clients (client_id)
                             ON DELETE CASCADE,
          scope            text NOT NULL,
          grant_id         text NOT NULL,
          created_at       timestamptz NOT NULL,
          expires_at       timestamptz NOT NULL,
          interval_seconds integer NOT NULL,
          last_polled_at   timestamptz NOT NULL,
          state            text NOT NULL
                             CHECK (state IN ('pending', 'approved', 'denied')),
          user_id          text NOT NULL,
          auth_time        timestamptz NOT NULL,
          sid              text NOT NULL,
          redeemed_at      timestamptz,
          access_token_jti text NOT NULL
        );
        CREATE INDEX device_authorizations_expires_at
          ON device_authorizations (expires_at);
        CREATE INDEX device_authorizations_client
          ON device_authorizations (client_id, expires_at);
      )sql";

// 16: RFC 8693 token exchange: the clients' policy (delegation,
// impersonation, the audiences they may request, space-separated).
constexpr char kMigration16[] = R"sql(
        ALTER TABLE clients
          ADD COLUMN token_exchange_delegation boolean NOT NULL DEFAULT false,
          ADD COLUMN token_exchange_impersonation boolean NOT NULL
            DEFAULT false,
          ADD COLUMN token_exchange_audiences text NOT NULL DEFAULT '';
      )sql";

// 17: private_key_jwt client authentication (RFC 7523 §2.2): the ids of
// single-use JWTs until they expire (storage/replay_store.h), and the
// clients' token_endpoint_auth_method and jwks. '' stands for clients
// registered before (their method follows public_client).
constexpr char kMigration17[] = R"sql(
        CREATE TABLE replay_claims (
          kind       text NOT NULL,
          id_hash    text NOT NULL,
          expires_at timestamptz NOT NULL,
          PRIMARY KEY (kind, id_hash)
        );
        CREATE INDEX replay_claims_expires_at ON replay_claims (expires_at);
        ALTER TABLE clients
          ADD COLUMN token_endpoint_auth_method text NOT NULL DEFAULT '',
          ADD COLUMN jwks text NOT NULL DEFAULT '';
      )sql";

// 18: DPoP (RFC 9449): a client that must send proofs (§10.2
// dpop_bound_access_tokens), and the key a public client's refresh token
// family is bound to (§5; '' for none).
constexpr char kMigration18[] = R"sql(
        ALTER TABLE clients
          ADD COLUMN dpop_bound_access_tokens boolean NOT NULL DEFAULT false;
        ALTER TABLE refresh_tokens
          ADD COLUMN dpop_jkt text NOT NULL DEFAULT '';
      )sql";

const std::vector<std::string>& Migrations() {
  static const auto* const kMigrations = new std::vector<std::string>{
      kMigration1,  kMigration2,  kMigration3,  kMigration4,  kMigration5,
      kMigration6,  kMigration7,  kMigration8,  kMigration9,  kMigration10,
      kMigration11, kMigration12, kMigration13, kMigration14, kMigration15,
      kMigration16, kMigration17, kMigration18};
  return *kMigrations;
}

// An arbitrary constant naming identity's migration lock.
constexpr int64_t kMigrationLock = 0x1d3e7171;

}  // namespace

int LatestSchemaVersion() { return static_cast<int>(Migrations().size()); }

absl::StatusOr<int> ApplyMigrations(ConnectionPool& pool) {
  return ApplyMigrationsUpTo(pool, LatestSchemaVersion());
}

absl::StatusOr<int> ApplyMigrationsUpTo(ConnectionPool& pool, int target) {
  if (target < 0 || target > LatestSchemaVersion()) {
    return absl::InvalidArgumentError(
        absl::StrCat("no schema version ", target));
  }
  int version = 0;
  absl::Status status =
      WithConnection(pool, "migrate", [&](pqxx::connection& c) {
        // One transaction holding a transaction-scoped advisory lock: replicas
        // that start together wait for each other, DDL is transactional in
        // PostgreSQL, and the lock cannot outlive a failure.
        pqxx::work txn(c);
        txn.exec(
            absl::StrCat("SELECT pg_advisory_xact_lock(", kMigrationLock, ")"));
        txn.exec(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version integer PRIMARY KEY,"
            " applied_at timestamptz NOT NULL DEFAULT now())");
        version =
            txn.exec("SELECT coalesce(max(version), 0) FROM schema_migrations")
                [0][0]
                    .as<int>();
        for (int next = version + 1; next <= target; ++next) {
          txn.exec(Migrations()[next - 1]);
          txn.exec(absl::StrCat(
              "INSERT INTO schema_migrations (version) VALUES (", next, ")"));
        }
        txn.commit();
      });
  if (!status.ok()) return status;
  if (version > LatestSchemaVersion()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the database schema is version ", version, " but this binary knows ",
        LatestSchemaVersion(), ": upgrade the binary"));
  }
  return std::max(version, target);
}

}  // namespace identity::storage
