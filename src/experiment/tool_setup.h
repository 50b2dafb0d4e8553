// The tools of an experiment: the ones named in agent.tools, in that order,
// python and math running in `sandbox` with the config's sandbox limits.
#pragma once

#include <memory>

#include "experiment/run_config.h"
#include "sandbox/sandbox.h"
#include "tools/registry.h"

namespace agentcoder::experiment {

// Throws InputError naming the config file for an unknown tool.
std::unique_ptr<tools::ToolRegistry> make_tool_registry(const RunConfig& config,
                                                        std::shared_ptr<sandbox::Sandbox> sandbox);

}  // namespace agentcoder::experiment
