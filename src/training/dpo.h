// DPO preference pairs, built only from continuations of one identical
// prompt:
//   {"prompt": [system, user], "chosen": [...], "rejected": [...],
//    "tools": [...], direction, task_id, category, difficulty,
//    optimal_tool, variant, prompt_format, chosen_episode_id,
//    rejected_episode_id, chosen_mode, rejected_mode}
//
// Pairing rule. A group is one variant, prompt format and task. Its prompt
// is the first turn with the tools offered (free's, which force_tool shares:
// the force_tool prefill is the start of its continuation). Candidates are
// the group's scored episodes with a correctness and a first decision of
// call or text: free and force_tool episodes, every seed; force_text
// episodes whose first reply is text, since a text answer is a valid
// continuation of the tools prompt (a call written under force_text never
// ran, so it is not). A group without a free or force_tool episode pairs
// its force_text ones under the prompt without tools. Every correct
// candidate is paired with every wrong one (chosen = correct), in the
// contract order of training_set.h.
//
// direction: "call" when the chosen first decision is a call and the
// rejected one text, "text" for the reverse, "same" when both decided
// alike (the pair then teaches how, not whether, to call).
//
// balance: per category, the larger of the "call" and "text" sets is cut
// to the size of the smaller, keeping the pairs whose sha256(chosen id +
// "/" + rejected id) sorts first; "same" pairs are kept. Deterministic.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "training/training_set.h"

namespace agentcoder::training {

struct DirectionCounts {
  int64_t call = 0, text = 0, same = 0;
};

struct DpoExport {
  std::vector<nlohmann::ordered_json> rows;
  std::map<std::string, DirectionCounts> by_category;  // of the rows written
  std::map<std::string, DirectionCounts> before_balance;
};

DpoExport dpo_pairs(const TrainingSet& set, bool balance);

// {"balanced": b, "pairs": n, "by_category": {cat: {"call", "text", "same"}},
//  "before_balance": {...}}
nlohmann::ordered_json dpo_summary(const DpoExport& dpo, bool balance);

}  // namespace agentcoder::training
