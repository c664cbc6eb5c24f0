#include "client/idctl/admin_resources.h"

#include <string>

#include "client/idctl/admin_session.h"
#include "client/idctl/paging.h"
#include "identity/v1/admin.grpc.pb.h"

namespace identity::idctl {
namespace {

namespace v1 = ::identity::v1;

// Every value of repeated --scope into `out`.
template <typename Request>
void SetScopes(const ParsedArgs& args, Request& request) {
  request.clear_scopes();
  for (const std::string& scope : args.GetAll("scope")) {
    request.add_scopes(scope);
  }
}

}  // namespace

int ResourcesCreate(const ParsedArgs& args, Console& console) {
  v1::CreateResourceRequest request;
  request.set_resource(args.positional()[0]);
  request.set_name(args.Get("name").value_or(""));
  SetScopes(args, request);
  return CallAdminService<v1::Resource>(
      args, console, [&](auto& stub, const auto& admin, auto* response) {
        return stub.CreateResource(admin.NewCall().get(), request, response);
      });
}

int ResourcesGet(const ParsedArgs& args, Console& console) {
  v1::GetResourceRequest request;
  request.set_resource(args.positional()[0]);
  return CallAdminService<v1::Resource>(
      args, console, [&](auto& stub, const auto& admin, auto* response) {
        return stub.GetResource(admin.NewCall().get(), request, response);
      });
}

int ResourcesList(const ParsedArgs& args, Console& console) {
  return CallAdminService<v1::ListResourcesResponse>(
      args, console, [](auto& stub, const auto& admin, auto* all) {
        return ListAllPages<v1::ListResourcesRequest,
                            v1::ListResourcesResponse>(
            [&](const auto& request, auto* page) {
              return stub.ListResources(admin.NewCall().get(), request, page);
            },
            v1::ListResourcesRequest(), all);
      });
}

int ResourcesUpdate(const ParsedArgs& args, Console& console) {
  return CallAdminService<v1::Resource>(
      args, console, [&](auto& stub, const auto& admin, auto* response) {
        // The API replaces the name and the scopes: keep what the command
        // leaves out.
        v1::GetResourceRequest get;
        get.set_resource(args.positional()[0]);
        v1::Resource current;
        grpc::Status status =
            stub.GetResource(admin.NewCall().get(), get, &current);
        if (!status.ok()) return status;
        v1::UpdateResourceRequest request;
        request.set_resource(get.resource());
        request.set_name(args.Get("name").value_or(current.name()));
        *request.mutable_scopes() = current.scopes();
        if (args.Has("scope")) SetScopes(args, request);
        return stub.UpdateResource(admin.NewCall().get(), request, response);
      });
}

int ResourcesDelete(const ParsedArgs& args, Console& console) {
  v1::DeleteResourceRequest request;
  request.set_resource(args.positional()[0]);
  return CallAdminService<v1::DeleteResourceResponse>(
      args, console, [&](auto& stub, const auto& admin, auto* response) {
        return stub.DeleteResource(admin.NewCall().get(), request, response);
      });
}

}  // namespace identity::idctl
