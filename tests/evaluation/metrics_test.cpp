// compute_metrics against values worked out by hand on a small fixture.
//
// The fixture: variant "base", prompt format "direct", seven tasks under the
// three modes (21 episodes), plus one free episode of variant "q4" (an arm
// with no counterfactual, for the nulls). Every expected value below is
// derived in its comment from the table in fixture(); none was copied from
// the implementation's output.
#include "evaluation/metrics.h"

#include <cmath>

#include <gtest/gtest.h>

using namespace agentcoder;
using namespace agentcoder::evaluation;
using ojson = nlohmann::ordered_json;

namespace {

constexpr int64_t kMiB = 1024 * 1024;

struct TaskSpec {
  const char* id;
  const char* category;
  const char* difficulty;
  const char* optimal;
  std::vector<std::string> alternatives;
  bool decision_check;  // correctness is nullopt
};

// T1 execution_required/easy          python
// T2 execution_required/hard          python (math also acceptable)
// T3 pure_reasoning/easy              none
// T4 pure_reasoning/hard              none
// T5 multi_step/intermediate          math
// T6 ambiguous/easy                   docs    (decision check: no correctness)
// T7 execution_required/intermediate  python
const std::vector<TaskSpec> kTasks = {
    {"T1", "execution_required", "easy", "python", {}, false},
    {"T2", "execution_required", "hard", "python", {"math"}, false},
    {"T3", "pure_reasoning", "easy", "none", {}, false},
    {"T4", "pure_reasoning", "hard", "none", {}, false},
    {"T5", "multi_step", "intermediate", "math", {}, false},
    {"T6", "ambiguous", "easy", "docs", {}, true},
    {"T7", "execution_required", "intermediate", "python", {}, false},
};

CallView call(const std::string& tool, bool ok, const std::string& failure = "", bool executed = true,
              bool offered = true) {
  CallView c;
  c.tool = tool;
  c.offered = offered;
  c.executed = executed;
  c.ok = ok;
  if (!failure.empty()) c.failure = parse_failure_class(failure).value();
  c.error_class = ok ? "" : failure + "_error";
  return c;
}

ScoredEpisode episode(const TaskSpec& t, const std::string& mode, const std::string& first_decision,
                      const std::string& first_tool, std::optional<bool> correct) {
  ScoredEpisode e;
  e.key_id = std::string(t.id) + "-" + mode;
  e.task_id = t.id;
  e.variant = "base";
  e.prompt_format = "direct";
  e.mode = parse_mode(mode).value();
  e.category = t.category;
  e.difficulty = t.difficulty;
  e.check = t.decision_check ? "decision" : "exact";
  e.optimal_tool = t.optimal;
  e.alternative_tools = t.alternatives;
  e.offered_tools = {"python", "math", "docs"};
  e.stop_reason = StopReason::final_answer;
  e.first_decision = parse_reply_kind(first_decision).value();
  e.first_tool = first_tool;
  e.scored = true;
  e.correct = t.decision_check ? std::nullopt : correct;
  e.score = correct.value_or(false) ? 1 : 0;
  return e;
}

std::vector<ScoredEpisode> fixture() {
  std::vector<ScoredEpisode> out;
  // ---- free ----
  // F1 T1: calls python (ok), correct. p_tool 0.9.
  ScoredEpisode f1 = episode(kTasks[0], "free", "tool_call", "python", true);
  f1.calls = {call("python", true)};
  f1.p_tool = 0.9;
  f1.prompt_tokens = 100, f1.generated_tokens = 20, f1.kv_bytes = 1 * kMiB, f1.decode_ms = 70;
  // F2 T2: calls math (an alternative): runtime, runtime, ok; wrong answer.
  ScoredEpisode f2 = episode(kTasks[1], "free", "tool_call", "math", false);
  f2.calls = {call("math", false, "runtime"), call("math", false, "runtime"), call("math", true)};
  f2.p_tool = 0.8;
  f2.prompt_tokens = 300, f2.generated_tokens = 60, f2.kv_bytes = 3 * kMiB, f2.tool_ms = 14;
  // F3 T3 (label none): calls python anyway (ok), wrong answer.
  ScoredEpisode f3 = episode(kTasks[2], "free", "tool_call", "python", false);
  f3.calls = {call("python", true)};
  f3.p_tool = 0.4;
  f3.prompt_tokens = 200, f3.generated_tokens = 30;
  // F4 T4 (label none): answers in text, wrong, claims a computed result
  // that the scorer found false.
  ScoredEpisode f4 = episode(kTasks[3], "free", "text", "", false);
  f4.fabrication_claim = true;
  f4.fabrication_false = true;
  f4.p_tool = 0.2;
  f4.prompt_tokens = 100, f4.generated_tokens = 40;
  // F5 T5 (math): a malformed first reply, then python with a syntax error,
  // then a call to "web" (not offered, not run); wrong.
  ScoredEpisode f5 = episode(kTasks[4], "free", "malformed", "", false);
  f5.calls = {call("python", false, "syntax"), call("web", false, "bad_call", /*executed=*/false, /*offered=*/false)};
  f5.p_tool = 0.55;
  f5.prompt_tokens = 400, f5.generated_tokens = 50;
  // F6 T6 (docs, decision check): text; scored but without correctness.
  ScoredEpisode f6 = episode(kTasks[5], "free", "text", "", std::nullopt);
  f6.p_tool = 0.3;
  f6.prompt_tokens = 100, f6.generated_tokens = 10;
  // F7 T7 (python): text; not scored yet.
  ScoredEpisode f7 = episode(kTasks[6], "free", "text", "", std::nullopt);
  f7.scored = false;
  f7.p_tool = 0.4;
  f7.prompt_tokens = 200, f7.generated_tokens = 35;
  for (ScoredEpisode* e : {&f1, &f2, &f3, &f4, &f5, &f6, &f7}) {
    e->prompt_eval_ms = 10;
    e->wall_ms = 100;
    out.push_back(*e);
  }
  // ---- force_tool: python (ok) first; correct on T1, T5, T7 ----
  // ---- force_text: text; correct on T2, T3, T5 ----
  const bool tool_correct[] = {true, false, false, false, true, false, true};
  const bool text_correct[] = {false, true, true, false, true, false, false};
  for (size_t i = 0; i < kTasks.size(); ++i) {
    ScoredEpisode e = episode(kTasks[i], "force_tool", "tool_call", "python", tool_correct[i]);
    e.calls = {call("python", true)};
    out.push_back(e);
  }
  for (size_t i = 0; i < kTasks.size(); ++i)
    out.push_back(episode(kTasks[i], "force_text", "text", "", text_correct[i]));
  // ---- a second variant, free only, one correct episode on T1 ----
  ScoredEpisode q = episode(kTasks[0], "free", "tool_call", "python", true);
  q.variant = "q4";
  q.calls = {call("python", true)};
  out.push_back(q);
  return out;
}

ojson metrics(int samples = 200) {
  MetricsOptions options;
  options.run_name = "fixture";
  options.bootstrap_samples = samples;
  options.seed = 3;
  return compute_metrics(fixture(), options);
}

std::vector<std::string> keys(const ojson& j) {
  std::vector<std::string> out;
  for (const auto& [k, v] : j.items()) out.push_back(k);
  return out;
}

// EXPECT_NEAR for a JSON number; fails (rather than throws) on null.
void expect_num(const ojson& j, double expected, const char* what) {
  ASSERT_TRUE(j.is_number()) << what << " is " << j.dump();
  EXPECT_NEAR(j.get<double>(), expected, 1e-12) << what;
}
#define EXPECT_NUM(j, v) expect_num(j, v, #j)
#define EXPECT_NULL(j) EXPECT_TRUE((j).is_null()) << #j << " is " << (j).dump()

const ojson& condition(const ojson& m, const std::string& name) {
  for (const ojson& c : m["conditions"])
    if (c["variant"].get<std::string>() + "/" + c["prompt_format"].get<std::string>() + "/" +
            c["mode"].get<std::string>() ==
        name)
      return c;
  throw std::runtime_error("no condition " + name);
}

}  // namespace

