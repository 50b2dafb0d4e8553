// Reward components, one row per episode, for reward functions (e.g. TRL's
// GRPO reward_funcs, which receive every column) and for analysis. The
// parts, not one summed number:
//   group_id          "variant/format/task": the episodes of one task under
//                     one arm, every mode and seed
//   correct           true/false; null when not scored or the task kind has
//                     no correctness
//   score             the partial score in [0, 1] (a rubric's fraction of
//                     points); null when not scored
//   calls             tool calls made (run or not)
//   calls_failed      calls that did not succeed (ran and failed, or refused)
//   malformed_attempts  replies whose call did not parse
//   hallucinated_calls  calls to a tool that was not offered
//   prompt_tokens, generated_tokens
//   best_choice       the forced modes' empirical best choice (tool, text,
//                     either, neither; training_set.h), null without them
//   tool_necessary    true when only force_tool was right (best_choice
//                     tool), false when force_text was right (text or
//                     either), null otherwise: needed *for this model*
//   needs_tool        the task's necessity for this model
//                     (evaluation/necessity.h): true unless force_text
//                     solved it in at least the threshold's share of its
//                     samples (default all); null without a judged
//                     force_text episode. Unlike tool_necessary it does not
//                     ask whether force_tool did better: a task neither mode
//                     solves needs the tool here
//   tool_benefits     force_tool solved it more often than force_text;
//                     null unless both were judged
//   optimal_tool, difficulty, knobs (the task's difficulty knobs)
//   default_reward    one documented combination, null when not scored:
//                     score - 0.25 [hallucinated_calls > 0]
//                           - 0.1 [malformed_attempts > 0]
//                           - 0.1 [correct and tool_necessary is false
//                                  and calls > 0]
//                     The efficiency term applies only where the model was
//                     right without the tool, never as a flat per-call cost
//                     (flat per-call penalties are reported to suppress
//                     needed calls).
// plus the plain columns of columns.h.
#pragma once

#include <vector>

#include <nlohmann/json.hpp>

#include "training/columns.h"
#include "training/training_set.h"

namespace agentcoder::training {

std::vector<nlohmann::ordered_json> reward_rows(const TrainingSet& set, const std::vector<ColumnFilter>& where);

}  // namespace agentcoder::training
