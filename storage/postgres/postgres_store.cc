#include "storage/postgres/postgres_store.h"

#include <algorithm>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "jwt/base64url.h"
#include "storage/postgres/migrations.h"

namespace identity::storage {

// The device authorization statements (postgres_device_store.cc).
void PrepareDeviceAuthorizations(pqxx::connection& c);
namespace {

// Times cross the wire as microseconds since the epoch.
constexpr char kClientColumns[] =
    "client_id, name, allowed_scopes, secret_hash,"
    " (extract(epoch from created_at) * 1000000)::bigint,"
    " (extract(epoch from updated_at) * 1000000)::bigint,"
    " redirect_uris, grant_types, public_client, pkce_optional,"
    " id_token_signed_response_alg, require_pushed_authorization_requests,"
    " post_logout_redirect_uris, backchannel_logout_uri,"
    " backchannel_logout_session_required, third_party,"
    " token_endpoint_auth_method, jwks, token_exchange_delegation,"
    " token_exchange_impersonation, token_exchange_audiences,"
    " dpop_bound_access_tokens";
// The text columns of a user's StandardClaims, in ClaimFields' order.
constexpr char kClaimTextColumns[] =
    "given_name, family_name, middle_name, nickname, profile, picture,"
    " website, gender, birthdate, zoneinfo, locale, phone_number,"
    " address_formatted, address_street_address, address_locality,"
    " address_region, address_postal_code, address_country";
constexpr int kClaimTextCount = 18;
constexpr char kUserColumns[] =
    "user_id, username, password_hash, name, email, email_verified, disabled,"
    " (extract(epoch from created_at) * 1000000)::bigint,"
    " (extract(epoch from updated_at) * 1000000)::bigint,"
    " phone_number_verified,"
    " (extract(epoch from claims_updated_at) * 1000000)::bigint,"
    " given_name, family_name, middle_name, nickname, profile, picture,"
    " website, gender, birthdate, zoneinfo, locale, phone_number,"
    " address_formatted, address_street_address, address_locality,"
    " address_region, address_postal_code, address_country";
constexpr int kFirstClaimTextColumn = 11;

// The text fields of `claims`, in kClaimTextColumns' order.
std::vector<std::string*> ClaimFields(StandardClaims& c) {
  return {&c.given_name,
          &c.family_name,
          &c.middle_name,
          &c.nickname,
          &c.profile,
          &c.picture,
          &c.website,
          &c.gender,
          &c.birthdate,
          &c.zoneinfo,
          &c.locale,
          &c.phone_number,
          &c.address.formatted,
          &c.address.street_address,
          &c.address.locality,
          &c.address.region,
          &c.address.postal_code,
          &c.address.country};
}

std::vector<std::string> ClaimTexts(StandardClaims claims) {
  std::vector<std::string> texts;
  for (std::string* field : ClaimFields(claims)) {
    texts.push_back(std::move(*field));
  }
  return texts;
}

// "$first, ..., $(first + count - 1)".
std::string Placeholders(int first, int count) {
  std::vector<std::string> out;
  for (int i = first; i < first + count; ++i)
    out.push_back(absl::StrCat("$", i));
  return absl::StrJoin(out, ", ");
}

// "column = $first, ..." for kClaimTextColumns.
std::string ClaimAssignments(int first) {
  std::vector<std::string> out;
  int i = first;
  for (absl::string_view column :
       absl::StrSplit(kClaimTextColumns, ", ", absl::SkipWhitespace())) {
    out.push_back(
        absl::StrCat(absl::StripAsciiWhitespace(column), " = $", i++));
  }
  return absl::StrJoin(out, ", ");
}
constexpr char kCodeColumns[] =
    "code_hash, grant_id, client_id, user_id, redirect_uri, scope, nonce,"
    " code_challenge, code_challenge_method,"
    " (extract(epoch from auth_time) * 1000000)::bigint,"
    " (extract(epoch from expires_at) * 1000000)::bigint,"
    " (extract(epoch from redeemed_at) * 1000000)::bigint,"
    " access_token_jti,"
    " (extract(epoch from access_token_expires_at) * 1000000)::bigint, sid,"
    " resources";
constexpr char kRefreshColumns[] =
    "token_hash, family_id, client_id, user_id, scope,"
    " (extract(epoch from auth_time) * 1000000)::bigint,"
    " (extract(epoch from created_at) * 1000000)::bigint,"
    " (extract(epoch from idle_expires_at) * 1000000)::bigint,"
    " (extract(epoch from absolute_expires_at) * 1000000)::bigint,"
    " (extract(epoch from rotated_at) * 1000000)::bigint, revoked,"
    " access_token_jti,"
    " (extract(epoch from access_token_expires_at) * 1000000)::bigint, sid,"
    " resources, dpop_jkt";
constexpr char kResourceColumns[] =
    "resource, name, scopes,"
    " (extract(epoch from created_at) * 1000000)::bigint,"
    " (extract(epoch from updated_at) * 1000000)::bigint";

// Resources (RFC 8707).
void PrepareResources(pqxx::connection& c) {
  c.prepare("create_resource",
            "INSERT INTO resources (resource, name, scopes, created_at,"
            " updated_at) VALUES ($1, $2, $3,"
            " to_timestamp($4::bigint / 1000000.0),"
            " to_timestamp($5::bigint / 1000000.0))");
  c.prepare("get_resource", std::string("SELECT ") + kResourceColumns +
                                " FROM resources WHERE resource = $1");
  c.prepare("list_resources", std::string("SELECT ") + kResourceColumns +
                                  " FROM resources WHERE resource > $1"
                                  " ORDER BY resource LIMIT $2");
  c.prepare("update_resource",
            "UPDATE resources SET name = $2, scopes = $3,"
            " updated_at = to_timestamp($4::bigint / 1000000.0)"
            " WHERE resource = $1");
  c.prepare("delete_resource", "DELETE FROM resources WHERE resource = $1");
}

// Clients and the revocation list.
void PrepareClientsAndRevocations(pqxx::connection& c) {
  c.prepare("create_client",
            "INSERT INTO clients (client_id, name, allowed_scopes, secret_hash,"
            " created_at, updated_at, redirect_uris, grant_types,"
            " public_client, pkce_optional, id_token_signed_response_alg,"
            " require_pushed_authorization_requests, post_logout_redirect_uris,"
            " backchannel_logout_uri, backchannel_logout_session_required,"
            " third_party, token_endpoint_auth_method, jwks,"
            " token_exchange_delegation, token_exchange_impersonation,"
            " token_exchange_audiences, dpop_bound_access_tokens)"
            " VALUES ($1, $2, $3, $4, to_timestamp($5::bigint / 1000000.0),"
            " to_timestamp($6::bigint / 1000000.0), $7, $8, $9, $10, $11,"
            " $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)");
  c.prepare("get_client", std::string("SELECT ") + kClientColumns +
                              " FROM clients WHERE client_id = $1");
  c.prepare("list_clients", std::string("SELECT ") + kClientColumns +
                                " FROM clients WHERE client_id > $1"
                                " ORDER BY client_id LIMIT $2");
  c.prepare("update_client",
            "UPDATE clients SET name = $2, allowed_scopes = $3,"
            " updated_at = to_timestamp($4::bigint / 1000000.0),"
            " redirect_uris = $5, grant_types = $6, pkce_optional = $7,"
            " id_token_signed_response_alg = $8,"
            " require_pushed_authorization_requests = $9,"
            " post_logout_redirect_uris = $10, backchannel_logout_uri = $11,"
            " backchannel_logout_session_required = $12, third_party = $13,"
            " jwks = $14, token_exchange_delegation = $15,"
            " token_exchange_impersonation = $16,"
            " token_exchange_audiences = $17,"
            " dpop_bound_access_tokens = $18"
            " WHERE client_id = $1");
  c.prepare("delete_client", "DELETE FROM clients WHERE client_id = $1");
  c.prepare("revoke",
            "INSERT INTO revoked_tokens (jti, expires_at)"
            " VALUES ($1, to_timestamp($2::bigint / 1000000.0))"
            " ON CONFLICT (jti) DO UPDATE SET expires_at ="
            " greatest(revoked_tokens.expires_at, excluded.expires_at)");
  c.prepare("is_revoked", "SELECT 1 FROM revoked_tokens WHERE jti = $1");
  c.prepare("list_revoked",
            "SELECT jti FROM revoked_tokens"
            " WHERE expires_at >= to_timestamp($1::bigint / 1000000.0)");
  c.prepare("purge_revoked",
            "DELETE FROM revoked_tokens"
            " WHERE expires_at < to_timestamp($1::bigint / 1000000.0)");
  // A row comes back when the id was recorded now: inserted, or an expired
  // entry replaced. The conflict's row lock serializes concurrent claims.
  c.prepare("claim_once",
            "INSERT INTO replay_claims (kind, id_hash, expires_at)"
            " VALUES ($1, $2, to_timestamp($3::bigint / 1000000.0))"
            " ON CONFLICT (kind, id_hash) DO UPDATE"
            " SET expires_at = excluded.expires_at"
            " WHERE replay_claims.expires_at <"
            " to_timestamp($4::bigint / 1000000.0)"
            " RETURNING 1");
  c.prepare("purge_claims",
            "DELETE FROM replay_claims"
            " WHERE expires_at < to_timestamp($1::bigint / 1000000.0)");
}

// Signing keys.
void PrepareSigningKeys(pqxx::connection& c) {
  c.prepare("list_keys",
            "SELECT kid, alg, state, public_jwk, sealed_private_jwk,"
            " (extract(epoch from created_at) * 1000000)::bigint,"
            " (extract(epoch from activated_at) * 1000000)::bigint,"
            " (extract(epoch from retired_at) * 1000000)::bigint,"
            " (extract(epoch from remove_at) * 1000000)::bigint"
            " FROM signing_keys ORDER BY created_at DESC, kid DESC");
  c.prepare("insert_key",
            "INSERT INTO signing_keys (kid, alg, state, public_jwk,"
            " sealed_private_jwk, created_at, activated_at) VALUES ($1, $2, $3,"
            " $4, $5, to_timestamp($6::bigint / 1000000.0),"
            " to_timestamp($7::bigint / 1000000.0))");
  c.prepare("retire_key",
            "UPDATE signing_keys SET state = 'retired',"
            " retired_at = to_timestamp($2::bigint / 1000000.0),"
            " remove_at = to_timestamp($3::bigint / 1000000.0)"
            " WHERE kid = $1 AND state = 'current'");
  c.prepare("activate_key",
            "UPDATE signing_keys SET state = 'current',"
            " activated_at = to_timestamp($2::bigint / 1000000.0)"
            " WHERE kid = $1 AND state = 'next'");
  c.prepare("retire_unused_key",
            "UPDATE signing_keys SET state = 'retired',"
            " retired_at = to_timestamp($2::bigint / 1000000.0),"
            " remove_at = to_timestamp($3::bigint / 1000000.0)"
            " WHERE kid = $1 AND state IN ('current', 'next')");
  c.prepare("remove_keys",
            "DELETE FROM signing_keys WHERE state = 'retired'"
            " AND remove_at < to_timestamp($1::bigint / 1000000.0)");
  // Compare-and-set: the row lock of the UPDATE orders re-sealing replicas.
  c.prepare("reseal_key",
            "UPDATE signing_keys SET sealed_private_jwk = $3"
            " WHERE kid = $1 AND sealed_private_jwk = $2");
  c.prepare("key_exists", "SELECT 1 FROM signing_keys WHERE kid = $1");
  c.prepare("list_secrets",
            "SELECT name, sealed,"
            " (extract(epoch from created_at) * 1000000)::bigint"
            " FROM sealed_secrets ORDER BY name");
  c.prepare("insert_secret",
            "INSERT INTO sealed_secrets (name, sealed, created_at)"
            " VALUES ($1, $2, to_timestamp($3::bigint / 1000000.0))");
  c.prepare("reseal_secret",
            "UPDATE sealed_secrets SET sealed = $3"
            " WHERE name = $1 AND sealed = $2");
  c.prepare("secret_exists", "SELECT 1 FROM sealed_secrets WHERE name = $1");
}

// Users.
void PrepareUsers(pqxx::connection& c) {
  c.prepare("create_user",
            absl::StrCat("INSERT INTO users (user_id, username, password_hash,"
                         " name, email, email_verified, disabled, created_at,"
                         " updated_at, phone_number_verified,"
                         " claims_updated_at, ",
                         kClaimTextColumns,
                         ") VALUES ($1, $2, $3, $4, $5, $6, $7,"
                         " to_timestamp($8::bigint / 1000000.0),"
                         " to_timestamp($9::bigint / 1000000.0), $10,"
                         " to_timestamp($11::bigint / 1000000.0), ",
                         Placeholders(12, kClaimTextCount), ")"));
  c.prepare("get_user", std::string("SELECT ") + kUserColumns +
                            " FROM users WHERE user_id = $1");
  c.prepare("get_user_by_username", std::string("SELECT ") + kUserColumns +
                                        " FROM users WHERE username = $1");
  c.prepare("list_users", std::string("SELECT ") + kUserColumns +
                              " FROM users WHERE user_id > $1"
                              " ORDER BY user_id LIMIT $2");
  c.prepare("update_user",
            absl::StrCat("UPDATE users SET name = $2, email = $3,"
                         " email_verified = $4, disabled = $5,"
                         " updated_at = to_timestamp($6::bigint / 1000000.0),"
                         " phone_number_verified = $7, claims_updated_at ="
                         " to_timestamp($8::bigint / 1000000.0), ",
                         ClaimAssignments(9), " WHERE user_id = $1"));
  c.prepare("set_password_hash",
            "UPDATE users SET password_hash = $2,"
            " updated_at = to_timestamp($3::bigint / 1000000.0)"
            " WHERE user_id = $1");
}

// Authorization codes.
void PrepareAuthorizationCodes(pqxx::connection& c) {
  c.prepare("create_authorization_code",
            "INSERT INTO authorization_codes (code_hash, grant_id, client_id,"
            " user_id, redirect_uri, scope, nonce, code_challenge,"
            " code_challenge_method, auth_time, expires_at, redeemed_at,"
            " access_token_jti, access_token_expires_at, sid, resources) VALUES"
            " ($1, $2, $3, $4, $5, $6, $7, $8, $9,"
            " to_timestamp($10::bigint / 1000000.0),"
            " to_timestamp($11::bigint / 1000000.0),"
            " to_timestamp($12::bigint / 1000000.0), $13,"
            " to_timestamp($14::bigint / 1000000.0), $15, $16)");
  c.prepare("get_authorization_code",
            std::string("SELECT ") + kCodeColumns +
                " FROM authorization_codes WHERE code_hash = $1");
  // The single use of a code: of concurrent redemptions, the first to lock
  // the row updates it; the others then re-check the WHERE clause on the
  // updated row, find redeemed_at set, and update nothing.
  c.prepare("redeem_authorization_code",
            std::string("UPDATE authorization_codes SET"
                        " redeemed_at = to_timestamp($3::bigint / 1000000.0),"
                        " access_token_jti = $4, access_token_expires_at ="
                        " to_timestamp($5::bigint / 1000000.0)"
                        " WHERE code_hash = $1 AND client_id = $2"
                        " AND redeemed_at IS NULL"
                        " AND expires_at > to_timestamp($3::bigint / 1000000.0)"
                        " RETURNING ") +
                kCodeColumns);
  // Why a redemption updated nothing.
  c.prepare("classify_authorization_code",
            "SELECT client_id, redeemed_at IS NOT NULL,"
            " expires_at <= to_timestamp($2::bigint / 1000000.0)"
            " FROM authorization_codes WHERE code_hash = $1");
  c.prepare("purge_authorization_codes",
            "DELETE FROM authorization_codes"
            " WHERE expires_at < to_timestamp($1::bigint / 1000000.0)");
}

// Pushed authorization requests. The DELETE ... RETURNING is their single
// use: of concurrent consumers, the first locks and deletes the row; the
// others then find no row.
void PreparePushedRequests(pqxx::connection& c) {
  c.prepare("create_pushed_request",
            "INSERT INTO pushed_authorization_requests (request_uri_hash,"
            " client_id, parameters, expires_at) VALUES ($1, $2, $3,"
            " to_timestamp($4::bigint / 1000000.0))");
  c.prepare("count_live_pushed_requests",
            "SELECT count(*) FROM pushed_authorization_requests"
            " WHERE client_id = $1"
            " AND expires_at > to_timestamp($2::bigint / 1000000.0)");
  c.prepare("consume_pushed_request",
            "DELETE FROM pushed_authorization_requests"
            " WHERE request_uri_hash = $1 AND client_id = $2"
            " AND expires_at > to_timestamp($3::bigint / 1000000.0)"
            " RETURNING request_uri_hash, client_id, parameters,"
            " (extract(epoch from expires_at) * 1000000)::bigint");
  c.prepare("purge_pushed_requests",
            "DELETE FROM pushed_authorization_requests"
            " WHERE expires_at < to_timestamp($1::bigint / 1000000.0)");
}

// Refresh tokens and what a grant issued.
void PrepareRefreshTokens(pqxx::connection& c) {
  c.prepare("create_refresh_token",
            "INSERT INTO refresh_tokens (token_hash, family_id, client_id,"
            " user_id, scope, auth_time, created_at, idle_expires_at,"
            " absolute_expires_at, rotated_at, revoked, access_token_jti,"
            " access_token_expires_at, sid, resources, dpop_jkt) VALUES ($1,"
            " $2, $3, $4, $5, to_timestamp($6::bigint / 1000000.0),"
            " to_timestamp($7::bigint / 1000000.0),"
            " to_timestamp($8::bigint / 1000000.0),"
            " to_timestamp($9::bigint / 1000000.0),"
            " to_timestamp($10::bigint / 1000000.0), $11, $12,"
            " to_timestamp($13::bigint / 1000000.0), $14, $15, $16)");
  c.prepare("get_refresh_token", std::string("SELECT ") + kRefreshColumns +
                                     " FROM refresh_tokens"
                                     " WHERE token_hash = $1");
  // As for codes: of concurrent rotations, one updates the row; the others
  // re-check rotated_at on the updated row and update nothing. The
  // replacement is inserted by the same statement (a data-modifying CTE),
  // so both happen or neither, in one round trip: the INSERT only runs for
  // the row the UPDATE returned, and a failing INSERT fails the statement.
  c.prepare(
      "rotate_refresh_token",
      std::string(
          "WITH old AS (UPDATE refresh_tokens SET"
          " rotated_at = to_timestamp($3::bigint / 1000000.0)"
          " WHERE token_hash = $1 AND client_id = $2"
          " AND rotated_at IS NULL AND NOT revoked"
          " AND idle_expires_at > to_timestamp($3::bigint / 1000000.0)"
          " AND absolute_expires_at > to_timestamp($3::bigint / 1000000.0)"
          " RETURNING *),"
          " replacement AS (INSERT INTO refresh_tokens (token_hash,"
          " family_id, client_id, user_id, scope, auth_time, created_at,"
          " idle_expires_at, absolute_expires_at, rotated_at, revoked,"
          " access_token_jti, access_token_expires_at, sid, resources,"
          " dpop_jkt)"
          " SELECT $4, $5, $6, $7, $8, to_timestamp($9::bigint / 1000000.0),"
          " to_timestamp($10::bigint / 1000000.0),"
          " to_timestamp($11::bigint / 1000000.0),"
          " to_timestamp($12::bigint / 1000000.0), NULL, false, $13,"
          " to_timestamp($14::bigint / 1000000.0), $15, $16, $17 FROM old)"
          " SELECT ") +
          kRefreshColumns + " FROM old");
  c.prepare("classify_refresh_token",
            "SELECT client_id FROM refresh_tokens WHERE token_hash = $1");
  // Revokes the family's tokens; counts those revoked and, of them, those
  // that had not been rotated (RETURNING shows the row as updated).
  c.prepare("revoke_refresh_family",
            "WITH revoked AS (UPDATE refresh_tokens SET revoked = true"
            " WHERE family_id = $1 AND NOT revoked"
            " RETURNING rotated_at IS NULL AS live)"
            " SELECT count(*), count(*) FILTER (WHERE live) FROM revoked");
  c.prepare(
      "grant_access_tokens",
      "SELECT access_token_jti,"
      " (extract(epoch from access_token_expires_at) * 1000000)::bigint"
      " FROM authorization_codes WHERE grant_id = $1"
      " AND redeemed_at IS NOT NULL"
      " AND access_token_expires_at > to_timestamp($2::bigint / 1000000.0)"
      " UNION ALL SELECT access_token_jti,"
      " (extract(epoch from access_token_expires_at) * 1000000)::bigint"
      " FROM refresh_tokens WHERE family_id = $1 AND access_token_jti <> ''"
      " AND access_token_expires_at > to_timestamp($2::bigint / 1000000.0)");
  c.prepare(
      "user_grants",
      "SELECT grant_id FROM authorization_codes WHERE user_id = $1"
      " AND redeemed_at IS NOT NULL"
      " AND access_token_expires_at > to_timestamp($2::bigint / 1000000.0)"
      " UNION SELECT family_id FROM refresh_tokens WHERE user_id = $1"
      " AND absolute_expires_at > to_timestamp($2::bigint / 1000000.0)");
  c.prepare(
      "user_client_grants",
      "SELECT grant_id FROM authorization_codes WHERE user_id = $1"
      " AND client_id = $3 AND redeemed_at IS NOT NULL"
      " AND access_token_expires_at > to_timestamp($2::bigint / 1000000.0)"
      " UNION SELECT family_id FROM refresh_tokens WHERE user_id = $1"
      " AND client_id = $3"
      " AND absolute_expires_at > to_timestamp($2::bigint / 1000000.0)");
  c.prepare(
      "purge_refresh_tokens",
      "DELETE FROM refresh_tokens"
      " WHERE absolute_expires_at < to_timestamp($1::bigint / 1000000.0)");
}

constexpr char kSessionColumns[] =
    "sid, secret_hash, user_id,"
    " (extract(epoch from auth_time) * 1000000)::bigint,"
    " (extract(epoch from created_at) * 1000000)::bigint,"
    " (extract(epoch from expires_at) * 1000000)::bigint,"
    " (extract(epoch from ended_at) * 1000000)::bigint";

// Login sessions. "Live at $2": not ended and expiring after $2.
void PrepareSessions(pqxx::connection& c) {
  c.prepare("create_session",
            "INSERT INTO login_sessions (sid, secret_hash, user_id, auth_time,"
            " created_at, expires_at, ended_at) VALUES ($1, $2, $3,"
            " to_timestamp($4::bigint / 1000000.0),"
            " to_timestamp($5::bigint / 1000000.0),"
            " to_timestamp($6::bigint / 1000000.0),"
            " to_timestamp($7::bigint / 1000000.0))");
  c.prepare("get_session", std::string("SELECT ") + kSessionColumns +
                               " FROM login_sessions WHERE sid = $1");
  c.prepare("get_session_by_secret",
            std::string("SELECT ") + kSessionColumns +
                " FROM login_sessions WHERE secret_hash = $1");
  c.prepare("list_user_sessions",
            std::string("SELECT ") + kSessionColumns +
                " FROM login_sessions WHERE user_id = $1 AND ended_at IS NULL"
                " AND expires_at > to_timestamp($2::bigint / 1000000.0)"
                " ORDER BY created_at, sid");
  // Of concurrent ends, the first to lock the row updates it; the others
  // re-check ended_at on the updated row and update nothing.
  c.prepare("end_session",
            std::string("UPDATE login_sessions SET"
                        " ended_at = to_timestamp($2::bigint / 1000000.0)"
                        " WHERE sid = $1 AND ended_at IS NULL"
                        " AND expires_at > to_timestamp($2::bigint / 1000000.0)"
                        " RETURNING ") +
                kSessionColumns);
  c.prepare("end_user_sessions",
            std::string("UPDATE login_sessions SET"
                        " ended_at = to_timestamp($2::bigint / 1000000.0)"
                        " WHERE user_id = $1 AND ended_at IS NULL"
                        " AND expires_at > to_timestamp($2::bigint / 1000000.0)"
                        " RETURNING ") +
                kSessionColumns);
  c.prepare("purge_sessions",
            "DELETE FROM login_sessions"
            " WHERE expires_at < to_timestamp($1::bigint / 1000000.0)");
  // Only for a live session, whose row is share-locked meanwhile: an end
  // (UPDATE) waits for this insert, or this one sees it ended and adds
  // nothing. The primary key makes a second record a no-op. One round trip
  // answers whether the session is live (recorded now or before).
  c.prepare("add_session_client",
            "WITH live AS (SELECT sid FROM login_sessions WHERE sid = $1"
            " AND ended_at IS NULL"
            " AND expires_at > to_timestamp($3::bigint / 1000000.0)"
            " FOR SHARE), added AS (INSERT INTO session_clients"
            " (sid, client_id) SELECT sid, $2 FROM live"
            " ON CONFLICT DO NOTHING) SELECT count(*) FROM live");
  c.prepare("list_session_clients",
            "SELECT client_id FROM session_clients WHERE sid = $1"
            " ORDER BY client_id");
}

SessionRecord SessionFromRow(const pqxx::row& row) {
  SessionRecord session;
  session.sid = row[0].as<std::string>();
  session.secret_hash = row[1].as<std::string>();
  session.user_id = row[2].as<std::string>();
  session.auth_time = absl::FromUnixMicros(row[3].as<int64_t>());
  session.created_at = absl::FromUnixMicros(row[4].as<int64_t>());
  session.expires_at = absl::FromUnixMicros(row[5].as<int64_t>());
  if (!row[6].is_null()) {
    session.ended_at = absl::FromUnixMicros(row[6].as<int64_t>());
  }
  return session;
}

// Consents: scopes space-separated; a grant adds to those stored in one
// statement (the union, sorted when read).
constexpr char kConsentColumns[] =
    "user_id, client_id, scopes,"
    " (extract(epoch from granted_at) * 1000000)::bigint";
void PrepareConsents(pqxx::connection& c) {
  c.prepare("get_consent", std::string("SELECT ") + kConsentColumns +
                               " FROM consents WHERE user_id = $1"
                               " AND client_id = $2");
  c.prepare("grant_consent",
            std::string("INSERT INTO consents AS c (user_id, client_id,"
                        " scopes, granted_at) VALUES ($1, $2, $3,"
                        " to_timestamp($4::bigint / 1000000.0))"
                        " ON CONFLICT (user_id, client_id) DO UPDATE SET"
                        " scopes = array_to_string(ARRAY(SELECT DISTINCT s"
                        " FROM unnest(string_to_array(c.scopes || ' ' ||"
                        " EXCLUDED.scopes, ' ')) AS s WHERE s <> ''), ' '),"
                        " granted_at = EXCLUDED.granted_at RETURNING ") +
                kConsentColumns);
  c.prepare("list_user_consents", std::string("SELECT ") + kConsentColumns +
                                      " FROM consents WHERE user_id = $1"
                                      " ORDER BY client_id");
  c.prepare("revoke_consent",
            "DELETE FROM consents WHERE user_id = $1 AND client_id = $2");
}

ConsentRecord ConsentFromRow(const pqxx::row& row) {
  ConsentRecord consent;
  consent.user_id = row[0].as<std::string>();
  consent.client_id = row[1].as<std::string>();
  std::set<std::string> scopes =
      absl::StrSplit(row[2].as<std::string>(), ' ', absl::SkipEmpty());
  consent.scopes.assign(scopes.begin(), scopes.end());
  consent.granted_at = absl::FromUnixMicros(row[3].as<int64_t>());
  return consent;
}

// Every statement, prepared once per connection.
void Prepare(pqxx::connection& c) {
  PrepareConsents(c);
  PrepareSessions(c);
  PrepareClientsAndRevocations(c);
  PrepareSigningKeys(c);
  PrepareUsers(c);
  PrepareAuthorizationCodes(c);
  PreparePushedRequests(c);
  PrepareRefreshTokens(c);
  PrepareResources(c);
}

ClientRecord ClientFromRow(const pqxx::row& row) {
  ClientRecord client;
  client.client_id = row[0].as<std::string>();
  client.name = row[1].as<std::string>();
  client.allowed_scopes =
      absl::StrSplit(row[2].as<std::string>(), ' ', absl::SkipEmpty());
  client.secret_hash = row[3].as<std::string>();
  client.created_at = absl::FromUnixMicros(row[4].as<int64_t>());
  client.updated_at = absl::FromUnixMicros(row[5].as<int64_t>());
  client.redirect_uris =
      absl::StrSplit(row[6].as<std::string>(), ' ', absl::SkipEmpty());
  client.grant_types =
      absl::StrSplit(row[7].as<std::string>(), ' ', absl::SkipEmpty());
  client.public_client = row[8].as<bool>();
  client.pkce_optional = row[9].as<bool>();
  client.id_token_signed_response_alg = row[10].as<std::string>();
  client.require_pushed_authorization_requests = row[11].as<bool>();
  client.post_logout_redirect_uris =
      absl::StrSplit(row[12].as<std::string>(), ' ', absl::SkipEmpty());
  client.backchannel_logout_uri = row[13].as<std::string>();
  client.backchannel_logout_session_required = row[14].as<bool>();
  client.third_party = row[15].as<bool>();
  client.token_endpoint_auth_method = row[16].as<std::string>();
  client.jwks = row[17].as<std::string>();
  client.token_exchange.delegation = row[18].as<bool>();
  client.token_exchange.impersonation = row[19].as<bool>();
  client.token_exchange.audiences =
      absl::StrSplit(row[20].as<std::string>(), ' ', absl::SkipEmpty());
  client.dpop_bound_access_tokens = row[21].as<bool>();
  return client;
}

absl::Time TimeOf(const pqxx::field& field) {
  return absl::FromUnixMicros(field.as<int64_t>());
}

UserRecord UserFromRow(const pqxx::row& row) {
  UserRecord user;
  user.user_id = row[0].as<std::string>();
  user.username = row[1].as<std::string>();
  user.password_hash = row[2].as<std::string>();
  user.name = row[3].as<std::string>();
  user.email = row[4].as<std::string>();
  user.email_verified = row[5].as<bool>();
  user.disabled = row[6].as<bool>();
  user.created_at = TimeOf(row[7]);
  user.updated_at = TimeOf(row[8]);
  user.claims.phone_number_verified = row[9].as<bool>();
  user.claims_updated_at = TimeOf(row[10]);
  int column = kFirstClaimTextColumn;
  for (std::string* field : ClaimFields(user.claims)) {
    *field = row[column++].as<std::string>();
  }
  return user;
}

const char* StateName(KeyState state) {
  switch (state) {
    case KeyState::kNext:
      return "next";
    case KeyState::kCurrent:
      return "current";
    case KeyState::kRetired:
      return "retired";
  }
  return "retired";
}

KeyState StateFromName(const std::string& name) {
  if (name == "current") return KeyState::kCurrent;
  if (name == "next") return KeyState::kNext;
  return KeyState::kRetired;
}

std::optional<absl::Time> OptionalTime(const pqxx::field& field) {
  if (field.is_null()) return std::nullopt;
  return absl::FromUnixMicros(field.as<int64_t>());
}

AuthorizationCodeRecord CodeFromRow(const pqxx::row& row) {
  AuthorizationCodeRecord code;
  code.code_hash = row[0].as<std::string>();
  code.grant_id = row[1].as<std::string>();
  code.client_id = row[2].as<std::string>();
  code.user_id = row[3].as<std::string>();
  code.redirect_uri = row[4].as<std::string>();
  code.scope = row[5].as<std::string>();
  code.nonce = row[6].as<std::string>();
  code.code_challenge = row[7].as<std::string>();
  code.code_challenge_method = row[8].as<std::string>();
  code.auth_time = TimeOf(row[9]);
  code.expires_at = TimeOf(row[10]);
  code.redeemed_at = OptionalTime(row[11]);
  code.access_token_jti = row[12].as<std::string>();
  code.access_token_expires_at = TimeOf(row[13]);
  code.sid = row[14].as<std::string>();
  code.resources =
      absl::StrSplit(row[15].as<std::string>(), ' ', absl::SkipEmpty());
  return code;
}

RefreshTokenRecord RefreshFromRow(const pqxx::row& row) {
  RefreshTokenRecord token;
  token.token_hash = row[0].as<std::string>();
  token.family_id = row[1].as<std::string>();
  token.client_id = row[2].as<std::string>();
  token.user_id = row[3].as<std::string>();
  token.scope = row[4].as<std::string>();
  token.auth_time = TimeOf(row[5]);
  token.created_at = TimeOf(row[6]);
  token.idle_expires_at = TimeOf(row[7]);
  token.absolute_expires_at = TimeOf(row[8]);
  token.rotated_at = OptionalTime(row[9]);
  token.revoked = row[10].as<bool>();
  token.access_token_jti = row[11].as<std::string>();
  token.access_token_expires_at = TimeOf(row[12]);
  token.sid = row[13].as<std::string>();
  token.resources =
      absl::StrSplit(row[14].as<std::string>(), ' ', absl::SkipEmpty());
  token.dpop_jkt = row[15].as<std::string>();
  return token;
}

// A nullable time parameter: microseconds as text, or a null pointer (which
// libpqxx sends as NULL). `text` holds the digits while the call runs.
const char* OptionalMicros(const std::optional<absl::Time>& time,
                           std::string& text) {
  if (!time.has_value()) return nullptr;
  text = std::to_string(absl::ToUnixMicros(*time));
  return text.c_str();
}

void InsertRefreshToken(pqxx::transaction_base& txn,
                        const RefreshTokenRecord& token) {
  std::string rotated_at;
  txn.exec_prepared(
      "create_refresh_token", token.token_hash, token.family_id,
      token.client_id, token.user_id, token.scope,
      absl::ToUnixMicros(token.auth_time), absl::ToUnixMicros(token.created_at),
      absl::ToUnixMicros(token.idle_expires_at),
      absl::ToUnixMicros(token.absolute_expires_at),
      OptionalMicros(token.rotated_at, rotated_at), token.revoked,
      token.access_token_jti, absl::ToUnixMicros(token.access_token_expires_at),
      token.sid, absl::StrJoin(token.resources, " "), token.dpop_jkt);
}

SigningKeyRecord KeyFromRow(const pqxx::row& row) {
  SigningKeyRecord key;
  key.kid = row[0].as<std::string>();
  key.alg = row[1].as<std::string>();
  key.state = StateFromName(row[2].as<std::string>());
  key.public_jwk = row[3].as<std::string>();
  // Sealed bytes are kept as base64url text.
  key.sealed_private_jwk =
      jwt::Base64UrlDecode(row[4].as<std::string>()).value_or("");
  key.created_at = absl::FromUnixMicros(row[5].as<int64_t>());
  key.activated_at = OptionalTime(row[6]);
  key.retired_at = OptionalTime(row[7]);
  key.remove_at = OptionalTime(row[8]);
  return key;
}

// Inserts `key` in `state`; activated_at is set for a CURRENT key.
void InsertKey(pqxx::work& txn, const SigningKeyRecord& key, KeyState state) {
  const int64_t created = absl::ToUnixMicros(key.created_at);
  if (state == KeyState::kCurrent) {
    txn.exec_prepared(
        "insert_key", key.kid, key.alg, StateName(state), key.public_jwk,
        jwt::Base64UrlEncode(key.sealed_private_jwk), created,
        absl::ToUnixMicros(key.activated_at.value_or(key.created_at)));
  } else {
    txn.exec_prepared(
        "insert_key", key.kid, key.alg, StateName(state), key.public_jwk,
        jwt::Base64UrlEncode(key.sealed_private_jwk), created, nullptr);
  }
}

std::string Scopes(const ClientRecord& client) {
  return absl::StrJoin(client.allowed_scopes, " ");
}

std::string RedirectUris(const ClientRecord& client) {
  return absl::StrJoin(client.redirect_uris, " ");
}

std::string GrantTypes(const ClientRecord& client) {
  return absl::StrJoin(client.grant_types, " ");
}

constexpr char kLoginAttemptColumns[] =
    "failures, lockouts,"
    " (extract(epoch from window_start) * 1000000)::bigint,"
    " (extract(epoch from last_failure) * 1000000)::bigint,"
    " (extract(epoch from locked_until) * 1000000)::bigint,"
    " (extract(epoch from expires_at) * 1000000)::bigint";

// The login throttle's statements (storage/login_attempt_store.h).
void PrepareLoginAttempts(pqxx::connection& c) {
  c.prepare("get_login_attempt", std::string("SELECT ") + kLoginAttemptColumns +
                                     " FROM login_attempts WHERE key = $1");
  // Creates the row if absent and locks it either way; `inserted` tells a
  // placeholder from a stored counter.
  c.prepare("lock_login_attempt",
            std::string("INSERT INTO login_attempts (key, failures, lockouts,"
                        " window_start, last_failure, locked_until,"
                        " expires_at) VALUES ($1, 0, 0, to_timestamp(0),"
                        " to_timestamp(0), to_timestamp(0), to_timestamp(0))"
                        " ON CONFLICT (key) DO UPDATE SET key = excluded.key"
                        " RETURNING ") +
                kLoginAttemptColumns + ", xmax = 0 AS inserted");
  c.prepare("put_login_attempt",
            "UPDATE login_attempts SET failures = $2, lockouts = $3,"
            " window_start = to_timestamp($4::bigint / 1000000.0),"
            " last_failure = to_timestamp($5::bigint / 1000000.0),"
            " locked_until = to_timestamp($6::bigint / 1000000.0),"
            " expires_at = to_timestamp($7::bigint / 1000000.0)"
            " WHERE key = $1");
  c.prepare("delete_login_attempt",
            "DELETE FROM login_attempts WHERE key = $1");
  c.prepare("purge_login_attempts",
            "DELETE FROM login_attempts"
            " WHERE expires_at < to_timestamp($1::bigint / 1000000.0)");
}

LoginAttempts LoginAttemptsFromRow(const pqxx::row& row) {
  LoginAttempts attempts;
  attempts.failures = row[0].as<int32_t>();
  attempts.lockouts = row[1].as<int32_t>();
  attempts.window_start = absl::FromUnixMicros(row[2].as<int64_t>());
  attempts.last_failure = absl::FromUnixMicros(row[3].as<int64_t>());
  attempts.locked_until = absl::FromUnixMicros(row[4].as<int64_t>());
  attempts.expires_at = absl::FromUnixMicros(row[5].as<int64_t>());
  return attempts;
}

void PrepareAll(pqxx::connection& c) {
  Prepare(c);
  PrepareLoginAttempts(c);
  PrepareDeviceAuthorizations(c);
}

// The first column of every row the prepared `statement` returns for
// `params`, as text; `statement` also names the call for the pool's
// observer.
template <typename... Params>
absl::StatusOr<std::vector<std::string>> FirstColumn(ConnectionPool& pool,
                                                     const char* statement,
                                                     const Params&... params) {
  std::vector<std::string> values;
  absl::Status status =
      WithConnection(pool, statement, [&](pqxx::connection& c) {
        pqxx::nontransaction txn(c);
        for (const pqxx::row& row : txn.exec_prepared(statement, params...)) {
          values.push_back(row[0].as<std::string>());
        }
      });
  if (!status.ok()) return status;
  return values;
}

}  // namespace

absl::StatusOr<std::unique_ptr<PostgresStore>> PostgresStore::Open(
    PoolOptions options) {
  PoolOptions probe_options = options;
  probe_options.size = 1;
  // A probe must answer within a health-check period, whatever the database.
  probe_options.connect_timeout =
      std::min(probe_options.connect_timeout, absl::Seconds(2));
  probe_options.statement_timeout =
      std::min(probe_options.statement_timeout, absl::Seconds(2));
  auto probe = ConnectionPool::Create(std::move(probe_options), nullptr);
  if (!probe.ok()) return probe.status();
  auto pool = ConnectionPool::Create(std::move(options), &PrepareAll);
  if (!pool.ok()) return pool.status();
  if (auto version = ApplyMigrations(**pool); !version.ok()) {
    return version.status();
  }
  return std::unique_ptr<PostgresStore>(
      new PostgresStore(*std::move(pool), *std::move(probe)));
}

absl::Status PostgresStore::Warm() {
  absl::Status status = pool_->Warm();
  status.Update(probe_->Warm());
  return status;
}

absl::Status PostgresStore::Ping() {
  return WithConnection(*probe_, "ping", [](pqxx::connection& c) {
    pqxx::nontransaction txn(c);
    txn.exec("SELECT 1");
  });
}

// Calls of one statement run without BEGIN/COMMIT (pqxx::nontransaction: the
// statement commits by itself), one round trip instead of three; those of
// several statements (key initialization and rotation) use a transaction.
absl::Status PostgresStore::CreateClient(const ClientRecord& client) {
  absl::Status status =
      WithConnection(*pool_, "create_client", [&](pqxx::connection& c) {
        pqxx::nontransaction txn(c);
        txn.exec_prepared(
            "create_client", client.client_id, client.name, Scopes(client),
            client.secret_hash, absl::ToUnixMicros(client.created_at),
            absl::ToUnixMicros(client.updated_at), RedirectUris(client),
            GrantTypes(client), client.public_client, client.pkce_optional,
            client.id_token_signed_response_alg,
            client.require_pushed_authorization_requests,
            absl::StrJoin(client.post_logout_redirect_uris, " "),
            client.backchannel_logout_uri,
            client.backchannel_logout_session_required, client.third_party,
            client.token_endpoint_auth_method, client.jwks,
            client.token_exchange.delegation,
            client.token_exchange.impersonation,
            absl::StrJoin(client.token_exchange.audiences, " "),
            client.dpop_bound_access_tokens);
      });
  if (status.code() == absl::StatusCode::kAlreadyExists) {
    return absl::AlreadyExistsError("a client with this client_id exists");
  }
  return status;
}

absl::StatusOr<ClientRecord> PostgresStore::GetClient(
    absl::string_view client_id) {
  std::optional<ClientRecord> found;
  absl::Status status =
      WithConnection(*pool_, "get_client", [&](pqxx::connection& c) {
        pqxx::nontransaction txn(c);
        pqxx::result rows =
            txn.exec_prepared("get_client", std::string(client_id));
        if (!rows.empty()) found = ClientFromRow(rows[0]);
      });
  if (!status.ok()) return status;
  if (!found.has_value()) return absl::NotFoundError("no such client");
  return *std::move(found);
}

absl::StatusOr<std::vector<ClientRecord>> PostgresStore::ListClients(
    absl::string_view after, int limit) {
  std::vector<ClientRecord> clients;
  absl::Status status =
      WithConnection(*pool_, "list_clients", [&](pqxx::connection& c) {
        pqxx::nontransaction txn(c);
        for (const pqxx::row& row :
             txn.exec_prepared("list_clients", std::string(after), limit)) {
          clients.push_back(ClientFromRow(row));
        }
      });
  if (!status.ok()) return status;
  return clients;
}

absl::Status PostgresStore::UpdateClient(const ClientRecord& client) {
  size_t affected = 0;
  absl::Status status =
      WithConnection(*pool_, "update_client", [&](pqxx::connection& c) {
        pqxx::nontransaction txn(c);
        affected =
            txn.exec_prepared(
                   "update_client", client.client_id, client.name,
                   Scopes(client), absl::ToUnixMicros(client.updated_at),
                   RedirectUris(client), GrantTypes(client),
                   client.pkce_optional, client.id_token_signed_response_alg,
                   client.require_pushed_authorization_requests,
                   absl::StrJoin(client.post_logout_redirect_uris, " "),
                   client.backchannel_logout_uri,
                   client.backchannel_logout_session_required,
                   client.third_party, client.jwks,
                   client.token_exchange.delegation,
                   client.token_exchange.impersonation,
                   absl::StrJoin(client.token_exchange.audiences, " "),
                   client.dpop_bound_access_tokens)
                .affected_rows();
      });
  if (!status.ok()) return status;
  if (affected == 0) return absl::NotFoundError("no such client");
  return absl::OkStatus();
}

absl::Status PostgresStore::DeleteClient(absl::string_view client_id) {
  size_t affected = 0;
  absl::Status status =
      WithConnection(*pool_, "delete_client", [&](pqxx::connection& c) {
        pqxx::nontransaction txn(c);
        affected = txn.exec_prepared("delete_client", std::string(client_id))
                       .affected_rows();
      });
  if (!status.ok()) return status;
  if (affected == 0) return absl::NotFoundError("no such client");
  return absl::OkStatus();
}

absl::Status PostgresStore::Revoke(absl::string_view jti,
                                   absl::Time expires_at) {
  return WithConnection(*pool_, "revoke", [&](pqxx::connection& c) {
    pqxx::nontransaction txn(c);
    txn.exec_prepared("revoke", std::string(jti),
                      absl::ToUnixMicros(expires_at));
  });
}

absl::StatusOr<bool> PostgresStore::IsRevoked(absl::string_view jti) {
  bool revoked = false;
  absl::Status status =
      WithConnection(*pool_, "is_revoked", [&](pqxx::connection& c) {
        pqxx::nontransaction txn(c);
        revoked = !txn.exec_prepared("is_revoked", std::string(jti)).empty();
      });
  if (!status.ok()) return status;
  return revoked;
}

absl::StatusOr<std::vector<std::string>> PostgresStore::ListRevoked(
    absl::Time now) {
  return FirstColumn(*pool_, "list_revoked", absl::ToUnixMicros(now));
}

absl::StatusOr<int64_t> PostgresStore::PurgeExpired(absl::Time now) {
  int64_t purged = 0;
  absl::Status status =
      WithConnection(*pool_, "purge_expired", [&](pqxx::connection& c) {
        pqxx::nontransaction txn(c);
        purged = txn.exec_prepared("purge_revoked", absl::ToUnixMicros(now))
                     .affected_rows();
      });
  if (!status.ok()) return status;
  return purged;
}

absl::StatusOr<ReplayClaim> PostgresStore::ClaimOnce(absl::string_view kind,
                                                     absl::string_view id_hash,
                                                     absl::Time expires_at,
                                                     absl::Time now) {
  bool recorded = false;
  absl::Status status =
      WithConnection(*pool_, "claim_once", [&](pqxx::connection& c) {
        pqxx::nontransaction txn(c);
        recorded = !txn.exec_prepared("claim_once", std::string(kind),
                                      std::string(id_hash),
                                      absl::ToUnixMicros(expires_at),
                                      absl::ToUnixMicros(now))
                        .empty();
      });
  if (!status.ok()) return status;
  return recorded ? ReplayClaim::kFirstUse : ReplayClaim::kReplay;
}

absl::StatusOr<int64_t> PostgresStore::PurgeExpiredClaims(absl::Time now) {
  int64_t purged = 0;
  absl::Status status =
      WithConnection(*pool_, "purge_claims", [&](pqxx::connection& c) {
        pqxx::nontransaction txn(c);
        purged = txn.exec_prepared("purge_claims", absl::ToUnixMicros(now))
                     .affected_rows();
      });
  if (!status.ok()) return status;
  return purged;
}

absl::StatusOr<std::vector<SigningKeyRecord>> PostgresStore::ListSigningKeys() {
  std::vector<SigningKeyRecord> keys;
  absl::Status status =
      WithConnection(*pool_, "list_signing_keys", [&](pqxx::connection& c) {
        pqxx::nontransaction txn(c);
        for (const pqxx::row& row : txn.exec_prepared("list_keys")) {
          keys.push_back(KeyFromRow(row));
        }
      });
  if (!status.ok()) return status;
  return keys;
}

absl::Status PostgresStore::InitializeSigningKeys(
    const SigningKeyRecord& current, const SigningKeyRecord& next) {
  if (current.alg != next.alg) {
    return absl::InvalidArgumentError("CURRENT and NEXT of different algs");
  }
  absl::Status status = WithConnection(
      *pool_, "initialize_signing_keys", [&](pqxx::connection& c) {
        pqxx::work txn(c);
        InsertKey(txn, current, KeyState::kCurrent);
        InsertKey(txn, next, KeyState::kNext);
        txn.commit();
      });
  // The partial unique index refuses a second CURRENT key of the algorithm
  // (migration 8): another replica
  // initialized first. (A duplicate kid lands here too; with random kids it
  // means the same.)
  if (status.code() == absl::StatusCode::kAlreadyExists) {
    return absl::AbortedError("signing keys are already initialized");
  }
  return status;
}

absl::Status PostgresStore::RotateSigningKeys(absl::string_view current_kid,
                                              absl::string_view next_kid,
                                              const SigningKeyRecord& new_next,
                                              absl::Time now,
                                              absl::Time remove_at) {
  bool changed_meanwhile = false;
  absl::Status status =
      WithConnection(*pool_, "rotate_signing_keys", [&](pqxx::connection& c) {
        pqxx::work txn(c);
        // The first UPDATE locks the CURRENT row: a concurrent rotation waits
        // here, then finds the row no longer CURRENT and changes nothing.
        if (txn.exec_prepared("retire_key", std::string(current_kid),
                              absl::ToUnixMicros(now),
                              absl::ToUnixMicros(remove_at))
                    .affected_rows() != 1 ||
            txn.exec_prepared("activate_key", std::string(next_kid),
                              absl::ToUnixMicros(now))
                    .affected_rows() != 1) {
          changed_meanwhile = true;
          return;  // Not committed: the transaction rolls back.
        }
        InsertKey(txn, new_next, KeyState::kNext);
        txn.commit();
      });
  if (!status.ok()) return status;
  if (changed_meanwhile) {
    return absl::AbortedError("the signing keys changed; reload and retry");
  }
  return absl::OkStatus();
}

absl::Status PostgresStore::RetireSigningKey(absl::string_view kid,
                                             absl::Time now,
                                             absl::Time remove_at) {
  bool retired = false;
  absl::Status status =
      WithConnection(*pool_, "retire_signing_key", [&](pqxx::connection& c) {
        pqxx::nontransaction txn(c);
        retired = txn.exec_prepared("retire_unused_key", std::string(kid),
                                    absl::ToUnixMicros(now),
                                    absl::ToUnixMicros(remove_at))
                      .affected_rows() == 1;
      });
  if (!status.ok()) return status;
  if (!retired) {
    return absl::AbortedError("the signing keys changed; reload and retry");
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> PostgresStore::RemoveExpiredSigningKeys(
    absl::Time now) {
  int64_t removed = 0;
  absl::Status status = WithConnection(
      *pool_, "remove_expired_signing_keys", [&](pqxx::connection& c) {
        pqxx::nontransaction txn(c);
        removed = txn.exec_prepared("remove_keys", absl::ToUnixMicros(now))
                      .affected_rows();
      });
  if (!status.ok()) return status;
  return removed;
}

namespace {

// One compare-and-set UPDATE (`reseal`), then whether the row exists
// (`exists`) to tell Aborted from NotFound. Sealed bytes are stored as
// base64url text.
absl::Status CompareAndReseal(ConnectionPool& pool, const char* reseal,
                              const char* exists, absl::string_view id,
                              absl::string_view expected,
                              absl::string_view resealed) {
  bool updated = false;
  bool found = false;
  absl::Status status = WithConnection(pool, reseal, [&](pqxx::connection& c) {
    pqxx::nontransaction txn(c);
    updated = txn.exec_prepared(reseal, std::string(id),
                                jwt::Base64UrlEncode(expected),
                                jwt::Base64UrlEncode(resealed))
                  .affected_rows() == 1;
    if (!updated) found = !txn.exec_prepared(exists, std::string(id)).empty();
  });
  if (!status.ok()) return status;
  if (updated) return absl::OkStatus();
  if (!found) return absl::NotFoundError("nothing of that name to re-seal");
  return absl::AbortedError("the sealed value changed meanwhile");
}

}  // namespace

absl::Status PostgresStore::ResealSigningKey(absl::string_view kid,
                                             absl::string_view expected,
                                             absl::string_view resealed) {
  return CompareAndReseal(*pool_, "reseal_key", "key_exists", kid, expected,
                          resealed);
}

absl::StatusOr<std::vector<SealedSecretRecord>>
PostgresStore::ListSealedSecrets() {
  std::vector<SealedSecretRecord> secrets;
  absl::Status status =
      WithConnection(*pool_, "list_secrets", [&](pqxx::connection& c) {
        pqxx::nontransaction txn(c);
        for (const pqxx::row& row : txn.exec_prepared("list_secrets")) {
          SealedSecretRecord secret;
          secret.name = row[0].as<std::string>();
          secret.sealed =
              jwt::Base64UrlDecode(row[1].as<std::string>()).value_or("");
          secret.created_at = absl::FromUnixMicros(row[2].as<int64_t>());
          secrets.push_back(std::move(secret));
        }
      });
  if (!status.ok()) return status;
  return secrets;
}

absl::Status PostgresStore::CreateSealedSecret(
    const SealedSecretRecord& secret) {
  return WithConnection(*pool_, "insert_secret", [&](pqxx::connection& c) {
    pqxx::nontransaction txn(c);
    txn.exec_prepared("insert_secret", secret.name,
                      jwt::Base64UrlEncode(secret.sealed),
                      absl::ToUnixMicros(secret.created_at));
  });
}

absl::Status PostgresStore::ResealSecret(absl::string_view name,
                                         absl::string_view expected,
                                         absl::string_view resealed) {
  return CompareAndReseal(*pool_, "reseal_secret", "secret_exists", name,
                          expected, resealed);
}

absl::Status PostgresStore::CreateUser(const UserRecord& user) {
  absl::Status status =
      WithConnection(*pool_, "create_user", [&](pqxx::connection& c) {
        pqxx::nontransaction txn(c);
        txn.exec_prepared(
            "create_user", user.user_id, user.username, user.password_hash,
            user.name, user.email, user.email_verified, user.disabled,
            absl::ToUnixMicros(user.created_at),
            absl::ToUnixMicros(user.updated_at),
            user.claims.phone_number_verified,
            absl::ToUnixMicros(user.claims_updated_at),
            pqxx::prepare::make_dynamic_params(ClaimTexts(user.claims)));
      });
  if (status.code() == absl::StatusCode::kAlreadyExists) {
    return absl::AlreadyExistsError(
        "a user with this user_id or username exists");
  }
  return status;
}

absl::StatusOr<UserRecord> PostgresStore::GetUser(absl::string_view user_id) {
  std::optional<UserRecord> found;
  absl::Status status =
      WithConnection(*pool_, "get_user", [&](pqxx::connection& c) {
        pqxx::nontransaction txn(c);
        pqxx::result rows = txn.exec_prepared("get_user", std::string(user_id));
        if (!rows.empty()) found = UserFromRow(rows[0]);
      });
  if (!status.ok()) return status;
  if (!found.has_value()) return absl::NotFoundError("no such user");
  return *std::move(found);
}

absl::StatusOr<UserRecord> PostgresStore::GetUserByUsername(
    absl::string_view username) {
  std::optional<UserRecord> found;
  absl::Status status =
      WithConnection(*pool_, "get_user_by_username", [&](pqxx::connection& c) {
        pqxx::nontransaction txn(c);
        pqxx::result rows =
            txn.exec_prepared("get_user_by_username", std::string(username));
        if (!rows.empty()) found = UserFromRow(rows[0]);
      });
  if (!status.ok()) return status;
  if (!found.has_value()) return absl::NotFoundError("no such user");
  return *std::move(found);
}

absl::StatusOr<std::vector<UserRecord>> PostgresStore::ListUsers(
    absl::string_view after, int limit) {
  std::vector<UserRecord> users;
  absl::Status status =
      WithConnection(*pool_, "list_users", [&](pqxx::connection& c) {
        pqxx::nontransaction txn(c);
        for (const pqxx::row& row :
             txn.exec_prepared("list_users", std::string(after), limit)) {
          users.push_back(UserFromRow(row));
        }
      });
  if (!status.ok()) return status;
  return users;
}

absl::Status PostgresStore::UpdateUser(const UserRecord& user) {
  size_t affected = 0;
  absl::Status status =
      WithConnection(*pool_, "update_user", [&](pqxx::connection& c) {
        pqxx::nontransaction txn(c);
        affected =
            txn.exec_prepared(
                   "update_user", user.user_id, user.name, user.email,
                   user.email_verified, user.disabled,
                   absl::ToUnixMicros(user.updated_at),
                   user.claims.phone_number_verified,
                   absl::ToUnixMicros(user.claims_updated_at),
                   pqxx::prepare::make_dynamic_params(ClaimTexts(user.claims)))
                .affected_rows();
      });
  if (!status.ok()) return status;
  if (affected == 0) return absl::NotFoundError("no such user");
  return absl::OkStatus();
}

absl::Status PostgresStore::SetPasswordHash(absl::string_view user_id,
                                            absl::string_view password_hash,
                                            absl::Time updated_at) {
  size_t affected = 0;
  absl::Status status =
      WithConnection(*pool_, "set_password_hash", [&](pqxx::connection& c) {
        pqxx::nontransaction txn(c);
        affected = txn.exec_prepared("set_password_hash", std::string(user_id),
                                     std::string(password_hash),
                                     absl::ToUnixMicros(updated_at))
                       .affected_rows();
      });
  if (!status.ok()) return status;
  if (affected == 0) return absl::NotFoundError("no such user");
  return absl::OkStatus();
}

absl::Status PostgresStore::CreateAuthorizationCode(
    const AuthorizationCodeRecord& code) {
  absl::Status status = WithConnection(
      *pool_, "create_authorization_code", [&](pqxx::connection& c) {
        pqxx::nontransaction txn(c);
        std::string redeemed_at;
        txn.exec_prepared("create_authorization_code", code.code_hash,
                          code.grant_id, code.client_id, code.user_id,
                          code.redirect_uri, code.scope, code.nonce,
                          code.code_challenge, code.code_challenge_method,
                          absl::ToUnixMicros(code.auth_time),
                          absl::ToUnixMicros(code.expires_at),
                          OptionalMicros(code.redeemed_at, redeemed_at),
                          code.access_token_jti,
                          absl::ToUnixMicros(code.access_token_expires_at),
                          code.sid, absl::StrJoin(code.resources, " "));
      });
  if (status.code() == absl::StatusCode::kAlreadyExists) {
    return absl::AlreadyExistsError(
        "an authorization code with this hash exists");
  }
  return status;
}

absl::StatusOr<AuthorizationCodeRecord> PostgresStore::GetAuthorizationCode(
    absl::string_view code_hash) {
  std::optional<AuthorizationCodeRecord> found;
  absl::Status status = WithConnection(
      *pool_, "get_authorization_code", [&](pqxx::connection& c) {
        pqxx::nontransaction txn(c);
        pqxx::result rows =
            txn.exec_prepared("get_authorization_code", std::string(code_hash));
        if (!rows.empty()) found = CodeFromRow(rows[0]);
      });
  if (!status.ok()) return status;
  if (!found.has_value()) {
    return absl::NotFoundError("no such authorization code");
  }
  return *std::move(found);
}

absl::StatusOr<AuthorizationCodeRecord> PostgresStore::RedeemAuthorizationCode(
    absl::string_view code_hash, absl::string_view client_id, absl::Time now,
    absl::string_view access_token_jti, absl::Time access_token_expires_at) {
  std::optional<AuthorizationCodeRecord> redeemed;
  absl::Status refused;
  absl::Status status = WithConnection(
      *pool_, "redeem_authorization_code", [&](pqxx::connection& c) {
        // The UPDATE commits by itself: it alone decides who redeems.
        pqxx::nontransaction txn(c);
        pqxx::result rows = txn.exec_prepared(
            "redeem_authorization_code", std::string(code_hash),
            std::string(client_id), absl::ToUnixMicros(now),
            std::string(access_token_jti),
            absl::ToUnixMicros(access_token_expires_at));
        if (!rows.empty()) {
          redeemed = CodeFromRow(rows[0]);
          return;
        }
        // Nothing redeemed: say why (a second round trip, on refusals only).
        pqxx::result why =
            txn.exec_prepared("classify_authorization_code",
                              std::string(code_hash), absl::ToUnixMicros(now));
        if (why.empty() || why[0][0].as<std::string>() != client_id) {
          refused = absl::NotFoundError("no such authorization code");
        } else if (why[0][1].as<bool>()) {
          refused = absl::FailedPreconditionError(
              "the authorization code was already redeemed");
        } else {
          refused =
              absl::FailedPreconditionError("the authorization code expired");
        }
      });
  if (!status.ok()) return status;
  if (!redeemed.has_value()) return refused;
  return *std::move(redeemed);
}

absl::StatusOr<int64_t> PostgresStore::PurgeExpiredCodes(absl::Time now) {
  int64_t purged = 0;
  absl::Status status =
      WithConnection(*pool_, "purge_expired_codes", [&](pqxx::connection& c) {
        pqxx::nontransaction txn(c);
        purged = txn.exec_prepared("purge_authorization_codes",
                                   absl::ToUnixMicros(now))
                     .affected_rows();
      });
  if (!status.ok()) return status;
  return purged;
}

absl::StatusOr<int64_t> PostgresStore::CountLivePushedRequests(
    absl::string_view client_id, absl::Time now) {
  int64_t live = 0;
  absl::Status status = WithConnection(
      *pool_, "count_live_pushed_requests", [&](pqxx::connection& c) {
        pqxx::nontransaction txn(c);
        live = txn.exec_prepared1("count_live_pushed_requests",
                                  std::string(client_id),
                                  absl::ToUnixMicros(now))[0]
                   .as<int64_t>();
      });
  if (!status.ok()) return status;
  return live;
}

absl::Status PostgresStore::CreatePushedRequest(
    const PushedRequestRecord& request) {
  absl::Status status =
      WithConnection(*pool_, "create_pushed_request", [&](pqxx::connection& c) {
        pqxx::nontransaction txn(c);
        txn.exec_prepared("create_pushed_request", request.request_uri_hash,
                          request.client_id, request.parameters,
                          absl::ToUnixMicros(request.expires_at));
      });
  if (status.code() == absl::StatusCode::kAlreadyExists) {
    return absl::AlreadyExistsError("a pushed request with this hash exists");
  }
  return status;
}

absl::StatusOr<PushedRequestRecord> PostgresStore::ConsumePushedRequest(
    absl::string_view request_uri_hash, absl::string_view client_id,
    absl::Time now) {
  std::optional<PushedRequestRecord> consumed;
  absl::Status status = WithConnection(
      *pool_, "consume_pushed_request", [&](pqxx::connection& c) {
        pqxx::nontransaction txn(c);
        pqxx::result rows = txn.exec_prepared(
            "consume_pushed_request", std::string(request_uri_hash),
            std::string(client_id), absl::ToUnixMicros(now));
        if (rows.empty()) return;
        PushedRequestRecord record;
        record.request_uri_hash = rows[0][0].as<std::string>();
        record.client_id = rows[0][1].as<std::string>();
        record.parameters = rows[0][2].as<std::string>();
        record.expires_at = TimeOf(rows[0][3]);
        consumed = std::move(record);
      });
  if (!status.ok()) return status;
  if (!consumed.has_value())
    return absl::NotFoundError("no such pushed request");
  return *std::move(consumed);
}

absl::StatusOr<int64_t> PostgresStore::PurgeExpiredPushedRequests(
    absl::Time now) {
  int64_t purged = 0;
  absl::Status status = WithConnection(
      *pool_, "purge_expired_pushed_requests", [&](pqxx::connection& c) {
        pqxx::nontransaction txn(c);
        purged =
            txn.exec_prepared("purge_pushed_requests", absl::ToUnixMicros(now))
                .affected_rows();
      });
  if (!status.ok()) return status;
  return purged;
}

absl::Status PostgresStore::CreateRefreshToken(
    const RefreshTokenRecord& token) {
  absl::Status status =
      WithConnection(*pool_, "create_refresh_token", [&](pqxx::connection& c) {
        pqxx::nontransaction txn(c);
        InsertRefreshToken(txn, token);
      });
  if (status.code() == absl::StatusCode::kAlreadyExists) {
    return absl::AlreadyExistsError("a refresh token with this hash exists");
  }
  return status;
}

absl::StatusOr<RefreshTokenRecord> PostgresStore::GetRefreshToken(
    absl::string_view token_hash) {
  std::optional<RefreshTokenRecord> found;
  absl::Status status =
      WithConnection(*pool_, "get_refresh_token", [&](pqxx::connection& c) {
        pqxx::nontransaction txn(c);
        pqxx::result rows =
            txn.exec_prepared("get_refresh_token", std::string(token_hash));
        if (!rows.empty()) found = RefreshFromRow(rows[0]);
      });
  if (!status.ok()) return status;
  if (!found.has_value()) return absl::NotFoundError("no such refresh token");
  return *std::move(found);
}

absl::StatusOr<RefreshTokenRecord> PostgresStore::RotateRefreshToken(
    absl::string_view old_hash, absl::string_view client_id, absl::Time now,
    const RefreshTokenRecord& replacement) {
  std::optional<RefreshTokenRecord> rotated;
  absl::Status refused;
  absl::Status status =
      WithConnection(*pool_, "rotate_refresh_token", [&](pqxx::connection& c) {
        // One statement: the old token is marked rotated only if its
        // replacement is stored (see the statement in Prepare).
        pqxx::nontransaction txn(c);
        pqxx::result rows = txn.exec_prepared(
            "rotate_refresh_token", std::string(old_hash),
            std::string(client_id), absl::ToUnixMicros(now),
            replacement.token_hash, replacement.family_id,
            replacement.client_id, replacement.user_id, replacement.scope,
            absl::ToUnixMicros(replacement.auth_time),
            absl::ToUnixMicros(replacement.created_at),
            absl::ToUnixMicros(replacement.idle_expires_at),
            absl::ToUnixMicros(replacement.absolute_expires_at),
            replacement.access_token_jti,
            absl::ToUnixMicros(replacement.access_token_expires_at),
            replacement.sid, absl::StrJoin(replacement.resources, " "),
            replacement.dpop_jkt);
        if (rows.empty()) {
          pqxx::result why = txn.exec_prepared("classify_refresh_token",
                                               std::string(old_hash));
          if (why.empty() || why[0][0].as<std::string>() != client_id) {
            refused = absl::NotFoundError("no such refresh token");
          } else {
            refused = absl::FailedPreconditionError(
                "the refresh token is rotated, revoked or expired");
          }
          return;  // Nothing changed.
        }
        rotated = RefreshFromRow(rows[0]);
      });
  if (status.code() == absl::StatusCode::kAlreadyExists) {
    return absl::AlreadyExistsError("a refresh token with this hash exists");
  }
  if (!status.ok()) return status;
  if (!rotated.has_value()) return refused;
  return *std::move(rotated);
}

absl::StatusOr<int64_t> PostgresStore::RevokeRefreshFamily(
    absl::string_view family_id) {
  int64_t live = 0;
  absl::Status status =
      WithConnection(*pool_, "revoke_refresh_family", [&](pqxx::connection& c) {
        pqxx::nontransaction txn(c);
        // A rotation committing while the UPDATE runs adds a replacement the
        // UPDATE's snapshot does not see; so repeat, each statement with a
        // fresh snapshot, until one finds nothing left to revoke. A revoked
        // token cannot be rotated, so this ends.
        for (;;) {
          pqxx::result counts = txn.exec_prepared("revoke_refresh_family",
                                                  std::string(family_id));
          live += counts[0][1].as<int64_t>();
          if (counts[0][0].as<int64_t>() == 0) break;
        }
      });
  if (!status.ok()) return status;
  return live;
}

absl::StatusOr<int64_t> PostgresStore::PurgeExpiredRefreshTokens(
    absl::Time now) {
  int64_t purged = 0;
  absl::Status status = WithConnection(
      *pool_, "purge_expired_refresh_tokens", [&](pqxx::connection& c) {
        pqxx::nontransaction txn(c);
        purged =
            txn.exec_prepared("purge_refresh_tokens", absl::ToUnixMicros(now))
                .affected_rows();
      });
  if (!status.ok()) return status;
  return purged;
}

absl::StatusOr<std::vector<IssuedAccessToken>> PostgresStore::GrantAccessTokens(
    absl::string_view grant_id, absl::Time now) {
  std::vector<IssuedAccessToken> tokens;
  absl::Status status =
      WithConnection(*pool_, "grant_access_tokens", [&](pqxx::connection& c) {
        pqxx::nontransaction txn(c);
        tokens.clear();
        for (const pqxx::row& row :
             txn.exec_prepared("grant_access_tokens", std::string(grant_id),
                               absl::ToUnixMicros(now))) {
          tokens.push_back({row[0].as<std::string>(), TimeOf(row[1])});
        }
      });
  if (!status.ok()) return status;
  return tokens;
}

absl::StatusOr<std::vector<std::string>> PostgresStore::UserClientGrants(
    absl::string_view user_id, absl::string_view client_id, absl::Time now) {
  return FirstColumn(*pool_, "user_client_grants", std::string(user_id),
                     absl::ToUnixMicros(now), std::string(client_id));
}

absl::StatusOr<std::vector<std::string>> PostgresStore::UserGrants(
    absl::string_view user_id, absl::Time now) {
  return FirstColumn(*pool_, "user_grants", std::string(user_id),
                     absl::ToUnixMicros(now));
}

absl::StatusOr<LoginAttemptStore::Counters> PostgresStore::GetLoginAttempts(
    const std::vector<std::string>& keys) {
  Counters counters;
  absl::Status status =
      WithConnection(*pool_, "get_login_attempts", [&](pqxx::connection& c) {
        counters.clear();
        pqxx::nontransaction txn(c);
        for (const std::string& key : keys) {
          pqxx::result rows = txn.exec_prepared("get_login_attempt", key);
          counters.push_back(rows.empty() ? std::nullopt
                                          : std::optional<LoginAttempts>(
                                                LoginAttemptsFromRow(rows[0])));
        }
      });
  if (!status.ok()) return status;
  return counters;
}

absl::Status PostgresStore::UpdateLoginAttempts(
    const std::vector<std::string>& keys,
    absl::FunctionRef<absl::Status(Counters&)> update) {
  // Rows are locked in sorted key order: two calls sharing keys take their
  // locks in the same order and cannot deadlock.
  std::vector<size_t> order(keys.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return keys[a] < keys[b]; });
  absl::Status refused;
  absl::Status status =
      WithConnection(*pool_, "update_login_attempts", [&](pqxx::connection& c) {
        pqxx::work txn(c);
        Counters counters(keys.size());
        for (size_t i : order) {
          pqxx::row row = txn.exec_prepared1("lock_login_attempt", keys[i]);
          if (!row[6].as<bool>()) counters[i] = LoginAttemptsFromRow(row);
        }
        refused = update(counters);
        if (!refused.ok()) return;  // Rolled back: nothing stored.
        for (size_t i : order) {
          if (i >= counters.size() || !counters[i].has_value()) {
            txn.exec_prepared("delete_login_attempt", keys[i]);
            continue;
          }
          const LoginAttempts& a = *counters[i];
          txn.exec_prepared("put_login_attempt", keys[i], a.failures,
                            a.lockouts, absl::ToUnixMicros(a.window_start),
                            absl::ToUnixMicros(a.last_failure),
                            absl::ToUnixMicros(a.locked_until),
                            absl::ToUnixMicros(a.expires_at));
        }
        txn.commit();
      });
  if (!status.ok()) return status;
  return refused;
}

absl::StatusOr<int64_t> PostgresStore::PurgeExpiredLoginAttempts(
    absl::Time now) {
  int64_t purged = 0;
  absl::Status status = WithConnection(
      *pool_, "purge_expired_login_attempts", [&](pqxx::connection& c) {
        pqxx::nontransaction txn(c);
        purged =
            txn.exec_prepared("purge_login_attempts", absl::ToUnixMicros(now))
                .affected_rows();
      });
  if (!status.ok()) return status;
  return purged;
}

// Login sessions.

absl::Status PostgresStore::CreateSession(const SessionRecord& session) {
  absl::Status status =
      WithConnection(*pool_, "create_session", [&](pqxx::connection& c) {
        pqxx::nontransaction txn(c);
        std::string ended_at;
        const char* ended = nullptr;
        if (session.ended_at.has_value()) {
          ended_at = std::to_string(absl::ToUnixMicros(*session.ended_at));
          ended = ended_at.c_str();
        }
        txn.exec_prepared("create_session", session.sid, session.secret_hash,
                          session.user_id,
                          absl::ToUnixMicros(session.auth_time),
                          absl::ToUnixMicros(session.created_at),
                          absl::ToUnixMicros(session.expires_at), ended);
      });
  if (status.code() == absl::StatusCode::kAlreadyExists) {
    return absl::AlreadyExistsError("a session with this sid or secret exists");
  }
  return status;
}

absl::StatusOr<SessionRecord> PostgresStore::SessionBy(
    absl::string_view statement, absl::string_view key) {
  std::optional<SessionRecord> found;
  absl::Status status =
      WithConnection(*pool_, statement, [&](pqxx::connection& c) {
        pqxx::nontransaction txn(c);
        pqxx::result rows =
            txn.exec_prepared(std::string(statement), std::string(key));
        if (!rows.empty()) found = SessionFromRow(rows[0]);
      });
  if (!status.ok()) return status;
  if (!found.has_value()) return absl::NotFoundError("no such session");
  return *std::move(found);
}

absl::StatusOr<SessionRecord> PostgresStore::GetSession(absl::string_view sid) {
  return SessionBy("get_session", sid);
}

absl::StatusOr<SessionRecord> PostgresStore::GetSessionBySecret(
    absl::string_view secret_hash) {
  return SessionBy("get_session_by_secret", secret_hash);
}

absl::StatusOr<std::vector<SessionRecord>> PostgresStore::SessionsWhere(
    absl::string_view statement, absl::string_view key, absl::Time now) {
  std::vector<SessionRecord> sessions;
  absl::Status status =
      WithConnection(*pool_, statement, [&](pqxx::connection& c) {
        pqxx::nontransaction txn(c);
        for (const pqxx::row& row :
             txn.exec_prepared(std::string(statement), std::string(key),
                               absl::ToUnixMicros(now))) {
          sessions.push_back(SessionFromRow(row));
        }
      });
  if (!status.ok()) return status;
  return sessions;
}

absl::StatusOr<std::vector<SessionRecord>> PostgresStore::ListUserSessions(
    absl::string_view user_id, absl::Time now) {
  return SessionsWhere("list_user_sessions", user_id, now);
}

absl::StatusOr<std::vector<SessionRecord>> PostgresStore::EndUserSessions(
    absl::string_view user_id, absl::Time now) {
  return SessionsWhere("end_user_sessions", user_id, now);
}

absl::StatusOr<SessionRecord> PostgresStore::EndSession(absl::string_view sid,
                                                        absl::Time now) {
  auto ended = SessionsWhere("end_session", sid, now);
  if (!ended.ok()) return ended.status();
  if (!ended->empty()) return ended->front();
  auto stored = GetSession(sid);
  if (!stored.ok()) return stored.status();
  return absl::FailedPreconditionError("the session already ended or expired");
}

absl::StatusOr<int64_t> PostgresStore::PurgeExpiredSessions(absl::Time now) {
  int64_t purged = 0;
  absl::Status status =
      WithConnection(*pool_, "purge_sessions", [&](pqxx::connection& c) {
        pqxx::nontransaction txn(c);
        purged = txn.exec_prepared("purge_sessions", absl::ToUnixMicros(now))
                     .affected_rows();
      });
  if (!status.ok()) return status;
  return purged;
}

absl::Status PostgresStore::AddSessionClient(absl::string_view sid,
                                             absl::string_view client_id,
                                             absl::Time now) {
  int64_t live = 0;
  absl::Status status =
      WithConnection(*pool_, "add_session_client", [&](pqxx::connection& c) {
        pqxx::nontransaction txn(c);
        live = txn.exec_prepared1("add_session_client", std::string(sid),
                                  std::string(client_id),
                                  absl::ToUnixMicros(now))[0]
                   .as<int64_t>();
      });
  if (!status.ok() || live > 0) return status;
  // Not live: ended or expired, or absent (a second read tells which).
  auto session = GetSession(sid);
  if (!session.ok()) return session.status();
  return absl::FailedPreconditionError("the session ended or expired");
}

absl::StatusOr<std::vector<std::string>> PostgresStore::ListSessionClients(
    absl::string_view sid) {
  return FirstColumn(*pool_, "list_session_clients", std::string(sid));
}

// Consents.

absl::StatusOr<ConsentRecord> PostgresStore::GetConsent(
    absl::string_view user_id, absl::string_view client_id) {
  std::optional<ConsentRecord> found;
  absl::Status status =
      WithConnection(*pool_, "get_consent", [&](pqxx::connection& c) {
        pqxx::nontransaction txn(c);
        pqxx::result rows = txn.exec_prepared(
            "get_consent", std::string(user_id), std::string(client_id));
        if (!rows.empty()) found = ConsentFromRow(rows[0]);
      });
  if (!status.ok()) return status;
  if (!found.has_value()) return absl::NotFoundError("no such consent");
  return *std::move(found);
}

absl::StatusOr<ConsentRecord> PostgresStore::GrantConsent(
    absl::string_view user_id, absl::string_view client_id,
    const std::vector<std::string>& scopes, absl::Time now) {
  std::optional<ConsentRecord> granted;
  bool unknown = false;
  absl::Status status =
      WithConnection(*pool_, "grant_consent", [&](pqxx::connection& c) {
        pqxx::nontransaction txn(c);
        try {
          pqxx::result rows = txn.exec_prepared(
              "grant_consent", std::string(user_id), std::string(client_id),
              absl::StrJoin(scopes, " "), absl::ToUnixMicros(now));
          granted = ConsentFromRow(rows[0]);
        } catch (const pqxx::foreign_key_violation&) {
          unknown = true;
        }
      });
  if (!status.ok()) return status;
  if (unknown) return absl::NotFoundError("no such user or client");
  return *std::move(granted);
}

absl::StatusOr<std::vector<ConsentRecord>> PostgresStore::ListUserConsents(
    absl::string_view user_id) {
  std::vector<ConsentRecord> consents;
  absl::Status status =
      WithConnection(*pool_, "list_user_consents", [&](pqxx::connection& c) {
        pqxx::nontransaction txn(c);
        for (const pqxx::row& row :
             txn.exec_prepared("list_user_consents", std::string(user_id))) {
          consents.push_back(ConsentFromRow(row));
        }
      });
  if (!status.ok()) return status;
  return consents;
}

absl::Status PostgresStore::RevokeConsent(absl::string_view user_id,
                                          absl::string_view client_id) {
  size_t affected = 0;
  absl::Status status =
      WithConnection(*pool_, "revoke_consent", [&](pqxx::connection& c) {
        pqxx::nontransaction txn(c);
        affected = txn.exec_prepared("revoke_consent", std::string(user_id),
                                     std::string(client_id))
                       .affected_rows();
      });
  if (!status.ok()) return status;
  if (affected == 0) return absl::NotFoundError("no such consent");
  return absl::OkStatus();
}

namespace {

ResourceRecord ResourceFromRow(const pqxx::row& row) {
  ResourceRecord resource;
  resource.resource = row[0].as<std::string>();
  resource.name = row[1].as<std::string>();
  resource.scopes =
      absl::StrSplit(row[2].as<std::string>(), ' ', absl::SkipEmpty());
  resource.created_at = absl::FromUnixMicros(row[3].as<int64_t>());
  resource.updated_at = absl::FromUnixMicros(row[4].as<int64_t>());
  return resource;
}

}  // namespace

absl::Status PostgresStore::CreateResource(const ResourceRecord& resource) {
  absl::Status status =
      WithConnection(*pool_, "create_resource", [&](pqxx::connection& c) {
        pqxx::nontransaction txn(c);
        txn.exec_prepared("create_resource", resource.resource, resource.name,
                          absl::StrJoin(resource.scopes, " "),
                          absl::ToUnixMicros(resource.created_at),
                          absl::ToUnixMicros(resource.updated_at));
      });
  if (status.code() == absl::StatusCode::kAlreadyExists) {
    return absl::AlreadyExistsError("a resource with this indicator exists");
  }
  return status;
}

absl::StatusOr<ResourceRecord> PostgresStore::GetResource(
    absl::string_view resource) {
  std::optional<ResourceRecord> found;
  absl::Status status =
      WithConnection(*pool_, "get_resource", [&](pqxx::connection& c) {
        pqxx::nontransaction txn(c);
        pqxx::result rows =
            txn.exec_prepared("get_resource", std::string(resource));
        if (!rows.empty()) found = ResourceFromRow(rows[0]);
      });
  if (!status.ok()) return status;
  if (!found.has_value()) return absl::NotFoundError("no such resource");
  return *std::move(found);
}

absl::StatusOr<std::vector<ResourceRecord>> PostgresStore::ListResources(
    absl::string_view after, int limit) {
  std::vector<ResourceRecord> resources;
  absl::Status status =
      WithConnection(*pool_, "list_resources", [&](pqxx::connection& c) {
        pqxx::nontransaction txn(c);
        for (const pqxx::row& row :
             txn.exec_prepared("list_resources", std::string(after), limit)) {
          resources.push_back(ResourceFromRow(row));
        }
      });
  if (!status.ok()) return status;
  return resources;
}

absl::Status PostgresStore::UpdateResource(const ResourceRecord& resource) {
  size_t affected = 0;
  absl::Status status =
      WithConnection(*pool_, "update_resource", [&](pqxx::connection& c) {
        pqxx::nontransaction txn(c);
        affected = txn.exec_prepared("update_resource", resource.resource,
                                     resource.name,
                                     absl::StrJoin(resource.scopes, " "),
                                     absl::ToUnixMicros(resource.updated_at))
                       .affected_rows();
      });
  if (!status.ok()) return status;
  if (affected == 0) return absl::NotFoundError("no such resource");
  return absl::OkStatus();
}

absl::Status PostgresStore::DeleteResource(absl::string_view resource) {
  size_t affected = 0;
  absl::Status status =
      WithConnection(*pool_, "delete_resource", [&](pqxx::connection& c) {
        pqxx::nontransaction txn(c);
        affected = txn.exec_prepared("delete_resource", std::string(resource))
                       .affected_rows();
      });
  if (!status.ok()) return status;
  if (affected == 0) return absl::NotFoundError("no such resource");
  return absl::OkStatus();
}

}  // namespace identity::storage
