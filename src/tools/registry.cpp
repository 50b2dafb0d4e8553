#include "tools/registry.h"

#include <stdexcept>

#include "utils/utf8.h"

namespace agentcoder::tools {

using nlohmann::json;

void ToolRegistry::add(std::unique_ptr<Tool> tool) {
  if (find(tool->name())) throw std::invalid_argument("tool '" + tool->name() + "' is registered twice");
  tools_.push_back(std::move(tool));
}

std::vector<std::string> ToolRegistry::names() const {
  std::vector<std::string> out;
  for (const auto& t : tools_) out.push_back(t->name());
  return out;
}

Tool* ToolRegistry::find(const std::string& name) const {
  for (const auto& t : tools_) {
    if (t->name() == name) return t.get();
  }
  return nullptr;
}

json ToolRegistry::declarations() const {
  json out = json::array();
  for (const auto& t : tools_) out.push_back(t->declaration());
  return out;
}

ToolResult ToolRegistry::call(const std::string& name, const std::string& arguments_json) const {
  if (arguments_json.find_first_not_of(" \t\r\n") == std::string::npos) return call(name, json::object());
  json arguments = json::parse(arguments_json, nullptr, /*allow_exceptions=*/false);
  if (arguments.is_discarded()) {
    // Keep the raw text in the record: it is what the model wrote.
    return bad_call(name, valid_utf8(arguments_json), "bad_arguments", "error: arguments of " + name + " are not valid JSON");
  }
  return call(name, arguments);
}

ToolResult ToolRegistry::call(const std::string& name, const json& arguments) const {
  Tool* tool = find(name);
  if (!tool) {
    std::string known;
    for (const auto& n : names()) known += (known.empty() ? "" : ", ") + n;
    return bad_call(name, arguments, "unknown_tool",
                    "error: there is no tool named '" + name + "'; available: " + (known.empty() ? "none" : known));
  }
  return tool->invoke(arguments);
}

}  // namespace agentcoder::tools
