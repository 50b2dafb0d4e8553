// One benchmark task: a prompt, the tool a model should (or should not) use,
// and a ground truth a program can check.
//
// The JSON form (task_json.h) uses the seed project's field names (prompt,
// optimal_tool, reasoning, difficulty, category, ground_truth_output,
// alternative_tools) plus id, check, answer, tests, rubric, source, split,
// knobs (an import's difficulty knobs) and, for generated tasks, a
// `generator` object with the family and its sub-kind, its difficulty knobs
// and the hash of the reference solution that produced the ground truth.
//
// Which ground-truth fields matter is decided by `check`:
//   exact       ground_truth_output is the answer, compared as text
//   numeric     answer (a number) within abs_tol / rel_tol
//   unit_tests  tests (Python asserts) run in the sandbox after the model's code
//   rubric      every rubric point must be matched by one of its regexes
//   final_state multi-step: tests and/or ground_truth_output hold at the end
//               (the outcome); whether expected_tools were used in that
//               order is the process, reported apart
//   call_match  the model calls one of `functions` as in expected_calls (BFCL)
//   abstain     `functions` are offered and none fits: right is a clean text
//               reply, no call and no attempt at one (BFCL irrelevance)
//   decision    only the choice to call a tool or not is scored (MetaTool)
//   answer_check  several answers are valid: `checker` is Python defining
//               check(answer: str) -> bool, run in the sandbox on the answer;
//               ground_truth_output holds one valid answer (SymBench puzzles)
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace agentcoder::data {

enum class Category { pure_reasoning, execution_required, ambiguous, multi_step };
enum class Difficulty { easy, intermediate, hard };
enum class Check { exact, numeric, unit_tests, rubric, final_state, call_match, decision, answer_check, abstain };

inline constexpr Category kCategories[] = {Category::pure_reasoning, Category::execution_required,
                                           Category::ambiguous, Category::multi_step};
inline constexpr Difficulty kDifficulties[] = {Difficulty::easy, Difficulty::intermediate, Difficulty::hard};

std::string to_string(Category c);
std::string to_string(Difficulty d);
std::string to_string(Check c);
// Parsers return nullopt for an unknown name.
std::optional<Category> parse_category(const std::string& s);
std::optional<Difficulty> parse_difficulty(const std::string& s);
std::optional<Check> parse_check(const std::string& s);

// The harness's tools: python (run code in the sandbox), math (SymPy), docs
// (Python standard-library documentation), none (answer in text). "external"
// marks a tool the harness does not offer (MetaTool's web plugins).
bool is_harness_tool(const std::string& name);
// Seed and common aliases: code_executor -> python, symbolic_math -> math,
// doc_search -> docs, no_tool -> none. Other names are returned unchanged.
std::string canonical_tool(const std::string& name);

// A required point of an explanation or review: it is covered when any of
// the regexes (ECMAScript, case-insensitive) matches the answer.
struct RubricPoint {
  std::string point;
  std::vector<std::string> any_of;
};

// How a synthetic task was made; empty for imported tasks.
struct GeneratorInfo {
  std::string family;
  std::string kind;                       // the family's sub-kind of its category (family.h)
  int phrasing = -1;                      // index into the family's phrasings
  std::vector<std::string> augmentations; // e.g. "distractor:2", "format:1"
  std::string trap;                       // "over_use", "under_use" or empty
  nlohmann::ordered_json knobs = nlohmann::ordered_json::object();   // difficulty knobs
  nlohmann::ordered_json params = nlohmann::ordered_json::object();  // every sampled parameter
  std::string reference_sha256;           // of the family's reference solution
};

struct Task {
  std::string id;
  std::string prompt;
  Category category = Category::pure_reasoning;
  Difficulty difficulty = Difficulty::easy;
  std::string optimal_tool;
  std::vector<std::string> alternative_tools;  // also acceptable choices
  std::string reasoning;                       // why optimal_tool is right

  Check check = Check::exact;
  std::string ground_truth_output;
  std::optional<double> answer;
  double abs_tol = 0;
  double rel_tol = 0;
  std::string tests;
  std::string test_setup;   // runs after the model's code, before the tests (MBPP)
  std::string entry_point;
  std::vector<RubricPoint> rubric;
  std::vector<std::string> expected_tools;
  nlohmann::ordered_json functions;       // offered functions (JSON schema list), or null
  nlohmann::ordered_json expected_calls;  // for call_match, or null
  std::string reference_solution;         // code known to pass `tests`, when known
  std::string checker;                    // answer_check: Python defining check(answer) -> bool

  std::string source;     // "synthetic" or the public data set's name
  std::string source_id;  // the record's id in its source
  std::string split;      // train, dev or test; may be empty for imports
  nlohmann::ordered_json knobs = nlohmann::ordered_json::object();  // an import's difficulty knobs (mapping [knobs])
  GeneratorInfo generator;
  // Fields the schema does not know, kept so a file round-trips; load_tasks
  // warns about each (a misspelt `rel_tolerance` is not `rel_tol`) and
  // refuses them under strict.
  nlohmann::ordered_json extra = nlohmann::ordered_json::object();
};

}  // namespace agentcoder::data
