// The project's Python environment for tests that need it (label python):
// its interpreter, or a skip where set-up has not made it, and a failure
// instead where AGENTCODER_REQUIRE_PYTHON_ENV is set (`make test`), so a
// required test never passes without running.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "utils/paths.h"

namespace agentcoder::testing {

// The interpreter, or "" after skipping (or failing, when required).
inline std::string python_or_skip() {
  const std::string python = project_python();
  if (std::filesystem::exists(python)) return python;
  if (std::getenv("AGENTCODER_REQUIRE_PYTHON_ENV"))
    ADD_FAILURE() << python << " is missing and AGENTCODER_REQUIRE_PYTHON_ENV is set: run scripts/setup.sh";
  return "";
}

}  // namespace agentcoder::testing
