// The agent's Toolbox over the tools module: the experiment's tools (python,
// math, docs) built from the run config over one shared sandbox.
#pragma once

#include <memory>

#include "agent/run_config.h"
#include "agent/toolbox.h"
#include "sandbox/sandbox.h"
#include "tools/registry.h"

namespace agentcoder::agent {

class RegistryToolbox : public Toolbox {
 public:
  explicit RegistryToolbox(std::unique_ptr<tools::ToolRegistry> registry);
  std::vector<models::ToolSchema> schemas() const override { return schemas_; }
  ToolOutcome call(const std::string& name, const std::string& arguments) override;
  const tools::ToolRegistry& registry() const { return *registry_; }

 private:
  std::unique_ptr<tools::ToolRegistry> registry_;
  std::vector<models::ToolSchema> schemas_;
};

// The tools named in config.tools, python and math with the config's sandbox
// limits; throws InputError naming the file for an unknown tool.
std::unique_ptr<tools::ToolRegistry> build_tool_registry(const RunConfig& config,
                                                         std::shared_ptr<sandbox::Sandbox> sandbox);

}  // namespace agentcoder::agent
