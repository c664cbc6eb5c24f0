#include "client/idctl/admin_users.h"

#include <cstdlib>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "client/idctl/admin_session.h"
#include "client/idctl/paging.h"
#include "identity/v1/admin.grpc.pb.h"

namespace identity::idctl {
namespace {

namespace v1 = ::identity::v1;

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
