// libFuzzer target: the --tools and --chat readers of `agentcoder generate`
// (models/chat_json.h) on the same bytes, then the harness tool instructions
// for the tools that were read. InputError is the expected refusal.
#include <cstdint>
#include <string>

#include "models/chat_json.h"
#include "models/tool_call_parser.h"
#include "utils/errors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    auto tools = agentcoder::models::tools_from_json_text(text, "tools.json");
    (void)agentcoder::models::harness_tool_instructions(tools, true);
  } catch (const agentcoder::InputError&) {
  }
  try {
    auto messages = agentcoder::models::chat_from_json_text(text, "chat.json");
    for (const auto& m : messages)
      for (const auto& call : m.tool_calls) (void)agentcoder::models::harness_format_call(call);
  } catch (const agentcoder::InputError&) {
  }
  return 0;
}
