#include "training/kto.h"

#include "training/conversation.h"

namespace agentcoder::training {

std::vector<nlohmann::ordered_json> kto_rows(const TrainingSet& set, const std::vector<ColumnFilter>& where) {
  std::vector<nlohmann::ordered_json> rows;
  for (const TrainingEpisode& t : set.episodes) {
    const evaluation::ScoredEpisode& e = t.scored;
    nlohmann::ordered_json columns = plain_columns(t);
    if (!e.scored || !e.correct || !matches(columns, where)) continue;
    nlohmann::ordered_json row;
    row["prompt"] = prompt_messages(set.context.system_prompts.at(e.prompt_format), set.task_prompts.at(e.task_id));
    row["completion"] = continuation_messages(t.stored.record);
    row["label"] = *e.correct;
    row["tools"] = set.tools_offered(e.mode);
    for (auto& [key, value] : columns.items()) row[key] = value;
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace agentcoder::training
