// The OpenAI-shaped JSON a user gives `agentcoder generate`: an array of tool
// schemas ({"type": "function", "function": {name, description, parameters}},
// or the inner object alone) and an array of chat messages ({role, content,
// tool_calls, tool_call_id, name}).
//
// Both readers are strict: a wrong type anywhere is an InputError naming the
// input, the element and the field ("tools.json: tool 2: field 'name': must
// be a string"), never a JSON library message; nesting is bounded
// (utils/json_input.h). `where` names the input in messages (the file name).
#pragma once

#include <string>
#include <vector>

#include "models/chat_types.h"

namespace agentcoder::models {

std::vector<ToolSchema> tools_from_json_text(const std::string& text, const std::string& where);
std::vector<ChatMessage> chat_from_json_text(const std::string& text, const std::string& where);

}  // namespace agentcoder::models
