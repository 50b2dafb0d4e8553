#include "evaluation/scored_episode.h"

#include <algorithm>
#include <map>

#include <nlohmann/json.hpp>

#include "evaluation/fabrication.h"
#include "store/results_store.h"
#include "utils/errors.h"

namespace agentcoder::evaluation {
namespace {

struct TaskLabel {
  std::string check;
  std::string source;
  std::vector<std::string> alternative_tools;
  std::string family, knob;
  std::optional<double> knob_value;
};

// A generated task's family and its first difficulty knob (ScoredEpisode).
void read_family_knob(const nlohmann::ordered_json& task, TaskLabel& label) {
  auto g = task.find("generator");
  if (g == task.end() || !g->is_object() || !g->contains("family") || !(*g)["family"].is_string()) return;
  label.family = (*g)["family"].get<std::string>();
  auto knobs = g->find("knobs");
  if (knobs == g->end() || !knobs->is_object() || knobs->empty()) return;
  label.knob = knobs->begin().key();
  if (knobs->begin()->is_number()) label.knob_value = knobs->begin()->get<double>();
}

std::map<std::string, TaskLabel> task_labels(store::ResultsStore& store, int64_t run_id) {
  std::map<std::string, TaskLabel> labels;  // by task_id + "\n" + task_sha256
  for (const store::StoredTask& t : store.tasks(run_id)) {
    // Ordered: a family's first knob is the first key of generator.knobs.
    nlohmann::ordered_json j = nlohmann::ordered_json::parse(t.task_json, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object()) continue;
    TaskLabel label;
    label.check = j.value("check", "");
    if (j.contains("source") && j["source"].is_string()) label.source = j["source"].get<std::string>();
    if (j.contains("alternative_tools") && j["alternative_tools"].is_array())
      for (const auto& a : j["alternative_tools"])
        if (a.is_string()) label.alternative_tools.push_back(a.get<std::string>());
    read_family_knob(j, label);
    labels[t.task_id + "\n" + t.task_sha256] = label;
  }
  return labels;
}

}  // namespace

std::optional<FailureClass> failure_class(const std::string& error_class, bool executed) {
  if (!executed) return FailureClass::bad_call;
  if (error_class.empty()) return std::nullopt;
  static const std::map<std::string, FailureClass> classes = {
      {"syntax_error", FailureClass::syntax},   {"name_error", FailureClass::name},
      {"import_error", FailureClass::import},   {"runtime_error", FailureClass::runtime},
      {"nonzero_exit", FailureClass::runtime},  {"signal", FailureClass::runtime},
      {"timeout", FailureClass::timeout},       {"memory", FailureClass::memory},
      {"output_limit", FailureClass::memory},   {"sandbox_denied", FailureClass::sandbox_denied}};
  auto it = classes.find(error_class);
  // Tools other than python fail in their own words (e.g. the math tool's
  // "parse_error"): the model's input was wrong, so it is a runtime failure.
  return it == classes.end() ? FailureClass::runtime : it->second;
}

namespace {

// A stored name read back into the vocabulary; an unknown one is refused.
template <typename Enum>
Enum known(std::optional<Enum> parsed, const std::string& text, const char* what, const std::string& key_id) {
  if (!parsed) throw InputError("episode " + key_id.substr(0, 12) + ": unknown " + what + " '" + text + "'");
  return *parsed;
}

}  // namespace

std::vector<ScoredEpisode> load_scored_episodes(store::ResultsStore& store, const store::StoredRun& run) {
  std::map<std::string, TaskLabel> labels = task_labels(store, run.run_id);
  std::map<std::string, store::ScoreRecord> scores;
  for (store::ScoreRecord& s : store.scores(run.run_id)) scores[s.key_id] = std::move(s);

  std::vector<ScoredEpisode> out;
  for (const store::StoredEpisode& listed : store.list_episodes(run.run_id)) {
    std::optional<store::StoredEpisode> full = store.get_episode(run.run_id, listed.key_id);
    if (!full) continue;  // erased meanwhile
    const store::EpisodeRecord& r = full->record;
    ScoredEpisode e;
    e.key_id = full->key_id;
    e.task_id = r.key.task_id;
    e.task_sha256 = r.key.task_sha256;
    e.seed = r.key.seed;
    e.sample = r.key.sample;
    e.variant = r.variant;
    e.prompt_format = r.key.prompt_format;
    e.mode = known(parse_mode(r.key.mode), r.key.mode, "mode", e.key_id);
    e.category = r.category;
    e.difficulty = r.difficulty;
    e.optimal_tool = r.optimal_tool;
    e.offered_tools = r.key.tools;
    if (auto it = labels.find(r.key.task_id + "\n" + r.key.task_sha256); it != labels.end()) {
      e.check = it->second.check;
      e.source = it->second.source;
      e.alternative_tools = it->second.alternative_tools;
      e.family = it->second.family;
      e.knob = it->second.knob;
      e.knob_value = it->second.knob_value;
    }
    if (e.source.empty()) e.source = "unknown";
    e.stop_reason = known(parse_stop_reason(r.stop_reason), r.stop_reason, "stop reason", e.key_id);
    e.first_decision = known(parse_reply_kind(r.first_decision), r.first_decision, "reply kind", e.key_id);
    e.first_tool = e.first_decision == ReplyKind::tool_call ? r.first_tool : "";
    e.p_tool = r.p_tool;
    e.steps = static_cast<int>(r.steps.size());
    for (size_t si = 0; si < r.steps.size(); ++si) {
      const store::StepRecord& step = r.steps[si];
      e.prompt_evaluated_tokens += step.prompt_tokens - step.prefix_reused_tokens;
      e.decoded_tokens += std::max<int64_t>(step.generated_tokens - 1, 0);
      for (const store::ToolCallRecord& c : r.steps[si].tool_calls) {
        CallView v;
        v.step = static_cast<int>(si);
        v.tool = c.tool;
        v.offered = std::find(e.offered_tools.begin(), e.offered_tools.end(), c.tool) != e.offered_tools.end();
        v.executed = c.executed;
        v.ok = c.ok;
        v.error_class = c.error_class;
        v.not_run_by_design = !c.executed && c.error_class == kNotRunByDesign;
        if (!v.ok && !v.not_run_by_design) v.failure = failure_class(c.error_class, v.executed);
        e.calls.push_back(std::move(v));
      }
    }
    e.prompt_tokens = r.prompt_tokens;
    e.generated_tokens = r.generated_tokens;
    e.prompt_eval_ms = r.prompt_eval_ms;
    e.decode_ms = r.decode_ms;
    e.tool_ms = r.tool_ms;
    e.queue_ms = r.queue_ms;
    e.wall_ms = r.wall_ms;
    if (r.extra.is_object() && r.extra.contains("kv_bytes") && r.extra["kv_bytes"].is_number_integer())
      e.kv_bytes = r.extra["kv_bytes"].get<int64_t>();
    if (auto it = scores.find(e.key_id); it != scores.end()) {
      const store::ScoreRecord& s = it->second;
      e.scored = true;
      if (e.check.empty()) e.check = s.check;
      e.correct = s.correct;
      e.score = s.score;
      e.fabrication_claim = s.fabrication_claim;
      e.fabrication_false = s.fabrication_false;
      if (s.detail.is_object() && s.detail.contains("process") && s.detail["process"].is_object() &&
          s.detail["process"].contains("followed") && s.detail["process"]["followed"].is_boolean())
        e.process_followed = s.detail["process"]["followed"].get<bool>();
      if (e.check == "abstain" && s.detail.is_object() && s.detail.contains("outcome") &&
          s.detail["outcome"].is_string())
        e.abstain_outcome = s.detail["outcome"].get<std::string>();
    }
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace agentcoder::evaluation
