// Test-only helpers to read data files from the test's runfiles.
#ifndef IDENTITY_JWT_TESTING_TEST_DATA_H_
#define IDENTITY_JWT_TESTING_TEST_DATA_H_

#include <fstream>
#include <sstream>
#include <string>

#include "jwt/json.h"

namespace identity::jwt::testing {

// Reads a file given relative to the workspace root (Bazel runs tests from
// there).
inline std::string ReadDataFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// Parses a JSON data file; an empty/discarded value if the file is missing or
// broken, which the calling test must treat as a failure.
inline Json ReadJsonFile(const std::string& path) {
  return Json::parse(ReadDataFile(path), nullptr, /*allow_exceptions=*/false);
}

}  // namespace identity::jwt::testing

#endif  // IDENTITY_JWT_TESTING_TEST_DATA_H_
