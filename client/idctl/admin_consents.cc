#include "client/idctl/admin_consents.h"

#include "client/idctl/admin_session.h"
#include "identity/v1/admin.grpc.pb.h"

namespace identity::idctl {
namespace {

namespace v1 = ::identity::v1;

}  // namespace

int ConsentsList(const ParsedArgs& args, Console& console) {
  v1::ListConsentsRequest request;
  request.set_user_id(*args.Get("user"));
  return CallAdminService<v1::ListConsentsResponse>(
      args, console, [&](auto& stub, const auto& admin, auto* response) {
        return stub.ListConsents(admin.NewCall().get(), request, response);
      });
}

int ConsentsRevoke(const ParsedArgs& args, Console& console) {
  v1::RevokeConsentRequest request;
  request.set_user_id(*args.Get("user"));
  request.set_client_id(*args.Get("client"));
  return CallAdminService<v1::RevokeConsentResponse>(
      args, console, [&](auto& stub, const auto& admin, auto* response) {
        return stub.RevokeConsent(admin.NewCall().get(), request, response);
      });
}

}  // namespace identity::idctl
