// The hidden-state probe (evaluation/probe.h): "needs the tool" from the
// per-model necessity on hand-made episodes, the examples it builds, and the fitting through
// probe.py (label python) on synthetic hidden states whose labels are linear
// functions of known coordinates, so the answers can be checked by hand: a
// label that is the sign of a coordinate is predicted almost perfectly where
// that coordinate is present and at chance where it is not, two labels on
// orthogonal coordinates have directions with a cosine near 0, and one label
// fitted twice has cosine 1.
#include "evaluation/probe.h"

#include <algorithm>
#include <cmath>
#include <random>

#include <gtest/gtest.h>

#include "support/python_env.h"

using namespace agentcoder;
using namespace agentcoder::evaluation;

namespace {

ScoredEpisode episode(const std::string& task, Mode mode, std::optional<bool> correct, const std::string& format = "direct",
                      const std::string& variant = "v") {
  ScoredEpisode e;
  e.key_id = task + "/" + variant + "/" + format + "/" + to_string(mode) + "/" + std::to_string(correct.value_or(2));
  e.task_id = task;
  e.variant = variant;
  e.prompt_format = format;
  e.mode = mode;
  e.scored = true;
  e.correct = correct;
  return e;
}

// The probe through `python`, with 200 resamples for each CI.
nlohmann::ordered_json probe_with(const std::string& python, const std::vector<ProbeExample>& examples,
                                  const store::HiddenStatesHeader& header) {
  ProbeOptions options;
  options.python = python;
  options.bootstrap = 200;
  return run_probe(examples, header, options);
}

std::string hex_id(int i) {
  char buf[65];
  std::snprintf(buf, sizeof buf, "%064x", i);
  return buf;
}

}  // namespace

// "Needs the tool" is the per-model necessity of evaluation/necessity.h:
// needed unless force_text solved the task in at least the threshold's share
// of its samples, per variant and format.
TEST(ProbeExamples, NeedsIsTheTasksNecessityAtTheThreshold) {
  std::vector<ScoredEpisode> e;
  auto add = [&](const std::string& task, Mode mode, std::optional<bool> correct, int id = 0) {
    e.push_back(episode(task, mode, correct));
    if (id) e.back().key_id = hex_id(id);
  };
  add("solved", Mode::free, false, 1);
  add("solved", Mode::force_text, true);
  add("failed", Mode::free, false, 2);
  add("failed", Mode::force_text, false);
  add("failed", Mode::force_tool, true);  // forced tool runs do not decide it
  add("one-of-two", Mode::free, false, 3);
  add("one-of-two", Mode::force_text, false);
  add("one-of-two", Mode::force_text, true);
  add("no-correctness", Mode::free, false, 4);
  add("no-correctness", Mode::force_text, std::nullopt);
  store::HiddenStates hidden;
  hidden.header.layers = {0};
  for (int id = 1; id <= 4; ++id) hidden.rows.push_back({hex_id(id), 1, {1}});
  std::vector<ProbeExample> all = probe_examples(e, hidden);  // threshold 1: solved in every sample
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[0].needs, false);
  EXPECT_EQ(all[1].needs, true);
  EXPECT_EQ(all[2].needs, true);
  EXPECT_EQ(all[3].needs, std::nullopt);
  std::vector<ProbeExample> half = probe_examples(e, hidden, 0.5);
  EXPECT_EQ(half[2].needs, false) << "solved in 1 of 2 samples meets a threshold of one half";
}

