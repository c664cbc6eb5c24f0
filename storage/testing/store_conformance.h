// One behavioural test suite for every storage implementation. A backend's
// test instantiates it:
//
//   INSTANTIATE_TEST_SUITE_P(Memory, StoreConformanceTest,
//                            ::testing::Values(&MakeMemoryStores));
#ifndef IDENTITY_STORAGE_TESTING_STORE_CONFORMANCE_H_
#define IDENTITY_STORAGE_TESTING_STORE_CONFORMANCE_H_

#include <functional>
#include <memory>
#include <utility>

#include "gtest/gtest.h"
#include "storage/client_store.h"
#include "storage/consent_store.h"
#include "storage/device_authorization_store.h"
#include "storage/grant_store.h"
#include "storage/login_attempt_store.h"
#include "storage/replay_store.h"
#include "storage/resource_store.h"
#include "storage/revocation_store.h"
#include "storage/session_store.h"
#include "storage/signing_key_store.h"
#include "storage/user_store.h"

namespace identity::storage::testing {

// Empty stores for one test. `owner` keeps whatever backs them alive.
struct Stores {
  std::shared_ptr<void> owner;
  ClientStore* clients = nullptr;
  RevocationStore* revocations = nullptr;
  SigningKeyStore* keys = nullptr;
  UserStore* users = nullptr;
  GrantStore* grants = nullptr;
  LoginAttemptStore* login_attempts = nullptr;
  SessionStore* sessions = nullptr;
  ConsentStore* consents = nullptr;
  ResourceStore* resources = nullptr;
  DeviceAuthorizationStore* devices = nullptr;
  ReplayStore* replays = nullptr;
};

// Every member of Stores from one object implementing all the interfaces
// (MemoryStore, PostgresStore), which `owner` keeps alive.
template <typename Store>
Stores AllStoresOf(std::shared_ptr<Store> store) {
  Stores stores;
  stores.clients = store.get();
  stores.revocations = store.get();
  stores.keys = store.get();
  stores.users = store.get();
  stores.grants = store.get();
  stores.login_attempts = store.get();
  stores.sessions = store.get();
  stores.consents = store.get();
  stores.resources = store.get();
  stores.devices = store.get();
  stores.replays = store.get();
  stores.owner = std::move(store);
  return stores;
}

using StoresFactory = Stores (*)();

class StoreConformanceTest : public ::testing::TestWithParam<StoresFactory> {
 protected:
  void SetUp() override;

  Stores stores_;
};

}  // namespace identity::storage::testing

#endif  // IDENTITY_STORAGE_TESTING_STORE_CONFORMANCE_H_
