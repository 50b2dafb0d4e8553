// libFuzzer target: a model's reply through the harness tool-call parser,
// with and without fenced code counting as a call, then every parsed call
// written back as the conversation history does. The parser never throws.
#include <cstdint>
#include <string>

#include "models/tool_call_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string reply(reinterpret_cast<const char*>(data), size);
  for (const char* fenced : {"", "python"}) {
    agentcoder::models::HarnessParseOptions options;
    options.fenced_code_tool = fenced;
    agentcoder::models::ParsedReply parsed = agentcoder::models::parse_harness_reply(reply, options);
    for (const auto& call : parsed.tool_calls) (void)agentcoder::models::harness_format_call(call);
  }
  return 0;
}
