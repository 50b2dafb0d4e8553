#include "data/augment.h"

#include <cctype>

namespace agentcoder::data {

const std::vector<std::string>& generic_distractors() {
  static const std::vector<std::string> d = {
      "I'm preparing notes for a code review this afternoon.",
      "Context: this came up while refactoring an old script at work.",
      "A colleague and I disagreed about this, so I'd like a careful answer.",
      "This is for a study group; we meet tomorrow morning.",
      "(Our CI runs on Python 3.11, if that matters.)",
      "I already tried asking in chat, but the thread got derailed.",
  };
  return d;
}

const std::vector<std::string>& default_formats(Check check) {
  static const std::vector<std::string> answer = {
      "", "Reply with the final answer only.", "End your reply with a line of the form 'Answer: <value>'."};
  static const std::vector<std::string> none = {""};
  switch (check) {
    case Check::exact:
    case Check::numeric:
    case Check::final_state: return answer;
    default: return none;
  }
}

std::string normalise_prompt(const std::string& prompt) {
  std::string out;
  bool gap = false;
  for (unsigned char c : prompt) {
    if (std::isalnum(c) || c >= 0x80) {
      if (gap && !out.empty()) out += ' ';
      out += static_cast<char>(std::tolower(c));
      gap = false;
    } else {
      gap = true;
    }
  }
  return out;
}

}  // namespace agentcoder::data