TEST(Metrics, TopLevelAndKeysAsInTheReadme) {
  ojson m = metrics();
  EXPECT_EQ(keys(m),
            (std::vector<std::string>{"run", "episodes", "scored", "conditions", "variants", "regret", "calibration",
                                      "necessity", "boundaries", "sample_flips"}));
  EXPECT_EQ(m["run"], "fixture");
  EXPECT_EQ(m["episodes"], 22);  // 7 + 7 + 7 + 1
  EXPECT_EQ(m["scored"], 21);    // all but F7
  // Sorted by variant, prompt format, then mode in the study's order.
  ASSERT_EQ(m["conditions"].size(), 4u);
  EXPECT_EQ(m["conditions"][0]["mode"], "free");
  EXPECT_EQ(m["conditions"][1]["mode"], "force_tool");
  EXPECT_EQ(m["conditions"][2]["mode"], "force_text");
  EXPECT_EQ(m["conditions"][3]["variant"], "q4");
  const ojson& c = m["conditions"][0];
  EXPECT_EQ(keys(c),
            (std::vector<std::string>{"variant", "prompt_format", "mode", "n", "accuracy", "process", "by_cell", "first_action",
                                      "tool_use_rate", "labelled_tool_rate", "decision", "irrelevance", "tool_selection_accuracy", "per_tool", "confusion",
                                      "over_use_rate", "under_use_rate", "hallucinated_calls", "hallucination_rate",
                                      "by_category", "by_difficulty", "by_source", "efficiency", "errors",
                                      "fabrication", "hallucination_ci", "p_tool", "samples"}));
  EXPECT_EQ(keys(c["by_source"][0]),
            (std::vector<std::string>{"source", "n", "judged", "accuracy", "tool_use_rate", "f1"}));
  EXPECT_EQ(keys(c["accuracy"]), (std::vector<std::string>{"value", "lo", "hi", "n"}));
  EXPECT_EQ(keys(c["process"]), (std::vector<std::string>{"value", "n"}));
  // No task of the fixture has an expected tool sequence.
  EXPECT_NULL(c["process"]["value"]);
  EXPECT_EQ(c["process"]["n"], 0);
  EXPECT_EQ(keys(c["efficiency"]),
            (std::vector<std::string>{"tool_calls_per_episode", "unnecessary_tool_calls", "tool_productivity",
                                      "prompt_tokens_per_task", "generated_tokens_per_task", "kv_mb_per_inference",
                                      "latency_ms", "throughput"}));
  EXPECT_EQ(keys(c["efficiency"]["latency_ms"]),
            (std::vector<std::string>{"prompt_eval", "decode", "tool", "queue", "wall"}));
  EXPECT_EQ(keys(c["efficiency"]["throughput"]),
            (std::vector<std::string>{"generation_tokens_per_s", "prompt_tokens_per_s"}));
  EXPECT_EQ(keys(m["variants"][0]),
            (std::vector<std::string>{"variant", "episodes", "weight_bytes", "peak_rss_bytes", "gpu_bytes",
                                      "kv_bytes_per_inference", "engine_generation_tokens_per_s", "note"}));
  EXPECT_EQ(keys(m["variants"][0]["kv_bytes_per_inference"]), (std::vector<std::string>{"mean", "max", "n"}));
  EXPECT_EQ(keys(c["errors"]),
            (std::vector<std::string>{"failed_executions", "by_class", "wrong_result", "recovery_at_k",
                                      "repeated_error_loops", "give_ups", "multi_step_success"}));
  EXPECT_EQ(keys(c["fabrication"]),
            (std::vector<std::string>{"episodes_without_execution", "claims", "rate", "checked", "false_claims"}));
  EXPECT_EQ(keys(m["regret"][0]),
            (std::vector<std::string>{"variant", "prompt_format", "tasks", "free_accuracy", "best_accuracy", "regret",
                                      "best_choice", "label_agreement", "label_decided_tasks"}));
  EXPECT_EQ(keys(m["calibration"][0]), (std::vector<std::string>{"variant", "prompt_format", "n", "auroc", "bins"}));
}

