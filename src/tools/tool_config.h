// Builds a ToolRegistry from configuration: which built-in tools to offer,
// in which order, and each one's options, e.g. from an experiment's TOML
// (experiment/run_config.h reads it; tool_setup.h calls this)
//
//   [agent] tools = ["python", "math", "docs"]
//   [tools_options.python]  timeout = 5.0, memory_mb = 256, cpus = 0.5, max_chars = 2000
//                           (also max_processes, max_output_bytes)
//   [tools_options.math]    timeout = 10.0, memory_mb = 256, cpus = 1.0, max_chars = 1000
//   [tools_options.docs]    index = "path.sqlite", k = 3, max_chars = 1500
//
// as JSON (this module does not read TOML). In a run, python's and math's
// limits not given here are the config's [sandbox] ones; other missing
// options take the defaults of PythonToolOptions, MathToolOptions and
// DocsToolOptions. Bad configuration throws InputError naming the place:
// "<where>.python.timeout: must be a positive number", an unknown tool or
// option, options for a tool not in the list.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sandbox/sandbox.h"
#include "tools/registry.h"

namespace agentcoder::tools {

struct ToolsConfig {
  std::vector<std::string> names;                    // tools offered, in this order
  nlohmann::json options = nlohmann::json::object();  // tool name -> its options object
  std::string where = "tools";                        // names the config in messages
};

// "python", "math", "docs".
std::vector<std::string> builtin_tool_names();

// `sandbox` runs python and math; it may be null when neither is listed.
std::unique_ptr<ToolRegistry> make_registry(const ToolsConfig& config, std::shared_ptr<sandbox::Sandbox> sandbox);

}  // namespace agentcoder::tools
