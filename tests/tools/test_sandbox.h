// The real sandbox for the tools tests, made once per test process (a warm
// sandbox starts an interpreter), with two slots.
#pragma once

#include <memory>

#include "sandbox/sandbox.h"

namespace agentcoder::tools {

inline std::shared_ptr<sandbox::Sandbox> test_sandbox() {
  static std::shared_ptr<sandbox::Sandbox> box = [] {
    sandbox::SandboxOptions options;
    options.max_concurrent_runs = 2;
    return std::shared_ptr<sandbox::Sandbox>(sandbox::make_sandbox(options));
  }();
  return box;
}

}  // namespace agentcoder::tools
