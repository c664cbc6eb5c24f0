#include "jwt/clock.h"

namespace identity::jwt {
namespace {

class RealClock : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
};

}  // namespace

const Clock* Clock::Real() {
  static const RealClock* const kClock = new RealClock;
  return kClock;
}

}  // namespace identity::jwt
