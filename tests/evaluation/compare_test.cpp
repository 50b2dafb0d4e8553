// compare.h on a small fixture worked out by hand: name resolution, the
// paired McNemar test and decision-flip matrix, the condition tables, and
// their intervals against the metrics'.
#include "evaluation/compare.h"

#include <algorithm>

#include <gtest/gtest.h>

#include "evaluation/metrics.h"

#include "utils/errors.h"

using namespace agentcoder;
using namespace agentcoder::evaluation;
using ojson = nlohmann::ordered_json;

namespace {

ScoredEpisode ep(const std::string& variant, const std::string& mode, const std::string& task,
                 const std::string& first, std::optional<bool> correct) {
  ScoredEpisode e;
  e.key_id = variant + "-" + mode + "-" + task;
  e.task_id = task;
  e.variant = variant;
  e.prompt_format = "direct";
  e.mode = parse_mode(mode).value();
  e.category = "execution_required";
  e.difficulty = "easy";
  e.optimal_tool = "python";
  e.first_decision = parse_reply_kind(first).value();
  e.first_tool = first == "tool_call" ? "python" : "";
  e.scored = true;
  e.correct = correct;
  return e;
}

// A = base, B = lora-r8 (first action, correct):
//   free        A              B              cell                 outcome
//   T1     call, 1       call, 1        tool_call->tool_call  same
//   T2     call, 0       text, 1        tool_call->text       better
//   T3     text, 1       call, 0        text->tool_call       worse
//   T4     text, 0       call, 1        text->tool_call       better
//   T5     malformed, 0  call, 1        malformed->tool_call  better
//   T6     text, -       text, -        text->text            (no correctness)
//   T7     (none)        call, 1        unmatched in B
//   force_tool
//   T1     call, 1       call, 1        tool_call->tool_call  same
//   T2     call, 0       call, 1        tool_call->tool_call  better
//   T3     call, 1       call, 0        tool_call->tool_call  worse
std::vector<ScoredEpisode> fixture() {
  return {
      ep("base", "free", "T1", "tool_call", true),       ep("base", "free", "T2", "tool_call", false),
      ep("base", "free", "T3", "text", true),            ep("base", "free", "T4", "text", false),
      ep("base", "free", "T5", "malformed", false),      ep("base", "free", "T6", "text", std::nullopt),
      ep("lora-r8", "free", "T1", "tool_call", true),    ep("lora-r8", "free", "T2", "text", true),
      ep("lora-r8", "free", "T3", "tool_call", false),   ep("lora-r8", "free", "T4", "tool_call", true),
      ep("lora-r8", "free", "T5", "tool_call", true),    ep("lora-r8", "free", "T6", "text", std::nullopt),
      ep("lora-r8", "free", "T7", "tool_call", true),    ep("base", "force_tool", "T1", "tool_call", true),
      ep("base", "force_tool", "T2", "tool_call", false), ep("base", "force_tool", "T3", "tool_call", true),
      ep("lora-r8", "force_tool", "T1", "tool_call", true), ep("lora-r8", "force_tool", "T2", "tool_call", true),
      ep("lora-r8", "force_tool", "T3", "tool_call", false),
  };
}

ojson cell(int64_t n, int64_t better, int64_t worse, int64_t same) {
  return {{"n", n}, {"better", better}, {"worse", worse}, {"same", same}};
}

}  // namespace

TEST(Compare, ResolvesFullPartialAndSubstringNames) {
  std::vector<ScoredEpisode> e = fixture();
  Selection s = resolve_selection(e, "base/direct/free");
  EXPECT_EQ(s.name(), "base/direct/free");
  EXPECT_EQ(resolve_selection(e, "lora").name(), "lora-r8/*/*");  // a unique substring
  EXPECT_EQ(resolve_selection(e, "base").name(), "base/*/*");     // exact wins
  EXPECT_EQ(resolve_selection(e, "free").name(), "*/*/free");     // one word may be a mode
  EXPECT_EQ(resolve_selection(e, "base//force_tool").name(), "base/*/force_tool");
  EXPECT_THROW(resolve_selection(e, "a"), InputError);  // in "base" and "lora-r8"
  EXPECT_THROW(resolve_selection(e, "zzz"), InputError);
  EXPECT_THROW(resolve_selection(e, "base/cot"), InputError);
  EXPECT_THROW(resolve_selection(e, "a/b/c/d"), InputError);
}

