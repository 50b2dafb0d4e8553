// A template family of the synthetic benchmark: one kind of task, written as
// data (a TOML file under src/data/families/, embedded in the binary).
//
// A family fixes the category, the tool label and why it is right, the check
// kind, three or more phrasings, and for each difficulty level its meaning and
// the parameter samplers (param_sampler.h) behind it; `knobs` names the numeric
// parameters that move difficulty. `reference` is Python defining
// solve(p) -> dict: given the sampled parameters it returns the ground truth
// ("answer", and "tests", "rubric", "solution", ... per check kind) and may
// return "vars" for the prompt. It runs in the sandbox (reference_runner.h).
// The format is documented in src/data/families/README.md.
#pragma once

#include <array>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "data/task.h"

namespace agentcoder::data {

struct FamilyLevel {
  std::string meaning;                // what this level asks of the model
  nlohmann::ordered_json params;      // name -> sampler, merged over the shared params
};

// The sub-kinds of each category, after the seed's dataset design ("Pure
// Reasoning: syntax analysis, code review, explanation; algorithm design;
// conceptual questions", and so on). Every family names one; splits are made
// within each, so each sub-kind is measured in test and tuned on in dev.
const std::vector<std::string>& sub_kinds(Category c);

struct Family {
  std::string id;
  Category category = Category::pure_reasoning;
  std::string kind;                          // one of sub_kinds(category)
  std::string optimal_tool;
  std::vector<std::string> alternative_tools;
  std::string reasoning;
  Check check = Check::exact;
  std::string trap;                          // over_use | under_use | ""
  std::vector<std::string> knobs;
  std::vector<std::string> phrasings;
  std::vector<std::string> formats;          // answer-format suffixes; "" allowed
  std::vector<std::string> distractors;      // extra context sentences
  std::vector<std::string> expected_tools;   // final_state
  double abs_tol = 0;
  double rel_tol = 0;
  std::string split;                         // train|dev|test; assigned if empty
  std::array<FamilyLevel, 3> levels;         // indexed by Difficulty
  std::string reference;
  std::string reference_sha256;
  std::string origin;                        // file it came from, for messages

  const FamilyLevel& level(Difficulty d) const { return levels[static_cast<int>(d)]; }
};

// Parses one family; throws InputError "origin: field 'x': ..." when bad.
Family parse_family(const nlohmann::ordered_json& j, const std::string& origin);
Family parse_family_toml(const std::string& text, const std::string& origin);

// The families compiled into the binary, sorted by id.
std::vector<Family> builtin_families();
// Every *.toml under dir, sorted by id. Throws InputError on a bad file or a
// repeated id.
std::vector<Family> load_families(const std::string& dir);

// Assigns a split to every family with none, within each sub-kind of each
// category: ordered by a hash of the id, the first goes to test, the second
// to dev, the rest to train (a sub-kind needs three families to reach all
// three splits). Depends on ids and sub-kinds only, never on the generation
// seed.
void assign_splits(std::vector<Family>& families);

}  // namespace agentcoder::data
