// Test-only: the OAuth error a failed call carries (docs/api.md).
#ifndef IDENTITY_SERVER_GRPC_TESTING_ERROR_REASON_H_
#define IDENTITY_SERVER_GRPC_TESTING_ERROR_REASON_H_

#include <grpcpp/support/status.h>

#include <map>
#include <string>

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"
#include "server/grpc/status_mapping.h"

namespace identity::server::testing {

// The google.rpc.ErrorInfo reason of a failed call ("invalid_client", ...),
// or "" when the status carries none. A reason in another domain than
// kErrorDomain ("identity.dev") is a test failure.
inline std::string ReasonOf(const grpc::Status& status) {
  google::rpc::Status details;
  google::rpc::ErrorInfo info;
  if (!details.ParseFromString(status.error_details()) ||
      details.details_size() != 1 || !details.details(0).UnpackTo(&info)) {
    return "";
  }
  EXPECT_EQ(info.domain(), kErrorDomain);
  return info.reason();
}

// The ErrorInfo metadata of a failed call (the redirect URL of an
// authorization error, a retry delay), empty when it carries none.
inline std::map<std::string, std::string> MetadataOf(
    const grpc::Status& status) {
  google::rpc::Status details;
  google::rpc::ErrorInfo info;
  if (!details.ParseFromString(status.error_details()) ||
      details.details_size() != 1 || !details.details(0).UnpackTo(&info)) {
    return {};
  }
  return {info.metadata().begin(), info.metadata().end()};
}

}  // namespace identity::server::testing

#endif  // IDENTITY_SERVER_GRPC_TESTING_ERROR_REASON_H_
