// A driver for trying the tools by hand and for the tests that need a
// separate process: builds a registry of python, math and docs, makes one
// call, and prints the ToolResult's record as JSON.
//
//   tool_call NAME 'ARGUMENTS_JSON' [--index FILE] [--text]
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>

#include "sandbox/sandbox.h"
#include "tools/tool_config.h"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: tool_call NAME 'ARGUMENTS_JSON' [--index FILE] [--text]\n");
    return 2;
  }
  agentcoder::tools::ToolsConfig config;
  config.names = {"python", "math"};
  bool text = false;
  for (int i = 3; i < argc; ++i) {
    if (std::strcmp(argv[i], "--text") == 0) {
      text = true;
    } else if (std::strcmp(argv[i], "--index") == 0 && i + 1 < argc) {
      config.names.push_back("docs");
      config.options["docs"]["index"] = argv[++i];
    } else {
      std::fprintf(stderr, "tool_call: unknown argument %s\n", argv[i]);
      return 2;
    }
  }
  try {
    agentcoder::sandbox::SandboxOptions options;
    options.max_concurrent_runs = 1;
    auto registry = agentcoder::tools::make_registry(config, agentcoder::sandbox::make_sandbox(options));
    agentcoder::tools::ToolResult r = registry->call(argv[1], std::string(argv[2]));
    if (text) std::printf("%s\n", r.text.c_str());
    else std::printf("%s\n", r.record.dump(2).c_str());
    return r.ok ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tool_call: %s\n", e.what());
    return 2;
  }
}
