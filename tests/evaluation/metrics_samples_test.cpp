// Metrics over repeated samples (samples_metrics.h) and hallucinated calls
// (hallucination.h) against values worked out by hand on a fixture.
//
// The fixture: variant "base", format "direct", four tasks A-D, free mode
// with three samples of A, B, C and two of D (first action, correct):
//   A: call ok, call ok, text wrong       acc 2/3  use 2/3  agree 1/3  unanimous 0
//   B: text wrong, text wrong, text ok    acc 1/3  use 0    agree 1    unanimous 1
//   C: malformed, call wrong, text wrong  acc 0    use 1/3  agree 0    unanimous 0
//   D: call ok, call ok                   acc 1    use 1    agree 1    unanimous 1
// ("agree": of the n(n-1) ordered pairs of samples, those with the same
// first action: A has call x2, text x1 -> 2*1 / (3*2) = 1/3.)
// force_tool / force_text correctness by sample (the best choice of each pair):
//   A: tool T T F, text F F F  -> tool, tool, neither   flips
//   B: tool T F T, text F T T  -> tool, text, either    flips, tool and text
//   C: tool T,     text F      -> one pair: not counted
//   D: tool F F,   text T T    -> text, text            no flip
#include "evaluation/hallucination.h"
#include "evaluation/metrics.h"
#include "evaluation/samples_metrics.h"

#include <gtest/gtest.h>

using namespace agentcoder;
using namespace agentcoder::evaluation;
using ojson = nlohmann::ordered_json;