TEST(Metrics, AccuracyWithBootstrapInterval) {
  ojson m = metrics();
  const ojson& a = condition(m, "base/direct/free")["accuracy"];
  // Correctness on F1..F5 only (F6 has none, F7 is unscored): T F F F F.
  EXPECT_NUM(a["value"], 1.0 / 5);
  EXPECT_EQ(a["n"], 5);
  ASSERT_TRUE(a["lo"].is_number() && a["hi"].is_number());
  EXPECT_GE(a["lo"].get<double>(), 0.0);
  EXPECT_LE(a["lo"].get<double>(), 0.2);
  EXPECT_GE(a["hi"].get<double>(), 0.2);
  EXPECT_LE(a["hi"].get<double>(), 1.0);
  // Five one-episode tasks: a resample's accuracy is a multiple of 1/k for
  // its k scored picks, and the upper bound must leave 0.2 (one of 5 right).
  EXPECT_GT(a["hi"].get<double>(), 0.2);
  // force_tool: T1, T5, T7 of six with a correctness (T6 has none) -> 0.5;
  // force_text: T2, T3, T5 -> 0.5.
  EXPECT_NUM(condition(m, "base/direct/force_tool")["accuracy"]["value"], 0.5);
  EXPECT_EQ(condition(m, "base/direct/force_tool")["accuracy"]["n"], 6);
  EXPECT_NUM(condition(m, "base/direct/force_text")["accuracy"]["value"], 0.5);
  // Deterministic given the seed; no interval without samples.
  EXPECT_EQ(metrics().dump(), m.dump());
  ojson no_ci = metrics(0);
  EXPECT_NUM(condition(no_ci, "base/direct/free")["accuracy"]["value"], 0.2);
  EXPECT_NULL(condition(no_ci, "base/direct/free")["accuracy"]["lo"]);
  EXPECT_NULL(condition(no_ci, "base/direct/free")["accuracy"]["hi"]);
}

// Multi-step tasks: accuracy is the outcome (the answer or final state is
// right); whether the expected tools were called in order is the process,
// its own measure.
TEST(Metrics, ProcessIsReportedApartFromTheOutcome) {
  TaskSpec multi = {"M", "multi_step", "hard", "docs", {"python"}, false};
  std::vector<ScoredEpisode> eps;
  // M1 right, skipped the docs lookup; M2 right, docs then python; M3 wrong
  // although it followed the sequence; M4 right, a task with no sequence.
  const std::pair<bool, std::optional<bool>> cases[] = {
      {true, false}, {true, true}, {false, true}, {true, std::nullopt}};
  int i = 0;
  for (const auto& [correct, followed] : cases) {
    ScoredEpisode e = episode(multi, "free", "tool_call", "python", correct);
    e.task_id = "M" + std::to_string(++i);
    e.process_followed = followed;
    eps.push_back(e);
  }
  MetricsOptions options;
  options.bootstrap_samples = 0;
  ojson c = compute_metrics(eps, options)["conditions"][0];
  // Outcome: M1 M2 M4 right of 4 -> 3/4, whatever the process.
  EXPECT_NUM(c["accuracy"]["value"], 0.75);
  EXPECT_NUM(c["errors"]["multi_step_success"], 0.75);
  // Process: M2 M3 followed of M1..M3 (M4 has no sequence) -> 2/3.
  EXPECT_NUM(c["process"]["value"], 2.0 / 3);
  EXPECT_EQ(c["process"]["n"], 3);
}

TEST(Metrics, ByCellFirstActionAndRates) {
  ojson m = metrics();
  const ojson& c = condition(m, "base/direct/free");
  EXPECT_EQ(c["n"], 7);
  // Cells sorted by (category, difficulty); accuracy over episodes with a
  // correctness, null where none has one (F6 decision, F7 unscored).
  const ojson& cells = c["by_cell"];
  ASSERT_EQ(cells.size(), 7u);
  struct Cell {
    const char* category;
    const char* difficulty;
    std::optional<double> accuracy;
  };
  const Cell expected[] = {
      {"ambiguous", "easy", std::nullopt},              // F6
      {"execution_required", "easy", 1.0},              // F1
      {"execution_required", "hard", 0.0},              // F2
      {"execution_required", "intermediate", std::nullopt},  // F7
      {"multi_step", "intermediate", 0.0},              // F5
      {"pure_reasoning", "easy", 0.0},                  // F3
      {"pure_reasoning", "hard", 0.0},                  // F4
  };
  for (size_t i = 0; i < 7; ++i) {
    EXPECT_EQ(cells[i]["category"], expected[i].category);
    EXPECT_EQ(cells[i]["difficulty"], expected[i].difficulty);
    EXPECT_EQ(cells[i]["n"], 1);
    if (expected[i].accuracy)
      EXPECT_NUM(cells[i]["accuracy"], *expected[i].accuracy);
    else
      EXPECT_NULL(cells[i]["accuracy"]);
  }
  // First actions: calls F1 F2 F3; text F4 F6 F7; malformed F5.
  EXPECT_EQ(c["first_action"], (ojson{{"tool_call", 3}, {"text", 3}, {"malformed", 1}}));
  EXPECT_NUM(c["tool_use_rate"], 3.0 / 7);
  // Labelled with a tool: T1 T2 T5 T6 T7.
  EXPECT_NUM(c["labelled_tool_rate"], 5.0 / 7);
}

TEST(Metrics, DecisionBothWaysOfCountingMalformedAttempts) {
  ojson m = metrics();
  const ojson& d = condition(m, "base/direct/free")["decision"];
  // Malformed as a call: F1 TP, F2 TP, F3 FP (label none), F4 TN, F5 TP,
  // F6 FN, F7 FN -> TP 3, FP 1, FN 2, TN 1.
  // precision 3/4; recall 3/5; F1 2*3/(6+1+2) = 6/9; accuracy (3+1)/7.
  EXPECT_NUM(d["malformed_as_call"]["precision"], 0.75);
  EXPECT_NUM(d["malformed_as_call"]["recall"], 0.6);
  EXPECT_NUM(d["malformed_as_call"]["f1"], 6.0 / 9);
  EXPECT_NUM(d["malformed_as_call"]["accuracy"], 4.0 / 7);
  // As an abstention F5 becomes FN: TP 2, FP 1, FN 3, TN 1.
  // precision 2/3; recall 2/5; F1 4/(4+1+3) = 0.5; accuracy 3/7.
  EXPECT_NUM(d["malformed_as_abstention"]["precision"], 2.0 / 3);
  EXPECT_NUM(d["malformed_as_abstention"]["recall"], 0.4);
  EXPECT_NUM(d["malformed_as_abstention"]["f1"], 0.5);
  EXPECT_NUM(d["malformed_as_abstention"]["accuracy"], 3.0 / 7);
}

