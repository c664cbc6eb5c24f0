// absl::Time <-> google.protobuf.Timestamp.
#ifndef IDENTITY_SERVER_GRPC_TIMESTAMP_H_
#define IDENTITY_SERVER_GRPC_TIMESTAMP_H_

#include <google/protobuf/timestamp.pb.h>

#include "absl/time/time.h"

namespace identity::server {

inline google::protobuf::Timestamp ToTimestamp(absl::Time time) {
  google::protobuf::Timestamp out;
  const int64_t nanos = absl::ToUnixNanos(time);
  int64_t seconds = nanos / 1'000'000'000;
  int64_t rest = nanos % 1'000'000'000;
  if (rest < 0) {
    rest += 1'000'000'000;
    --seconds;
  }
  out.set_seconds(seconds);
  out.set_nanos(static_cast<int32_t>(rest));
  return out;
}

}  // namespace identity::server

#endif  // IDENTITY_SERVER_GRPC_TIMESTAMP_H_
