// In-memory storage for unit tests and `--store=memory`. Same contract as the
// PostgreSQL store (storage/testing/store_conformance.h runs against both);
// state lives only as long as the process.
#ifndef IDENTITY_STORAGE_MEMORY_MEMORY_STORE_H_
#define IDENTITY_STORAGE_MEMORY_MEMORY_STORE_H_

#include <map>
#include <string>

#include "absl/synchronization/mutex.h"
#include "storage/client_store.h"
#include "storage/revocation_store.h"
#include "storage/signing_key_store.h"

namespace identity::storage {

// Thread-safe.
class MemoryStore : public ClientStore,
                    public RevocationStore,
                    public SigningKeyStore {
 public:
  absl::Status CreateClient(const ClientRecord& client) override;
  absl::StatusOr<ClientRecord> GetClient(absl::string_view client_id) override;
  absl::StatusOr<std::vector<ClientRecord>> ListClients(absl::string_view after,
                                                        int limit) override;
  absl::Status UpdateClient(const ClientRecord& client) override;
  absl::Status DeleteClient(absl::string_view client_id) override;

  absl::Status Revoke(absl::string_view jti, absl::Time expires_at) override;
  absl::StatusOr<bool> IsRevoked(absl::string_view jti) override;
  absl::StatusOr<std::vector<std::string>> ListRevoked(absl::Time now) override;
  absl::StatusOr<int64_t> PurgeExpired(absl::Time now) override;

  absl::StatusOr<std::vector<SigningKeyRecord>> ListSigningKeys() override;
  absl::Status InitializeSigningKeys(const SigningKeyRecord& current,
                                     const SigningKeyRecord& next) override;
  absl::Status RotateSigningKeys(absl::string_view current_kid,
                                 absl::string_view next_kid,
                                 const SigningKeyRecord& new_next,
                                 absl::Time now, absl::Time remove_at) override;
  absl::StatusOr<int64_t> RemoveExpiredSigningKeys(absl::Time now) override;

 private:
  absl::Mutex mu_;
  std::map<std::string, ClientRecord, std::less<>> clients_
      ABSL_GUARDED_BY(mu_);
  std::map<std::string, absl::Time, std::less<>> revoked_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, SigningKeyRecord, std::less<>> keys_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace identity::storage

#endif  // IDENTITY_STORAGE_MEMORY_MEMORY_STORE_H_
