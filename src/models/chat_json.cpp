#include "models/chat_json.h"

#include <nlohmann/json.hpp>

#include "utils/errors.h"
#include "utils/json_input.h"

namespace agentcoder::models {
namespace {

using nlohmann::json;

// Reads an optional string field of object `o`; `place` is "WHERE: message 3".
std::string optional_string(const json& o, const char* field, const std::string& place) {
  auto it = o.find(field);
  if (it == o.end() || it->is_null()) return "";
  if (!it->is_string())
    throw InputError(place + ": field '" + field + "': must be a string, not " + it->type_name());
  return it->get<std::string>();
}

json parse_array(const std::string& text, const std::string& where, const char* what) {
  json j = parse_json_input<json>(text, where);
  if (!j.is_array()) throw InputError(where + ": expected a JSON array of " + what + ", not " + j.type_name());
  return j;
}

ToolCall call_from_json(const json& c, const std::string& place) {
  if (!c.is_object()) throw InputError(place + ": must be an object, not " + std::string(c.type_name()));
  const json* f = &c;
  if (auto it = c.find("function"); it != c.end()) {
    if (!it->is_object()) throw InputError(place + ": field 'function': must be an object, not " + std::string(it->type_name()));
    f = &*it;
  }
  ToolCall call;
  call.id = optional_string(c, "id", place);
  call.name = optional_string(*f, "name", place);
  if (call.name.empty()) throw InputError(place + ": field 'name': missing");
  auto args = f->find("arguments");
  if (args == f->end() || args->is_null()) call.arguments = "{}";
  else if (args->is_string()) call.arguments = args->get<std::string>();
  else if (args->is_object()) call.arguments = args->dump(-1, ' ', false, json::error_handler_t::replace);
  else throw InputError(place + ": field 'arguments': must be an object or a string, not " + std::string(args->type_name()));
  return call;
}

}  // namespace

std::vector<ToolSchema> tools_from_json_text(const std::string& text, const std::string& where) {
  const json j = parse_array(text, where, "tools");
  std::vector<ToolSchema> tools;
  for (size_t i = 0; i < j.size(); ++i) {
    const std::string place = where + ": tool " + std::to_string(i);
    if (!j[i].is_object()) throw InputError(place + ": must be an object, not " + std::string(j[i].type_name()));
    const json* t = &j[i];
    if (auto it = t->find("function"); it != t->end()) {
      if (!it->is_object()) throw InputError(place + ": field 'function': must be an object, not " + std::string(it->type_name()));
      t = &*it;
    }
    ToolSchema tool;
    tool.name = optional_string(*t, "name", place);
    if (tool.name.empty()) throw InputError(place + ": field 'name': missing");
    tool.description = optional_string(*t, "description", place);
    auto params = t->find("parameters");
    if (params == t->end() || params->is_null()) {
      tool.parameters = R"({"type":"object","properties":{}})";
    } else {
      if (!params->is_object())
        throw InputError(place + ": field 'parameters': must be a JSON schema object, not " + std::string(params->type_name()));
      tool.parameters = params->dump(-1, ' ', false, json::error_handler_t::replace);
    }
    tools.push_back(std::move(tool));
  }
  return tools;
}

std::vector<ChatMessage> chat_from_json_text(const std::string& text, const std::string& where) {
  const json j = parse_array(text, where, "messages");
  std::vector<ChatMessage> messages;
  for (size_t i = 0; i < j.size(); ++i) {
    const std::string place = where + ": message " + std::to_string(i);
    const json& m = j[i];
    if (!m.is_object()) throw InputError(place + ": must be an object, not " + std::string(m.type_name()));
    ChatMessage msg;
    msg.role = optional_string(m, "role", place);
    if (msg.role.empty()) throw InputError(place + ": field 'role': missing");
    if (msg.role != "system" && msg.role != "user" && msg.role != "assistant" && msg.role != "tool")
      throw InputError(place + ": field 'role': '" + msg.role + "' is not system|user|assistant|tool");
    msg.content = optional_string(m, "content", place);
    msg.tool_call_id = optional_string(m, "tool_call_id", place);
    msg.tool_name = optional_string(m, "name", place);
    if (auto calls = m.find("tool_calls"); calls != m.end() && !calls->is_null()) {
      if (!calls->is_array()) throw InputError(place + ": field 'tool_calls': must be a list, not " + std::string(calls->type_name()));
      for (size_t k = 0; k < calls->size(); ++k)
        msg.tool_calls.push_back(call_from_json((*calls)[k], place + ": tool_calls[" + std::to_string(k) + "]"));
    }
    messages.push_back(std::move(msg));
  }
  return messages;
}

}  // namespace agentcoder::models
