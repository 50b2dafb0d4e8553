#include "training/columns.h"

#include <algorithm>

#include "utils/errors.h"

namespace agentcoder::training {
namespace {

const std::vector<std::string> kColumns = {"episode_id", "task_id",  "category", "difficulty",     "optimal_tool", "variant",
                                           "prompt_format", "mode", "seed", "sample", "correct", "first_decision", "stop_reason"};

std::string cell_text(const nlohmann::ordered_json& v) {
  if (v.is_null()) return "null";
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

}  // namespace

void add_prompt_columns(nlohmann::ordered_json& row, const evaluation::ScoredEpisode& e) {
  row["task_id"] = e.task_id;
  row["category"] = e.category;
  row["difficulty"] = e.difficulty;
  row["optimal_tool"] = e.optimal_tool;
  row["variant"] = e.variant;
  row["prompt_format"] = e.prompt_format;
}

nlohmann::ordered_json plain_columns(const TrainingEpisode& t) {
  const evaluation::ScoredEpisode& e = t.scored;
  nlohmann::ordered_json c;
  c["episode_id"] = e.key_id;
  add_prompt_columns(c, e);
  c["mode"] = to_string(e.mode);
  c["seed"] = t.stored.record.key.seed;
  c["sample"] = t.stored.record.key.sample;
  c["correct"] = e.scored && e.correct ? nlohmann::ordered_json(*e.correct) : nlohmann::ordered_json();
  c["first_decision"] = to_string(e.first_decision);
  c["stop_reason"] = to_string(e.stop_reason);
  return c;
}

ColumnFilter parse_column_filter(const std::string& text) {
  size_t eq = text.find('=');
  std::string known;
  for (const std::string& c : kColumns) known += (known.empty() ? "" : ", ") + c;
  if (eq == std::string::npos || eq == 0) throw InputError("--where '" + text + "': expected COLUMN=VALUE (columns: " + known + ")");
  ColumnFilter f{text.substr(0, eq), text.substr(eq + 1)};
  if (std::find(kColumns.begin(), kColumns.end(), f.column) == kColumns.end())
    throw InputError("--where '" + text + "': unknown column '" + f.column + "' (columns: " + known + ")");
  return f;
}

bool matches(const nlohmann::ordered_json& columns, const std::vector<ColumnFilter>& filters) {
  for (const ColumnFilter& f : filters)
    if (!columns.contains(f.column) || cell_text(columns[f.column]) != f.value) return false;
  return true;
}

}  // namespace agentcoder::training
