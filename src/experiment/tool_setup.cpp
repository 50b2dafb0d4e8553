#include "experiment/tool_setup.h"

#include <algorithm>

#include "tools/tool_config.h"

namespace agentcoder::experiment {

std::unique_ptr<tools::ToolRegistry> make_tool_registry(const RunConfig& c,
                                                        std::shared_ptr<sandbox::Sandbox> sandbox) {
  tools::ToolsConfig config;
  config.names = c.tools;
  config.where = c.file + ": agent.tools";
  const nlohmann::json limits = {{"timeout", c.sandbox_timeout}, {"memory_mb", c.sandbox_memory_mb}, {"cpus", c.sandbox_cpus}};
  for (const char* sandboxed : {"python", "math"})
    if (std::find(c.tools.begin(), c.tools.end(), sandboxed) != c.tools.end()) config.options[sandboxed] = limits;
  return tools::make_registry(config, std::move(sandbox));
}

}  // namespace agentcoder::experiment
