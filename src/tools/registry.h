// The set of tools offered in an experiment: lists their declarations for
// the prompt and dispatches a model's call by name.
//
// call() is where a model's raw call arrives, so it accepts anything: an
// unknown name, arguments that are not JSON or not an object all become a
// ToolResult with outcome "bad_call" (error_class "unknown_tool" or
// "bad_arguments") and a message for the model. It never throws, and it is
// thread-safe once the registry is built (add() is not).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tools/tool.h"

namespace agentcoder::tools {

class ToolRegistry {
 public:
  // Throws std::invalid_argument if a tool of that name is already there.
  void add(std::unique_ptr<Tool> tool);

  std::vector<std::string> names() const;  // in the order added
  Tool* find(const std::string& name) const;  // nullptr if absent

  // [{"type": "function", "function": {name, description, parameters}}, ...]
  nlohmann::json declarations() const;

  // `arguments_json` is the model's text; an empty string means {}.
  ToolResult call(const std::string& name, const std::string& arguments_json) const;
  ToolResult call(const std::string& name, const nlohmann::json& arguments) const;

 private:
  std::vector<std::unique_ptr<Tool>> tools_;
};

}  // namespace agentcoder::tools
