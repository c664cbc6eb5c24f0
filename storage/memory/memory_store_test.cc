#include "storage/memory/memory_store.h"

#include <memory>
#include <utility>

#include "storage/testing/store_conformance.h"

namespace identity::storage::testing {
namespace {

Stores MakeMemoryStores() {
  auto store = std::make_shared<MemoryStore>();
  return AllStoresOf(std::move(store));
}

INSTANTIATE_TEST_SUITE_P(Memory, StoreConformanceTest,
                         ::testing::Values(&MakeMemoryStores));

}  // namespace
}  // namespace identity::storage::testing
