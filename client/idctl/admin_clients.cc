#include "client/idctl/admin_clients.h"

#include <optional>
#include <string>
#include <variant>

#include "absl/strings/match.h"
#include "client/idctl/admin_session.h"
#include "client/idctl/exit_code.h"
#include "client/idctl/paging.h"
#include "client/idctl/server_connection.h"
#include "google/protobuf/repeated_field.h"
#include "identity/v1/admin.grpc.pb.h"

namespace identity::idctl {
namespace {

namespace v1 = ::identity::v1;
using Strings = google::protobuf::RepeatedPtrField<std::string>;

// Every value of repeated --flag.
Strings Values(const ParsedArgs& args, absl::string_view flag) {
  Strings values;
  for (const std::string& value : args.GetAll(flag)) *values.Add() = value;
  return values;
}

// The values of repeated --flag when it, or --clear_flag, is given; else
// `current` (the API replaces the whole list).
Strings ListOrCurrent(const ParsedArgs& args, absl::string_view flag,
                      absl::string_view clear_flag, const Strings& current) {
  if (!args.Has(flag) && (clear_flag.empty() || !args.Has(clear_flag))) {
    return current;
  }
  return Values(args, flag);
}

// The token exchange policy the flags make of `current` (RFC 8693), or
// nullopt when no token exchange flag is given. `update`: the verb also
// declares the --no-... flags.
std::optional<v1::TokenExchangePolicy> ExchangePolicy(
    const ParsedArgs& args, const v1::TokenExchangePolicy& current,
    bool update) {
  auto has = [&](absl::string_view flag) {
    return (update || !absl::StartsWith(flag, "no-")) && args.Has(flag);
  };
  const bool given =
      has("token-exchange-delegation") || has("no-token-exchange-delegation") ||
      has("token-exchange-impersonation") ||
      has("no-token-exchange-impersonation") ||
      has("token-exchange-audience") || has("no-token-exchange-audiences");
  if (!given) return std::nullopt;
  v1::TokenExchangePolicy policy = current;
  if (has("token-exchange-delegation")) policy.set_delegation(true);
  if (has("no-token-exchange-delegation")) policy.set_delegation(false);
  if (has("token-exchange-impersonation")) policy.set_impersonation(true);
  if (has("no-token-exchange-impersonation")) policy.set_impersonation(false);
  *policy.mutable_audiences() = ListOrCurrent(
      args, "token-exchange-audience",
      update ? "no-token-exchange-audiences" : "", current.audiences());
  return policy;
}

}  // namespace

int ClientsCreate(const ParsedArgs& args, Console& console) {
  v1::CreateClientRequest request;
  request.set_client_id(args.Get("id").value_or(""));
  request.set_name(args.Get("name").value_or(""));
  *request.mutable_allowed_scopes() = Values(args, "allow-scope");
  *request.mutable_redirect_uris() = Values(args, "redirect-uri");
  *request.mutable_post_logout_redirect_uris() =
      Values(args, "post-logout-redirect-uri");
  *request.mutable_grant_types() = Values(args, "grant-type");
  request.set_public_client(args.Has("public"));
  request.set_pkce_optional(args.Has("pkce-optional"));
  request.set_id_token_signed_response_alg(
      args.Get("id-token-alg").value_or(""));
  request.set_require_pushed_authorization_requests(args.Has("require-par"));
  request.set_backchannel_logout_uri(
      args.Get("backchannel-logout-uri").value_or(""));
  request.set_backchannel_logout_session_required(
      args.Has("backchannel-logout-session-required"));
  request.set_third_party(args.Has("third-party"));
  request.set_dpop_bound_access_tokens(args.Has("dpop-bound-access-tokens"));
  if (auto policy = ExchangePolicy(args, {}, /*update=*/false)) {
    *request.mutable_token_exchange() = *std::move(policy);
  }
  request.set_token_endpoint_auth_method(args.Get("auth-method").value_or(""));
  if (auto path = args.Get("jwks-file")) {
    auto jwks = console.ReadInput(*path);
    if (!jwks.ok()) return console.Fail("cannot read the jwks", jwks.status());
    request.set_jwks(*std::move(jwks));
  }
  return CallAdminService<v1::CreateClientResponse>(
      args, console, [&](auto& stub, const auto& admin, auto* response) {
        return stub.CreateClient(admin.NewCall().get(), request, response);
      });
}

int ClientsGet(const ParsedArgs& args, Console& console) {
  v1::GetClientRequest request;
  request.set_client_id(args.positional()[0]);
  return CallAdminService<v1::Client>(
      args, console, [&](auto& stub, const auto& admin, auto* response) {
        return stub.GetClient(admin.NewCall().get(), request, response);
      });
}

int ClientsList(const ParsedArgs& args, Console& console) {
  return CallAdminService<v1::ListClientsResponse>(
      args, console, [](auto& stub, const auto& admin, auto* all) {
        return ListAllPages<v1::ListClientsRequest, v1::ListClientsResponse>(
            [&](const auto& request, auto* page) {
              return stub.ListClients(admin.NewCall().get(), request, page);
            },
            v1::ListClientsRequest(), all);
      });
}

int ClientsUpdate(const ParsedArgs& args, Console& console) {
  std::optional<std::string> jwks;
  if (auto path = args.Get("jwks-file")) {
    auto text = console.ReadInput(*path);
    if (!text.ok()) return console.Fail("cannot read the jwks", text.status());
    jwks = *std::move(text);
  }
  return CallAdminService<v1::Client>(
      args, console, [&](auto& stub, const auto& admin, auto* response) {
        // The API replaces name, scopes, redirect URIs and grant types; keep
        // what the command leaves out. (Empty grant types would mean
        // ["client_credentials"], not "unchanged".)
        v1::GetClientRequest get;
        get.set_client_id(args.positional()[0]);
        v1::Client current;
        grpc::Status status =
            stub.GetClient(admin.NewCall().get(), get, &current);
        if (!status.ok()) return status;
        v1::UpdateClientRequest request;
        request.set_client_id(get.client_id());
        request.set_name(args.Get("name").value_or(current.name()));
        *request.mutable_allowed_scopes() = ListOrCurrent(
            args, "allow-scope", "no-scopes", current.allowed_scopes());
        *request.mutable_redirect_uris() = ListOrCurrent(
            args, "redirect-uri", "no-redirect-uris", current.redirect_uris());
        *request.mutable_post_logout_redirect_uris() = ListOrCurrent(
            args, "post-logout-redirect-uri", "no-post-logout-redirect-uris",
            current.post_logout_redirect_uris());
        *request.mutable_grant_types() =
            ListOrCurrent(args, "grant-type", "", current.grant_types());
        if (args.Has("pkce-optional")) request.set_pkce_optional(true);
        if (args.Has("pkce-required")) request.set_pkce_optional(false);
        if (args.Has("id-token-alg")) {
          request.set_id_token_signed_response_alg(*args.Get("id-token-alg"));
        }
        if (args.Has("default-id-token-alg")) {
          request.set_id_token_signed_response_alg("");
        }
        if (args.Has("require-par")) {
          request.set_require_pushed_authorization_requests(true);
        }
        if (args.Has("par-optional")) {
          request.set_require_pushed_authorization_requests(false);
        }
        if (args.Has("backchannel-logout-uri")) {
          request.set_backchannel_logout_uri(
              *args.Get("backchannel-logout-uri"));
        }
        if (args.Has("no-backchannel-logout-uri")) {
          request.set_backchannel_logout_uri("");
        }
        if (args.Has("third-party")) request.set_third_party(true);
        if (args.Has("first-party")) request.set_third_party(false);
        if (args.Has("dpop-bound-access-tokens")) {
          request.set_dpop_bound_access_tokens(true);
        }
        if (args.Has("dpop-optional")) {
          request.set_dpop_bound_access_tokens(false);
        }
        if (auto policy = ExchangePolicy(args, current.token_exchange(),
                                         /*update=*/true)) {
          *request.mutable_token_exchange() = *std::move(policy);
        }
        if (jwks.has_value()) request.set_jwks(*jwks);
        return stub.UpdateClient(admin.NewCall().get(), request, response);
      });
}

int ClientsDelete(const ParsedArgs& args, Console& console) {
  auto session = OpenAdminSession(args, console);
  if (const int* exit = std::get_if<int>(&session)) return *exit;
  const AdminSession& admin = std::get<AdminSession>(session);
  v1::DeleteClientRequest request;
  request.set_client_id(args.positional()[0]);
  v1::DeleteClientResponse response;
  const grpc::Status status =
      v1::AdminService::NewStub(admin.server.channel())
          ->DeleteClient(admin.NewCall().get(), request, &response);
  if (!status.ok()) return CallFailed(status, console);
  console.out() << "deleted " << request.client_id() << "\n";
  return kExitOk;
}

}  // namespace identity::idctl