TEST(Compare, PairOfVariantsMcNemarAndFlips) {
  ojson p = compare_pair(fixture(), "base", "lora");
  EXPECT_EQ(p["a"], "base/*/*");
  EXPECT_EQ(p["b"], "lora-r8/*/*");
  EXPECT_EQ(p["differ_in"], (ojson{"variant"}));
  EXPECT_EQ(p["matched_by"], (ojson{"task_id", "prompt_format", "mode", "seed"}));
  // Free T1..T6 and force_tool T1..T3; B's T7 has no partner.
  EXPECT_EQ(p["pairs"], 9);
  EXPECT_EQ(p["unmatched_a"], 0);
  EXPECT_EQ(p["unmatched_b"], 1);
  EXPECT_EQ(p["unmatched_by_reason"]["b"]["task_not_in_other"], 1);
  // Pairs with a correctness on both sides: free T1..T5, force_tool T1..T3
  // = 8. A right on free T1 T3, force_tool T1 T3 -> 4/8; B right on free
  // T1 T2 T4 T5, force_tool T1 T2 -> 6/8.
  EXPECT_EQ(p["accuracy"]["n"], 8);
  EXPECT_DOUBLE_EQ(p["accuracy"]["a"].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(p["accuracy"]["b"].get<double>(), 0.75);
  // Only A right: free T3, force_tool T3 -> b = 2. Only B right: free T2 T4
  // T5, force_tool T2 -> c = 4. 6 discordant: exact, p = 2 * P(X <= 2 | 6)
  // = 2 * (1 + 6 + 15) / 64 = 0.6875.
  EXPECT_EQ(p["mcnemar"]["b"], 2);
  EXPECT_EQ(p["mcnemar"]["c"], 4);
  EXPECT_EQ(p["mcnemar"]["method"], "exact_binomial");
  EXPECT_NEAR(p["mcnemar"]["p"].get<double>(), 0.6875, 1e-12);
  EXPECT_EQ(p["flips"]["rows"], (ojson{"tool_call", "text", "malformed"}));
  const ojson& c = p["flips"]["cells"];
  EXPECT_EQ(c[0][0], cell(4, 1, 1, 2));  // free T1; force_tool T1 T2 T3
  EXPECT_EQ(c[0][1], cell(1, 1, 0, 0));  // free T2
  EXPECT_EQ(c[0][2], cell(0, 0, 0, 0));
  EXPECT_EQ(c[1][0], cell(2, 1, 1, 0));  // free T4 better, T3 worse
  EXPECT_EQ(c[1][1], cell(1, 0, 0, 0));  // T6: no correctness
  EXPECT_EQ(c[1][2], cell(0, 0, 0, 0));
  EXPECT_EQ(c[2][0], cell(1, 1, 0, 0));  // free T5
  EXPECT_EQ(c[2][1], cell(0, 0, 0, 0));
  EXPECT_EQ(c[2][2], cell(0, 0, 0, 0));
  EXPECT_EQ(p["call_to_text"], cell(1, 1, 0, 0));
  EXPECT_EQ(p["text_to_call"], cell(2, 1, 1, 0));
}

TEST(Compare, PairOfModesMatchesOnVariantAndPromptFormat) {
  ojson p = compare_pair(fixture(), "base/direct/free", "base/direct/force_tool");
  EXPECT_EQ(p["differ_in"], (ojson{"mode"}));
  EXPECT_EQ(p["matched_by"], (ojson{"task_id", "variant", "prompt_format", "seed"}));
  // T1 T2 T3 on both sides; free T4 T5 T6 have no force_tool partner.
  EXPECT_EQ(p["pairs"], 3);
  EXPECT_EQ(p["unmatched_a"], 3);
  EXPECT_EQ(p["unmatched_b"], 0);
  // Same correctness on all three (1, 0, 1): b = c = 0, p = 1.
  EXPECT_EQ(p["mcnemar"]["b"], 0);
  EXPECT_EQ(p["mcnemar"]["c"], 0);
  EXPECT_DOUBLE_EQ(p["mcnemar"]["p"].get<double>(), 1.0);
  // free T3 answered in text, force_tool called: text -> tool_call, same.
  EXPECT_EQ(p["flips"]["cells"][1][0], cell(1, 0, 0, 1));
  EXPECT_THROW(compare_pair(fixture(), "base", "base/direct"), InputError);
}

TEST(Compare, ConditionTablesWithIntervals) {
  CompareOptions options;
  options.run_name = "fixture";
  options.bootstrap_samples = 300;
  options.seed = 5;
  ojson t = compare_conditions(fixture(), options);
  EXPECT_EQ(t["by"], "variant");
  EXPECT_EQ(t["metrics"], (ojson{"accuracy", "tool_use_rate", "decision_f1", "tool_selection_accuracy", "over_use_rate",
                                "under_use_rate", "hallucination_rate", "p_tool"}));
  // One table per (prompt_format, mode): direct/free, direct/force_tool.
  ASSERT_EQ(t["tables"].size(), 2u);
  EXPECT_EQ(t["tables"][0]["fixed"], (ojson{{"prompt_format", "direct"}, {"mode", "free"}}));
  const ojson& rows = t["tables"][0]["rows"];
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0]["condition"], "base/direct/free");
  EXPECT_EQ(rows[0]["n"], 6);
  EXPECT_EQ(rows[0]["tasks"], 6);
  // base free: right on T1 T3 of T1..T5 -> 2/5; calls first on T1 T2 of 6.
  const ojson& acc = rows[0]["accuracy"];
  EXPECT_DOUBLE_EQ(acc["value"].get<double>(), 0.4);
  EXPECT_LE(acc["lo"].get<double>(), 0.4);
  EXPECT_GE(acc["hi"].get<double>(), 0.4);
  EXPECT_LT(acc["lo"].get<double>(), acc["hi"].get<double>());
  EXPECT_DOUBLE_EQ(rows[0]["tool_use_rate"]["value"].get<double>(), 2.0 / 6);
  // Every task is labelled python: first calls (python) on T1 T2 are the
  // label's choice, text on T3 T4 T6 and malformed on T5 are not -> 2/6.
  EXPECT_DOUBLE_EQ(rows[0]["tool_selection_accuracy"]["value"].get<double>(), 2.0 / 6);
  // Every task is labelled python: no label none -> over-use null, no CI.
  EXPECT_TRUE(rows[0]["over_use_rate"]["value"].is_null());
  EXPECT_TRUE(rows[0]["over_use_rate"]["lo"].is_null());
  // lora-r8 free: right on T1 T2 T4 T5 T7 of 6 with a correctness -> 5/6.
  EXPECT_DOUBLE_EQ(rows[1]["accuracy"]["value"].get<double>(), 5.0 / 6);
  // Deterministic given the seed.
  EXPECT_EQ(compare_conditions(fixture(), options).dump(), t.dump());

  options.by = "mode";
  ojson by_mode = compare_conditions(fixture(), options);
  ASSERT_EQ(by_mode["tables"].size(), 2u);  // base/direct, lora-r8/direct
  EXPECT_EQ(by_mode["tables"][0]["fixed"], (ojson{{"variant", "base"}, {"prompt_format", "direct"}}));
  EXPECT_EQ(by_mode["tables"][0]["rows"][1]["mode"], "force_tool");

  options.by = "model";
  EXPECT_THROW(compare_conditions(fixture(), options), InputError);
}