TEST(ProbeExamples, FreeEpisodesWithARowAndTheirLabels) {
  std::vector<ScoredEpisode> e = {episode("a", Mode::free, false), episode("a", Mode::force_text, false),
                                  episode("b", Mode::free, true), episode("b", Mode::force_text, true),
                                  episode("c", Mode::free, true)};
  e[0].key_id = hex_id(1);
  e[0].first_decision = ReplyKind::malformed;  // an attempt at a call counts as calling
  e[2].key_id = hex_id(2);
  e[2].first_decision = ReplyKind::text;
  e[4].key_id = hex_id(3);  // no row: left out
  store::HiddenStates hidden;
  hidden.header.layers = {0};
  hidden.rows = {{hex_id(2), 1, {9}}, {hex_id(1), 1, {1}}, {hex_id(1), 1, {2}}};  // id 1 twice: the last counts
  std::vector<ProbeExample> x = probe_examples(e, hidden);
  ASSERT_EQ(x.size(), 2u);
  EXPECT_EQ(x[0].key_id, hex_id(1));
  EXPECT_TRUE(x[0].calls);
  EXPECT_EQ(x[0].needs, true);
  EXPECT_EQ(x[0].row->values, std::vector<float>{2});
  EXPECT_EQ(x[1].key_id, hex_id(2));
  EXPECT_FALSE(x[1].calls);
  EXPECT_EQ(x[1].needs, false);
}

// The folds follow the examples' order, so it must not depend on the order
// the store lists episodes in (insertion order: a merged shard set, or
// another parallelism, stores them in another).
TEST(ProbeExamples, TheOrderIsTheEpisodesIdentityNotTheirStorageOrder) {
  std::vector<ScoredEpisode> e;
  for (int id : {3, 1, 2}) {
    e.push_back(episode("t" + std::to_string(id), Mode::free, true));
    e.back().key_id = hex_id(id);
  }
  store::HiddenStates hidden;
  hidden.header.layers = {0};
  for (int id = 1; id <= 3; ++id) hidden.rows.push_back({hex_id(id), 1, {float(id)}});
  std::vector<ProbeExample> x = probe_examples(e, hidden);
  std::reverse(e.begin(), e.end());
  std::vector<ProbeExample> y = probe_examples(e, hidden);
  ASSERT_EQ(x.size(), 3u);
  ASSERT_EQ(y.size(), 3u);
  const std::vector<std::string> expected = {hex_id(1), hex_id(2), hex_id(3)};
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(x[i].key_id, expected[i]) << i;
    EXPECT_EQ(y[i].key_id, expected[i]) << i;
  }
}

TEST(Probe, SeparableSyntheticCaseGivesTheHandCheckedAnswers) {
  const std::string python = agentcoder::testing::python_or_skip();
  if (python.empty()) GTEST_SKIP() << "no project Python environment";
  // Variant "v": needs = (a > 0), calls = (b > 0), a and b independent.
  //   layer 3 holds [a, b, noise, noise]; layer 8 holds [a, noise, noise, noise].
  // Variant "same": calls = needs = (a > 0) on the same rows: one fit twice.
  // Variant "never": no episode calls: no calls probe.
  std::mt19937 rng(7);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<ScoredEpisode> episodes;
  store::HiddenStates hidden;
  hidden.header.layers = {3, 8};
  int id = 0;
  for (const std::string variant : {"v", "same", "never"}) {
    for (int i = 0; i < 60; ++i) {
      const float a = normal(rng), b = normal(rng);
      const std::string task = "t" + std::to_string(i);
      ScoredEpisode free = episode(task, Mode::free, true, "direct", variant);
      free.key_id = hex_id(++id);
      const bool calls = variant == "v" ? b > 0 : variant == "same" ? a > 0 : false;
      free.first_decision = calls ? ReplyKind::tool_call : ReplyKind::text;
      episodes.push_back(free);
      episodes.push_back(episode(task, Mode::force_text, !(a > 0), "direct", variant));
      hidden.rows.push_back({free.key_id, 4, {a, b, normal(rng), normal(rng), a, normal(rng), normal(rng), normal(rng)}});
    }
  }
  std::vector<ProbeExample> examples = probe_examples(episodes, hidden);
  ASSERT_EQ(examples.size(), 180u);
  nlohmann::ordered_json r = probe_with(python, examples, hidden.header);
  ASSERT_EQ(r["groups"].size(), 3u);

  const auto& v = r["groups"][0];
  EXPECT_EQ(v["variant"], "v");
  EXPECT_EQ(v["episodes"], 60);
  const auto& l3 = v["layers"][0];
  const auto& l8 = v["layers"][1];
  EXPECT_EQ(l3["layer"], 3);
  EXPECT_EQ(l8["layer"], 8);
  EXPECT_EQ(l3["needs"]["folds"], 5);
  EXPECT_GT(l3["needs"]["auroc"].get<double>(), 0.95);
  EXPECT_GT(l3["calls"]["auroc"].get<double>(), 0.95);
  EXPECT_LE(l3["calls"]["ci_low"].get<double>(), l3["calls"]["auroc"].get<double>());
  EXPECT_GE(l3["calls"]["ci_high"].get<double>(), l3["calls"]["auroc"].get<double>());
  EXPECT_LT(std::fabs(l3["cosine"].get<double>()), 0.2) << "needs on a, calls on b: orthogonal";
  EXPECT_GT(l8["needs"]["auroc"].get<double>(), 0.95);
  EXPECT_LT(l8["calls"]["auroc"].get<double>(), 0.75) << "layer 8 holds nothing of b";
  EXPECT_GT(l8["calls"]["ci_high"].get<double>(), 0.5);

  const auto& same = r["groups"][1]["layers"][0];
  EXPECT_NEAR(same["cosine"].get<double>(), 1.0, 1e-9);
  EXPECT_EQ(same["needs"]["auroc"], same["calls"]["auroc"]);

  const auto& never = r["groups"][2]["layers"][0];
  EXPECT_FALSE(never["calls"].contains("auroc"));
  EXPECT_EQ(never["calls"]["positives"], 0);
  EXPECT_TRUE(never["cosine"].is_null());
  EXPECT_GT(never["needs"]["auroc"].get<double>(), 0.95);
}

