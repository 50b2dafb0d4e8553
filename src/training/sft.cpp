#include "training/sft.h"

#include <algorithm>

#include "training/conversation.h"
#include "utils/errors.h"

namespace agentcoder::training {

namespace {

// A call is a choice only where tools were offered: under force_text it
// never ran and the harness took its text as the answer.
bool offered_call(const evaluation::ScoredEpisode& e) {
  return e.first_decision == ReplyKind::tool_call && e.mode != Mode::force_text;
}

}  // namespace

Selection parse_selection(const std::string& text) {
  if (text == "correct") return Selection::correct;
  if (text == "best_choice") return Selection::best_choice;
  if (text == "label") return Selection::label;
  if (text == "all") return Selection::all;
  throw InputError("--select '" + text + "': expected correct, best_choice, label or all");
}

const char* to_string(Selection selection) {
  switch (selection) {
    case Selection::correct: return "correct";
    case Selection::best_choice: return "best_choice";
    case Selection::label: return "label";
    case Selection::all: return "all";
  }
  return "?";
}

bool selected(const TrainingSet& set, const TrainingEpisode& t, Selection selection) {
  const evaluation::ScoredEpisode& e = t.scored;
  switch (selection) {
    case Selection::all: return true;
    case Selection::correct: return e.scored && e.correct && *e.correct;
    case Selection::best_choice: {
      std::optional<BestChoice> best = set.best_choice(e);
      if (!best) return false;
      const bool call = offered_call(e), text = e.first_decision == ReplyKind::text;
      return (*best == BestChoice::tool && call) || (*best == BestChoice::text && text) ||
             (*best == BestChoice::either && (call || text));
    }
    case Selection::label: {
      auto acceptable = [&](const std::string& tool) {
        return tool == e.optimal_tool ||
               std::find(e.alternative_tools.begin(), e.alternative_tools.end(), tool) != e.alternative_tools.end();
      };
      if (e.optimal_tool.empty()) return false;
      if (e.first_decision == ReplyKind::text) return acceptable("none");
      return offered_call(e) && e.first_tool != "none" && acceptable(e.first_tool);
    }
  }
  return false;
}

std::vector<nlohmann::ordered_json> sft_rows(const TrainingSet& set, Selection selection,
                                             const std::vector<ColumnFilter>& where) {
  std::vector<nlohmann::ordered_json> rows;
  for (const TrainingEpisode& t : set.episodes) {
    nlohmann::ordered_json columns = plain_columns(t);
    if (!selected(set, t, selection) || !matches(columns, where)) continue;
    const evaluation::ScoredEpisode& e = t.scored;
    nlohmann::ordered_json messages =
        prompt_messages(set.context.system_prompts.at(e.prompt_format), set.task_prompts.at(e.task_id));
    for (auto& m : continuation_messages(t.stored.record)) messages.push_back(std::move(m));
    nlohmann::ordered_json row;
    row["messages"] = std::move(messages);
    row["tools"] = set.tools_offered(e.mode);
    for (auto& [key, value] : columns.items()) row[key] = value;
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace agentcoder::training
