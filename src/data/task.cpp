#include "data/task.h"

#include <map>

namespace agentcoder::data {

std::string to_string(Category c) {
  switch (c) {
    case Category::pure_reasoning: return "pure_reasoning";
    case Category::execution_required: return "execution_required";
    case Category::ambiguous: return "ambiguous";
    case Category::multi_step: return "multi_step";
  }
  return "?";
}

std::string to_string(Difficulty d) {
  switch (d) {
    case Difficulty::easy: return "easy";
    case Difficulty::intermediate: return "intermediate";
    case Difficulty::hard: return "hard";
  }
  return "?";
}

std::string to_string(Check c) {
  switch (c) {
    case Check::exact: return "exact";
    case Check::numeric: return "numeric";
    case Check::unit_tests: return "unit_tests";
    case Check::rubric: return "rubric";
    case Check::final_state: return "final_state";
    case Check::call_match: return "call_match";
    case Check::decision: return "decision";
    case Check::answer_check: return "answer_check";
    case Check::abstain: return "abstain";
  }
  return "?";
}

std::optional<Category> parse_category(const std::string& s) {
  for (Category c : kCategories)
    if (to_string(c) == s) return c;
  return std::nullopt;
}

std::optional<Difficulty> parse_difficulty(const std::string& s) {
  for (Difficulty d : kDifficulties)
    if (to_string(d) == s) return d;
  return std::nullopt;
}

std::optional<Check> parse_check(const std::string& s) {
  for (Check c : {Check::exact, Check::numeric, Check::unit_tests, Check::rubric, Check::final_state,
                  Check::call_match, Check::decision, Check::answer_check, Check::abstain})
    if (to_string(c) == s) return c;
  return std::nullopt;
}

bool is_harness_tool(const std::string& name) {
  return name == "python" || name == "math" || name == "docs" || name == "none" || name == "external";
}

std::string canonical_tool(const std::string& name) {
  static const std::map<std::string, std::string> aliases = {
      {"code_executor", "python"}, {"code_execution", "python"}, {"python_executor", "python"},
      {"symbolic_math", "math"},   {"sympy", "math"},            {"calculator", "math"},
      {"doc_search", "docs"},      {"documentation_search", "docs"}, {"docs_search", "docs"},
      {"no_tool", "none"},         {"text", "none"}};
  auto it = aliases.find(name);
  return it == aliases.end() ? name : it->second;
}

}  // namespace agentcoder::data
