#include "storage/memory/memory_store.h"

#include <memory>

#include "storage/testing/store_conformance.h"

namespace identity::storage::testing {
namespace {

Stores MakeMemoryStores() {
  auto store = std::make_shared<MemoryStore>();
  return {store,       store.get(), store.get(), store.get(), store.get(),
          store.get(), store.get(), store.get(), store.get(), store.get()};
}

INSTANTIATE_TEST_SUITE_P(Memory, StoreConformanceTest,
                         ::testing::Values(&MakeMemoryStores));

}  // namespace
}  // namespace identity::storage::testing