TEST(Metrics, ToolSelectionAccuracyCountsTheLabelsChoices) {
  ojson m = metrics();
  // free: F1 python call (T1 python: yes), F2 math call (T2 lists math as
  // an alternative: yes), F3 python call (T3 none: no), F4 text (T4 none:
  // yes), F5 malformed (no choice: no), F6 text (T6 docs: no), F7 text (T7
  // python: no) -> 3/7.
  EXPECT_NUM(condition(m, "base/direct/free")["tool_selection_accuracy"], 3.0 / 7);
  // force_tool calls python everywhere: right on T1 T2 T7 -> 3/7.
  EXPECT_NUM(condition(m, "base/direct/force_tool")["tool_selection_accuracy"], 3.0 / 7);
  // force_text answers in text everywhere: right on T3 T4 (label none) -> 2/7.
  EXPECT_NUM(condition(m, "base/direct/force_text")["tool_selection_accuracy"], 2.0 / 7);
  // q4: python on T1 -> 1/1.
  EXPECT_NUM(condition(m, "q4/direct/free")["tool_selection_accuracy"], 1.0);
  // Unlabelled episodes are left out: none at all -> null.
  std::vector<ScoredEpisode> unlabelled = {fixture()[0]};
  unlabelled[0].optimal_tool = "";
  MetricsOptions options;
  options.bootstrap_samples = 0;
  EXPECT_NULL(compute_metrics(unlabelled, options)["conditions"][0]["tool_selection_accuracy"]);
}

TEST(Metrics, PerToolAndConfusion) {
  ojson metrics_json = metrics();
  const ojson& c = condition(metrics_json, "base/direct/free");
  const ojson& t = c["per_tool"];
  ASSERT_EQ(t.size(), 3u);
  // python: first calls F1 (T1: right), F3 (T3 is none: wrong) -> P 1/2.
  // Labelled python: F1 (python, right), F2 (math, an alternative: right),
  // F7 (text: wrong) -> R 2/3, support 3. F1 = 2*(1/2)(2/3)/(1/2+2/3) = 4/7.
  EXPECT_EQ(t[0]["tool"], "python");
  EXPECT_NUM(t[0]["precision"], 0.5);
  EXPECT_NUM(t[0]["recall"], 2.0 / 3);
  EXPECT_NUM(t[0]["f1"], 4.0 / 7);
  EXPECT_EQ(t[0]["support"], 3);
  // math: first call F2 (acceptable for T2) -> P 1; labelled math: F5
  // (malformed, no valid call) -> R 0; F1 = 0.
  EXPECT_EQ(t[1]["tool"], "math");
  EXPECT_NUM(t[1]["precision"], 1.0);
  EXPECT_NUM(t[1]["recall"], 0.0);
  EXPECT_NUM(t[1]["f1"], 0.0);
  EXPECT_EQ(t[1]["support"], 1);
  // docs: never called -> P null (and so F1); labelled docs: F6 (text) -> R 0.
  EXPECT_EQ(t[2]["tool"], "docs");
  EXPECT_NULL(t[2]["precision"]);
  EXPECT_NUM(t[2]["recall"], 0.0);
  EXPECT_NULL(t[2]["f1"]);
  EXPECT_EQ(t[2]["support"], 1);

  const ojson& m = c["confusion"];
  EXPECT_EQ(m["rows"], (ojson{"python", "math", "docs", "none"}));
  EXPECT_EQ(m["cols"], (ojson{"call:python", "call:math", "call:docs", "call:other", "text", "malformed"}));
  // python: F1 call:python, F2 call:math, F7 text. math: F5 malformed.
  // docs: F6 text. none: F3 call:python, F4 text.
  EXPECT_EQ(m["counts"], (ojson{{1, 1, 0, 0, 1, 0}, {0, 0, 0, 0, 0, 1}, {0, 0, 0, 0, 1, 0}, {1, 0, 0, 0, 1, 0}}));
}

TEST(Metrics, OverUseUnderUseAndHallucination) {
  ojson m = metrics();
  const ojson& c = condition(m, "base/direct/free");
  // Label none: F3 (call), F4 (text) -> over-use 1/2.
  EXPECT_NUM(c["over_use_rate"], 0.5);
  // Labelled a tool: F1 F2 F5 F6 F7; text first: F6 F7 -> 2/5 (F5's
  // malformed attempt is neither).
  EXPECT_NUM(c["under_use_rate"], 0.4);
  // F5's call to "web", which was not offered: 1 call, 1 episode of 7.
  EXPECT_EQ(c["hallucinated_calls"], 1);
  EXPECT_NUM(c["hallucination_rate"], 1.0 / 7);
  // force_tool calls on both none tasks (T3, T4) -> 2/2; no text among the
  // five tool-labelled tasks -> 0/5. force_text is the mirror image.
  EXPECT_NUM(condition(m, "base/direct/force_tool")["over_use_rate"], 1.0);
  EXPECT_NUM(condition(m, "base/direct/force_tool")["under_use_rate"], 0.0);
  EXPECT_NUM(condition(m, "base/direct/force_text")["over_use_rate"], 0.0);
  EXPECT_NUM(condition(m, "base/direct/force_text")["under_use_rate"], 1.0);
  // q4 has only T1 (python): no episode labelled none -> over-use null.
  EXPECT_NULL(condition(m, "q4/direct/free")["over_use_rate"]);
  EXPECT_NUM(condition(m, "q4/direct/free")["under_use_rate"], 0.0);
}

