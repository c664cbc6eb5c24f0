#include "client/idctl/idctl.h"

#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <variant>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "identity/v1/admin.grpc.pb.h"
#include "identity/v1/introspection.grpc.pb.h"
#include "identity/v1/keys.grpc.pb.h"
#include "identity/v1/token.grpc.pb.h"
#include "jwt/algorithm.h"
#include "jwt/base64url.h"
#include "jwt/claims.h"
#include "jwt/json.h"
#include "jwt/jwk.h"
#include "jwt/jwks.h"
#include "jwt/jws.h"
#include "jwt/jwt_signer.h"
#include "jwt/jwt_verifier.h"
#include "jwt/status.h"

namespace identity::idctl {
namespace {

using jwt::Json;
namespace v1 = ::identity::v1;

constexpr char kUsage[] = R"(usage: idctl <command> [options]

Keys
  idctl keys generate --alg ALG [--kid KID] [--bits N]
      Print a new private JWK. ALG: ES256 ES384 ES512 RS256 RS384 RS512 PS256 PS384 PS512
      EdDSA HS256 HS384 HS512. --bits: RSA modulus size (default 2048). Without --kid the kid
      is the RFC 7638 thumbprint.
  idctl keys public KEY_FILE          Print the public JWK of a (private) JWK.
  idctl keys jwks KEY_FILE...         Print a JWKS of the public parts of the given JWKs.
  idctl keys to-pem [--private] KEY_FILE
                                      Print a JWK as PEM (SPKI, or PKCS#8 with --private).
  idctl keys from-pem [--alg ALG] [--kid KID] PEM_FILE
                                      Print a PEM key as a JWK (--alg is required to sign
                                      with RSA keys).

Server (plaintext gRPC unless --tls-ca is given)
  idctl token --server ADDR --client-id ID [--client-secret SECRET] [--scope S]
              [--tls-ca PEM_FILE]
      Get an access token with the client_credentials grant; prints the JSON response.
      The secret may come from IDENTITY_CLIENT_SECRET instead of the command line.
  idctl introspect --server ADDR --client-id ID [--client-secret SECRET] [--tls-ca F] TOKEN
      Print the RFC 7662 introspection of TOKEN.
  idctl keys jwks --server ADDR [--tls-ca PEM_FILE]
      Print the server's JWKS (KeyService.GetJwks).
  On a gRPC error these exit 1 and print the status code, the OAuth error and the message.

Administration (AUTH: a token with scope identity.admin from --token; else --client-id with
the client's secret from --client-secret or IDENTITY_CLIENT_SECRET, for which idctl first gets a
token with scope identity.admin; else IDENTITY_ACCESS_TOKEN)
  idctl keys list --server ADDR AUTH             Every signing key with its state and dates.
  idctl keys rotate --server ADDR AUTH           Rotate now: NEXT becomes CURRENT.
  idctl clients create --server ADDR AUTH [--id ID] [--name NAME] [--allow-scope S]...
                       [--redirect-uri URI]... [--grant-type G]... [--public]
      Register a client; prints it with its secret, which is shown only this once (a --public
      client has none). G: client_credentials (the default), authorization_code,
      refresh_token.
  idctl clients get --server ADDR AUTH ID
  idctl clients list --server ADDR AUTH            Every client, page by page.
  idctl clients update --server ADDR AUTH ID [--name NAME] [--allow-scope S]... [--no-scopes]
                       [--redirect-uri URI]... [--no-redirect-uris] [--grant-type G]...
      Change the name, allowed scopes, redirect URIs and/or grant types (what is not given
      stays; a list given replaces the current one; --no-scopes and --no-redirect-uris clear).
      Reads the client first: a concurrent change in between is overwritten.
  idctl clients delete --server ADDR AUTH ID
  idctl users create --server ADDR AUTH --username NAME [--name N] [--email E]
                     [--email-verified] [--password-stdin]
      Register a user. PASSWORD: never on the command line; one line of standard input with
      --password-stdin, else IDENTITY_USER_PASSWORD.
  idctl users get --server ADDR AUTH USER_ID
  idctl users list --server ADDR AUTH              Every user, page by page.
  idctl users update --server ADDR AUTH USER_ID [--name N] [--email E]
                     [--email-verified | --no-email-verified]
      Change the profile (what is not given stays). Reads the user first, like clients update.
  idctl users disable --server ADDR AUTH USER_ID   The user can no longer log in.
  idctl users enable --server ADDR AUTH USER_ID
  idctl users set-password --server ADDR AUTH USER_ID [--password-stdin]
      Replace the password (PASSWORD as for users create).

Tokens
  idctl jwt sign --key PRIVATE_JWK_FILE --claims JSON [--typ TYP]
      Print a compact JWS of the claims (header typ defaults to JWT; --typ "" omits it).
  idctl jwt decode TOKEN
      Print {"header": ..., "claims": ...} WITHOUT verifying anything.
  idctl jwt verify --jwks JWKS_FILE [--iss ISS] [--aud AUD]... [--leeway SECONDS]
                   [--typ TYP] [--alg ALG]... [--max-size BYTES] TOKEN
      Exit 0 and print the claims when the token is valid; exit 1 and print the reason on
      stderr when it is not. --alg restricts the accepted algorithms (default: ES256 ES384
      RS256 PS256 EdDSA). JWKS_FILE may also hold a single JWK.

A file argument or TOKEN of "-" is read from standard input. Exit status 2: usage error or
unusable input.
)";

// Parsed command line: --name value / --name=value flags (repeatable) and
// positionals.
struct Args {
  std::map<std::string, std::vector<std::string>> flags;
  std::vector<std::string> positional;

