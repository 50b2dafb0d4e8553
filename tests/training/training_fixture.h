// The hand-made run of the training tests: three tasks in the three modes,
// each episode's steps and score written out (training_export_test.cpp
// lists them with the rows they give).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "store/results_store.h"
#include "training/training_set.h"
#include "utils/sha256.h"

namespace training_test {

using namespace agentcoder;
using namespace agentcoder::training;
using ojson = nlohmann::ordered_json;

inline const nlohmann::json kTools = nlohmann::json::parse(
    R"([{"type":"function","function":{"name":"python","description":"Run Python code","parameters":{"type":"object","properties":{"code":{"type":"string"}},"required":["code"]}}}])");

inline store::StepRecord text_step(const std::string& text) {
  store::StepRecord s;
  s.model_text = s.content = text;
  s.reply_kind = "text";
  s.generation_stop = "end_of_generation";
  return s;
}

inline store::StepRecord call_step(const std::string& code, const std::string& result, bool ok, const std::string& prefill = "") {
  store::StepRecord s;
  s.prefill = prefill;
  s.model_text = "python\", \"arguments\": {\"code\": \"" + code + "\"}}</tool_call>";
  s.reply_kind = "tool_call";
  s.generation_stop = "end_of_generation";
  s.tool_calls.push_back({"c0", "python", nlohmann::json{{"code", code}}.dump(), true, ok, ok ? "" : "runtime_error",
                          result, nullptr, 3});
  return s;
}

// A stand-in for agent::first_turn(): what the fixture's keys hash.
inline std::string fixture_first_turn(const std::string& mode, const std::string& task_prompt) {
  return "Answer the question.|" + task_prompt + (mode == "force_text" ? "" : "|tools");
}

struct Spec {
  std::string task, category, optimal, mode;
  std::vector<store::StepRecord> steps;
  bool correct;
  uint64_t seed = 7;  // a repeated sample has another
};

inline store::EpisodeRecord record(const Spec& s) {
  store::EpisodeRecord r;
  r.key.task_id = s.task;
  r.key.task_sha256 = sha256_hex("task " + s.task);
  r.key.model_sha256 = sha256_hex("model");
  r.key.prompt_format = "direct";
  r.key.mode = s.mode;
  r.key.seed = s.seed;
  r.key.harness_version = 1;
  r.key.prompt_sha256 = sha256_hex(fixture_first_turn(s.mode, "Question " + s.task + "?"));
  if (s.mode != "force_text") {
    r.key.tools = {"python"};
    r.key.tool_schema_sha256 = sha256_hex(kTools.dump());
  }
  r.variant = "base";
  r.category = s.category;
  r.difficulty = "easy";
  r.optimal_tool = s.optimal;
  r.stop_reason = "final_answer";
  r.first_decision = s.steps.front().reply_kind;
  if (!s.steps.front().tool_calls.empty()) r.first_tool = s.steps.front().tool_calls.front().tool;
  r.prompt_tokens = 100;
  r.generated_tokens = 20;
  r.steps = s.steps;
  return r;
}

inline std::vector<Spec> specs() {
  const std::string pf = "<tool_call>{\"name\": \"";
  store::StepRecord malformed;
  malformed.model_text = "<tool_call>{\"name\": \"python\", \"arguments\": {\"code\": print(6*7)}}</tool_call>";
  malformed.reply_kind = "malformed";
  malformed.generation_stop = "end_of_generation";
  malformed.parse_errors = {"arguments are not JSON"};
  store::StepRecord stray = call_step("print('yes')", "tools are not offered", false);
  stray.reply_kind = "tool_call";
  stray.tool_calls[0].executed = false;
  stray.tool_calls[0].error_class = "tools_not_offered";
  return {
      {"t1", "execution_required", "python", "free", {call_step("print(6*7)", "42\n", true), text_step("42")}, true},
      {"t1", "execution_required", "python", "force_tool", {call_step("print(6*7)", "42\n", true, pf), text_step("42")}, true},
      {"t1", "execution_required", "python", "force_text", {text_step("about 40")}, false},
      {"t2", "execution_required", "python", "free", {malformed, text_step("41")}, false},
      {"t2", "execution_required", "python", "force_tool", {call_step("1/0", "ZeroDivisionError", false, pf), text_step("41")}, false},
      {"t2", "execution_required", "python", "force_text", {text_step("42")}, true},
      {"t3", "pure_reasoning", "none", "free", {text_step("yes")}, true},
      {"t3", "pure_reasoning", "none", "force_tool", {call_step("print('yes')", "yes\n", true, pf), text_step("yes")}, true},
      {"t3", "pure_reasoning", "none", "force_text", {stray}, false},
  };
}

inline PromptContext context() {
  PromptContext c;
  c.system_prompts["direct"] = "Answer the question.";
  c.tools = kTools;
  c.first_turn = [](const std::string&, const std::string&, Mode mode, const std::string& task_prompt) {
    return fixture_first_turn(to_string(mode), task_prompt);
  };
  return c;
}

// A results file holding the fixture, the episodes stored in `order`.
// `extra` episodes are stored after the fixture's.
inline TrainingSet make_set(const std::string& path, const std::vector<size_t>& order, PromptContext ctx = context(),
                            const std::vector<Spec>& extra = {}, const ojson& t1_fields = ojson::object()) {
  store::ResultsStore results(path);
  store::RunSession run = results.begin_run({"fixture", "seed = 7\n", nullptr, {{"models", {{{"sha256", "abc"}}}}}});
  std::vector<Spec> all = specs();
  std::vector<size_t> indices = order;
  for (const Spec& e : extra) {
    indices.push_back(all.size());
    all.push_back(e);
  }
  std::vector<store::ScoreRecord> scores;
  for (size_t i : indices) {
    store::EpisodeRecord r = record(all[i]);
    results.put_episode(run, r);
    store::ScoreRecord s;
    s.key_id = r.key.id();
    s.check = "numeric";
    s.correct = all[i].correct;
    s.score = all[i].correct ? 1 : 0;
    scores.push_back(s);
  }
  results.put_scores(run.run_id, scores);
  std::vector<store::StoredTask> tasks;
  for (const char* t : {"t1", "t2", "t3"}) {
    ojson task{{"id", t}, {"prompt", std::string("Question ") + t + "?"}, {"knobs", {{"digits", 2}}}};
    if (std::string(t) == "t1") task.update(t1_fields);
    tasks.push_back({t, sha256_hex(std::string("task ") + t), task.dump()});
  }
  results.put_tasks(run.run_id, tasks);
  return load_training_set(results, results.find_run("fixture").value(), std::move(ctx));
}

}  // namespace training_test
