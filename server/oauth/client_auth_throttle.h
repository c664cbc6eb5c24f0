// Back-off for failed client authentication (issue 13 item 4; RFC 6749
// §10.10 and RFC 6819 §4.3.2: the server must make guessing client
// credentials costly). Back-off, never lock-out: whoever fails waits, the
// real client elsewhere does not.
//
// Two tables of failures, in memory, per replica:
//   - per (client_id, source): the failures of one client id from one
//     source address;
//   - per source: the failures from one source, whatever the client id (so
//     spraying many client ids from one address is slowed too).
// Never per client_id alone: an attacker anywhere could then make the real
// client wait by failing under its id. A correct secret from a source that
// is not failing is therefore never refused. The cost: guessing one
// client's secret from many addresses is slowed per address only; client
// secrets are 256-bit random values the server generates, and the
// bootstrap secret has at least 32 characters (server/config.cc), so the
// per-address rate is what matters.
//
// Policy, for each key of either table separately:
//   - The first `max_*_failures` failures are free. From then on the key
//     is in back-off: after its n-th failure (n >= max), its next attempt
//     waits base_delay * 2^(n - max), capped at max_delay (1 s, 2 s, 4 s
//     ... 60 s by default).
//   - An attempt admitted during back-off takes the key's next slot at once
//     (the wait starts again from the admission), so concurrent attempts
//     cannot share a slot: beyond the free failures, one attempt per delay,
//     however many connections. (Attempts racing while a key is still under
//     its free allowance may overshoot it by the number in flight, once.)
//   - A success forgets the (client_id, source) key only. The source key is
//     kept: an attacker holding one client's secret could otherwise clear
//     the address between guesses at other clients.
//   - A key with no failure for `forget_after` is forgotten.
// Memory is bounded: at most max_tracked keys per table, each held as its
// SHA-256 (32 bytes whatever the client id's length). When a table is full,
// the key with the oldest failure is dropped; that loses history, never
// refuses anyone. IPv6 sources count per /64 (one subscriber's usual
// allocation), IPv4 per address.
//
// Thread-safe.
#ifndef IDENTITY_SERVER_OAUTH_CLIENT_AUTH_THROTTLE_H_
#define IDENTITY_SERVER_OAUTH_CLIENT_AUTH_THROTTLE_H_

#include <cstddef>
#include <list>
#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "jwt/clock.h"

namespace identity::server {

struct ClientAuthThrottleOptions {
  int max_pair_failures = 5;     // Free failures per (client_id, source).
  int max_source_failures = 20;  // Free failures per source.
  absl::Duration base_delay = absl::Seconds(1);
  absl::Duration max_delay = absl::Minutes(1);
  absl::Duration forget_after = absl::Minutes(15);
  size_t max_tracked = 100000;  // Keys per table.
  // Never null; must outlive the throttle.
  const jwt::Clock* clock = jwt::Clock::Real();
};

class ClientAuthThrottle {
 public:
  // Errors: InvalidArgument when a threshold or max_tracked is below 1, a
  // duration is not positive, max_delay < base_delay, forget_after <
  // max_delay, or clock is null.
  static absl::StatusOr<std::unique_ptr<ClientAuthThrottle>> Create(
      ClientAuthThrottleOptions options);

  // Whether an attempt to authenticate `client_id` from `source` may check
  // its secret now; call it before the secret is looked at. Admitting an
  // attempt of a key in back-off takes its next slot (see above). Errors:
  // kTemporarilyUnavailable (oauth_error.h) with detail
  // "retry_after_seconds" (whole seconds, at least 1), the message naming
  // neither the client nor the source.
  absl::Status Admit(absl::string_view client_id, absl::string_view source);

  // The admitted attempt failed (unknown client, wrong or missing secret).
  void RecordFailure(absl::string_view client_id, absl::string_view source);

  // The admitted attempt succeeded: forgets (client_id, source) only.
  void RecordSuccess(absl::string_view client_id, absl::string_view source);

  // Keys tracked per table; for tests.
  size_t tracked_pairs() const;
  size_t tracked_sources() const;

 private:
  struct Entry {
    int failures = 0;
    absl::Time last_failure;
    absl::Time next_allowed = absl::InfinitePast();
    std::list<std::string>::iterator order;  // In Table::order.
  };
  // Keys are SHA-256 digests; `order` runs from the oldest failure on.
  struct Table {
    int max_failures = 0;
    absl::flat_hash_map<std::string, Entry> entries;
    std::list<std::string> order;
  };

  explicit ClientAuthThrottle(ClientAuthThrottleOptions options);

  absl::Duration DelayAfter(int failures, int max_failures) const;
  // How long `key` must still wait, or zero.
  absl::Duration WaitFor(const Table& table, const std::string& key,
                         absl::Time now) const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  void TakeSlot(Table& table, const std::string& key, absl::Time now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Fail(Table& table, const std::string& key, absl::Time now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Trim(Table& table, absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const ClientAuthThrottleOptions options_;
  mutable absl::Mutex mu_;
  Table pairs_ ABSL_GUARDED_BY(mu_);
  Table sources_ ABSL_GUARDED_BY(mu_);
};

}  // namespace identity::server

#endif  // IDENTITY_SERVER_OAUTH_CLIENT_AUTH_THROTTLE_H_
