#include "utils/regex.h"

#include <vector>

#include <re2/re2.h>

namespace agentcoder {

std::optional<Regex> Regex::compile(const std::string& pattern, bool case_insensitive, std::string* error) {
  if (pattern.size() > kMaxPatternBytes) {
    *error = "longer than " + std::to_string(kMaxPatternBytes) + " bytes (" + std::to_string(pattern.size()) + ")";
    return std::nullopt;
  }
  RE2::Options options;
  options.set_case_sensitive(!case_insensitive);
  options.set_log_errors(false);  // the caller reports it, once, with the place
  auto re = std::make_shared<const RE2>(pattern, options);
  if (!re->ok()) {
    *error = re->error();
    return std::nullopt;
  }
  return Regex(std::move(re), pattern);
}

std::optional<std::string> Regex::search(const std::string& text, int group) const {
  if (group < 0 || group > re_->NumberOfCapturingGroups()) return std::nullopt;
  std::vector<re2::StringPiece> found(static_cast<size_t>(group) + 1);
  if (!re_->Match(text, 0, text.size(), RE2::UNANCHORED, found.data(), static_cast<int>(found.size())))
    return std::nullopt;
  const re2::StringPiece& g = found[static_cast<size_t>(group)];
  return g.data() == nullptr ? std::string() : std::string(g.data(), g.size());
}

int Regex::groups() const { return re_->NumberOfCapturingGroups(); }

}  // namespace agentcoder
