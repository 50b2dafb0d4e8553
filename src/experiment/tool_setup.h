// The tools of an experiment: the ones named in agent.tools, in that order,
// each with its [tools_options.<tool>]; python and math run in `sandbox`
// with the config's [sandbox] limits where their own options do not say.
#pragma once

#include <memory>

#include "experiment/run_config.h"
#include "sandbox/sandbox.h"
#include "tools/registry.h"

namespace agentcoder::experiment {

// Throws InputError "FILE: tools_options.<tool>.<option>: why" for a bad option.
std::unique_ptr<tools::ToolRegistry> make_tool_registry(const RunConfig& config,
                                                        std::shared_ptr<sandbox::Sandbox> sandbox);

}  // namespace agentcoder::experiment
