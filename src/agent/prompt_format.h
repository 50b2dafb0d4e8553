// A prompt format: the system prompt that frames a task, read from an
// editable text file (experiments/prompts/<name>.txt). The tool list and
// the calling convention are added by the chat layer, not by the format.
//
// Formats of the study: direct (just answer), cot (reason step by step),
// tool_description (when each tool helps, and when it does not).
#pragma once

#include <string>

namespace agentcoder::agent {

struct PromptFormat {
  std::string name;
  std::string system_prompt;
};

// Loads <dir>/<name>.txt; throws InputError naming the file.
PromptFormat load_prompt_format(const std::string& dir, const std::string& name);

}  // namespace agentcoder::agent
