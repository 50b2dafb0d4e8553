#include "agent/registry_toolbox.h"

namespace agentcoder::agent {

RegistryToolbox::RegistryToolbox(std::unique_ptr<tools::ToolRegistry> registry) : registry_(std::move(registry)) {
  for (const auto& d : registry_->declarations()) {
    const auto& f = d["function"];
    schemas_.push_back({f["name"], f.value("description", ""), f["parameters"].dump()});
  }
}

ToolOutcome RegistryToolbox::call(const std::string& name, const std::string& arguments) {
  tools::ToolResult r = registry_->call(name, arguments);
  // tools/tool.h's outcomes: "ok" and "failed" ran; "bad_call" (unknown
  // tool, bad arguments) and "internal_error" (e.g. no sandbox) did not.
  const std::string outcome = r.record.value("outcome", "");
  bool ran = outcome == "ok" || outcome == "failed";
  return {r.ok, r.text, r.error_class, r.record, r.wall_seconds * 1000.0, ran};
}

}  // namespace agentcoder::agent