// --by source: a table per condition, a row per data source of its tasks.
TEST(Compare, BySourceSplitsEachConditionByItsTasksSource) {
  std::vector<ScoredEpisode> episodes = fixture();
  for (ScoredEpisode& e : episodes) e.source = e.task_id <= "T2" ? "bfcl" : "generated";
  CompareOptions options;
  options.by = "source";
  options.bootstrap_samples = 0;
  ojson t = compare_conditions(episodes, options);
  ASSERT_EQ(t["tables"].size(), 4u);  // base and lora-r8, free and force_tool
  EXPECT_EQ(t["tables"][0]["fixed"], (ojson{{"variant", "base"}, {"prompt_format", "direct"}, {"mode", "free"}}));
  const ojson& rows = t["tables"][0]["rows"];
  ASSERT_EQ(rows.size(), 2u);
  // base free, bfcl: T1 (call, right), T2 (call, wrong) -> 1/2, 2 judged.
  EXPECT_EQ(rows[0]["source"], "bfcl");
  EXPECT_EQ(rows[0]["condition"], "base/direct/free source=bfcl");
  EXPECT_EQ(rows[0]["n"], 2);
  EXPECT_EQ(rows[0]["judged"], 2);
  EXPECT_DOUBLE_EQ(rows[0]["accuracy"]["value"].get<double>(), 0.5);
  // generated: T3 (right), T4 (wrong), T5 (wrong), T6 (no correctness) ->
  // 1/3 of 3 judged, 4 episodes.
  EXPECT_EQ(rows[1]["source"], "generated");
  EXPECT_EQ(rows[1]["n"], 4);
  EXPECT_EQ(rows[1]["judged"], 3);
  EXPECT_DOUBLE_EQ(rows[1]["accuracy"]["value"].get<double>(), 1.0 / 3);
}

