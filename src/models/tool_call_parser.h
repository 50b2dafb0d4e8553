// The harness's own tool-call convention, for chat templates that do not
// render tools themselves (SmolLM2, Gemma 3, StarCoder2, ...):
//
//   <tool_call>{"name": "python", "arguments": {"code": "print(1)"}}</tool_call>
//
// The payload is read with a real JSON parser. Small models get the syntax
// slightly wrong; the parser accepts a few well-defined slips and records
// each as a repair (a missing closing tag, a ```json fence around the
// payload, arguments given as a JSON string or under "parameters"). Anything
// else that opens a call but does not parse is an error, never a crash.
//
// When `fenced_code_tool` is set (e.g. "python"), a ```python fenced block in
// a reply without <tool_call> is also a request to run that code, as a call
// to that tool with arguments {"code": ...}.
#pragma once

#include <string>
#include <vector>

#include "models/chat_types.h"

namespace agentcoder::models {

struct HarnessParseOptions {
  std::string fenced_code_tool;  // empty: fenced code is plain text
};

ParsedReply parse_harness_reply(const std::string& reply, const HarnessParseOptions& options = {});

// The text that opens a call in the convention: "<tool_call>".
const std::string& harness_call_opener();
// The fences that open a code block the parser runs as a call when
// fenced_code_tool is set ("```python", "```py"); a bare ``` does not.
const std::vector<std::string>& harness_fence_openers();

// The instructions that teach a model the convention, listing the tools;
// appended to the system prompt.
std::string harness_tool_instructions(const std::vector<ToolSchema>& tools, bool fenced_code_counts);

// A tool call written back in the convention, for the conversation history.
std::string harness_format_call(const ToolCall& call);

}  // namespace agentcoder::models