// A task labelled none may still accept a tool (alternative_tools): calling
// it is neither over-use nor an unnecessary call.
TEST(Metrics, OverUseLeavesOutTheTasksAcceptedAlternatives) {
  TaskSpec lenient = {"L", "ambiguous", "easy", "none", {"python"}, false};
  std::vector<ScoredEpisode> eps;
  // L1 calls python (accepted), L2 calls math (not accepted), L3 answers in
  // text; L2 also calls python after math.
  ScoredEpisode l1 = episode(lenient, "free", "tool_call", "python", true);
  l1.task_id = "L1";
  l1.calls = {call("python", true)};
  ScoredEpisode l2 = episode(lenient, "free", "tool_call", "math", true);
  l2.task_id = "L2";
  l2.calls = {call("math", true), call("python", true)};
  ScoredEpisode l3 = episode(lenient, "free", "text", "", true);
  l3.task_id = "L3";
  eps = {l1, l2, l3};
  MetricsOptions options;
  options.bootstrap_samples = 0;
  ojson c = compute_metrics(eps, options)["conditions"][0];
  // Over-use: L2's math of L1..L3 -> 1/3 (L1's python is accepted).
  EXPECT_NUM(c["over_use_rate"], 1.0 / 3);
  // Unnecessary calls: L2's math only -> 1 (both python calls are accepted).
  EXPECT_EQ(c["efficiency"]["unnecessary_tool_calls"], 1);
}

TEST(Metrics, ByCategoryAndDifficulty) {
  ojson metrics_json = metrics();
  const ojson& c = condition(metrics_json, "base/direct/free");
  // f1 is the decision F1 with malformed attempts counted as calls.
  // ambiguous: F6 (text, docs: FN) -> acc null, tool use 0/1, F1 0/(0+0+1).
  // execution_required: F1 (T, call), F2 (F, call), F7 (unscored, text)
  //   -> acc 1/2, tool use 2/3, TP 2 FN 1 -> F1 4/5.
  // multi_step: F5 (F, malformed: TP) -> acc 0, tool use 0, F1 2/2.
  // pure_reasoning: F3 (F, call: FP), F4 (F, text: TN) -> acc 0, tool use
  //   1/2, F1 0/(0+1+0) = 0.
  const ojson& cat = c["by_category"];
  ASSERT_EQ(cat.size(), 4u);
  EXPECT_EQ(cat[0]["category"], "ambiguous");
  EXPECT_EQ(cat[0]["n"], 1);
  EXPECT_NULL(cat[0]["accuracy"]);
  EXPECT_NUM(cat[0]["tool_use_rate"], 0.0);
  EXPECT_NUM(cat[0]["f1"], 0.0);
  EXPECT_EQ(cat[1]["category"], "execution_required");
  EXPECT_EQ(cat[1]["n"], 3);
  EXPECT_NUM(cat[1]["accuracy"], 0.5);
  EXPECT_NUM(cat[1]["tool_use_rate"], 2.0 / 3);
  EXPECT_NUM(cat[1]["f1"], 0.8);
  EXPECT_EQ(cat[2]["category"], "multi_step");
  EXPECT_NUM(cat[2]["accuracy"], 0.0);
  EXPECT_NUM(cat[2]["tool_use_rate"], 0.0);
  EXPECT_NUM(cat[2]["f1"], 1.0);
  EXPECT_EQ(cat[3]["category"], "pure_reasoning");
  EXPECT_EQ(cat[3]["n"], 2);
  EXPECT_NUM(cat[3]["accuracy"], 0.0);
  EXPECT_NUM(cat[3]["tool_use_rate"], 0.5);
  EXPECT_NUM(cat[3]["f1"], 0.0);
  // easy: F1 (T, TP), F3 (F, FP), F6 (-, FN) -> acc 1/2, tool use 2/3,
  //   F1 2/(2+1+1) = 1/2.
  // hard: F2 (F, TP), F4 (F, TN) -> acc 0, tool use 1/2, F1 2/2.
  // intermediate: F5 (F, TP), F7 (unscored, FN) -> acc 0/1, tool use 0,
  //   F1 2/(2+0+1) = 2/3.
  const ojson& dif = c["by_difficulty"];
  ASSERT_EQ(dif.size(), 3u);
  EXPECT_EQ(dif[0]["difficulty"], "easy");
  EXPECT_EQ(dif[0]["n"], 3);
  EXPECT_NUM(dif[0]["accuracy"], 0.5);
  EXPECT_NUM(dif[0]["tool_use_rate"], 2.0 / 3);
  EXPECT_NUM(dif[0]["f1"], 0.5);
  EXPECT_EQ(dif[1]["difficulty"], "hard");
  EXPECT_EQ(dif[1]["n"], 2);
  EXPECT_NUM(dif[1]["accuracy"], 0.0);
  EXPECT_NUM(dif[1]["tool_use_rate"], 0.5);
  EXPECT_NUM(dif[1]["f1"], 1.0);
  EXPECT_EQ(dif[2]["difficulty"], "intermediate");
  EXPECT_EQ(dif[2]["n"], 2);
  EXPECT_NUM(dif[2]["accuracy"], 0.0);
  EXPECT_NUM(dif[2]["tool_use_rate"], 0.0);
  EXPECT_NUM(dif[2]["f1"], 2.0 / 3);
}