  std::optional<std::string> Get(const std::string& name) const {
    auto it = flags.find(name);
    if (it == flags.end() || it->second.empty()) return std::nullopt;
    return it->second.back();
  }
  std::vector<std::string> GetAll(const std::string& name) const {
    auto it = flags.find(name);
    return it == flags.end() ? std::vector<std::string>() : it->second;
  }
};

// `value_flags` take a value, `bool_flags` do not. Anything else starting with
// "--" is an error.
absl::StatusOr<Args> ParseArgs(const std::vector<std::string>& argv,
                               size_t start,
                               const std::set<std::string>& value_flags,
                               const std::set<std::string>& bool_flags = {}) {
  Args args;
  for (size_t i = start; i < argv.size(); ++i) {
    const std::string& arg = argv[i];
    if (arg.size() > 2 && arg.rfind("--", 0) == 0) {
      std::string name = arg.substr(2);
      std::optional<std::string> value;
      if (auto eq = name.find('='); eq != std::string::npos) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
      }
      if (bool_flags.count(name) != 0 && !value.has_value()) {
        args.flags[name].push_back("true");
        continue;
      }
      if (value_flags.count(name) == 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("unknown option --", name));
      }
      if (!value.has_value()) {
        if (i + 1 >= argv.size()) {
          return absl::InvalidArgumentError(
              absl::StrCat("--", name, " needs a value"));
        }
        value = argv[++i];
      }
      args.flags[name].push_back(*value);
    } else {
      args.positional.push_back(arg);
    }
  }
  return args;
}

class Command {
 public:
  Command(std::istream& in, std::ostream& out, std::ostream& err)
      : in_(in), out_(out), err_(err) {}

  int Run(const std::vector<std::string>& argv) {
    if (argv.empty() || argv[0] == "help" || argv[0] == "--help" ||
        argv[0] == "-h") {
      (argv.empty() ? err_ : out_) << kUsage;
      return argv.empty() ? kExitUsage : kExitOk;
    }
    const std::string group = argv[0];
    const std::string verb = argv.size() > 1 ? argv[1] : "";
    if (group == "keys" && verb == "generate") return KeysGenerate(argv);
    if (group == "keys" && verb == "public") return KeysPublic(argv);
    if (group == "keys" && verb == "jwks") return KeysJwks(argv);
    if (group == "token") return Token(argv);
    if (group == "introspect") return Introspect(argv);
    if (group == "keys" && verb == "to-pem") return KeysToPem(argv);
    if (group == "keys" && verb == "from-pem") return KeysFromPem(argv);
    if (group == "jwt" && verb == "sign") return JwtSign(argv);
    if (group == "jwt" && verb == "decode") return JwtDecode(argv);
    if (group == "jwt" && verb == "verify") return JwtVerify(argv);
    if (group == "keys" && (verb == "list" || verb == "rotate")) {
      return KeysAdmin(argv);
    }
    if (group == "clients") return Clients(argv);
    if (group == "users") return Users(argv);
    return Usage(absl::StrCat("unknown command \"", group,
                              verb.empty() ? "" : " ", verb, "\""));
  }

 private:
  int Usage(absl::string_view message) {
    err_ << "idctl: " << message << "\n(run \"idctl help\" for usage)\n";
    return kExitUsage;
  }
  int Fail(absl::string_view what, const absl::Status& status) {
    err_ << "idctl: " << what << ": " << status.message() << "\n";
    return kExitUsage;
  }

  absl::StatusOr<std::string> ReadInput(const std::string& path) {
    if (path == "-") {
      if (stdin_used_) {
        return absl::InvalidArgumentError(
            "standard input can be read only once");
      }
      stdin_used_ = true;
      return std::string(std::istreambuf_iterator<char>(in_),
                         std::istreambuf_iterator<char>());
    }
    std::ifstream file(path, std::ios::binary);
    if (!file) return absl::NotFoundError(absl::StrCat("cannot read ", path));
    std::stringstream buffer;
    buffer << file.rdbuf();
    return buffer.str();
  }

  absl::StatusOr<jwt::Jwk> ReadKey(const std::string& path) {
    auto text = ReadInput(path);
    if (!text.ok()) return text.status();
    return jwt::Jwk::Parse(*text);
  }

