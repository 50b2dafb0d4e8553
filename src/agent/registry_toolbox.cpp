#include "agent/registry_toolbox.h"

#include <algorithm>

#include "tools/tool_config.h"

namespace agentcoder::agent {

RegistryToolbox::RegistryToolbox(std::unique_ptr<tools::ToolRegistry> registry) : registry_(std::move(registry)) {
  for (const auto& d : registry_->declarations()) {
    const auto& f = d["function"];
    schemas_.push_back({f["name"], f.value("description", ""), f["parameters"].dump()});
  }
}

ToolOutcome RegistryToolbox::call(const std::string& name, const std::string& arguments) {
  tools::ToolResult r = registry_->call(name, arguments);
  return {r.ok, r.text, r.error_class, r.record, r.wall_seconds * 1000.0};
}

std::unique_ptr<tools::ToolRegistry> build_tool_registry(const RunConfig& c, std::shared_ptr<sandbox::Sandbox> sandbox) {
  tools::ToolsConfig config;
  config.names = c.tools;
  config.where = c.file + ": agent.tools";
  const nlohmann::json limits = {{"timeout", c.sandbox_timeout}, {"memory_mb", c.sandbox_memory_mb}, {"cpus", c.sandbox_cpus}};
  for (const char* sandboxed : {"python", "math"})
    if (std::find(c.tools.begin(), c.tools.end(), sandboxed) != c.tools.end()) config.options[sandboxed] = limits;
  return tools::make_registry(config, std::move(sandbox));
}

}  // namespace agentcoder::agent
