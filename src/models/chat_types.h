// The chat shapes shared by the engine's chat layer and its callers, in the
// OpenAI style: messages, tool schemas, tool calls, and a parsed reply.
#pragma once

#include <string>
#include <vector>

#include "utils/vocabulary.h"

namespace agentcoder::models {

struct ToolCall {
  std::string id;
  std::string name;
  std::string arguments;  // a JSON object, as text
};

struct ChatMessage {
  std::string role;  // "system", "user", "assistant" or "tool"
  std::string content;
  std::vector<ToolCall> tool_calls;  // assistant turns only
  std::string tool_call_id;          // tool turns: the call answered
  std::string tool_name;             // tool turns: the tool that answered
};

struct ToolSchema {
  std::string name;
  std::string description;
  std::string parameters;  // a JSON schema object, as text
};

struct ParsedReply {
  ReplyKind kind = ReplyKind::text;
  std::string content;               // the text outside any tool call
  std::vector<ToolCall> tool_calls;  // the calls that parsed
  std::vector<std::string> errors;   // one per call that did not parse
  std::vector<std::string> repairs;  // fixes the parser made, e.g. "missing_close_tag"
};

}  // namespace agentcoder::models
