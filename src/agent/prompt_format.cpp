#include "agent/prompt_format.h"

#include <filesystem>

#include "utils/errors.h"
#include "utils/files.h"

namespace agentcoder::agent {

PromptFormat load_prompt_format(const std::string& dir, const std::string& name) {
  std::string path = dir + "/" + name + ".txt";
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) throw MissingFileError(path + ": prompt format '" + name + "' not found");
  std::string s = read_file(path);
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  if (s.empty()) throw InputError(path + ": prompt format is empty");
  return {name, s};
}

}  // namespace agentcoder::agent