TEST(Metrics, BySource) {
  std::vector<ScoredEpisode> eps = fixture();
  for (ScoredEpisode& e : eps) e.source = e.task_id == "T1" || e.task_id == "T2" ? "gsm8k" : "generated";
  MetricsOptions options;
  options.bootstrap_samples = 0;
  ojson m = compute_metrics(eps, options);
  const ojson& rows = condition(m, "base/direct/free")["by_source"];
  ASSERT_EQ(rows.size(), 2u);
  // generated: F3..F7, 5 episodes; judged F3 F4 F5 (F6 is a decision task,
  // F7 unscored), none right -> 0. Tool use: F3 -> 1/5. Decision (malformed
  // as a call): F3 FP, F4 TN, F5 TP, F6 FN, F7 FN -> F1 2/(2+1+2) = 0.4.
  EXPECT_EQ(rows[0]["source"], "generated");
  EXPECT_EQ(rows[0]["n"], 5);
  EXPECT_EQ(rows[0]["judged"], 3);
  EXPECT_NUM(rows[0]["accuracy"], 0.0);
  EXPECT_NUM(rows[0]["tool_use_rate"], 0.2);
  EXPECT_NUM(rows[0]["f1"], 0.4);
  // gsm8k: F1 (right, call), F2 (wrong, call) -> 2 judged, 1/2, tool use 1,
  // TP 2 -> F1 1.
  EXPECT_EQ(rows[1]["source"], "gsm8k");
  EXPECT_EQ(rows[1]["n"], 2);
  EXPECT_EQ(rows[1]["judged"], 2);
  EXPECT_NUM(rows[1]["accuracy"], 0.5);
  EXPECT_NUM(rows[1]["tool_use_rate"], 1.0);
  EXPECT_NUM(rows[1]["f1"], 1.0);
}

TEST(Metrics, Efficiency) {
  ojson m = metrics();
  const ojson& e = condition(m, "base/direct/free")["efficiency"];
  // Calls: F1 1, F2 3, F3 1, F5 2 -> 7 over 7 episodes.
  EXPECT_NUM(e["tool_calls_per_episode"], 1.0);
  // Calls in episodes labelled none: F3's one (F4 made none).
  EXPECT_EQ(e["unnecessary_tool_calls"], 1);
  // Executed calls: F1 1 + F2 3 + F3 1 + F5 1 (python; "web" never ran) = 6;
  // correct episodes with one: F1 -> 1/6.
  EXPECT_NUM(e["tool_productivity"], 1.0 / 6);
  // Prompt tokens 100+300+200+100+400+100+200 = 1400 -> 200 a task;
  // generated 20+60+30+40+50+10+35 = 245 -> 35.
  EXPECT_NUM(e["prompt_tokens_per_task"], 200.0);
  EXPECT_NUM(e["generated_tokens_per_task"], 35.0);
  // KV recorded on F1 (1 MiB) and F2 (3 MiB) only -> 2 MiB.
  EXPECT_NUM(e["kv_mb_per_inference"], 2.0);
  // prompt eval 10 each; decode 70 on F1 -> 10; tool 14 on F2 -> 2; queue 0;
  // wall 100 each.
  EXPECT_NUM(e["latency_ms"]["prompt_eval"], 10.0);
  EXPECT_NUM(e["latency_ms"]["decode"], 10.0);
  EXPECT_NUM(e["latency_ms"]["tool"], 2.0);
  EXPECT_NUM(e["latency_ms"]["queue"], 0.0);
  EXPECT_NUM(e["latency_ms"]["wall"], 100.0);
  // force_tool: 7 executed calls, correct on T1 T5 T7 -> 3/7; calls on T3
  // and T4 (label none) are unnecessary.
  const ojson& ft = condition(m, "base/direct/force_tool")["efficiency"];
  EXPECT_NUM(ft["tool_productivity"], 3.0 / 7);
  EXPECT_EQ(ft["unnecessary_tool_calls"], 2);
  // force_text: nothing executed, no KV recorded -> nulls.
  const ojson& fx = condition(m, "base/direct/force_text")["efficiency"];
  EXPECT_NUM(fx["tool_calls_per_episode"], 0.0);
  EXPECT_NULL(fx["tool_productivity"]);
  EXPECT_NULL(fx["kv_mb_per_inference"]);
}

// Per-sequence throughput from hand-made step totals. Two episodes of one
// condition, as loaded from their steps (scored_episode.cpp):
//   A: two replies: prompt 120 (100 from the shared prefix) -> 20
//      evaluated, 11 generated -> 10 decoded; prompt 150 (0 reused) -> 150
//      evaluated, 1 generated -> 0 decoded. prompt_eval 40 + 60 ms,
//      decode 250 ms.
//   B: one reply: prompt 130 (100 reused) -> 30 evaluated, 31 generated ->
//      30 decoded. prompt_eval 100 ms, decode 750 ms.
// Generation: (10 + 0 + 30) tokens / (0.25 + 0.75) s = 40 tok/s.
// Prompt: (20 + 150 + 30) tokens / (0.1 + 0.1) s = 1000 tok/s.
TEST(Metrics, ThroughputPerSequenceFromTheSteps) {
  ScoredEpisode a = episode(kTasks[0], "free", "text", "", true);
  a.prompt_tokens = 270, a.generated_tokens = 12;
  a.prompt_evaluated_tokens = 170, a.decoded_tokens = 10;
  a.prompt_eval_ms = 100, a.decode_ms = 250;
  ScoredEpisode b = episode(kTasks[1], "free", "text", "", true);
  b.prompt_tokens = 130, b.generated_tokens = 31;
  b.prompt_evaluated_tokens = 30, b.decoded_tokens = 30;
  b.prompt_eval_ms = 100, b.decode_ms = 750;
  ojson m = compute_metrics({a, b}, MetricsOptions{"tps", 0, 1});
  const ojson& t = m["conditions"][0]["efficiency"]["throughput"];
  EXPECT_NUM(t["generation_tokens_per_s"], 40.0);
  EXPECT_NUM(t["prompt_tokens_per_s"], 1000.0);
  // No time measured: no rate (null, never 0 or infinity).
  ojson untimed = compute_metrics({episode(kTasks[0], "free", "text", "", true)}, MetricsOptions{"none", 0, 1});
  EXPECT_NULL(untimed["conditions"][0]["efficiency"]["throughput"]["generation_tokens_per_s"]);
  EXPECT_NULL(untimed["conditions"][0]["efficiency"]["throughput"]["prompt_tokens_per_s"]);
}

