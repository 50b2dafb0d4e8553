#include "store/record_json.h"

#include "utils/errors.h"

namespace agentcoder::store {
namespace {

nlohmann::ordered_json optional_number(const std::optional<double>& value) {
  return value ? nlohmann::ordered_json(*value) : nlohmann::ordered_json(nullptr);
}

nlohmann::ordered_json tool_call_to_json(size_t index, const ToolCallRecord& c) {
  return {{"index", index},       {"call_id", c.call_id},   {"tool", c.tool},
          {"arguments", c.arguments}, {"executed", c.executed}, {"ok", c.ok},
          {"error_class", c.error_class}, {"result", c.result}, {"record", c.record},
          {"wall_ms", c.wall_ms}};
}

nlohmann::ordered_json step_to_json(size_t index, const StepRecord& s) {
  nlohmann::ordered_json calls = nlohmann::ordered_json::array();
  for (size_t i = 0; i < s.tool_calls.size(); ++i) calls.push_back(tool_call_to_json(i, s.tool_calls[i]));
  return {{"index", index},
          {"prefill", s.prefill},
          {"model_text", s.model_text},
          {"reply_kind", s.reply_kind},
          {"generation_stop", s.generation_stop},
          {"content", s.content},
          {"parse_errors", s.parse_errors},
          {"repairs", s.repairs},
          {"prompt_tokens", s.prompt_tokens},
          {"prefix_reused_tokens", s.prefix_reused_tokens},
          {"generated_tokens", s.generated_tokens},
          {"queue_ms", s.queue_ms},
          {"prompt_eval_ms", s.prompt_eval_ms},
          {"decode_ms", s.decode_ms},
          {"tool_calls", calls}};
}

ToolCallRecord tool_call_from_json(const nlohmann::json& j) {
  ToolCallRecord c;
  c.call_id = j.at("call_id").get<std::string>();
  c.tool = j.at("tool").get<std::string>();
  c.arguments = j.at("arguments").get<std::string>();
  c.executed = j.at("executed").get<bool>();
  c.ok = j.at("ok").get<bool>();
  c.error_class = j.at("error_class").get<std::string>();
  c.result = j.at("result").get<std::string>();
  c.record = j.at("record");
  c.wall_ms = j.at("wall_ms").get<double>();
  return c;
}

StepRecord step_from_json(const nlohmann::json& j) {
  StepRecord s;
  s.prefill = j.at("prefill").get<std::string>();
  s.model_text = j.at("model_text").get<std::string>();
  s.reply_kind = j.at("reply_kind").get<std::string>();
  s.generation_stop = j.at("generation_stop").get<std::string>();
  s.content = j.at("content").get<std::string>();
  s.parse_errors = j.at("parse_errors").get<std::vector<std::string>>();
  s.repairs = j.at("repairs").get<std::vector<std::string>>();
  s.prompt_tokens = j.at("prompt_tokens").get<int64_t>();
  s.prefix_reused_tokens = j.at("prefix_reused_tokens").get<int64_t>();
  s.generated_tokens = j.at("generated_tokens").get<int64_t>();
  s.queue_ms = j.at("queue_ms").get<double>();
  s.prompt_eval_ms = j.at("prompt_eval_ms").get<double>();
  s.decode_ms = j.at("decode_ms").get<double>();
  for (const auto& c : j.at("tool_calls")) s.tool_calls.push_back(tool_call_from_json(c));
  return s;
}

}  // namespace

nlohmann::json probe_openers_to_json(const std::vector<ProbeOpenerRecord>& openers) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& o : openers) out.push_back({{"opener", o.opener}, {"tokens", o.tokens}, {"p", o.p}});
  return out;
}

std::vector<ProbeOpenerRecord> probe_openers_from_json(const nlohmann::json& j) {
  std::vector<ProbeOpenerRecord> out;
  for (const auto& o : j)
    out.push_back({o.at("opener").get<std::string>(), o.at("tokens").get<std::vector<int32_t>>(), o.at("p").get<double>()});
  return out;
}

