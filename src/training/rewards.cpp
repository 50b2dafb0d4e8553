#include "training/rewards.h"

namespace agentcoder::training {

std::vector<nlohmann::ordered_json> reward_rows(const TrainingSet& set, const std::vector<ColumnFilter>& where) {
  using ojson = nlohmann::ordered_json;
  std::vector<ojson> rows;
  for (const TrainingEpisode& t : set.episodes) {
    const evaluation::ScoredEpisode& e = t.scored;
    ojson row = plain_columns(t);
    if (!matches(row, where)) continue;
    int64_t failed = 0, hallucinated = 0, malformed = 0;
    for (const evaluation::CallView& c : e.calls) {
      failed += !c.ok;
      hallucinated += !c.offered;
    }
    for (const store::StepRecord& s : t.stored.record.steps) malformed += s.reply_kind == "malformed";
    row["group_id"] = group_id(e);
    row["score"] = e.scored ? ojson(e.score) : ojson();
    row["calls"] = e.calls.size();
    row["calls_failed"] = failed;
    row["malformed_attempts"] = malformed;
    row["hallucinated_calls"] = hallucinated;
    row["prompt_tokens"] = e.prompt_tokens;
    row["generated_tokens"] = e.generated_tokens;
    row.update(set.necessity_columns(e));
    row["knobs"] = t.knobs;
    if (e.scored) {
      double r = e.score;
      if (hallucinated > 0) r -= 0.25;
      if (malformed > 0) r -= 0.1;
      if (e.correct == true && row["tool_necessary"] == false && !e.calls.empty()) r -= 0.1;
      row["default_reward"] = r;
    } else {
      row["default_reward"] = nullptr;
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace agentcoder::training
