// load_scored_episodes: a results file's episodes, task snapshot and scores
// joined into the flat rows the metrics read; failure classes; the token
// counts throughput is computed from.
#include "evaluation/scored_episode.h"

#include <gtest/gtest.h>

#include "evaluation/metrics.h"

#include "store/results_store.h"
#include "support/temp_dir.h"
#include "utils/errors.h"
#include "utils/sha256.h"

using namespace agentcoder;
using namespace agentcoder::evaluation;

namespace {

store::EpisodeRecord episode(const std::string& task, const std::string& mode) {
  store::EpisodeRecord r;
  r.key.task_id = task;
  r.key.task_sha256 = sha256_hex("prompt of " + task);
  r.key.model_sha256 = sha256_hex("model");
  r.key.prompt_format = "direct";
  r.key.mode = mode;
  r.key.tools = {"python", "math"};
  r.variant = "base";
  r.category = "execution_required";
  r.difficulty = "easy";
  r.optimal_tool = "python";
  r.stop_reason = "final_answer";
  r.first_decision = "tool_call";
  r.first_tool = "python";
  r.p_tool = 0.75;
  r.prompt_tokens = 300;
  r.generated_tokens = 40;
  r.extra = {{"kv_bytes", 4096}};
  store::StepRecord first;
  first.tool_calls.push_back({"c1", "python", "{}", true, false, "syntax_error", "SyntaxError", nullptr, 5});
  // As the agent stores a refused call: not executed.
  first.tool_calls.push_back({"c2", "web", "{}", false, false, "unknown_tool", "no tool named web", nullptr, 0});
  store::StepRecord second;
  second.tool_calls.push_back({"c3", "python", "{}", true, true, "", "42", nullptr, 6});
  r.steps = {first, second, store::StepRecord{}};
  return r;
}

}  // namespace

TEST(ScoredEpisode, FailureClassesFollowTheStudy) {
  EXPECT_EQ(failure_class("syntax_error", true), FailureClass::syntax);
  EXPECT_EQ(failure_class("name_error", true), FailureClass::name);
  EXPECT_EQ(failure_class("import_error", true), FailureClass::import);
  EXPECT_EQ(failure_class("runtime_error", true), FailureClass::runtime);
  EXPECT_EQ(failure_class("timeout", true), FailureClass::timeout);
  EXPECT_EQ(failure_class("memory", true), FailureClass::memory);
  EXPECT_EQ(failure_class("sandbox_denied", true), FailureClass::sandbox_denied);
  EXPECT_EQ(failure_class("bad_arguments", false), FailureClass::bad_call);
  EXPECT_EQ(failure_class("", true), std::nullopt);
}

TEST(ScoredEpisode, AStoredNameOutsideTheVocabularyIsRefused) {
  agentcoder::testing::TempDir dir;
  store::ResultsStore results(dir.path("results.sqlite"));
  store::RunSession run = results.begin_run({"r", "seed = 1\n", nullptr, nlohmann::json::object()});
  store::EpisodeRecord a = episode("t1", "free");
  a.first_decision = "tool-call";  // a misspelling some other writer made
  results.put_episode(run, a);
  try {
    load_scored_episodes(results, results.find_run("r").value());
    FAIL() << "loaded";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("unknown reply kind 'tool-call'"), std::string::npos) << e.what();
  }
}

