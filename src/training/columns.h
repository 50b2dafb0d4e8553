// The plain columns every export row carries beside its messages, for
// filtering in pandas or `datasets` and with `--where`:
//   episode_id (the episode key), task_id, category, difficulty,
//   optimal_tool, variant, prompt_format, mode, seed, sample (the repeated
//   sample's index, 0..samples-1), correct (true, false
//   or null: not scored, or a task kind without correctness),
//   first_decision (tool_call, text, malformed), stop_reason.
// A filter COL=VALUE matches a row whose column, as text (booleans "true"
// or "false", null "null", numbers in decimal), equals VALUE.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "training/training_set.h"

namespace agentcoder::training {

nlohmann::ordered_json plain_columns(const TrainingEpisode& episode);

// The columns a group of episodes of one prompt shares (task_id, category,
// difficulty, optimal_tool, variant, prompt_format), appended to `row` in
// that order: plain_columns() and the DPO pairs both carry them.
void add_prompt_columns(nlohmann::ordered_json& row, const evaluation::ScoredEpisode& episode);

struct ColumnFilter {
  std::string column, value;
};

// Parses "COL=VALUE"; throws InputError naming the flag and the known
// columns for a missing '=' or an unknown column.
ColumnFilter parse_column_filter(const std::string& text);

bool matches(const nlohmann::ordered_json& columns, const std::vector<ColumnFilter>& filters);

}  // namespace agentcoder::training
