#include "training/inspect_log.h"

#include <cstdio>
#include <ctime>
#include <map>
#include <optional>
#include <string>

#include "agent/episode_runner.h"
#include "training/columns.h"
#include "training/conversation.h"
#include "utils/clock.h"
#include "utils/vocabulary.h"

namespace agentcoder::training {
namespace {

using ojson = nlohmann::ordered_json;

// Inspect's ModelEvent and ToolEvent need a time each; the store keeps the
// episode's start (ISO 8601 UTC, utils/clock.h) and durations, so events
// are placed at start + the durations before them.

// A clock that walks through one episode's measured durations.
struct EpisodeClock {
  int64_t start_ms = 0;
  double elapsed_ms = 0;
  std::string now() const { return format_utc_ms(start_ms + static_cast<int64_t>(elapsed_ms)); }
  double seconds() const { return elapsed_ms / 1000; }
};

std::string model_name(const std::string& variant) { return "agentcoder/" + variant; }

// Inspect's ChatCompletionChoice.stop_reason for our GenerationStop.
std::string stop_reason(const store::StepRecord& step, bool calls) {
  if (step.generation_stop == "max_tokens") return "max_tokens";
  if (step.generation_stop == "context_full") return "model_length";
  if (step.generation_stop == "error") return "unknown";
  return calls ? "tool_calls" : "stop";
}

// Inspect's ToolCallError.type for a call that did not succeed; nullopt for
// one that is no failure (ok, or not run by design: a task's own functions).
std::optional<std::string> tool_error_type(const store::ToolCallRecord& c) {
  if (c.ok || c.error_class == kNotRunByDesign) return std::nullopt;
  if (c.error_class == "timeout") return "timeout";
  if (c.error_class == "memory" || c.error_class == "output_limit") return "limit";
  if (c.error_class == "sandbox_denied") return "permission";
  if (c.error_class == "unknown_tool" || c.error_class == "bad_arguments") return "parsing";
  return "unknown";
}

ojson tool_error(const store::ToolCallRecord& c) {
  std::optional<std::string> type = tool_error_type(c);
  if (!type) return nullptr;
  return {{"type", *type}, {"message", c.error_class.empty() ? "failed" : c.error_class}};
}

// Inspect's ToolCall: arguments must be an object; text that is not one
// (no parser produces it) is kept in parse_error.
ojson tool_call(const store::ToolCallRecord& c) {
  ojson call{{"id", c.call_id}, {"function", c.tool}};
  ojson args = ojson::parse(c.arguments.empty() ? "{}" : c.arguments, nullptr, false);
  if (args.is_discarded() || !args.is_object()) {
    call["arguments"] = ojson::object();
    call["parse_error"] = "arguments are not a JSON object: " + c.arguments;
  } else {
    call["arguments"] = std::move(args);
  }
  call["type"] = "function";
  return call;
}

// Our declarations ({"type": "function", "function": {...}}) as Inspect's ToolInfo.
ojson tool_infos(const nlohmann::json& declarations) {
  ojson infos = ojson::array();
  for (const auto& d : declarations) {
    const auto& f = d.contains("function") ? d["function"] : d;
    infos.push_back({{"name", f.value("name", "")},
                     {"description", f.value("description", "")},
                     {"parameters", ojson::parse(f.value("parameters", nlohmann::json::object()).dump())}});
  }
  return infos;
}

struct Reply {
  ojson message;          // the assistant message
  ojson answers;          // what the harness sent after it: tool or user messages
  bool calls = false;     // tool_calls other than the malformed marker
};

Reply reply_of(const store::StepRecord& step, bool force_text, const std::string& model) {
  Reply r;
  r.answers = ojson::array();
  if (step.reply_kind == "text") {
    r.message = {{"role", "assistant"}, {"content", step.content}, {"model", model}};
  } else if (force_text) {
    r.message = {{"role", "assistant"}, {"content", step.prefill + step.model_text}, {"model", model}};
  } else if (step.reply_kind == "malformed") {
    const std::string error = step.parse_errors.empty() ? "" : step.parse_errors.front();
    r.message = {{"role", "assistant"},
                 {"content", step.prefill + step.model_text},
                 {"tool_calls", ojson::array({{{"id", "unparsed"},
                                               {"function", "unparsed"},
                                               {"arguments", ojson::object()},
                                               {"parse_error", error.empty() ? "the call did not parse" : error},
                                               {"type", "function"}}})},
                 {"model", model}};
    r.answers.push_back({{"role", "user"}, {"content", agent::malformed_call_message(error)}});
  } else {
    ojson calls = ojson::array();
    for (const store::ToolCallRecord& c : step.tool_calls) {
      calls.push_back(tool_call(c));
      ojson answer{{"role", "tool"}, {"content", c.result}, {"tool_call_id", c.call_id}, {"function", c.tool}};
      ojson error = tool_error(c);
      if (!error.is_null()) answer["error"] = std::move(error);
      r.answers.push_back(std::move(answer));
    }
    r.message = {{"role", "assistant"}, {"content", step.content}, {"tool_calls", std::move(calls)}, {"model", model}};
    r.calls = true;
  }
  return r;
}

ojson usage(int64_t input, int64_t output) {
  return {{"input_tokens", input}, {"output_tokens", output}, {"total_tokens", input + output}};
}

ojson score_of(const store::ScoreRecord& s) {
  ojson scores = ojson::object();
  std::string explanation = s.detail.is_object() && s.detail.contains("reason") && s.detail["reason"].is_string()
                                ? s.detail["reason"].get<std::string>()
                                : "check: " + s.check;
  ojson meta{{"check", s.check}, {"scorer_version", s.scorer_version}, {"detail", ojson::parse(s.detail.dump())}};
  if (s.correct)
    scores["correct"] = {{"value", *s.correct ? "C" : "I"}, {"answer", s.extracted_answer}, {"explanation", explanation},
                         {"metadata", meta}};
  scores["score"] = {{"value", s.score}, {"answer", s.extracted_answer}, {"metadata", meta}};
  return scores;
}

std::string target_of(const std::string& task_json) {
  ojson t = ojson::parse(task_json, nullptr, false);
  if (t.is_discarded() || !t.is_object()) return "";
  if (t.contains("ground_truth_output") && t["ground_truth_output"].is_string() &&
      !t["ground_truth_output"].get<std::string>().empty())
    return t["ground_truth_output"].get<std::string>();
  if (t.contains("answer") && t["answer"].is_number()) return t["answer"].dump();
  return "";
}

ojson probe_of(const TrainingEpisode& t) {
  const auto& r = t.stored.record;
  if (!r.p_tool) return nullptr;
  ojson openers = ojson::array();
  for (const store::ProbeOpenerRecord& o : r.probe_openers) openers.push_back({{"opener", o.opener}, {"p", o.p}});
  return {{"p_tool", *r.p_tool}, {"openers", std::move(openers)}};
}

ojson sample_metadata(const TrainingSet& set, const TrainingEpisode& t) {
  const evaluation::ScoredEpisode& e = t.scored;
  ojson m = plain_columns(t);
  m["probe"] = probe_of(t);
  m.update(set.necessity_columns(e));
  m["knobs"] = t.knobs;
  m["fabrication_claim"] = e.fabrication_claim;
  m["fabrication_false"] = e.fabrication_false ? ojson(*e.fabrication_false) : ojson();
  m["final_answer"] = t.stored.record.final_answer;
  return m;
}

ojson sample_of(const TrainingSet& set, const TrainingEpisode& t, int epoch, const std::string& target,
                const store::ScoreRecord* score) {
  const evaluation::ScoredEpisode& e = t.scored;
  const store::EpisodeRecord& r = t.stored.record;
  const std::string model = model_name(e.variant);
  const bool force_text = e.mode == Mode::force_text;
  const std::string prompt = set.task_prompts.at(e.task_id);
  const std::string choice = e.mode == Mode::free ? "auto" : e.mode == Mode::force_tool ? "any" : "none";
  const ojson tools = tool_infos(set.tools_offered(e.mode));

  EpisodeClock clock;
  clock.start_ms = parse_utc_ms(r.started_at).value_or(parse_utc_ms(set.run.created_at).value_or(0));
  ojson messages = prompt_messages(set.context.system_prompts.at(e.prompt_format), prompt);
  ojson events = ojson::array();
  ojson output = {{"model", model}, {"choices", ojson::array()}};
  for (size_t i = 0; i < r.steps.size(); ++i) {
    const store::StepRecord& step = r.steps[i];
    Reply reply = reply_of(step, force_text, model);
    ojson out{{"model", model},
              {"choices", ojson::array({{{"message", reply.message}, {"stop_reason", stop_reason(step, reply.calls)}}})},
              {"completion", reply.message["content"]},
              {"usage", usage(step.prompt_tokens, step.generated_tokens)},
              {"time", (step.prompt_eval_ms + step.decode_ms) / 1000}};
    ojson event{{"timestamp", clock.now()}, {"working_start", clock.seconds()}, {"event", "model"}, {"model", model},
                {"input", messages}, {"tools", tools}, {"tool_choice", choice}, {"config", ojson::object()},
                {"output", out}};
    if (step.generation_stop == "error") event["error"] = "generation failed";
    clock.elapsed_ms += step.queue_ms + step.prompt_eval_ms + step.decode_ms;
    event["completed"] = clock.now();
    event["working_time"] = (step.prompt_eval_ms + step.decode_ms) / 1000;
    event["metadata"] = {{"step", i},
                         {"reply_kind", step.reply_kind},
                         {"prefill", step.prefill},
                         {"raw_reply", step.model_text},
                         {"generation_stop", step.generation_stop},
                         {"parse_errors", step.parse_errors},
                         {"repairs", step.repairs},
                         {"prefix_reused_tokens", step.prefix_reused_tokens},
                         {"queue_ms", step.queue_ms},
                         {"prompt_eval_ms", step.prompt_eval_ms},
                         {"decode_ms", step.decode_ms}};
    events.push_back(std::move(event));
    output = std::move(out);
    messages.push_back(reply.message);
    if (step.generation_stop == "error") break;
    if (reply.calls) {
      for (const store::ToolCallRecord& c : step.tool_calls) {
        ojson call = tool_call(c);
        ojson te{{"timestamp", clock.now()}, {"working_start", clock.seconds()}, {"event", "tool"}, {"type", "function"},
                 {"id", c.call_id}, {"function", c.tool}, {"arguments", call["arguments"]}, {"result", c.result}};
        ojson error = tool_error(c);
        if (!error.is_null()) te["error"] = std::move(error);
        clock.elapsed_ms += c.wall_ms;
        te["completed"] = clock.now();
        te["working_time"] = c.wall_ms / 1000;
        te["metadata"] = {{"executed", c.executed},
                          {"ok", c.ok},
                          {"error_class", c.error_class},
                          {"wall_ms", c.wall_ms},
                          {"record", ojson::parse(c.record.dump())}};
        events.push_back(std::move(te));
      }
    }
    // What the harness answered is shown only when another reply follows
    // (conversation.h): the model never saw the last answer.
    if (i + 1 < r.steps.size())
      for (auto& a : reply.answers) messages.push_back(std::move(a));
  }

  ojson sample{{"id", e.task_id + "/" + e.variant + "/" + e.prompt_format + "/" + to_string(e.mode)},
               {"epoch", epoch},
               {"input", prompt},
               {"target", target},
               {"messages", std::move(messages)},
               {"output", std::move(output)}};
  if (score) sample["scores"] = score_of(*score);
  sample["metadata"] = sample_metadata(set, t);
  sample["events"] = std::move(events);
  sample["model_usage"] = {{model, usage(r.prompt_tokens, r.generated_tokens)}};
  if (!r.started_at.empty()) sample["started_at"] = r.started_at;
  if (!r.finished_at.empty()) sample["completed_at"] = r.finished_at;
  sample["total_time"] = r.wall_ms / 1000;
  sample["working_time"] = (r.prompt_eval_ms + r.decode_ms + r.tool_ms) / 1000;
  if (r.stop_reason == "error")
    sample["error"] = {{"message", r.error.empty() ? "the episode ended in an error" : r.error},
                       {"traceback", ""},
                       {"traceback_ansi", ""}};
  return sample;
}

std::string manifest_text(const nlohmann::json& manifest, const char* pointer) {
  const nlohmann::json::json_pointer p(pointer);
  if (!manifest.is_object() || !manifest.contains(p) || !manifest[p].is_string()) return "";
  return manifest[p].get<std::string>();
}

}  // namespace

ojson inspect_log(const TrainingSet& set, const std::vector<store::StoredTask>& tasks,
                  const std::vector<store::ScoreRecord>& scores) {
  std::map<std::string, std::string> targets;
  for (const store::StoredTask& t : tasks) targets[t.task_id] = target_of(t.task_json);
  std::map<std::string, const store::ScoreRecord*> score_by_key;
  for (const store::ScoreRecord& s : scores) score_by_key[s.key_id] = &s;

  ojson samples = ojson::array();
  std::map<std::string, std::pair<int64_t, int64_t>> model_usage;
  std::string first_start, last_finish, condition;
  int epoch = 0;
  double correct = 0, judged = 0, score_sum = 0, scored = 0;
  for (const TrainingEpisode& t : set.episodes) {
    const evaluation::ScoredEpisode& e = t.scored;
    const std::string c = e.task_id + "/" + e.variant + "/" + e.prompt_format + "/" + to_string(e.mode);
    epoch = c == condition ? epoch + 1 : 1;
    condition = c;
    auto s = score_by_key.find(e.key_id);
    const store::ScoreRecord* score = s == score_by_key.end() ? nullptr : s->second;
    samples.push_back(sample_of(set, t, epoch, targets[e.task_id], score));
    if (score) {
      ++scored;
      score_sum += score->score;
      if (score->correct) {
        ++judged;
        correct += *score->correct;
      }
    }
    const store::EpisodeRecord& r = t.stored.record;
    auto& u = model_usage[model_name(e.variant)];
    u.first += r.prompt_tokens;
    u.second += r.generated_tokens;
    if (!r.started_at.empty() && (first_start.empty() || r.started_at < first_start)) first_start = r.started_at;
    if (r.finished_at > last_finish) last_finish = r.finished_at;
  }

  const nlohmann::json& manifest = set.run.record.manifest;
  std::string models;
  ojson usage_json = ojson::object();
  for (const auto& [name, u] : model_usage) {
    models += (models.empty() ? "" : "+") + name;
    usage_json[name] = usage(u.first, u.second);
  }
  ojson spec{{"eval_id", set.run.config_sha256.substr(0, 22)},
             {"run_id", set.run.config_sha256.substr(0, 22)},
             {"created", set.run.created_at},
             {"task", set.run.record.name},
             {"dataset", {{"name", set.run.record.name}, {"samples", samples.size()}}},
             {"model", models.empty() ? std::string("agentcoder") : models},
             {"config", ojson::object()}};
  const std::string commit = manifest_text(manifest, "/agentcoder/build_git_commit");
  if (!commit.empty()) {
    spec["revision"] = {{"type", "git"}, {"origin", ""}, {"commit", commit}};
    if (manifest.contains(nlohmann::json::json_pointer("/agentcoder/build_tree_modified")))
      spec["revision"]["dirty"] = manifest["agentcoder"]["build_tree_modified"].is_boolean()
                                      ? ojson(manifest["agentcoder"]["build_tree_modified"].get<bool>())
                                      : ojson();
    spec["packages"] = {{"agentcoder", commit}};
  }

  ojson results{{"total_samples", samples.size()}, {"completed_samples", samples.size()}, {"scores", ojson::array()}};
  if (judged > 0)
    results["scores"].push_back({{"name", "correct"},
                                 {"scorer", "correct"},
                                 {"scored_samples", static_cast<int64_t>(judged)},
                                 {"unscored_samples", static_cast<int64_t>(samples.size() - judged)},
                                 {"metrics", {{"accuracy", {{"name", "accuracy"}, {"value", correct / judged}}}}}});
  if (scored > 0)
    results["scores"].push_back({{"name", "score"},
                                 {"scorer", "score"},
                                 {"scored_samples", static_cast<int64_t>(scored)},
                                 {"unscored_samples", static_cast<int64_t>(samples.size() - scored)},
                                 {"metrics", {{"mean", {{"name", "mean"}, {"value", score_sum / scored}}}}}});

  ojson log{{"version", 2}, {"status", "success"}, {"eval", std::move(spec)}, {"plan", {{"name", "agentcoder"}}}};
  log["results"] = std::move(results);
  log["stats"] = {{"started_at", first_start.empty() ? set.run.created_at : first_start},
                  {"completed_at", last_finish.empty() ? set.run.created_at : last_finish},
                  {"model_usage", std::move(usage_json)}};
  // Inspect reads the log's metadata from eval.metadata (plus later edits)
  // and writes it in both places.
  log["eval"]["metadata"] = {{"run", set.run.record.name},
                             {"config_sha256", set.run.config_sha256},
                             {"config", set.run.record.config_text},
                             {"manifest", ojson::parse(manifest.dump())},
                             {"episodes", set.episodes.size()},
                             {"first_turns_unverified", set.unverified_first_turns}};
  log["metadata"] = log["eval"]["metadata"];
  log["samples"] = std::move(samples);
  return log;
}

}  // namespace agentcoder::training
