// The agent's Toolbox over the tools module: calls go to a ToolRegistry
// (python, math, docs), whose declarations become the schemas offered.
#pragma once

#include <memory>

#include "agent/toolbox.h"
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

}  // namespace agentcoder::agent
