// DPoP (RFC 9449) at a resource server: the proof that must come with a
// DPoP-bound access token ("cnf": {"jkt": ...}, RFC 9449 §6.1) on each gRPC
// call, and the memory of used proof ids (§11.1). The CallAuthorizer asks a
// DpopChecker about every call whose token is bound or whose authorization
// scheme is DPoP (docs/interceptor.md, "DPoP").
//
// For gRPC, a proof's "htm" is "POST" and its "htu" is
// jwt::DpopGrpcUri(<the call's :authority>, "/pkg.Service/Method").
#ifndef IDENTITY_CLIENT_INTERCEPTOR_DPOP_CHECK_H_
#define IDENTITY_CLIENT_INTERCEPTOR_DPOP_CHECK_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "jwt/algorithm.h"
#include "jwt/clock.h"
#include "jwt/dpop_proof.h"

namespace identity::interceptor {

// Which proof ids ("jti") each key already used. Implementations are
// thread-safe. One in memory (below) protects one process; replicas behind a
// load balancer that must refuse a proof replayed to another replica plug in
// a shared one.
class DpopReplayCache {
 public:
  virtual ~DpopReplayCache() = default;
  // Records `jti` of the key with thumbprint `jkt` as used until `until`
  // (the proof's accepted_until: after it the proof is refused as too old
  // anyway). OK on first use; AlreadyExists when that key already used it;
  // any other error (Unavailable...) refuses the call as UNAVAILABLE.
  virtual absl::Status ClaimOnce(absl::string_view jkt, absl::string_view jti,
                                 absl::Time until) = 0;
  // Whether ClaimOnce may block (a network store): then the calls it decides
  // are checked off gRPC's threads, as online checks are.
  virtual bool MayBlock() const { return false; }
};

// A bounded in-process DpopReplayCache. Entries expire at their `until`.
// When it holds `capacity` live entries, the one that expires first (the
// oldest proof) is dropped to make room: that proof could then be replayed
// until it expires (at most max_age after its iat), so size the capacity
// above the number of DPoP calls the server takes in one max_age (100 000
// entries take about 30 MB). evictions() counts such drops (for metrics).
class InMemoryDpopReplayCache final : public DpopReplayCache {
 public:
  // `clock` must outlive the cache. A capacity of 0 is taken as 1.
  InMemoryDpopReplayCache(size_t capacity, const jwt::Clock* clock);

  absl::Status ClaimOnce(absl::string_view jkt, absl::string_view jti,
                         absl::Time until) override;

  size_t size() const;
  // Live entries dropped because the cache was full.
  int64_t evictions() const;

 private:
  // Drops expired entries, then, when still full, the earliest to expire.
  void MakeRoom() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const size_t capacity_;
  const jwt::Clock* const clock_;
  mutable absl::Mutex mu_;
  // "jkt jti" -> until; and the same entries ordered by until.
  absl::flat_hash_map<std::string, absl::Time> until_ ABSL_GUARDED_BY(mu_);
  std::set<std::pair<absl::Time, std::string>> by_until_ ABSL_GUARDED_BY(mu_);
  int64_t evictions_ ABSL_GUARDED_BY(mu_) = 0;
};

struct DpopOptions {
  // Refuse every token that is not DPoP-bound (a Bearer token) on methods
  // that need a token. Default: unbound tokens pass as bearer tokens.
  bool require = false;
  // The authorities ("orders.example", "orders.example:8443") clients
  // address this server by, for a server behind a proxy that rewrites
  // :authority: a proof's "htu" must then name one of these (the call's own
  // :authority is not used). Empty: the call's :authority.
  std::vector<std::string> authorities = {};
  // How long after its "iat" a proof is accepted, and how far ahead of now
  // its "iat" may be (jwt::DpopProofOptions).
  absl::Duration max_age = absl::Seconds(60);
  absl::Duration leeway = absl::Seconds(5);
  // Empty: every asymmetric algorithm (jwt::DpopAlgorithms()).
  std::vector<jwt::Algorithm> allowed_algorithms = {};
  // Null: an InMemoryDpopReplayCache of replay_cache_capacity entries.
  std::shared_ptr<DpopReplayCache> replay_cache = nullptr;
  size_t replay_cache_capacity = 100'000;
};

// The proof of one call (what the transport glue read from its metadata).
struct DpopCall {
  absl::string_view path;                 // ":path", "/pkg.Service/Method".
  absl::string_view authority;            // ":authority".
  std::vector<absl::string_view> proofs;  // Every "dpop" metadata value.
};

// Immutable; thread-safe.
class DpopChecker {
 public:
  // Errors: InvalidArgument for options jwt::DpopProofVerifier refuses, a
  // null clock, or an empty authority. `clock` must outlive the checker.
  static absl::StatusOr<std::shared_ptr<const DpopChecker>> Create(
      DpopOptions options, const jwt::Clock* clock);

  // RFC 9449 §7.1 for a call carrying `access_token` bound to `jkt`: exactly
  // one proof, valid for this call (htm POST, htu from the authority and
  // path, ath of the token, iat within the window), signed by the key of
  // thumbprint `jkt`, and not used before. Errors: Unauthenticated (the
  // message names the rule; `reason` gets its short name: dpop_proof_missing,
  // dpop_proof_repeated, jwt/'s dpop_* and proof reasons, dpop_key_mismatch,
  // dpop_replayed); Unavailable when the replay cache fails
  // (dpop_replay_cache).
  absl::Status Check(const DpopCall& call, absl::string_view access_token,
                     absl::string_view jkt, std::string* reason) const;

  bool require() const { return require_; }
  bool MayBlock() const { return replays_->MayBlock(); }
  const DpopReplayCache& replay_cache() const { return *replays_; }

 private:
  DpopChecker(jwt::DpopProofVerifier verifier, bool require,
              std::vector<std::string> authorities,
              std::shared_ptr<DpopReplayCache> replays)
      : verifier_(std::move(verifier)),
        require_(require),
        authorities_(std::move(authorities)),
        replays_(std::move(replays)) {}

  // The "htu" this call's proof must name.
  absl::StatusOr<std::string> TargetUri(const DpopCall& call,
                                        absl::string_view proof) const;

  const jwt::DpopProofVerifier verifier_;
  const bool require_;
  const std::vector<std::string> authorities_;
  const std::shared_ptr<DpopReplayCache> replays_;
};

}  // namespace identity::interceptor

#endif  // IDENTITY_CLIENT_INTERCEPTOR_DPOP_CHECK_H_
