#include "agent/prompt_format.h"

#include <fstream>
#include <sstream>

#include "utils/errors.h"

namespace agentcoder::agent {

PromptFormat load_prompt_format(const std::string& dir, const std::string& name) {
  std::string path = dir + "/" + name + ".txt";
  std::ifstream in(path);
  if (!in) throw InputError(path + ": prompt format '" + name + "' not found");
  std::stringstream text;
  text << in.rdbuf();
  std::string s = text.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  if (s.empty()) throw InputError(path + ": prompt format is empty");
  return {name, s};
}

}  // namespace agentcoder::agent