  absl::StatusOr<jwt::Algorithm> ParseAlg(const std::string& name) {
    auto alg = jwt::AlgorithmFromName(name);
    if (!alg.has_value()) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown algorithm \"", name, "\""));
    }
    return *alg;
  }

  void PrintJson(const Json& json) {
    out_ << json.dump(2, ' ', false, Json::error_handler_t::replace) << "\n";
  }

  int KeysGenerate(const std::vector<std::string>& argv) {
    auto args = ParseArgs(argv, 2, {"alg", "kid", "bits"});
    if (!args.ok()) return Usage(args.status().message());
    if (!args->positional.empty()) {
      return Usage("keys generate takes no arguments");
    }
    auto alg_name = args->Get("alg");
    if (!alg_name) return Usage("keys generate needs --alg");
    auto alg = ParseAlg(*alg_name);
    if (!alg.ok()) return Usage(alg.status().message());
    int bits = 2048;
    if (auto value = args->Get("bits");
        value && !absl::SimpleAtoi(*value, &bits)) {
      return Usage("--bits must be a number");
    }
    auto key = jwt::Jwk::Generate(*alg, args->Get("kid").value_or(""), bits);
    if (!key.ok()) return Fail("cannot generate the key", key.status());
    PrintJson(key->ToPrivateJson());
    return kExitOk;
  }

  absl::StatusOr<std::shared_ptr<grpc::Channel>> Channel(
      const std::string& server, const std::optional<std::string>& tls_ca) {
    if (!tls_ca.has_value()) {
      return grpc::CreateChannel(server, grpc::InsecureChannelCredentials());
    }
    auto pem = ReadInput(*tls_ca);
    if (!pem.ok()) return pem.status();
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = *pem;
    return grpc::CreateChannel(server, grpc::SslCredentials(ssl));
  }

  // A failed call: the gRPC code, the OAuth error (ErrorInfo.reason) if any,
  // and the message.
  int CallFailed(const grpc::Status& status) {
    std::string reason;
    google::rpc::Status details;
    google::rpc::ErrorInfo info;
    if (details.ParseFromString(status.error_details()) &&
        details.details_size() > 0 && details.details(0).UnpackTo(&info)) {
      reason = info.reason();
    }
    err_ << "idctl: " << StatusCodeName(status.error_code())
         << (reason.empty() ? "" : " " + reason) << ": "
         << status.error_message() << "\n";
    return kExitInvalid;
  }

  // The canonical name of a gRPC status code (absl shares the numbering).
  static std::string StatusCodeName(grpc::StatusCode code) {
    std::string name = absl::StatusCodeToString(
        static_cast<absl::StatusCode>(static_cast<int>(code)));
    if (name.empty()) return absl::StrCat("CODE_", static_cast<int>(code));
    return name;  // "INVALID_ARGUMENT", ...
  }

  // --client-secret, else IDENTITY_CLIENT_SECRET (keeps it out of `ps`).
  std::string ClientSecret(const Args& args) {
    if (auto secret = args.Get("client-secret")) return *secret;
    const char* env = std::getenv("IDENTITY_CLIENT_SECRET");
    return env == nullptr ? "" : env;
  }

  int Token(const std::vector<std::string>& argv) {
    auto args = ParseArgs(
        argv, 1, {"server", "client-id", "client-secret", "scope", "tls-ca"});
    if (!args.ok()) return Usage(args.status().message());
    auto server = args->Get("server");
    auto client_id = args->Get("client-id");
    if (!server || !client_id || !args->positional.empty()) {
      return Usage("token needs --server and --client-id");
    }
    auto channel = Channel(*server, args->Get("tls-ca"));
    if (!channel.ok()) return Usage(channel.status().message());
    v1::TokenRequest request;
    request.set_grant_type("client_credentials");
    request.set_client_id(*client_id);
    request.set_client_secret(ClientSecret(*args));
    request.set_scope(args->Get("scope").value_or(""));
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(10));
    v1::TokenResponse response;
    const grpc::Status status = v1::TokenService::NewStub(*channel)->Token(
        &context, request, &response);
    if (!status.ok()) return CallFailed(status);
    PrintJson({{"access_token", response.access_token()},
               {"token_type", response.token_type()},
               {"expires_in", response.expires_in()},
               {"scope", response.scope()}});
    return kExitOk;
  }

  // An admin call's context: a deadline and the bearer token.
  static std::unique_ptr<grpc::ClientContext> AdminContext(
      const std::string& token) {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() +
                          std::chrono::seconds(10));
    context->AddMetadata("authorization", "Bearer " + token);
    return context;
  }

  // Prints a response message as JSON with the proto field names.
  int PrintMessage(const google::protobuf::Message& message) {
    google::protobuf::util::JsonPrintOptions options;
    options.add_whitespace = true;
    options.preserve_proto_field_names = true;
    std::string json;
    if (!google::protobuf::util::MessageToJsonString(message, &json, options)
             .ok()) {
      err_ << "idctl: cannot print the response\n";
      return kExitInvalid;
    }
    out_ << json;
    return kExitOk;
  }

  // The channel and admin token of an administration command: --token, else a
  // client_credentials token for scope identity.admin when --client-id is
  // given, else IDENTITY_ACCESS_TOKEN. Returns an exit status when it cannot.
  struct Admin {
    std::shared_ptr<grpc::Channel> channel;
    std::string token;
  };
  std::variant<Admin, int> ConnectAdmin(const Args& args,
                                        absl::string_view command) {
    auto server = args.Get("server");
    if (!server) return Usage(absl::StrCat(command, " needs --server"));
    auto channel = Channel(*server, args.Get("tls-ca"));
    if (!channel.ok()) return Usage(channel.status().message());
    Admin admin{*channel, ""};
    if (auto token = args.Get("token")) {
      admin.token = *token;
    } else if (auto client_id = args.Get("client-id")) {
      v1::TokenRequest request;
      request.set_grant_type("client_credentials");
      request.set_client_id(*client_id);
      request.set_client_secret(ClientSecret(args));
      request.set_scope("identity.admin");
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() +
                           std::chrono::seconds(10));
      v1::TokenResponse response;
      const grpc::Status status = v1::TokenService::NewStub(admin.channel)
                                      ->Token(&context, request, &response);
      if (!status.ok()) return CallFailed(status);
      admin.token = response.access_token();
    } else if (const char* env = std::getenv("IDENTITY_ACCESS_TOKEN")) {
      admin.token = env;
    }
    if (admin.token.empty()) {
      return Usage(absl::StrCat(
          command,
          " needs an admin token: --token, IDENTITY_ACCESS_TOKEN, or "
          "--client-id with the client's secret"));
    }
    return admin;
  }

  int KeysAdmin(const std::vector<std::string>& argv) {
    auto args = ParseArgs(
        argv, 2, {"server", "tls-ca", "token", "client-id", "client-secret"});
    if (!args.ok()) return Usage(args.status().message());
    const std::string command = "keys " + argv[1];
    if (!args->positional.empty()) {
      return Usage(absl::StrCat(command, " takes no arguments"));
    }
    auto admin = ConnectAdmin(*args, command);
    if (const int* exit = std::get_if<int>(&admin)) return *exit;
    auto stub = v1::KeyService::NewStub(std::get<Admin>(admin).channel);
    auto context = AdminContext(std::get<Admin>(admin).token);
    if (argv[1] == "list") {
      v1::ListKeysResponse response;
      const grpc::Status status =
          stub->ListKeys(context.get(), v1::ListKeysRequest(), &response);
      return status.ok() ? PrintMessage(response) : CallFailed(status);
    }
    v1::RotateKeysResponse response;
    const grpc::Status status =
        stub->RotateKeys(context.get(), v1::RotateKeysRequest(), &response);
    return status.ok() ? PrintMessage(response) : CallFailed(status);
  }

  int Clients(const std::vector<std::string>& argv) {
    const std::string verb = argv.size() > 1 ? argv[1] : "";
    auto args =
        ParseArgs(argv, 2,
                  {"server", "tls-ca", "token", "client-id", "client-secret",
                   "id", "name", "allow-scope", "redirect-uri", "grant-type"},
                  {"no-scopes", "no-redirect-uris", "public"});
    if (!args.ok()) return Usage(args.status().message());
    const std::string command = "clients " + verb;
    const bool takes_id = verb == "get" || verb == "update" || verb == "delete";
    if (verb != "create" && verb != "list" && !takes_id) {
      return Usage(absl::StrCat("unknown command \"", command, "\""));
    }
    if (args->positional.size() != (takes_id ? 1u : 0u)) {
      return Usage(takes_id ? absl::StrCat(command, " needs one client ID")
                            : absl::StrCat(command, " takes no arguments"));
    }
    if (args->Get("no-scopes") &&
        (verb != "update" || args->Get("allow-scope"))) {
      return Usage("--no-scopes is for clients update, without --allow-scope");
    }
    if (args->Get("no-redirect-uris") &&
        (verb != "update" || args->Get("redirect-uri"))) {
      return Usage(
          "--no-redirect-uris is for clients update, without --redirect-uri");
    }
    if ((verb != "create" && (args->Get("id") || args->Get("public"))) ||
        ((verb != "create" && verb != "update") &&
         (args->Get("name") || args->Get("allow-scope") ||
          args->Get("redirect-uri") || args->Get("grant-type")))) {
      return Usage(absl::StrCat(command, " does not take these options"));
    }
    auto admin = ConnectAdmin(*args, command);
    if (const int* exit = std::get_if<int>(&admin)) return *exit;
    auto stub = v1::AdminService::NewStub(std::get<Admin>(admin).channel);
    const std::string& token = std::get<Admin>(admin).token;
    const std::vector<std::string> scopes = args->GetAll("allow-scope");
    const std::vector<std::string> redirect_uris = args->GetAll("redirect-uri");
    const std::vector<std::string> grant_types = args->GetAll("grant-type");
    if (verb == "create") {
      v1::CreateClientRequest request;
      request.set_client_id(args->Get("id").value_or(""));
      request.set_name(args->Get("name").value_or(""));
      for (const std::string& scope : scopes) request.add_allowed_scopes(scope);
      for (const std::string& uri : redirect_uris) {
        request.add_redirect_uris(uri);
      }
      for (const std::string& grant : grant_types) {
        request.add_grant_types(grant);
      }
      request.set_public_client(args->Get("public").has_value());
      v1::CreateClientResponse response;
      const grpc::Status status =
          stub->CreateClient(AdminContext(token).get(), request, &response);
      return status.ok() ? PrintMessage(response) : CallFailed(status);
    }
    if (verb == "list") {
      // Every page, printed as one response.
      v1::ListClientsResponse all;
      v1::ListClientsRequest request;
      request.set_page_size(1000);
      do {
        v1::ListClientsResponse page;
        const grpc::Status status =
            stub->ListClients(AdminContext(token).get(), request, &page);
        if (!status.ok()) return CallFailed(status);
        for (auto& client : *page.mutable_clients()) {
          *all.add_clients() = std::move(client);
        }
        request.set_page_token(page.next_page_token());
      } while (!request.page_token().empty());
      return PrintMessage(all);
    }
    const std::string& id = args->positional[0];
    if (verb == "get") {
      v1::GetClientRequest request;
      request.set_client_id(id);
      v1::Client response;
      const grpc::Status status =
          stub->GetClient(AdminContext(token).get(), request, &response);
      return status.ok() ? PrintMessage(response) : CallFailed(status);
    }
    if (verb == "update") {
      // The API replaces name, scopes, redirect URIs and grant types; keep
      // what the command leaves out. (Empty grant types would mean
      // ["client_credentials"], not "unchanged".)
      v1::GetClientRequest get;
      get.set_client_id(id);
      v1::Client current;
      grpc::Status status =
          stub->GetClient(AdminContext(token).get(), get, &current);
      if (!status.ok()) return CallFailed(status);
      v1::UpdateClientRequest request;
      request.set_client_id(id);
      request.set_name(args->Get("name").value_or(current.name()));
      if (args->Get("allow-scope") || args->Get("no-scopes")) {
        for (const std::string& scope : scopes) {
          request.add_allowed_scopes(scope);
        }
      } else {
        *request.mutable_allowed_scopes() = current.allowed_scopes();
      }
      if (args->Get("redirect-uri") || args->Get("no-redirect-uris")) {
        for (const std::string& uri : redirect_uris) {
          request.add_redirect_uris(uri);
        }
      } else {
        *request.mutable_redirect_uris() = current.redirect_uris();
      }
      if (args->Get("grant-type")) {
        for (const std::string& grant : grant_types) {
          request.add_grant_types(grant);
        }
      } else {
        *request.mutable_grant_types() = current.grant_types();
      }
      v1::Client response;
      status =
          stub->UpdateClient(AdminContext(token).get(), request, &response);
      return status.ok() ? PrintMessage(response) : CallFailed(status);
    }
    v1::DeleteClientRequest request;
    request.set_client_id(id);
    v1::DeleteClientResponse response;
    const grpc::Status status =
        stub->DeleteClient(AdminContext(token).get(), request, &response);
    if (!status.ok()) return CallFailed(status);
    out_ << "deleted " << id << "\n";
    return kExitOk;
  }

  // The password of users create / set-password: one line of standard input
  // with --password-stdin (without its line break), else
  // IDENTITY_USER_PASSWORD; never a command-line argument (`ps` shows those).
  absl::StatusOr<std::string> UserPassword(const Args& args) {
    if (args.Get("password-stdin")) {
      if (stdin_used_) {
        return absl::InvalidArgumentError(
            "standard input can be read only once");
      }
      stdin_used_ = true;
      std::string line;
      if (!std::getline(in_, line)) {
        return absl::InvalidArgumentError(
            "no password on standard input (--password-stdin)");
      }
      if (line.empty()) {
        return absl::InvalidArgumentError(
            "the password on standard input is empty");
      }
      return line;
    }
    const char* env = std::getenv("IDENTITY_USER_PASSWORD");
    if (env == nullptr || *env == '\0') {
      return absl::InvalidArgumentError(
          "no password: give --password-stdin or set IDENTITY_USER_PASSWORD "
          "(never on the command line)");
    }
    return std::string(env);
  }

  int Users(const std::vector<std::string>& argv) {
    const std::string verb = argv.size() > 1 ? argv[1] : "";
    for (size_t i = 2; i < argv.size(); ++i) {
      if (argv[i] == "--password" || argv[i].rfind("--password=", 0) == 0) {
        return Usage(
            "idctl takes no password on the command line (`ps` shows it): "
            "use --password-stdin or IDENTITY_USER_PASSWORD");
      }
    }
    auto args =
        ParseArgs(argv, 2,
                  {"server", "tls-ca", "token", "client-id", "client-secret",
                   "username", "name", "email"},
                  {"email-verified", "no-email-verified", "password-stdin"});
    if (!args.ok()) return Usage(args.status().message());
    const std::string command = "users " + verb;
    const bool takes_id = verb == "get" || verb == "update" ||
                          verb == "disable" || verb == "enable" ||
                          verb == "set-password";
    if (verb != "create" && verb != "list" && !takes_id) {
      return Usage(absl::StrCat("unknown command \"", command, "\""));
    }
    if (args->positional.size() != (takes_id ? 1u : 0u)) {
      return Usage(takes_id ? absl::StrCat(command, " needs one USER_ID")
                            : absl::StrCat(command, " takes no arguments"));
    }
    const bool profile = verb == "create" || verb == "update";
    if ((verb != "create" && args->Get("username")) ||
        (!profile && (args->Get("name") || args->Get("email") ||
                      args->Get("email-verified"))) ||
        (verb != "update" && args->Get("no-email-verified")) ||
        (verb != "create" && verb != "set-password" &&
         args->Get("password-stdin"))) {
      return Usage(absl::StrCat(command, " does not take these options"));
    }
    if (args->Get("email-verified") && args->Get("no-email-verified")) {
      return Usage(
          "--email-verified and --no-email-verified exclude each other");
    }
    if (verb == "create" && !args->Get("username")) {
      return Usage("users create needs --username");
    }
    std::string password;
    if (verb == "create" || verb == "set-password") {
      auto read = UserPassword(*args);
      if (!read.ok()) {
        return Usage(absl::StrCat(command, ": ", read.status().message()));
      }
      password = *std::move(read);
    }
    auto admin = ConnectAdmin(*args, command);
    if (const int* exit = std::get_if<int>(&admin)) return *exit;
    auto stub = v1::AdminService::NewStub(std::get<Admin>(admin).channel);
    const std::string& token = std::get<Admin>(admin).token;
    if (verb == "create") {
      v1::CreateUserRequest request;
      request.set_username(*args->Get("username"));
      request.set_password(password);
      request.set_name(args->Get("name").value_or(""));
      request.set_email(args->Get("email").value_or(""));
      request.set_email_verified(args->Get("email-verified").has_value());
      v1::User response;
      const grpc::Status status =
          stub->CreateUser(AdminContext(token).get(), request, &response);
      return status.ok() ? PrintMessage(response) : CallFailed(status);
    }
    if (verb == "list") {
      // Every page, printed as one response.
      v1::ListUsersResponse all;
      v1::ListUsersRequest request;
      request.set_page_size(1000);
      do {
        v1::ListUsersResponse page;
        const grpc::Status status =
            stub->ListUsers(AdminContext(token).get(), request, &page);
        if (!status.ok()) return CallFailed(status);
        for (auto& user : *page.mutable_users()) {
          *all.add_users() = std::move(user);
        }
        request.set_page_token(page.next_page_token());
      } while (!request.page_token().empty());
      return PrintMessage(all);
    }
    const std::string& id = args->positional[0];
    v1::User response;
    grpc::Status status;
    if (verb == "get") {
      v1::GetUserRequest request;
      request.set_user_id(id);
      status = stub->GetUser(AdminContext(token).get(), request, &response);
    } else if (verb == "update") {
      // The API replaces name, email and email_verified; keep what the
      // command leaves out.
      v1::GetUserRequest get;
      get.set_user_id(id);
      v1::User current;
      status = stub->GetUser(AdminContext(token).get(), get, &current);
      if (!status.ok()) return CallFailed(status);
      v1::UpdateUserRequest request;
      request.set_user_id(id);
      request.set_name(args->Get("name").value_or(current.name()));
      request.set_email(args->Get("email").value_or(current.email()));
      request.set_email_verified(args->Get("email-verified") ? true
                                 : args->Get("no-email-verified")
                                     ? false
                                     : current.email_verified());
      status = stub->UpdateUser(AdminContext(token).get(), request, &response);
    } else if (verb == "disable" || verb == "enable") {
      v1::DisableUserRequest request;
      request.set_user_id(id);
      request.set_disabled(verb == "disable");
      status = stub->DisableUser(AdminContext(token).get(), request, &response);
    } else {
      v1::SetUserPasswordRequest request;
      request.set_user_id(id);
      request.set_password(password);
      status =
          stub->SetUserPassword(AdminContext(token).get(), request, &response);
    }
    return status.ok() ? PrintMessage(response) : CallFailed(status);
  }

  int Introspect(const std::vector<std::string>& argv) {
    auto args =
        ParseArgs(argv, 1, {"server", "client-id", "client-secret", "tls-ca"});
    if (!args.ok()) return Usage(args.status().message());
    auto server = args->Get("server");
    auto client_id = args->Get("client-id");
    if (!server || !client_id || args->positional.size() != 1) {
      return Usage("introspect needs --server, --client-id and one TOKEN");
    }
    auto token = ReadToken(args->positional[0]);
    if (!token.ok()) return Fail("cannot read the token", token.status());
    auto channel = Channel(*server, args->Get("tls-ca"));
    if (!channel.ok()) return Usage(channel.status().message());
    v1::IntrospectRequest request;
    request.set_token(*token);
    request.set_client_id(*client_id);
    request.set_client_secret(ClientSecret(*args));
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(10));
    v1::IntrospectResponse response;
    const grpc::Status status =
        v1::IntrospectionService::NewStub(*channel)->Introspect(
            &context, request, &response);
    if (!status.ok()) return CallFailed(status);
    Json result = {{"active", response.active()}};
    if (response.active()) {
      result["scope"] = response.scope();
      result["client_id"] = response.client_id();
      result["token_type"] = response.token_type();
      result["exp"] = response.exp();
      result["iat"] = response.iat();
      result["sub"] = response.sub();
      result["aud"] = std::vector<std::string>(response.aud().begin(),
                                               response.aud().end());
      result["iss"] = response.iss();
      result["jti"] = response.jti();
    }
    PrintJson(result);
    return kExitOk;
  }

  int KeysPublic(const std::vector<std::string>& argv) {
    auto args = ParseArgs(argv, 2, {});
    if (!args.ok()) return Usage(args.status().message());
    if (args->positional.size() != 1) {
      return Usage("keys public needs one KEY_FILE");
    }
    auto key = ReadKey(args->positional[0]);
    if (!key.ok()) return Fail("cannot use the key", key.status());
    if (key->is_symmetric()) {
      return Usage("an oct (HMAC) key has no public part");
    }
    PrintJson(key->ToPublicJson());
    return kExitOk;
  }

  int KeysJwks(const std::vector<std::string>& argv) {
    auto args = ParseArgs(argv, 2, {"server", "tls-ca"});
    if (!args.ok()) return Usage(args.status().message());
    if (auto server = args->Get("server")) {
      if (!args->positional.empty()) {
        return Usage("keys jwks takes KEY_FILEs or --server, not both");
      }
      auto channel = Channel(*server, args->Get("tls-ca"));
      if (!channel.ok()) return Usage(channel.status().message());
      grpc::ClientContext context;
      v1::GetJwksResponse response;
      const grpc::Status status = v1::KeyService::NewStub(*channel)->GetJwks(
          &context, v1::GetJwksRequest(), &response);
      if (!status.ok()) return CallFailed(status);
      PrintJson(Json::parse(response.jwks_json(), nullptr, false));
      return kExitOk;
    }
    if (args->positional.empty()) {
      return Usage("keys jwks needs at least one KEY_FILE");
    }
    std::vector<jwt::Jwk> keys;
    for (const std::string& path : args->positional) {
      auto key = ReadKey(path);
      if (!key.ok()) {
        return Fail(absl::StrCat("cannot use ", path), key.status());
      }
      if (key->is_symmetric()) {
        return Usage(absl::StrCat(path, " is an oct key: not published"));
      }
      keys.push_back(key->PublicKey());
    }
    auto jwks = jwt::Jwks::FromKeys(std::move(keys));
    if (!jwks.ok()) return Fail("cannot build the set", jwks.status());
    PrintJson(jwks->ToPublicJson());
    return kExitOk;
  }

  int KeysToPem(const std::vector<std::string>& argv) {
    auto args = ParseArgs(argv, 2, {}, {"private"});
    if (!args.ok()) return Usage(args.status().message());
    if (args->positional.size() != 1) {
      return Usage("keys to-pem needs one KEY_FILE");
    }
    auto key = ReadKey(args->positional[0]);
    if (!key.ok()) return Fail("cannot use the key", key.status());
    auto pem = args->Get("private") ? key->ToPrivatePem() : key->ToPublicPem();
    if (!pem.ok()) return Fail("cannot export the key", pem.status());
    out_ << *pem;
    return kExitOk;
  }

  int KeysFromPem(const std::vector<std::string>& argv) {
    auto args = ParseArgs(argv, 2, {"alg", "kid"});
    if (!args.ok()) return Usage(args.status().message());
    if (args->positional.size() != 1) {
      return Usage("keys from-pem needs one PEM_FILE");
    }
    std::optional<jwt::Algorithm> alg;
    if (auto name = args->Get("alg")) {
      auto parsed = ParseAlg(*name);
      if (!parsed.ok()) return Usage(parsed.status().message());
      alg = *parsed;
    }
    auto pem = ReadInput(args->positional[0]);
    if (!pem.ok()) return Fail("cannot read the PEM file", pem.status());
    auto key = jwt::Jwk::FromPem(*pem, alg, args->Get("kid").value_or(""));
    if (!key.ok()) return Fail("cannot use the PEM key", key.status());
    PrintJson(key->is_private() ? key->ToPrivateJson() : key->ToPublicJson());
    return kExitOk;
  }

  int JwtSign(const std::vector<std::string>& argv) {
    auto args = ParseArgs(argv, 2, {"key", "claims", "typ"});
    if (!args.ok()) return Usage(args.status().message());
    if (!args->positional.empty()) {
      return Usage("jwt sign takes no positional arguments");
    }
    auto key_path = args->Get("key");
    auto claims_text = args->Get("claims");
    if (!key_path || !claims_text) {
      return Usage("jwt sign needs --key and --claims");
    }
    auto key = ReadKey(*key_path);
    if (!key.ok()) return Fail("cannot use the key", key.status());
    auto claims = jwt::ParseJsonObject(*claims_text);
    if (!claims.ok()) {
      return Fail("--claims is not a JSON object", claims.status());
    }
    jwt::SignerOptions options;
    if (auto typ = args->Get("typ")) options.typ = *typ;
    auto signer = jwt::JwtSigner::Create(*std::move(key), options);
    if (!signer.ok()) return Fail("cannot sign with this key", signer.status());
    // Signed as given: numbers and "aud" keep their form.
    auto token = signer->SignJson(*claims);
    if (!token.ok()) return Fail("cannot sign these claims", token.status());
    out_ << *token << "\n";
    return kExitOk;
  }

  absl::StatusOr<std::string> ReadToken(const std::string& arg) {
    if (arg != "-") return arg;
    auto text = ReadInput(arg);
    if (!text.ok()) return text.status();
    return std::string(absl::StripAsciiWhitespace(*text));
  }

  int JwtDecode(const std::vector<std::string>& argv) {
    auto args = ParseArgs(argv, 2, {});
    if (!args.ok()) return Usage(args.status().message());
    if (args->positional.size() != 1) {
      return Usage("jwt decode needs one TOKEN");
    }
    auto token = ReadToken(args->positional[0]);
    if (!token.ok()) return Fail("cannot read the token", token.status());
    // Decoding is deliberately unsized and unverified: it is a debugging aid.
    auto jws = jwt::Jws::Parse(*token, token->size());
    if (!jws.ok()) return Fail("cannot decode the token", jws.status());
    auto claims = jwt::ParseJsonObject(jws->payload());
    Json result = {{"header", jws->header().ToJson()}};
    if (claims.ok()) {
      result["claims"] = *claims;
    } else {
      result["payload"] = jwt::Base64UrlEncode(jws->payload());
    }
    err_ << "idctl: NOT VERIFIED: the signature and claims were not checked\n";
    PrintJson(result);
    return kExitOk;
  }

  int JwtVerify(const std::vector<std::string>& argv) {
    auto args = ParseArgs(
        argv, 2, {"jwks", "iss", "aud", "leeway", "typ", "alg", "max-size"});
    if (!args.ok()) return Usage(args.status().message());
    if (args->positional.size() != 1) {
      return Usage("jwt verify needs one TOKEN");
    }
    auto jwks_path = args->Get("jwks");
    if (!jwks_path) return Usage("jwt verify needs --jwks");

    jwt::VerifierOptions options;
    options.issuer = args->Get("iss").value_or("");
    options.audiences = args->GetAll("aud");
    if (auto leeway = args->Get("leeway")) {
      int64_t seconds = 0;
      if (!absl::SimpleAtoi(*leeway, &seconds) || seconds < 0) {
        return Usage("--leeway must be a non-negative number of seconds");
      }
      options.leeway = absl::Seconds(seconds);
    }
    if (auto typ = args->Get("typ")) options.required_typ = *typ;
    if (auto max_size = args->Get("max-size")) {
      if (!absl::SimpleAtoi(*max_size, &options.max_token_size) ||
          options.max_token_size == 0) {
        return Usage("--max-size must be a positive number of bytes");
      }
    }
    if (auto algs = args->GetAll("alg"); !algs.empty()) {
      options.allowed_algorithms.clear();
      for (const std::string& name : algs) {
        auto alg = ParseAlg(name);
        if (!alg.ok()) return Usage(alg.status().message());
        options.allowed_algorithms.push_back(*alg);
      }
    }
    auto verifier = jwt::JwtVerifier::Create(options);
    if (!verifier.ok()) return Usage(verifier.status().message());

    auto jwks_text = ReadInput(*jwks_path);
    if (!jwks_text.ok()) return Fail("cannot read --jwks", jwks_text.status());
    auto jwks_json = jwt::ParseJsonObject(*jwks_text);
    if (!jwks_json.ok()) return Fail("--jwks is not JSON", jwks_json.status());
    // A single JWK is accepted as a set of one.
    if (!jwks_json->contains("keys")) {
      *jwks_json = Json{{"keys", Json::array({*jwks_json})}};
    }
    auto jwks = jwt::Jwks::FromJson(*jwks_json);
    if (!jwks.ok()) {
      return Fail("--jwks is not a usable key set", jwks.status());
    }
    for (const auto& skipped : jwks->skipped()) {
      err_ << "idctl: warning: key " << skipped.index
           << (skipped.kid.empty()
                   ? ""
                   : absl::StrCat(" (kid \"", skipped.kid, "\")"))
           << " ignored: " << skipped.status.message() << "\n";
    }

    auto token = ReadToken(args->positional[0]);
    if (!token.ok()) return Fail("cannot read the token", token.status());
    auto verified = verifier->Verify(*token, *jwks);
    if (!verified.ok()) {
      err_ << "invalid token: " << verified.status().message() << "\n";
      return kExitInvalid;
    }
    // The claims exactly as signed (already parsed strictly by the verifier).
    PrintJson(
        Json::parse(verified->payload, nullptr, /*allow_exceptions=*/false));
    return kExitOk;
  }

  std::istream& in_;
  std::ostream& out_;
  std::ostream& err_;
  bool stdin_used_ = false;
};

}  // namespace

int RunIdctl(const std::vector<std::string>& args, std::istream& in,
             std::ostream& out, std::ostream& err) {
  return Command(in, out, err).Run(args);
}

}  // namespace identity::idctl
