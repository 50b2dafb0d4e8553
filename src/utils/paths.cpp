#include "utils/paths.h"

#include <cstdlib>

namespace agentcoder {

std::string agentcoder_home() {
  if (const char* home = std::getenv("AGENTCODER_HOME"); home != nullptr && home[0] != '\0') return home;
  const char* user_home = std::getenv("HOME");
  return std::string(user_home != nullptr ? user_home : "/tmp") + "/.cache/agentcoder";
}

std::string default_model_path() { return agentcoder_home() + "/models/default.gguf"; }

std::string project_python() { return agentcoder_home() + "/venv/bin/python"; }

}  // namespace agentcoder