namespace {

std::optional<double> optional_from_json(const nlohmann::json& j) {
  if (j.is_null()) return std::nullopt;
  return j.get<double>();
}

}  // namespace

nlohmann::ordered_json episode_to_json(const EpisodeRecord& r) {
  nlohmann::ordered_json steps = nlohmann::ordered_json::array();
  for (size_t i = 0; i < r.steps.size(); ++i) steps.push_back(step_to_json(i, r.steps[i]));
  return {{"key", episode_key_to_json(r.key)},
          {"variant", r.variant},
          {"category", r.category},
          {"difficulty", r.difficulty},
          {"optimal_tool", r.optimal_tool},
          {"stop_reason", r.stop_reason},
          {"final_answer", r.final_answer},
          {"first_decision", r.first_decision},
          {"first_tool", r.first_tool},
          {"p_tool", optional_number(r.p_tool)},
          {"p_text", optional_number(r.p_text)},
          {"probe_openers", probe_openers_to_json(r.probe_openers)},
          {"prompt_tokens", r.prompt_tokens},
          {"generated_tokens", r.generated_tokens},
          {"prompt_eval_ms", r.prompt_eval_ms},
          {"decode_ms", r.decode_ms},
          {"tool_ms", r.tool_ms},
          {"queue_ms", r.queue_ms},
          {"wall_ms", r.wall_ms},
          {"started_at", r.started_at},
          {"finished_at", r.finished_at},
          {"error", r.error},
          {"extra", r.extra},
          {"steps", steps}};
}

nlohmann::ordered_json stored_episode_to_json(const std::string& run_name, const StoredEpisode& e) {
  nlohmann::ordered_json j{{"run", run_name},
                           {"episode_key", e.key_id},
                           {"session_id", e.session_id},
                           {"stored_at", e.stored_at}};
  nlohmann::ordered_json fields = episode_to_json(e.record);
  for (auto& [name, value] : fields.items()) j[name] = value;
  return j;
}

EpisodeRecord episode_from_json(const nlohmann::json& j) {
  try {
    EpisodeRecord r;
    r.key = episode_key_from_json(j.at("key"));
    r.variant = j.at("variant").get<std::string>();
    r.category = j.at("category").get<std::string>();
    r.difficulty = j.at("difficulty").get<std::string>();
    r.optimal_tool = j.at("optimal_tool").get<std::string>();
    r.stop_reason = j.at("stop_reason").get<std::string>();
    r.final_answer = j.at("final_answer").get<std::string>();
    r.first_decision = j.at("first_decision").get<std::string>();
    r.first_tool = j.at("first_tool").get<std::string>();
    r.p_tool = optional_from_json(j.at("p_tool"));
    r.p_text = optional_from_json(j.at("p_text"));
    if (j.contains("probe_openers")) r.probe_openers = probe_openers_from_json(j.at("probe_openers"));
    r.prompt_tokens = j.at("prompt_tokens").get<int64_t>();
    r.generated_tokens = j.at("generated_tokens").get<int64_t>();
    r.prompt_eval_ms = j.at("prompt_eval_ms").get<double>();
    r.decode_ms = j.at("decode_ms").get<double>();
    r.tool_ms = j.at("tool_ms").get<double>();
    r.queue_ms = j.at("queue_ms").get<double>();
    r.wall_ms = j.at("wall_ms").get<double>();
    r.started_at = j.at("started_at").get<std::string>();
    r.finished_at = j.at("finished_at").get<std::string>();
    r.error = j.at("error").get<std::string>();
    r.extra = j.at("extra");
    for (const auto& s : j.at("steps")) r.steps.push_back(step_from_json(s));
    return r;
  } catch (const nlohmann::json::exception& e) {
    throw InputError(std::string("episode JSON: ") + e.what());
  }
}

std::string json_line(const nlohmann::ordered_json& j) {
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace agentcoder::store