// One accuracy, one interval: compute_metrics (behind metrics, report and
// export-metrics) and compare_conditions resample the same tasks with the
// same seed; p_tool likewise. The episodes are stored out of task order, as a resumed or
// parallel run stores them.
TEST(Compare, TheSameAccuracyHasTheSameIntervalAsInTheMetrics) {
  std::vector<ScoredEpisode> episodes = fixture();
  std::reverse(episodes.begin(), episodes.end());
  double probe = 0;  // and the decision probe where the model decides (free)
  for (ScoredEpisode& e : episodes)
    if (e.mode == Mode::free) e.p_tool = probe += 0.1;
  MetricsOptions m;
  m.bootstrap_samples = 200;
  m.seed = 11;
  CompareOptions c;
  c.bootstrap_samples = m.bootstrap_samples;
  c.seed = m.seed;
  ojson metrics = compute_metrics(episodes, m);
  ojson tables = compare_conditions(episodes, c);
  int compared = 0;
  for (const ojson& table : tables["tables"])
    for (const ojson& row : table["rows"])
      for (const ojson& condition : metrics["conditions"]) {
        if (condition["variant"] != row["variant"] || condition["mode"] != row["mode"]) continue;
        ++compared;
        SCOPED_TRACE(row["condition"].get<std::string>());
        ASSERT_FALSE(row["accuracy"]["lo"].is_null());
        EXPECT_EQ(row["accuracy"]["value"], condition["accuracy"]["value"]);
        EXPECT_EQ(row["accuracy"]["lo"], condition["accuracy"]["lo"]);
        EXPECT_EQ(row["accuracy"]["hi"], condition["accuracy"]["hi"]);
        EXPECT_EQ(row["p_tool"]["value"], condition["p_tool"]["mean"]);
        EXPECT_EQ(row["p_tool"]["lo"], condition["p_tool"]["lo"]);
        EXPECT_EQ(row["p_tool"]["hi"], condition["p_tool"]["hi"]);
        EXPECT_EQ(row["p_tool"]["value"].is_null(), row["mode"] != "free");
      }
  EXPECT_EQ(compared, 4);
}

// The paired difference B - A and its bootstrap CI, on the fixture above.
// Judged pairs per task, B - A: T1 free 0, force_tool 0; T2 +1, +1; T3 -1,
// -1; T4 +1; T5 +1 -> 2 / 8 = 0.25 (= 0.75 - 0.5). The interval resamples
// the 5 tasks; its ends lie within the most extreme resamples (all T3: -1,
// all T4/T5: +1).
TEST(Compare, PairGivesTheAccuracyDifferenceWithAPairedBootstrapCi) {
  PairOptions options{500, 3};
  ojson p = compare_pair(fixture(), "base", "lora", options);
  const ojson& acc = p["accuracy"];
  EXPECT_EQ(acc["n"], 8);
  EXPECT_EQ(acc["tasks"], 5);
  EXPECT_DOUBLE_EQ(acc["difference"]["value"].get<double>(), 0.25);
  double lo = acc["difference"]["lo"].get<double>(), hi = acc["difference"]["hi"].get<double>();
  EXPECT_LE(lo, 0.25);
  EXPECT_GE(hi, 0.25);
  EXPECT_LT(lo, hi);
  EXPECT_GE(lo, -1.0);
  EXPECT_LE(hi, 1.0);
  EXPECT_EQ(p["bootstrap"], (ojson{{"resamples", 500}, {"seed", 3}, {"resampled", "task_id"}}));
  // Deterministic; another seed moves the interval, not the value.
  EXPECT_EQ(compare_pair(fixture(), "base", "lora", options).dump(), p.dump());
  ojson other = compare_pair(fixture(), "base", "lora", PairOptions{500, 4});
  EXPECT_DOUBLE_EQ(other["accuracy"]["difference"]["value"].get<double>(), 0.25);
  // No resamples: the value without an interval.
  ojson none = compare_pair(fixture(), "base", "lora", PairOptions{0, 3});
  EXPECT_TRUE(none["accuracy"]["difference"]["lo"].is_null());
  EXPECT_DOUBLE_EQ(none["accuracy"]["difference"]["value"].get<double>(), 0.25);
}

