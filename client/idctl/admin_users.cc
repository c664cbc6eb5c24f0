#include "client/idctl/admin_users.h"

#include <cstdlib>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "client/idctl/admin_session.h"
#include "client/idctl/paging.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "identity/v1/admin.grpc.pb.h"

namespace identity::idctl {
namespace {

namespace v1 = ::identity::v1;

// A claim's flag, its metavar and its field (v1::UserClaims, v1::Address).
struct ClaimFlag {
  absl::string_view flag;
  absl::string_view metavar;
  const char* field;
};

constexpr ClaimFlag kClaimFlags[] = {
    {"given-name", "N", "given_name"},
    {"family-name", "N", "family_name"},
    {"middle-name", "N", "middle_name"},
    {"nickname", "N", "nickname"},
    {"profile", "URL", "profile"},
    {"picture", "URL", "picture"},
    {"website", "URL", "website"},
    {"gender", "G", "gender"},
    {"birthdate", "DATE", "birthdate"},
    {"zoneinfo", "TZ", "zoneinfo"},
    {"locale", "TAG", "locale"},
    {"phone-number", "E164", "phone_number"},
};

constexpr ClaimFlag kAddressFlags[] = {
    {"address-formatted", "TEXT", "formatted"},
    {"address-street", "TEXT", "street_address"},
    {"address-locality", "TEXT", "locality"},
    {"address-region", "TEXT", "region"},
    {"address-postal-code", "TEXT", "postal_code"},
    {"address-country", "TEXT", "country"},
};

// Sets `flag.field` of `message` to the flag's value, if it was given.
// Returns whether it was.
bool CopyFlag(const ParsedArgs& args, const ClaimFlag& flag,
              google::protobuf::Message* message) {
  std::optional<std::string> value = args.Get(flag.flag);
  if (!value.has_value()) return false;
  message->GetReflection()->SetString(
      message, message->GetDescriptor()->FindFieldByName(flag.field),
      *std::move(value));
  return true;
}

// The claims the command line gives onto `claims`; the address starts from
// `address` when any part of it is given. `update`: the verb has
// --no-phone-number-verified.
void ClaimsFromFlags(const ParsedArgs& args, const v1::Address& address,
                     bool update, v1::UserClaims* claims) {
  for (const ClaimFlag& flag : kClaimFlags) CopyFlag(args, flag, claims);
  if (args.Has("phone-number-verified")) {
    claims->set_phone_number_verified(true);
  } else if (update && args.Has("no-phone-number-verified")) {
    claims->set_phone_number_verified(false);
  }
  v1::Address changed = address;
  bool any = false;
  for (const ClaimFlag& flag : kAddressFlags) {
    any |= CopyFlag(args, flag, &changed);
  }
  if (any) *claims->mutable_address() = std::move(changed);
}

// PASSWORD: one line of standard input with --password-stdin (without its
// line break), else IDENTITY_USER_PASSWORD; never a command-line argument
// (`ps` shows those). InvalidArgument when there is none or it is empty.
absl::StatusOr<std::string> UserPassword(const ParsedArgs& args,
                                         Console& console) {
  if (args.Has("password-stdin")) {
    auto line = console.ReadLine();
    if (!line.ok()) return line.status();
    if (!line->has_value()) {
      return absl::InvalidArgumentError(
          "no password on standard input (--password-stdin)");
    }
    if ((*line)->empty()) {
      return absl::InvalidArgumentError(
          "the password on standard input is empty");
    }
    return **std::move(line);
  }
  const char* env = std::getenv("IDENTITY_USER_PASSWORD");
  if (env == nullptr || *env == '\0') {
    return absl::InvalidArgumentError(
        "no password: give --password-stdin or set IDENTITY_USER_PASSWORD "
        "(never on the command line)");
  }
  return std::string(env);
}

// The user's enabled state set by DisableUser; prints the user.
int SetDisabled(const ParsedArgs& args, Console& console, bool disabled) {
  v1::DisableUserRequest request;
  request.set_user_id(args.positional()[0]);
  request.set_disabled(disabled);
  return CallAdminService<v1::User>(
      args, console, [&](auto& stub, const auto& admin, auto* response) {
        return stub.DisableUser(admin.NewCall().get(), request, response);
      });
}

}  // namespace

std::vector<FlagSpec> UserClaimFlags() {
  std::vector<FlagSpec> flags;
  for (const ClaimFlag& flag : kClaimFlags) {
    flags.push_back(Optional(flag.flag, flag.metavar));
  }
  flags.push_back(Switch("phone-number-verified"));
  for (const ClaimFlag& flag : kAddressFlags) {
    flags.push_back(Optional(flag.flag, flag.metavar));
  }
  return flags;
}

int UsersCreate(const ParsedArgs& args, Console& console) {
  auto password = UserPassword(args, console);
  if (!password.ok()) {
    return console.Usage(
        absl::StrCat("users create: ", password.status().message()));
  }
  v1::CreateUserRequest request;
  request.set_username(*args.Get("username"));
  request.set_password(*std::move(password));
  request.set_name(args.Get("name").value_or(""));
  request.set_email(args.Get("email").value_or(""));
  request.set_email_verified(args.Has("email-verified"));
  ClaimsFromFlags(args, v1::Address(), false, request.mutable_claims());
  return CallAdminService<v1::User>(
      args, console, [&](auto& stub, const auto& admin, auto* response) {
        return stub.CreateUser(admin.NewCall().get(), request, response);
      });
}

int UsersGet(const ParsedArgs& args, Console& console) {
  v1::GetUserRequest request;
  request.set_user_id(args.positional()[0]);
  return CallAdminService<v1::User>(
      args, console, [&](auto& stub, const auto& admin, auto* response) {
        return stub.GetUser(admin.NewCall().get(), request, response);
      });
}

int UsersList(const ParsedArgs& args, Console& console) {
  return CallAdminService<v1::ListUsersResponse>(
      args, console, [](auto& stub, const auto& admin, auto* all) {
        return ListAllPages<v1::ListUsersRequest, v1::ListUsersResponse>(
            [&](const auto& request, auto* page) {
              return stub.ListUsers(admin.NewCall().get(), request, page);
            },
            v1::ListUsersRequest(), all);
      });
}

int UsersUpdate(const ParsedArgs& args, Console& console) {
  return CallAdminService<v1::User>(
      args, console, [&](auto& stub, const auto& admin, auto* response) {
        // The API replaces name, email and email_verified; keep what the
        // command leaves out.
        v1::GetUserRequest get;
        get.set_user_id(args.positional()[0]);
        v1::User current;
        grpc::Status status =
            stub.GetUser(admin.NewCall().get(), get, &current);
        if (!status.ok()) return status;
        v1::UpdateUserRequest request;
        request.set_user_id(get.user_id());
        request.set_name(args.Get("name").value_or(current.name()));
        request.set_email(args.Get("email").value_or(current.email()));
        request.set_email_verified(args.Has("email-verified") ? true
                                   : args.Has("no-email-verified")
                                       ? false
                                       : current.email_verified());
        // The API changes only the claims a request sets.
        ClaimsFromFlags(args, current.claims().address(), true,
                        request.mutable_claims());
        return stub.UpdateUser(admin.NewCall().get(), request, response);
      });
}

int UsersDisable(const ParsedArgs& args, Console& console) {
  return SetDisabled(args, console, true);
}

int UsersEnable(const ParsedArgs& args, Console& console) {
  return SetDisabled(args, console, false);
}

int UsersSetPassword(const ParsedArgs& args, Console& console) {
  auto password = UserPassword(args, console);
  if (!password.ok()) {
    return console.Usage(
        absl::StrCat("users set-password: ", password.status().message()));
  }
  v1::SetUserPasswordRequest request;
  request.set_user_id(args.positional()[0]);
  request.set_password(*std::move(password));
  return CallAdminService<v1::User>(
      args, console, [&](auto& stub, const auto& admin, auto* response) {
        return stub.SetUserPassword(admin.NewCall().get(), request, response);
      });
}

}  // namespace identity::idctl