TEST(ScoredEpisode, LoaderJoinsEpisodesTasksAndScores) {
  agentcoder::testing::TempDir dir;
  store::ResultsStore results(dir.path("results.sqlite"));
  store::RunSession run = results.begin_run({"r", "seed = 1\n", nullptr, nlohmann::json::object()});
  store::EpisodeRecord a = episode("t1", "free"), b = episode("t2", "force_text");
  b.first_decision = "malformed";
  results.put_episode(run, a);
  results.put_episode(run, b);
  results.put_tasks(run.run_id, {{"t1", a.key.task_sha256, R"({"id":"t1","check":"numeric","alternative_tools":["math"],"source":"gsm8k"})"}});
  store::ScoreRecord score;
  score.key_id = a.key.id();
  score.check = "numeric";
  score.correct = true;
  score.score = 1;
  score.fabrication_claim = false;
  score.detail = {{"process", {{"expected", {"docs", "python"}}, {"ran", {"python"}}, {"followed", false}}}};
  results.put_scores(run.run_id, {score});

  std::vector<ScoredEpisode> rows = load_scored_episodes(results, results.find_run("r").value());
  ASSERT_EQ(rows.size(), 2u);
  const ScoredEpisode& x = rows[0];
  EXPECT_EQ(x.task_id, "t1");
  EXPECT_EQ(x.mode, Mode::free);
  EXPECT_EQ(x.check, "numeric");
  EXPECT_EQ(x.alternative_tools, std::vector<std::string>{"math"});
  EXPECT_EQ(x.first_tool, "python");
  EXPECT_EQ(x.steps, 3);
  EXPECT_EQ(x.process_followed, std::optional<bool>(false));
  EXPECT_EQ(x.source, "gsm8k");
  EXPECT_EQ(rows[1].source, "unknown");  // t2 is not in the snapshot
  EXPECT_EQ(rows[1].process_followed, std::nullopt);
  EXPECT_EQ(x.kv_bytes, 4096);
  ASSERT_EQ(x.calls.size(), 3u);
  EXPECT_EQ(x.calls[0].failure, FailureClass::syntax);
  EXPECT_TRUE(x.calls[0].offered);
  EXPECT_FALSE(x.calls[1].offered);
  EXPECT_FALSE(x.calls[1].executed) << "a refused call ran nothing";
  EXPECT_EQ(x.calls[1].failure, FailureClass::bad_call);
  EXPECT_TRUE(x.calls[0].executed);
  EXPECT_EQ(x.calls[2].step, 1);
  EXPECT_EQ(x.calls[2].failure, std::nullopt);
  EXPECT_TRUE(x.scored);
  EXPECT_EQ(x.correct, std::optional<bool>(true));

  const ScoredEpisode& y = rows[1];  // no snapshot, no score
  EXPECT_FALSE(y.scored);
  EXPECT_EQ(y.check, "");
  EXPECT_EQ(y.first_tool, "") << "a malformed first reply names no tool";
}

// The boundary fits' knob: the first of generator.knobs as the task records
// them (the family's order, here not the alphabetical one), for generated
// tasks only.
TEST(ScoredEpisode, FamilyKnobIsTheFirstOfTheGeneratorsKnobs) {
  agentcoder::testing::TempDir dir;
  store::ResultsStore results(dir.path("results.sqlite"));
  store::RunSession run = results.begin_run({"r", "seed = 1\n", nullptr, nlohmann::json::object()});
  store::EpisodeRecord a = episode("g1", "free"), b = episode("g2", "free"), c = episode("plain", "free");
  for (const store::EpisodeRecord& r : {a, b, c}) results.put_episode(run, r);
  results.put_tasks(run.run_id,
                    {{"g1", a.key.task_sha256,
                      R"({"id":"g1","generator":{"family":"exec.sum_of_powers","knobs":{"n":21,"k":3}}})"},
                     {"g2", b.key.task_sha256, R"({"id":"g2","generator":{"family":"exec.odd","knobs":{"level":"hard"}}})"},
                     {"plain", c.key.task_sha256, R"({"id":"plain","knobs":{"rows":4}})"}});
  std::vector<ScoredEpisode> rows = load_scored_episodes(results, results.find_run("r").value());
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].family, "exec.sum_of_powers");
  EXPECT_EQ(rows[0].knob, "n");
  EXPECT_EQ(rows[0].knob_value, std::optional<double>(21));
  EXPECT_EQ(rows[1].knob, "level");
  EXPECT_FALSE(rows[1].knob_value.has_value()) << "a knob that is not a number has no value";
  EXPECT_EQ(rows[2].family, "") << "an imported task has no generator family";
  EXPECT_FALSE(rows[2].knob_value.has_value());
}