// Memory per variant: the run's stored figures beside the episodes' KV
// bytes; a variant without stored figures has nulls and says so.
TEST(Metrics, VariantsCarryTheStoredMemoryAndTheKvBytes) {
  MetricsOptions options{"mem", 0, 1};
  store::VariantResources r;
  r.variant = "base";
  r.session_id = 2;
  r.weight_bytes = 500 * kMiB;
  r.peak_rss_bytes = 700 * kMiB;
  r.note = "measured in session 2";
  r.episodes = 21;
  r.generated_tokens = 1200;
  r.wall_ms = 4000;  // 1200 tokens / 4 s = 300 tok/s
  options.variant_resources["base"] = r;
  ojson m = compute_metrics(fixture(), options);
  ASSERT_EQ(m["variants"].size(), 2u);
  const ojson& base = m["variants"][0];
  EXPECT_EQ(base["variant"], "base");
  EXPECT_EQ(base["episodes"], 21);
  EXPECT_EQ(base["weight_bytes"], 500 * kMiB);
  EXPECT_EQ(base["peak_rss_bytes"], 700 * kMiB);
  EXPECT_NULL(base["gpu_bytes"]);
  // KV recorded on F1 (1 MiB) and F2 (3 MiB) only: mean 2 MiB, max 3 MiB.
  EXPECT_NUM(base["kv_bytes_per_inference"]["mean"], 2.0 * kMiB);
  EXPECT_NUM(base["kv_bytes_per_inference"]["max"], 3.0 * kMiB);
  EXPECT_EQ(base["kv_bytes_per_inference"]["n"], 2);
  EXPECT_NUM(base["engine_generation_tokens_per_s"], 300.0);
  EXPECT_EQ(base["note"], "measured in session 2");
  const ojson& q4 = m["variants"][1];
  EXPECT_EQ(q4["variant"], "q4");
  EXPECT_NULL(q4["weight_bytes"]);
  EXPECT_NULL(q4["peak_rss_bytes"]);
  EXPECT_NULL(q4["kv_bytes_per_inference"]["mean"]);
  EXPECT_NULL(q4["engine_generation_tokens_per_s"]);
  EXPECT_NE(q4["note"].get<std::string>().find("not measured"), std::string::npos);

  r.gpu_bytes = 300 * kMiB;
  options.variant_resources["base"] = r;
  EXPECT_EQ(compute_metrics(fixture(), options)["variants"][0]["gpu_bytes"], 300 * kMiB);
}

// BFCL irrelevance: three outcomes of the first reply, three rates; a
// malformed attempt is never an abstention. Other tasks do not count.
TEST(Metrics, IrrelevanceRatesOfCallsAbstentionsAndMalformedAttempts) {
  TaskSpec irrelevant = {"I", "pure_reasoning", "intermediate", "none", {}, false};
  std::vector<ScoredEpisode> eps;
  const std::pair<const char*, const char*> cases[] = {
      {"tool_call", "call"}, {"text", "abstention"}, {"text", "abstention"}, {"malformed", "malformed"},
      {"text", "no_reply"}};
  int i = 0;
  for (const auto& [kind, outcome] : cases) {
    const bool right = std::string(outcome) == "abstention";
    ScoredEpisode e = episode(irrelevant, "free", kind, std::string(kind) == "tool_call" ? "get_weather" : "", right);
    e.task_id = "I" + std::to_string(++i);
    e.check = "abstain";
    e.abstain_outcome = outcome;
    // Its call is by design never run: no failure of the model.
    if (std::string(outcome) == "call") {
      CallView c = call("get_weather", false, "", false);
      c.error_class = kNotRunByDesign;
      c.not_run_by_design = true;
      e.calls = {c};
    }
    eps.push_back(e);
  }
  eps.push_back(episode(kTasks[0], "free", "text", "", false));  // not an irrelevance task
  MetricsOptions options;
  options.bootstrap_samples = 0;
  ojson c = compute_metrics(eps, options)["conditions"][0];
  EXPECT_EQ(keys(c["irrelevance"]), (std::vector<std::string>{"n", "call_rate", "abstention_rate", "malformed_rate"}));
  EXPECT_EQ(c["irrelevance"]["n"], 5);
  EXPECT_NUM(c["irrelevance"]["call_rate"], 0.2);
  EXPECT_NUM(c["irrelevance"]["abstention_rate"], 0.4);
  EXPECT_NUM(c["irrelevance"]["malformed_rate"], 0.2);
  EXPECT_EQ(c["errors"]["failed_executions"], 0);
  EXPECT_NULL(compute_metrics({episode(kTasks[0], "free", "text", "", false)}, options)["conditions"][0]["irrelevance"]["call_rate"]);
}

TEST(Metrics, ErrorsAndRecovery) {
  ojson m = metrics();
  const ojson& e = condition(m, "base/direct/free")["errors"];
  // Failed calls: F2 runtime x2, F5 syntax and bad_call -> 4.
  EXPECT_EQ(e["failed_executions"], 4);
  EXPECT_EQ(e["by_class"], (ojson{{"syntax", 1},
                                  {"name", 0},
                                  {"import", 0},
                                  {"runtime", 2},
                                  {"timeout", 0},
                                  {"memory", 0},
                                  {"sandbox_denied", 0},
                                  {"bad_call", 1}}));
  // All calls ok but the answer wrong: F3 (F1 is right; F2, F5 failed).
  EXPECT_EQ(e["wrong_result"], 1);
  // Episodes with a failure: F2 (first failure at call 0, success at call 2:
  // two calls later), F5 (never). @1 0/2, @2 1/2, @3 1/2.
  EXPECT_NUM(e["recovery_at_k"]["1"], 0.0);
  EXPECT_NUM(e["recovery_at_k"]["2"], 0.5);
  EXPECT_NUM(e["recovery_at_k"]["3"], 0.5);
  // F2: runtime twice in a row. F5: syntax then bad_call is no loop.
  EXPECT_EQ(e["repeated_error_loops"], 1);
  // F5's failures are never followed by a success; F2's are.
  EXPECT_EQ(e["give_ups"], 1);
  // Multi-step tasks: F5, wrong.
  EXPECT_NUM(e["multi_step_success"], 0.0);
  // force_text: nothing failed -> recovery null; T5 right -> 1.
  const ojson& fx = condition(m, "base/direct/force_text")["errors"];
  EXPECT_EQ(fx["failed_executions"], 0);
  EXPECT_NULL(fx["recovery_at_k"]["1"]);
  EXPECT_NUM(fx["multi_step_success"], 1.0);
  // q4 has no multi-step task.
  EXPECT_NULL(condition(m, "q4/direct/free")["errors"]["multi_step_success"]);
}