// Per category, with T4 and T5 moved to pure_reasoning.
//   execution_required: free T1 T2 T3 T6, force_tool T1 T2 T3 = 7 pairs, 6
//     judged; A right on free T1 T3, force_tool T1 T3 (4/6), B on free T1
//     T2, force_tool T1 T2 (4/6): difference 0; only A: free T3, force_tool
//     T3 (b = 2), only B: free T2, force_tool T2 (c = 2); call->text: free
//     T2, better; text->call: free T3, worse.
//   pure_reasoning: T4 (text -> call, better), T5 (malformed -> call,
//     better): A 0/2, B 2/2, difference +1 on every resample; b = 0, c = 2,
//     p = 2 * (1/2)^2 = 0.5.
TEST(Compare, PairPerCategoryWithFlipsBothWays) {
  std::vector<ScoredEpisode> episodes = fixture();
  for (ScoredEpisode& e : episodes)
    if (e.task_id == "T4" || e.task_id == "T5") e.category = "pure_reasoning";
  ojson p = compare_pair(episodes, "base", "lora", PairOptions{300, 1});
  ASSERT_EQ(p["by_category"].size(), 2u);
  const ojson& ex = p["by_category"][0];
  EXPECT_EQ(ex["category"], "execution_required");
  EXPECT_EQ(ex["pairs"], 7);
  EXPECT_EQ(ex["accuracy"]["n"], 6);
  EXPECT_DOUBLE_EQ(ex["accuracy"]["a"].get<double>(), 4.0 / 6);
  EXPECT_DOUBLE_EQ(ex["accuracy"]["b"].get<double>(), 4.0 / 6);
  EXPECT_DOUBLE_EQ(ex["accuracy"]["difference"]["value"].get<double>(), 0.0);
  EXPECT_EQ(ex["mcnemar"]["b"], 2);
  EXPECT_EQ(ex["mcnemar"]["c"], 2);
  EXPECT_EQ(ex["call_to_text"], cell(1, 1, 0, 0));
  EXPECT_EQ(ex["text_to_call"], cell(1, 0, 1, 0));
  const ojson& pr = p["by_category"][1];
  EXPECT_EQ(pr["category"], "pure_reasoning");
  EXPECT_EQ(pr["pairs"], 2);
  EXPECT_DOUBLE_EQ(pr["accuracy"]["a"].get<double>(), 0.0);
  EXPECT_DOUBLE_EQ(pr["accuracy"]["b"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(pr["accuracy"]["difference"]["value"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(pr["accuracy"]["difference"]["lo"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(pr["accuracy"]["difference"]["hi"].get<double>(), 1.0);
  EXPECT_EQ(pr["mcnemar"]["c"], 2);
  EXPECT_NEAR(pr["mcnemar"]["p"].get<double>(), 0.5, 1e-12);
  EXPECT_EQ(pr["call_to_text"], cell(0, 0, 0, 0));
  EXPECT_EQ(pr["text_to_call"], cell(1, 1, 0, 0));
  EXPECT_EQ(pr["flips"]["cells"][2][0], cell(1, 1, 0, 0));  // T5 malformed -> call
  // The overall figures are unchanged by the split.
  EXPECT_EQ(p["mcnemar"]["b"], 2);
  EXPECT_EQ(p["mcnemar"]["c"], 4);
}

// Repeated samples pair by seed, not by the order they were stored in; what
// cannot pair is counted by reason.
TEST(Compare, RepeatsPairBySeedAndUnpairedAreCountedByReason) {
  auto with_seed = [](ScoredEpisode e, uint64_t seed) {
    e.seed = seed;
    return e;
  };
  std::vector<ScoredEpisode> episodes = {
      // A (base): T1 seed 2 (wrong) stored before seed 1 (right).
      with_seed(ep("base", "free", "T1", "text", false), 2),
      with_seed(ep("base", "free", "T1", "tool_call", true), 1),
      with_seed(ep("base", "free", "T1", "text", false), 3),        // seed 3: B has none
      with_seed(ep("base", "force_text", "T1", "text", true), 1),   // B has no force_text on T1
      // B (lora): seeds 1 and 2 in order.
      with_seed(ep("lora", "free", "T1", "tool_call", true), 1),
      with_seed(ep("lora", "free", "T1", "text", false), 2),
      with_seed(ep("lora", "free", "T1", "tool_call", true), 1),   // a second seed-1 sample
      with_seed(ep("lora", "free", "T2", "tool_call", true), 1),   // A has no T2
  };
  ojson p = compare_pair(episodes, "base", "lora", PairOptions{0, 1});
  EXPECT_EQ(p["pairs"], 2);
  // Seed 1 with seed 1 (both right), seed 2 with seed 2 (both wrong): no
  // discordant pair. Paired in stored order, A's seed 2 (wrong) would meet
  // B's seed 1 (right).
  EXPECT_EQ(p["mcnemar"]["b"], 0);
  EXPECT_EQ(p["mcnemar"]["c"], 0);
  EXPECT_EQ(p["flips"]["cells"][0][0], cell(1, 0, 0, 1));  // seed 1: call -> call, same
  EXPECT_EQ(p["flips"]["cells"][1][1], cell(1, 0, 0, 1));  // seed 2: text -> text, same
  EXPECT_EQ(p["unmatched_a"], 2);
  EXPECT_EQ(p["unmatched_by_reason"]["a"],
            (ojson{{"task_not_in_other", 0}, {"condition_not_in_other", 1}, {"seed_not_in_other", 1}, {"extra_repeat", 0}}));
  EXPECT_EQ(p["unmatched_b"], 2);
  EXPECT_EQ(p["unmatched_by_reason"]["b"],
            (ojson{{"task_not_in_other", 1}, {"condition_not_in_other", 0}, {"seed_not_in_other", 0}, {"extra_repeat", 1}}));
}

// compare's tables carry the irrelevance rates of `metrics` (abstain tasks).
TEST(Compare, TableRowsCarryTheIrrelevanceRates) {
  std::vector<ScoredEpisode> episodes = fixture();
  // base free: T1 a call, T3 an abstention, T5 malformed; the others are
  // not abstain tasks -> n 3, each rate 1/3.
  for (ScoredEpisode& e : episodes) {
    if (e.variant != "base" || e.mode != Mode::free) continue;
    if (e.task_id == "T1") e.abstain_outcome = "call";
    if (e.task_id == "T3") e.abstain_outcome = "abstention";
    if (e.task_id == "T5") e.abstain_outcome = "malformed";
  }
  CompareOptions options;
  options.bootstrap_samples = 0;
  ojson t = compare_conditions(episodes, options);
  const ojson& base = t["tables"][0]["rows"][0];
  ASSERT_EQ(base["condition"], "base/direct/free");
  EXPECT_EQ(base["irrelevance"]["n"], 3);
  EXPECT_DOUBLE_EQ(base["irrelevance"]["call_rate"].get<double>(), 1.0 / 3);
  EXPECT_DOUBLE_EQ(base["irrelevance"]["abstention_rate"].get<double>(), 1.0 / 3);
  EXPECT_DOUBLE_EQ(base["irrelevance"]["malformed_rate"].get<double>(), 1.0 / 3);
  const ojson& lora = t["tables"][0]["rows"][1];
  EXPECT_EQ(lora["irrelevance"]["n"], 0);
  EXPECT_TRUE(lora["irrelevance"]["abstention_rate"].is_null());
}

namespace {

RunEpisodes run_of(const std::string& name, const std::vector<ScoredEpisode>& all, const std::string& variant) {
  RunEpisodes r;
  r.name = name;
  for (const ScoredEpisode& e : all)
    if (e.variant == variant) r.episodes.push_back(e);
  return r;
}

}  // namespace

// Two runs holding base and lora-r8 of the fixture pair exactly as the two
// variants of one run do: the same pairs, accuracies, interval, McNemar,
// flips and categories.
TEST(CompareRuns, PairAcrossRunsAsWithinOneRun) {
  std::vector<ScoredEpisode> all = fixture();
  for (ScoredEpisode& e : all) e.task_sha256 = "sha-of-" + e.task_id;
  CompareRunsOptions options;
  options.bootstrap_samples = 200;
  options.seed = 2;
  ojson runs = compare_runs(run_of("baseline", all, "base"), run_of("study", all, "lora-r8"), options);
  ojson within = compare_pair(all, "base", "lora", PairOptions{200, 2});
  const ojson& p = runs["pair"];
  EXPECT_EQ(p["a"], "base/*/*");
  EXPECT_EQ(p["b"], "lora-r8/*/*");
  EXPECT_EQ(p["differ_in"], (ojson{"run", "variant"}));
  for (const char* key : {"matched_by", "pairs", "unmatched_a", "unmatched_b", "unmatched_by_reason", "accuracy",
                          "mcnemar", "flips", "call_to_text", "text_to_call", "bootstrap", "by_category"})
    EXPECT_EQ(p[key], within[key]) << key;
  EXPECT_EQ(runs["runs"]["a"]["name"], "baseline");
  EXPECT_EQ(runs["runs"]["b"]["episodes"], 10);  // free T1..T7, force_tool T1..T3
  // The tables hold both runs' conditions, by variant.
  EXPECT_EQ(runs["tables"]["tables"][0]["rows"][0]["condition"], "base/direct/free");
  EXPECT_EQ(runs["tables"]["tables"][0]["rows"][1]["condition"], "lora-r8/direct/free");
}

// A variant name in both runs is shown with its run's name; a run with two
// variants needs a selection; selections may pin the prompt format or mode.
TEST(CompareRuns, VariantNamesSelectionsAndRefusals) {
  std::vector<ScoredEpisode> all = fixture();
  RunEpisodes a = run_of("baseline", all, "base");
  RunEpisodes b = run_of("study", all, "base");
  for (const ScoredEpisode& e : run_of("study", all, "lora-r8").episodes) b.episodes.push_back(e);
  CompareRunsOptions options;
  options.bootstrap_samples = 0;
  EXPECT_THROW(compare_runs(a, b, options), InputError);  // study has base and lora-r8
  options.select_b = "lora";
  ojson runs = compare_runs(a, b, options);
  EXPECT_EQ(runs["pair"]["a"], "base@baseline/*/*");
  EXPECT_EQ(runs["pair"]["b"], "lora-r8/*/*");
  EXPECT_EQ(runs["runs"]["b"]["variants"][0], (ojson{{"variant", "base"}, {"shown_as", "base@study"}}));
  EXPECT_EQ(runs["pair"]["pairs"], 9);
  // The same run name on both sides: A and B.
  RunEpisodes b_same = b;
  b_same.name = "baseline";
  options.select_b = "base";
  ojson same = compare_runs(a, b_same, options);
  EXPECT_EQ(same["pair"]["a"], "base@A/*/*");
  EXPECT_EQ(same["pair"]["b"], "base@B/*/*");
  EXPECT_EQ(same["pair"]["differ_in"], (ojson{"run"}));
  EXPECT_EQ(same["pair"]["pairs"], 9);  // base against itself: free T1..T6, force_tool T1..T3
  EXPECT_EQ(same["pair"]["mcnemar"]["b"], 0);
  EXPECT_EQ(same["pair"]["mcnemar"]["c"], 0);
  // Pinning the mode on both sides: free in A against force_tool in B.
  options.select_a = "base//free";
  options.select_b = "lora//force_tool";
  ojson modes = compare_runs(a, b, options);
  EXPECT_EQ(modes["pair"]["differ_in"], (ojson{"run", "variant", "mode"}));
  EXPECT_EQ(modes["pair"]["matched_by"], (ojson{"task_id", "prompt_format", "seed"}));
  EXPECT_EQ(modes["pair"]["pairs"], 3);  // T1..T3
  options.select_a = "zzz";
  EXPECT_THROW(compare_runs(a, b, options), InputError);
}

TEST(CompareRuns, RefusesATaskWhoseContentDiffers) {
  std::vector<ScoredEpisode> all = fixture();
  for (ScoredEpisode& e : all) e.task_sha256 = "0123456789abcdef-" + e.task_id;
  RunEpisodes a = run_of("baseline", all, "base"), b = run_of("study", all, "lora-r8");
  ASSERT_NO_THROW(compare_runs(a, b, CompareRunsOptions{}));
  for (ScoredEpisode& e : b.episodes)
    if (e.task_id == "T3") e.task_sha256 = "fedcba9876543210-T3";
  try {
    compare_runs(a, b, CompareRunsOptions{});
    FAIL() << "a task with other content was paired";
  } catch (const InputError& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("task 'T3' differs in content"), std::string::npos) << what;
    EXPECT_EQ(what.find('\n'), std::string::npos) << what;
  }
}