// Throughput from hand-made step stats, through the store and the loader
// to the metrics. One episode of three replies:
//   reply 1: prompt 120, 100 from the shared prefix -> 20 evaluated;
//            9 generated -> 8 after the first; prompt eval 30 ms, decode 200 ms
//   reply 2: prompt 180, none reused -> 180 evaluated; 1 generated -> 0;
//            prompt eval 70 ms, decode 0 ms
//   reply 3: prompt 50 -> 50 evaluated; 0 generated (stopped at once) -> 0;
//            prompt eval 0 ms
// Generation: 8 tokens / 0.2 s = 40 tok/s. Prompt: 250 tokens / 0.1 s =
// 2500 tok/s.
TEST(ScoredEpisode, ThroughputCountsWhatEachReplyEvaluatedAndDecoded) {
  agentcoder::testing::TempDir dir;
  store::ResultsStore results(dir.path("results.sqlite"));
  store::RunSession run = results.begin_run({"r", "seed = 1\n", nullptr, nlohmann::json::object()});
  store::EpisodeRecord r = episode("t1", "free");
  r.steps[0].prompt_tokens = 120, r.steps[0].prefix_reused_tokens = 100, r.steps[0].generated_tokens = 9;
  r.steps[0].prompt_eval_ms = 30, r.steps[0].decode_ms = 200;
  r.steps[1].prompt_tokens = 180, r.steps[1].generated_tokens = 1;
  r.steps[1].prompt_eval_ms = 70;
  r.steps[2].prompt_tokens = 50;
  // The episode's totals, as record_mapping.cpp sums them.
  r.prompt_tokens = 350, r.generated_tokens = 10, r.prompt_eval_ms = 100, r.decode_ms = 200;
  results.put_episode(run, r);

  std::vector<ScoredEpisode> loaded = load_scored_episodes(results, results.find_run("r").value());
  ASSERT_EQ(loaded.size(), 1u);
  EXPECT_EQ(loaded[0].prompt_evaluated_tokens, 250);
  EXPECT_EQ(loaded[0].decoded_tokens, 8);
  EpisodeRefs refs = {&loaded[0]};
  nlohmann::ordered_json t = throughput_json(refs);
  EXPECT_DOUBLE_EQ(t["generation_tokens_per_s"].get<double>(), 40.0);
  EXPECT_DOUBLE_EQ(t["prompt_tokens_per_s"].get<double>(), 2500.0);
}

// A BFCL irrelevance episode: its call to the task's own function was by
// design never run (no failure of the model), and the scorer's outcome of
// the first reply reaches the metrics.
TEST(ScoredEpisode, AnIrrelevanceEpisodeHasItsOutcomeAndNoFailedCall) {
  agentcoder::testing::TempDir dir;
  store::ResultsStore results(dir.path("results.sqlite"));
  store::RunSession run = results.begin_run({"r", "seed = 1\n", nullptr, nlohmann::json::object()});
  store::EpisodeRecord e = episode("bfcl/irrelevance_0", "free");
  e.key.tools = {"get_weather"};
  e.stop_reason = "first_reply";
  e.first_tool = "get_weather";
  store::StepRecord first;
  first.reply_kind = "tool_call";
  first.tool_calls.push_back({"c1", "get_weather", R"({"city":"Paris"})", false, false, kNotRunByDesign, "", nullptr, 0});
  e.steps = {first};
  results.put_episode(run, e);
  results.put_tasks(run.run_id, {{"bfcl/irrelevance_0", e.key.task_sha256,
                                  R"({"id":"bfcl/irrelevance_0","check":"abstain","source":"bfcl"})"}});
  store::ScoreRecord score;
  score.key_id = e.key.id();
  score.check = "abstain";
  score.correct = false;
  score.detail = {{"outcome", "call"}};
  results.put_scores(run.run_id, {score});

  std::vector<ScoredEpisode> rows = load_scored_episodes(results, results.find_run("r").value());
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].stop_reason, StopReason::first_reply);
  EXPECT_EQ(rows[0].abstain_outcome, "call");
  ASSERT_EQ(rows[0].calls.size(), 1u);
  EXPECT_TRUE(rows[0].calls[0].offered);
  EXPECT_FALSE(rows[0].calls[0].executed);
  EXPECT_TRUE(rows[0].calls[0].not_run_by_design);
  EXPECT_EQ(rows[0].calls[0].failure, std::nullopt) << "not running it was the harness's choice, not the model's failure";
}