namespace {

ScoredEpisode sample(const std::string& task, Mode mode, int index, ReplyKind first, std::optional<bool> correct) {
  ScoredEpisode e;
  e.key_id = task + "-" + to_string(mode) + "-" + std::to_string(index);
  e.task_id = task;
  e.sample = index;
  e.seed = 100 + index;
  e.variant = "base";
  e.prompt_format = "direct";
  e.mode = mode;
  e.optimal_tool = "python";
  e.offered_tools = {"python"};
  e.first_decision = first;
  if (first == ReplyKind::tool_call) e.first_tool = "python";
  e.scored = true;
  e.correct = correct;
  return e;
}

std::vector<ScoredEpisode> fixture() {
  const ReplyKind call = ReplyKind::tool_call, text = ReplyKind::text, malformed = ReplyKind::malformed;
  std::vector<ScoredEpisode> out = {
      sample("A", Mode::free, 0, call, true),       sample("A", Mode::free, 1, call, true),
      sample("A", Mode::free, 2, text, false),      sample("B", Mode::free, 0, text, false),
      sample("B", Mode::free, 1, text, false),      sample("B", Mode::free, 2, text, true),
      sample("C", Mode::free, 0, malformed, false), sample("C", Mode::free, 1, call, false),
      sample("C", Mode::free, 2, text, false),      sample("D", Mode::free, 0, call, true),
      sample("D", Mode::free, 1, call, true),
  };
  auto forced = [&](const std::string& task, std::vector<bool> tool, std::vector<bool> txt) {
    for (size_t i = 0; i < tool.size(); ++i) out.push_back(sample(task, Mode::force_tool, static_cast<int>(i), call, tool[i]));
    for (size_t i = 0; i < txt.size(); ++i) out.push_back(sample(task, Mode::force_text, static_cast<int>(i), text, txt[i]));
  };
  forced("A", {true, true, false}, {false, false, false});
  forced("B", {true, false, true}, {false, true, true});
  forced("C", {true}, {false});
  forced("D", {false, false}, {true, true});
  return out;
}

ojson metrics() {
  MetricsOptions options;
  options.bootstrap_samples = 300;
  options.seed = 9;
  return compute_metrics(fixture(), options);
}

const ojson& free_condition(const ojson& m) {
  for (const ojson& c : m["conditions"])
    if (c["mode"] == "free") return c;
  throw std::runtime_error("no free condition");
}

void expect_estimate(const ojson& j, double value, int tasks, const char* what) {
  ASSERT_TRUE(j["value"].is_number()) << what << ": " << j.dump();
  EXPECT_NEAR(j["value"].get<double>(), value, 1e-12) << what;
  EXPECT_EQ(j["tasks"], tasks) << what;
  ASSERT_TRUE(j["lo"].is_number() && j["hi"].is_number()) << what << ": " << j.dump();
  EXPECT_LE(j["lo"].get<double>(), value + 1e-12) << what;
  EXPECT_GE(j["hi"].get<double>(), value - 1e-12) << what;
}

TEST(SamplesMetrics, PassAtKIsTheUnbiasedEstimator) {
  EXPECT_NEAR(pass_at_k(5, 2, 2), 1.0 - 3.0 / 10.0, 1e-12);  // 1 - C(3,2)/C(5,2)
  EXPECT_NEAR(pass_at_k(3, 1, 1), 1.0 / 3.0, 1e-12);
  EXPECT_NEAR(pass_at_k(3, 1, 2), 2.0 / 3.0, 1e-12);  // 1 - C(2,2)/C(3,2)
  EXPECT_EQ(pass_at_k(3, 2, 2), 1.0);                  // n - c = 1 < k: every pair holds a correct one
  EXPECT_EQ(pass_at_k(10, 0, 3), 0.0);
  EXPECT_EQ(pass_at_k(4, 4, 1), 1.0);
}

// Means over tasks, not over episodes: pooled, accuracy and tool use would be
// 5/11; per task they are (2/3 + 1/3 + 0 + 1) / 4 = 1/2 and (2/3 + 0 + 1/3 + 1) / 4 = 1/2.
TEST(SamplesMetrics, MeansOverTasksWithIntervals) {
  ojson m = metrics();
  const ojson& s = free_condition(m)["samples"];
  ASSERT_TRUE(s.is_object()) << s.dump();
  EXPECT_EQ(s["per_task"], (ojson{{"min", 2}, {"max", 3}}));
  expect_estimate(s["accuracy"], 0.5, 4, "accuracy");
  expect_estimate(s["tool_use_rate"], 0.5, 4, "tool_use_rate");
  // (1/3 + 1 + 0 + 1) / 4 = 7/12; unanimous: B and D of four.
  expect_estimate(s["tool_use_consistency"], 7.0 / 12.0, 4, "tool_use_consistency");
  expect_estimate(s["unanimous_share"], 0.5, 4, "unanimous_share");
  // pass@1 = mean accuracy; pass@2: A 1, B 1 - C(2,2)/C(3,2) = 2/3, C 0, D 1 -> 2/3;
  // pass@3 over the three tasks with 3 samples: A 1, B 1, C 0 -> 2/3.
  ASSERT_EQ(s["pass_at_k"].size(), 3u);
  EXPECT_EQ(s["pass_at_k"][0]["k"], 1);
  expect_estimate(s["pass_at_k"][0], 0.5, 4, "pass@1");
  expect_estimate(s["pass_at_k"][1], 2.0 / 3.0, 4, "pass@2");
  expect_estimate(s["pass_at_k"][2], 2.0 / 3.0, 3, "pass@3");
  EXPECT_EQ(metrics(), m) << "the same input and seed give the same JSON";
}

TEST(SamplesMetrics, BestChoiceFlipsPerArm) {
  ojson m = metrics();
  ASSERT_EQ(m["sample_flips"].size(), 1u);
  const ojson& f = m["sample_flips"][0];
  EXPECT_EQ(f["variant"], "base");
  EXPECT_EQ(f["tasks"], 3);  // C has one pair
  EXPECT_NEAR(f["flip_share"].get<double>(), 2.0 / 3.0, 1e-12);
  EXPECT_NEAR(f["tool_text_flip_share"].get<double>(), 1.0 / 3.0, 1e-12);
}

TEST(SamplesMetrics, OneSampleATaskHasNoSamplesBlock) {
  std::vector<ScoredEpisode> one;
  for (const ScoredEpisode& e : fixture())
    if (e.sample == 0) one.push_back(e);
  MetricsOptions options;
  ojson m = compute_metrics(one, options);
  EXPECT_TRUE(free_condition(m)["samples"].is_null());
  EXPECT_TRUE(m["sample_flips"].empty());
}

// A call in distractor mode is hallucinated even to the distractor (offered);
// elsewhere only a call to a tool not offered is.
TEST(Hallucination, DistractorCallsAndCallsToToolsNotOffered) {
  ScoredEpisode free = sample("A", Mode::free, 0, ReplyKind::tool_call, true);
  CallView python;
  python.tool = "python";
  python.offered = true;
  free.calls = {python};
  ScoredEpisode distractor = sample("A", Mode::distractor, 0, ReplyKind::tool_call, false);
  CallView weather;
  weather.tool = "get_weather";
  weather.offered = true;
  weather.not_run_by_design = true;
  distractor.calls = {weather};
  ScoredEpisode no_tools = sample("B", Mode::no_tools, 0, ReplyKind::tool_call, false);
  CallView unoffered = python;
  unoffered.offered = false;
  no_tools.calls = {unoffered, unoffered};
  ScoredEpisode quiet = sample("C", Mode::no_tools, 0, ReplyKind::text, true);
  EXPECT_EQ(hallucinated_calls_of(free), 0);
  EXPECT_EQ(hallucinated_calls_of(distractor), 1);
  EXPECT_EQ(hallucinated_calls_of(no_tools), 2);
  EXPECT_NEAR(*hallucination_rate_of({&no_tools, &quiet}), 0.5, 1e-12);
  EXPECT_FALSE(hallucination_rate_of({}).has_value());

  // In the metrics: per condition, with an interval over tasks.
  MetricsOptions options;
  options.bootstrap_samples = 200;
  ojson m = compute_metrics({free, distractor, no_tools, quiet}, options);
  std::map<std::string, ojson> by_mode;
  for (const ojson& c : m["conditions"]) by_mode[c["mode"]] = c;
  EXPECT_EQ(by_mode["free"]["hallucination_rate"], 0.0);
  EXPECT_EQ(by_mode["distractor"]["hallucination_rate"], 1.0);
  EXPECT_EQ(by_mode["no_tools"]["hallucinated_calls"], 2);
  EXPECT_NEAR(by_mode["no_tools"]["hallucination_rate"].get<double>(), 0.5, 1e-12);
  // Two tasks, one hallucinating: resamples give 0, 1/2 or 1.
  EXPECT_EQ(by_mode["no_tools"]["hallucination_ci"]["lo"], 0.0);
  EXPECT_EQ(by_mode["no_tools"]["hallucination_ci"]["hi"], 1.0);
}

// The decision probe per condition: the mean p_tool where the model decides
// (free, no_tools, distractor), with an interval over tasks; never read in
// a forced mode (files before schema 4 stored one there).
TEST(Hallucination, MeanProbeWhereTheModelDecides) {
  ScoredEpisode free = sample("A", Mode::free, 0, ReplyKind::tool_call, true);
  free.p_tool = 0.9;
  ScoredEpisode b = sample("B", Mode::no_tools, 0, ReplyKind::text, false);
  b.p_tool = 0.25;
  ScoredEpisode c = sample("C", Mode::no_tools, 0, ReplyKind::text, false);
  c.p_tool = 0.05;
  ScoredEpisode unprobed = sample("D", Mode::no_tools, 0, ReplyKind::text, false);  // no probe: left out
  ScoredEpisode forced = sample("A", Mode::force_text, 0, ReplyKind::text, false);
  forced.p_tool = 0.7;  // as an old file stored it
  EXPECT_NEAR(*mean_p_tool_of({&b, &c, &unprobed}), 0.15, 1e-12);
  EXPECT_FALSE(mean_p_tool_of({&forced}).has_value());
  EXPECT_FALSE(mean_p_tool_of({&unprobed}).has_value());

  MetricsOptions options;
  options.bootstrap_samples = 200;
  ojson m = compute_metrics({free, b, c, unprobed, forced}, options);
  std::map<std::string, ojson> by_mode;
  for (const ojson& cond : m["conditions"]) by_mode[cond["mode"]] = cond;
  const ojson& no_tools = by_mode["no_tools"]["p_tool"];
  EXPECT_EQ(no_tools["n"], 2);
  EXPECT_NEAR(no_tools["mean"].get<double>(), 0.15, 1e-12);
  // Three tasks, one unprobed: a resample's mean is 0.05, 0.15 or 0.25 (or
  // none, when it draws D alone), so the interval lies within [0.05, 0.25].
  ASSERT_TRUE(no_tools["lo"].is_number()) << no_tools.dump();
  EXPECT_GE(no_tools["lo"].get<double>(), 0.05 - 1e-12);
  EXPECT_LT(no_tools["lo"].get<double>(), 0.15);
  EXPECT_GT(no_tools["hi"].get<double>(), 0.15);
  EXPECT_LE(no_tools["hi"].get<double>(), 0.25 + 1e-12);
  EXPECT_NEAR(by_mode["free"]["p_tool"]["mean"].get<double>(), 0.9, 1e-12);
  EXPECT_EQ(by_mode["force_text"]["p_tool"]["n"], 0);
  EXPECT_TRUE(by_mode["force_text"]["p_tool"]["mean"].is_null());
}

}  // namespace
