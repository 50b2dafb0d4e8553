#include "experiment/tool_setup.h"

#include <algorithm>

#include "tools/tool_config.h"

namespace agentcoder::experiment {

std::unique_ptr<tools::ToolRegistry> make_tool_registry(const RunConfig& c,
                                                        std::shared_ptr<sandbox::Sandbox> sandbox) {
  tools::ToolsConfig config;
  config.names = c.tools;  // checked by load_run_config, and by make_registry for configs built in code
  config.where = c.file + ": tools_options";
  config.options = c.tools_options;
  const nlohmann::json limits = {{"timeout", c.sandbox_timeout}, {"memory_mb", c.sandbox_memory_mb}, {"cpus", c.sandbox_cpus}};
  for (const char* sandboxed : {"python", "math"}) {
    if (std::find(c.tools.begin(), c.tools.end(), sandboxed) == c.tools.end()) continue;
    nlohmann::json& options = config.options[sandboxed];
    if (options.is_null()) options = nlohmann::json::object();
    for (const auto& [key, value] : limits.items())
      if (!options.contains(key)) options[key] = value;  // [tools_options.<tool>] wins over [sandbox]
  }
  return tools::make_registry(config, std::move(sandbox));
}

}  // namespace agentcoder::experiment
