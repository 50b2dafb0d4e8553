#include "training/dpo.h"

#include <algorithm>

#include "training/columns.h"
#include "training/conversation.h"
#include "utils/sha256.h"

namespace agentcoder::training {
namespace {

using ojson = nlohmann::ordered_json;

bool decided(const evaluation::ScoredEpisode& e) {
  return e.first_decision == ReplyKind::tool_call || e.first_decision == ReplyKind::text;
}

const char* direction(const evaluation::ScoredEpisode& chosen, const evaluation::ScoredEpisode& rejected) {
  if (chosen.first_decision == rejected.first_decision) return "same";
  return chosen.first_decision == ReplyKind::tool_call ? "call" : "text";
}

void count(DirectionCounts& c, const std::string& dir) {
  (dir == "call" ? c.call : dir == "text" ? c.text : c.same) += 1;
}

ojson counts_json(const std::map<std::string, DirectionCounts>& counts) {
  ojson out = ojson::object();
  for (const auto& [category, c] : counts) out[category] = {{"call", c.call}, {"text", c.text}, {"same", c.same}};
  return out;
}

}  // namespace

DpoExport dpo_pairs(const TrainingSet& set, bool balance) {
  DpoExport out;
  // Episodes are ordered by variant, format, task: each group is a run of them.
  for (size_t begin = 0; begin < set.episodes.size();) {
    size_t end = begin;
    const std::string group = group_id(set.episodes[begin].scored);
    while (end < set.episodes.size() && group_id(set.episodes[end].scored) == group) ++end;
    bool offers_tools = false;
    for (size_t i = begin; i < end; ++i) offers_tools |= set.episodes[i].scored.mode != Mode::force_text;
    std::vector<const TrainingEpisode*> correct, wrong;
    for (size_t i = begin; i < end; ++i) {
      const evaluation::ScoredEpisode& e = set.episodes[i].scored;
      if (!e.scored || !e.correct || !decided(e)) continue;
      if (e.mode == Mode::force_text && e.first_decision != ReplyKind::text) continue;
      (*e.correct ? correct : wrong).push_back(&set.episodes[i]);
    }
    begin = end;
    if (correct.empty() || wrong.empty()) continue;
    const evaluation::ScoredEpisode& first = correct.front()->scored;
    const ojson prompt =
        prompt_messages(set.context.system_prompts.at(first.prompt_format), set.task_prompts.at(first.task_id));
    const nlohmann::json tools = offers_tools ? set.context.tools : nlohmann::json::array();
    for (const TrainingEpisode* c : correct)
      for (const TrainingEpisode* w : wrong) {
        ojson row;
        row["prompt"] = prompt;
        row["chosen"] = continuation_messages(c->stored.record);
        row["rejected"] = continuation_messages(w->stored.record);
        row["tools"] = tools;
        row["direction"] = direction(c->scored, w->scored);
        add_prompt_columns(row, first);
        row["chosen_episode_id"] = c->scored.key_id;
        row["rejected_episode_id"] = w->scored.key_id;
        row["chosen_mode"] = to_string(c->scored.mode);
        row["rejected_mode"] = to_string(w->scored.mode);
        count(out.before_balance[first.category], row["direction"].get<std::string>());
        out.rows.push_back(std::move(row));
      }
  }

  if (balance) {
    // Per category and direction, the rank of each pair by its hash.
    auto hash = [](const ojson& row) {
      return sha256_hex(row["chosen_episode_id"].get<std::string>() + "/" + row["rejected_episode_id"].get<std::string>());
    };
    std::map<std::string, std::map<std::string, std::vector<std::pair<std::string, size_t>>>> ranked;
    for (size_t i = 0; i < out.rows.size(); ++i)
      ranked[out.rows[i]["category"].get<std::string>()][out.rows[i]["direction"].get<std::string>()].push_back(
          {hash(out.rows[i]), i});
    std::vector<bool> keep(out.rows.size(), true);
    for (auto& [category, dirs] : ranked) {
      const DirectionCounts& c = out.before_balance[category];
      const size_t n = static_cast<size_t>(std::min(c.call, c.text));
      for (const char* dir : {"call", "text"}) {
        auto& list = dirs[dir];
        std::sort(list.begin(), list.end());
        for (size_t k = n; k < list.size(); ++k) keep[list[k].second] = false;
      }
    }
    std::vector<ojson> kept;
    for (size_t i = 0; i < out.rows.size(); ++i)
      if (keep[i]) kept.push_back(std::move(out.rows[i]));
    out.rows = std::move(kept);
  }
  for (const ojson& row : out.rows) count(out.by_category[row["category"].get<std::string>()], row["direction"].get<std::string>());
  return out;
}

ojson dpo_summary(const DpoExport& dpo, bool balance) {
  return {{"balanced", balance},
          {"pairs", dpo.rows.size()},
          {"by_category", counts_json(dpo.by_category)},
          {"before_balance", counts_json(dpo.before_balance)}};
}

}  // namespace agentcoder::training