// One task's episodes (its samples, its prompt formats) share its text and,
// within a format, the very same hidden state. Folds that split them score a
// probe on rows it was fitted on: here 30 tasks x 4 samples of random
// 64-wide states with labels random per task, which episode-level folds
// "predict" with an AUROC near 1. With a task's episodes in one fold it is
// chance.
TEST(Probe, ATasksEpisodesStayInOneFold) {
  const std::string python = agentcoder::testing::python_or_skip();
  if (python.empty()) GTEST_SKIP() << "no project Python environment";
  std::mt19937 rng(11);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::bernoulli_distribution coin(0.5);
  std::vector<ScoredEpisode> episodes;
  store::HiddenStates hidden;
  hidden.header.layers = {0};
  int id = 0;
  for (int t = 0; t < 30; ++t) {
    const std::string task = "t" + std::to_string(t);
    std::vector<float> state(64);
    for (float& v : state) v = normal(rng);
    const bool needs = coin(rng), calls = coin(rng);
    episodes.push_back(episode(task, Mode::force_text, !needs));
    for (int sample = 0; sample < 4; ++sample) {
      ScoredEpisode free = episode(task, Mode::free, true);
      free.key_id = hex_id(++id);
      free.first_decision = calls ? ReplyKind::tool_call : ReplyKind::text;
      episodes.push_back(free);
      hidden.rows.push_back({free.key_id, 64, state});
    }
  }
  std::vector<ProbeExample> examples = probe_examples(episodes, hidden);
  ASSERT_EQ(examples.size(), 120u);
  nlohmann::ordered_json r = probe_with(python, examples, hidden.header);
  const auto& layer = r["groups"][0]["layers"][0];
  ASSERT_TRUE(layer["needs"].contains("auroc")) << layer.dump();
  ASSERT_TRUE(layer["calls"].contains("auroc")) << layer.dump();
  EXPECT_LT(layer["needs"]["auroc"].get<double>(), 0.8) << "a task's rows were on both sides of a fold";
  EXPECT_LT(layer["calls"]["auroc"].get<double>(), 0.8) << "a task's rows were on both sides of a fold";
  EXPECT_LE(layer["needs"]["ci_low"].get<double>(), 0.5);
}
