// The sandbox the data tests run reference programs in.
#pragma once

#include <memory>

#include "sandbox/sandbox.h"

namespace data_test {

// The project's sandbox; weaker isolation allowed because the code it runs
// in these tests is the tests' own.
inline std::unique_ptr<agentcoder::sandbox::Sandbox> test_sandbox() {
  agentcoder::sandbox::SandboxOptions options;
  options.allow_weaker_isolation = true;
  return agentcoder::sandbox::make_sandbox(options);
}

}  // namespace data_test
