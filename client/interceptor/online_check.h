// The online check of revocation-sensitive methods: IntrospectionService on
// the issuer, answered from a short cache (SPEC: "optional online
// introspection for revocation-sensitive methods, cached briefly").
#ifndef IDENTITY_CLIENT_INTERCEPTOR_ONLINE_CHECK_H_
#define IDENTITY_CLIENT_INTERCEPTOR_ONLINE_CHECK_H_

#include <grpcpp/channel.h>

#include <cstdint>
#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "client/interceptor/call_authorizer.h"
#include "jwt/clock.h"

namespace identity::interceptor {

struct IntrospectionCheckerOptions {
  // This service's own client credentials (the issuer authenticates the
  // caller of Introspect).
  std::string client_id;
  std::string client_secret;
  // How long an answer is reused: bounds how late a revocation is seen.
  absl::Duration cache_ttl = absl::Seconds(10);
  size_t max_entries = 10'000;
  absl::Duration timeout = absl::Seconds(2);
};

// Thread-safe. `clock` must outlive it.
class IntrospectionChecker final : public OnlineChecker {
 public:
  IntrospectionChecker(std::shared_ptr<grpc::Channel> issuer,
                       IntrospectionCheckerOptions options,
                       const jwt::Clock* clock = jwt::Clock::Real());

  absl::StatusOr<bool> IsActive(absl::string_view token) override;

  // Introspect calls made (for tests and metrics).
  int64_t calls() const;

 private:
  struct Entry {
    bool active;
    absl::Time until;
  };

  const std::shared_ptr<grpc::Channel> issuer_;
  const IntrospectionCheckerOptions options_;
  const jwt::Clock* const clock_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, Entry> answers_ ABSL_GUARDED_BY(mu_);
  int64_t calls_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace identity::interceptor

#endif  // IDENTITY_CLIENT_INTERCEPTOR_ONLINE_CHECK_H_
