#include "experiment/record_mapping.h"

#include <algorithm>

namespace agentcoder::experiment {

store::StepRecord to_record(const agent::StepTrace& s) {
  store::StepRecord r;
  r.prefill = s.prompt_prefill;
  r.model_text = s.model_text;
  r.reply_kind = to_string(s.reply.kind);
  r.generation_stop = to_string(s.generation_stop);
  r.content = s.reply.content;
  r.parse_errors = s.reply.errors;
  r.repairs = s.reply.repairs;
  r.prompt_tokens = s.stats.prompt_tokens;
  r.prefix_reused_tokens = s.stats.prefix_reused_tokens;
  r.generated_tokens = s.stats.generated_tokens;
  r.queue_ms = s.stats.queued_ms;
  r.prompt_eval_ms = s.stats.prompt_eval_ms;
  r.decode_ms = s.stats.decode_ms;
  for (const auto& c : s.tool_calls)
    r.tool_calls.push_back({c.call.id, c.call.name, c.call.arguments, c.executed, c.ok, c.error_class,
                            c.result_for_model, c.record, c.wall_ms});
  return r;
}

store::EpisodeRecord to_record(const agent::EpisodeTrace& t, const store::EpisodeKey& key, const std::string& variant,
                               const data::Task& task) {
  store::EpisodeRecord r;
  r.key = key;
  r.variant = variant;
  r.category = data::to_string(task.category);
  r.difficulty = data::to_string(task.difficulty);
  r.optimal_tool = task.optimal_tool;
  r.stop_reason = to_string(t.stop_reason);
  r.final_answer = t.final_answer;
  r.first_decision = to_string(t.first_decision());
  if (!t.steps.empty() && !t.steps[0].reply.tool_calls.empty()) r.first_tool = t.steps[0].reply.tool_calls[0].name;
  r.p_tool = t.p_tool;  // p_text stays unset: nothing measures it apart from p_tool
  for (const auto& o : t.probe_openers) r.probe_openers.push_back({o.opener, o.tokens, o.p});
  r.wall_ms = t.wall_ms;
  r.started_at = t.started_at;
  r.finished_at = t.finished_at;
  r.error = t.error;
  int64_t kv_bytes = 0;
  for (const auto& s : t.steps) {
    kv_bytes = std::max<int64_t>(kv_bytes, static_cast<int64_t>(s.stats.kv_bytes));
    r.steps.push_back(to_record(s));
    r.prompt_tokens += s.stats.prompt_tokens;
    r.generated_tokens += s.stats.generated_tokens;
    r.prompt_eval_ms += s.stats.prompt_eval_ms;
    r.decode_ms += s.stats.decode_ms;
    r.queue_ms += s.stats.queued_ms;
    for (const auto& c : s.tool_calls) r.tool_ms += c.wall_ms;
  }
  r.extra = {{"kv_bytes", kv_bytes}};  // the memory one inference held
  return r;
}

}  // namespace agentcoder::experiment