TEST(Metrics, Fabrication) {
  ojson m = metrics();
  const ojson& f = condition(m, "base/direct/free")["fabrication"];
  // Scored episodes where nothing ran: F4, F6 (F5 ran python; F7 unscored).
  // F4 claims a result, checked and false.
  EXPECT_EQ(f["episodes_without_execution"], 2);
  EXPECT_EQ(f["claims"], 1);
  EXPECT_NUM(f["rate"], 0.5);
  EXPECT_EQ(f["checked"], 1);
  EXPECT_EQ(f["false_claims"], 1);
  // force_text: all 7 ran nothing, none claims -> 0/7.
  const ojson& fx = condition(m, "base/direct/force_text")["fabrication"];
  EXPECT_EQ(fx["episodes_without_execution"], 7);
  EXPECT_NUM(fx["rate"], 0.0);
  // force_tool: everything ran -> rate null.
  EXPECT_NULL(condition(m, "base/direct/force_tool")["fabrication"]["rate"]);
}

TEST(Metrics, RegretAndLabelAgreement) {
  ojson m = metrics();
  ASSERT_EQ(m["regret"].size(), 2u);
  const ojson& r = m["regret"][0];
  EXPECT_EQ(r["variant"], "base");
  EXPECT_EQ(r["prompt_format"], "direct");
  // Tasks with all three modes scored: T1..T5 (T6 has no correctness, T7's
  // free episode is unscored).
  //        free tool text  best  choice   label   agrees
  //   T1    1    1    0     1    tool     python  yes
  //   T2    0    0    1     1    text     python  no
  //   T3    0    0    1     1    text     none    yes
  //   T4    0    0    0     0    neither  none    -
  //   T5    0    1    1     1    either   math    -
  // free 1/5, best 4/5, regret 0.6; agreement 2 of 3 decided.
  EXPECT_EQ(r["tasks"], 5);
  EXPECT_NUM(r["free_accuracy"], 0.2);
  EXPECT_NUM(r["best_accuracy"], 0.8);
  EXPECT_NUM(r["regret"], 0.6);
  EXPECT_EQ(r["best_choice"], (ojson{{"tool", 1}, {"text", 2}, {"either", 1}, {"neither", 1}}));
  EXPECT_NUM(r["label_agreement"], 2.0 / 3);
  EXPECT_EQ(r["label_decided_tasks"], 3);
  // q4 ran free only: no task has the counterfactual.
  const ojson& q = m["regret"][1];
  EXPECT_EQ(q["variant"], "q4");
  EXPECT_EQ(q["tasks"], 0);
  EXPECT_NULL(q["free_accuracy"]);
  EXPECT_NULL(q["regret"]);
  EXPECT_NULL(q["label_agreement"]);
  EXPECT_EQ(q["label_decided_tasks"], 0);
}

TEST(Metrics, CalibrationOfTheDecisionProbe) {
  ojson m = metrics();
  ASSERT_EQ(m["calibration"].size(), 2u);
  const ojson& c = m["calibration"][0];
  // Tasks where force_tool and force_text disagree: T1 (tool helped, free
  // p 0.9), T2 (hurt, 0.8), T3 (hurt, 0.4), T7 (helped, 0.4; its free
  // episode is unscored but its probe counts). T4, T5 agree; T6 has no
  // correctness.
  EXPECT_EQ(c["n"], 4);
  // Helped {0.9, 0.4} against hurt {0.8, 0.4}: 1 + 1 + 0 + 0.5 of 4 pairs.
  EXPECT_NUM(c["auroc"], 0.625);
  const ojson& bins = c["bins"];
  ASSERT_EQ(bins.size(), 10u);
  EXPECT_NUM(bins[4]["lo"], 0.4);
  EXPECT_NUM(bins[4]["hi"], 0.5);
  EXPECT_EQ(bins[4]["n"], 2);  // T3, T7
  EXPECT_NUM(bins[4]["mean_p_tool"], 0.4);
  EXPECT_NUM(bins[4]["helped_rate"], 0.5);
  EXPECT_EQ(bins[8]["n"], 1);  // T2
  EXPECT_NUM(bins[8]["mean_p_tool"], 0.8);
  EXPECT_NUM(bins[8]["helped_rate"], 0.0);
  EXPECT_EQ(bins[9]["n"], 1);  // T1
  EXPECT_NUM(bins[9]["mean_p_tool"], 0.9);
  EXPECT_NUM(bins[9]["helped_rate"], 1.0);
  for (int i : {0, 1, 2, 3, 5, 6, 7}) {
    EXPECT_EQ(bins[i]["n"], 0) << i;
    EXPECT_NULL(bins[i]["mean_p_tool"]);
    EXPECT_NULL(bins[i]["helped_rate"]);
  }
  EXPECT_EQ(m["calibration"][1]["n"], 0);
  EXPECT_NULL(m["calibration"][1]["auroc"]);
}

TEST(Metrics, EmptyRun) {
  ojson m = compute_metrics({}, MetricsOptions{"empty", 100, 1});
  EXPECT_EQ(m["episodes"], 0);
  EXPECT_EQ(m["scored"], 0);
  EXPECT_TRUE(m["conditions"].empty());
  EXPECT_TRUE(m["regret"].empty());
  EXPECT_TRUE(m["calibration"].empty());
}

TEST(Metrics, ProbeWithoutANumberIsLeftOut) {
  std::vector<ScoredEpisode> episodes = fixture();
  episodes[0].p_tool = std::nan("");  // F1's probe
  ojson m = compute_metrics(episodes, MetricsOptions{"nan", 0, 1});
  // Left: T7 helped (0.4); T2 hurt (0.8), T3 hurt (0.4): 0.4 against 0.8 is
  // 0, against 0.4 a tie (1/2) -> 0.5 / 2 pairs.
  EXPECT_EQ(m["calibration"][0]["n"], 3);
  EXPECT_NUM(m["calibration"][0]["auroc"], 0.25);
}
