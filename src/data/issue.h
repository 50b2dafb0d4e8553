// A problem found in an input file, located precisely enough to fix it:
// "tasks.jsonl:12: field 'difficulty': 'medium' is not easy|intermediate|hard".
#pragma once

#include <string>

namespace agentcoder::data {

struct Issue {
  std::string file;
  int line = 0;        // 1-based; 0 when the problem is not on one line
  std::string field;   // empty when the line as a whole is bad
  std::string message;

  std::string to_string() const {
    std::string s = file;
    if (line > 0) s += ":" + std::to_string(line);
    s += ": ";
    if (!field.empty()) s += "field '" + field + "': ";
    return s + message;
  }
};

}  // namespace agentcoder::data
