// The one regular-expression type for patterns that come from data: rubric
// points in task files and `regex` rules in import mappings.
//
// RE2 underneath: matching takes time linear in the text and compiling uses
// bounded memory and no recursion, so a hostile pattern or a long reply cannot
// crash the harness (libstdc++'s std::regex recurses per character and per
// nesting level, and dies of SIGSEGV on either). The syntax is RE2's:
// ECMAScript's without backreferences and lookaround. A pattern is refused at
// compile time when it is longer than kMaxPatternBytes, nested deeper than
// RE2 allows, not UTF-8, or would need more than RE2's memory budget.
#pragma once

#include <memory>
#include <optional>
#include <string>

namespace re2 {
class RE2;
}

namespace agentcoder {

class Regex {
 public:
  static constexpr size_t kMaxPatternBytes = 2000;

  // The compiled pattern, or nullopt with *error saying why not (one line).
  static std::optional<Regex> compile(const std::string& pattern, bool case_insensitive, std::string* error);

  // The text of capture group `group` (0: the whole match) of the leftmost
  // match in `text`, or nullopt if nothing matches. A group that did not take
  // part in the match gives "".
  std::optional<std::string> search(const std::string& text, int group = 0) const;

  int groups() const;
  const std::string& pattern() const { return pattern_; }

 private:
  Regex(std::shared_ptr<const re2::RE2> re, std::string pattern) : re_(std::move(re)), pattern_(std::move(pattern)) {}
  std::shared_ptr<const re2::RE2> re_;
  std::string pattern_;
};

}  // namespace agentcoder
