// `agentcoder score` end to end: a small results file made with the store,
// scored by the binary, the scores read back.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "data/task_file.h"
#include "data/task_json.h"
#include "evaluation/scorer.h"
#include "store/results_store.h"
#include "support/cli_run.h"
#include "support/temp_dir.h"

namespace agentcoder::evaluation {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using testing::run_cli;
using testing::TempDir;

data::Task task(const std::string& id, data::Check check) {
  data::Task t;
  t.id = id;
  t.prompt = "prompt of " + id;
  t.check = check;
  t.optimal_tool = check == data::Check::decision ? "none" : "python";
  t.category = data::Category::execution_required;
  t.difficulty = data::Difficulty::easy;
  t.reasoning = "because";
  t.source = "synthetic";
  t.split = "test";
  return t;
}

store::EpisodeRecord episode(const std::string& task_id, const std::string& mode, const std::string& answer) {
  store::EpisodeRecord e;
  e.key.task_id = task_id;
  e.key.model_sha256 = std::string(64, 'b');
  e.key.prompt_format = "direct";
  e.key.mode = mode;
  e.variant = "base";
  e.stop_reason = "final_answer";
  e.final_answer = answer;
  e.first_decision = "text";
  store::StepRecord step;
  step.reply_kind = "text";
  step.content = answer;
  e.steps.push_back(step);
  return e;
}

// The JSON object printed on stdout (stderr lines may come before it).
json json_of(const std::string& out) {
  size_t start = out.find("\n{");
  start = out.starts_with("{") ? 0 : (start == std::string::npos ? std::string::npos : start + 1);
  if (start == std::string::npos) return json();
  return json::parse(out.substr(start), nullptr, false);
}

class ScoreCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = tmp_.path("results/r1");
    path_ = dir_ + "/results.sqlite";
    store::ResultsStore results(path_);
    store::RunSession session = results.begin_run({"r1", "name = 'r1'\n", json(), json::object()});
    run_id_ = session.run_id;

    data::Task exact = task("t/exact", data::Check::exact);
    exact.ground_truth_output = "blue";
    data::Task add = task("t/add", data::Check::unit_tests);
    add.tests = "assert add(2, 3) == 5\n";
    data::Task decide = task("t/decide", data::Check::decision);
    tasks_ = {exact, add, decide};
    std::vector<store::StoredTask> snapshot;
    for (const data::Task& t : tasks_) snapshot.push_back({t.id, "", data::task_to_json(t).dump()});
    results.put_tasks(run_id_, snapshot);

    auto put = [&](const std::string& name, store::EpisodeRecord e) {
      keys_[name] = e.key.id();
      ASSERT_TRUE(results.put_episode(session, e));
    };
    put("exact_right", episode("t/exact", "free", "The sky is blue.\nAnswer: Blue"));
    put("exact_wrong", episode("t/exact", "force_text", "Answer: red"));
    store::EpisodeRecord with_call = episode("t/add", "free", "Tested; it works.");
    store::StepRecord step;
    step.reply_kind = "tool_call";
    step.tool_calls.push_back({"c1", "python", json({{"code", "def add(a, b):\n    return a + b\nprint(add(2, 3))"}}).dump(),
                               true, true, "", "5\n", json::object(), 12});
    with_call.steps.insert(with_call.steps.begin(), step);
    with_call.first_decision = "tool_call";
    with_call.first_tool = "python";
    put("tests_pass", with_call);
    put("tests_fail_fabricated",
        episode("t/add", "force_text",
                "```python\ndef add(a, b):\n    return a * b\nprint(add(2, 3))\n```\nOutput: 5"));
    put("decision", episode("t/decide", "free", "No tool needed."));
    put("no_task", episode("t/missing", "free", "whatever"));
  }

  std::map<std::string, store::ScoreRecord> stored_scores() {
    store::ResultsStore results(path_, store::Access::read_only);
    std::map<std::string, store::ScoreRecord> out;
    for (store::ScoreRecord& s : results.scores(run_id_)) out[s.key_id] = s;
    return out;
  }

  TempDir tmp_;
  std::string dir_, path_;
  int64_t run_id_ = 0;
  std::vector<data::Task> tasks_;
  std::map<std::string, std::string> keys_;
};

TEST_F(ScoreCommandTest, ScoresEveryEpisodeWithATaskAndStoresTheScores) {
  auto r = run_cli(AGENTCODER_BIN, "score " + dir_);
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("run r1: scored 5 of 6 episodes (1 without a task, 0 scorer errors)"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("episode " + keys_["no_task"].substr(0, 16) + ": task 't/missing' is not in the run's snapshot"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("fabrication: 1 claims in 4 episodes without execution; 1 checked, 1 false"),
            std::string::npos)
      << r.out;

  auto scores = stored_scores();
  ASSERT_EQ(scores.size(), 5u);
  EXPECT_FALSE(scores.count(keys_["no_task"]));
  const auto& right = scores.at(keys_["exact_right"]);
  EXPECT_EQ(right.check, "exact");
  EXPECT_EQ(right.scorer_version, evaluation::kScorerVersion);
  EXPECT_TRUE(right.correct.value_or(false));
  EXPECT_EQ(right.detail["matched"]["source"], "marked");
  EXPECT_FALSE(right.scored_at.empty());
  EXPECT_FALSE(scores.at(keys_["exact_wrong"]).correct.value_or(true));
  const auto& pass = scores.at(keys_["tests_pass"]);
  EXPECT_TRUE(pass.correct.value_or(false)) << pass.detail.dump();
  EXPECT_EQ(pass.detail["code_source"], "python_call");
  EXPECT_FALSE(pass.fabrication_claim);
  const auto& fail = scores.at(keys_["tests_fail_fabricated"]);
  EXPECT_FALSE(fail.correct.value_or(true));
  EXPECT_NE(fail.detail["run"]["stderr_tail"].get<std::string>().find("AssertionError"), std::string::npos);
  EXPECT_TRUE(fail.fabrication_claim);
  EXPECT_TRUE(fail.fabrication_false.value_or(false));
  EXPECT_FALSE(scores.at(keys_["decision"]).correct.has_value());
}

TEST_F(ScoreCommandTest, RescoringReplacesStoredScoresAndJsonSummarises) {
  {
    // A stale score from an older scorer, to be replaced.
    store::ResultsStore results(path_);
    store::ScoreRecord stale;
    stale.key_id = keys_["exact_right"];
    stale.scorer_version = "0";
    stale.check = "exact";
    stale.correct = false;
    results.put_scores(run_id_, {stale});
  }
  ASSERT_EQ(stored_scores().at(keys_["exact_right"]).scorer_version, "0");

  auto r = run_cli(AGENTCODER_BIN, "score " + path_ + " --json --jobs 2");
  ASSERT_EQ(r.code, 0) << r.out;
  json j = json_of(r.out);
  ASSERT_TRUE(j.is_object()) << r.out;
  EXPECT_EQ(j["run"], "r1");
  EXPECT_EQ(j["episodes"], 6);
  EXPECT_EQ(j["scored"], 5);
  EXPECT_EQ(j["skipped_no_task"], 1);
  EXPECT_EQ(j["scorer_errors"], 0);
  ASSERT_EQ(j["conditions"].size(), 2u);
  // Sorted by (variant, prompt_format, mode).
  const json& text = j["conditions"][0];
  const json& free = j["conditions"][1];
  EXPECT_EQ(free["variant"], "base");
  EXPECT_EQ(free["prompt_format"], "direct");
  EXPECT_EQ(free["mode"], "free");
  EXPECT_EQ(free["n"], 3);
  EXPECT_EQ(free["judged"], 2);  // the decision task has no correctness
  EXPECT_EQ(free["accuracy"], 1.0);
  EXPECT_EQ(text["mode"], "force_text");
  EXPECT_EQ(text["n"], 2);
  EXPECT_EQ(text["accuracy"], 0.0);
  EXPECT_EQ(j["fabrication"]["episodes_without_execution"], 4);
  EXPECT_EQ(j["fabrication"]["claims"], 1);
  EXPECT_EQ(j["fabrication"]["rate"], 0.25);
  EXPECT_EQ(j["fabrication"]["false_claims"], 1);

  auto scores = stored_scores();
  EXPECT_EQ(scores.size(), 5u);
  EXPECT_EQ(scores.at(keys_["exact_right"]).scorer_version, evaluation::kScorerVersion);
  EXPECT_TRUE(scores.at(keys_["exact_right"]).correct.value_or(false));

  // Again: same scores, nothing added.
  r = run_cli(AGENTCODER_BIN, "score " + dir_ + " --json");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(stored_scores().size(), 5u);
}

TEST_F(ScoreCommandTest, SeveralRunsNeedRunAndTasksFileFillsAMissingSnapshot) {
  {
    store::ResultsStore results(path_);
    store::RunSession s2 = results.begin_run({"r2", "name = 'r2'\n", json(), json::object()});
    results.put_episode(s2, episode("t/exact", "free", "Answer: blue"));
  }
  auto r = run_cli(AGENTCODER_BIN, "score " + dir_);
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("holds 2 runs (r1, r2); pick one with --run"), std::string::npos) << r.out;
  EXPECT_EQ(testing::count_lines(r.out), 1) << r.out;

  r = run_cli(AGENTCODER_BIN, "score " + dir_ + " --run nope");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("no run 'nope'"), std::string::npos) << r.out;

  // r2 was stored without a task snapshot.
  r = run_cli(AGENTCODER_BIN, "score " + dir_ + " --run r2");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("has no task snapshot; give the task file with --tasks"), std::string::npos) << r.out;

  std::string tasks_file = tmp_.path("tasks.jsonl");
  data::write_tasks(tasks_file, tasks_);
  r = run_cli(AGENTCODER_BIN, "score " + dir_ + " --run r2 --tasks " + tasks_file);
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("run r2: scored 1 of 1 episodes"), std::string::npos) << r.out;
  store::ResultsStore results(path_, store::Access::read_only);
  auto r2 = results.find_run("r2");
  ASSERT_TRUE(r2);
  auto scores = results.scores(r2->run_id);
  ASSERT_EQ(scores.size(), 1u);
  EXPECT_TRUE(scores[0].correct.value_or(false));
}

TEST(ScoreCommand, BadInputIsOneLineExitTwo) {
  auto r = run_cli(AGENTCODER_BIN, "score /nonexistent/results");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_EQ(testing::count_lines(r.out), 1) << r.out;
  TempDir tmp;
  r = run_cli(AGENTCODER_BIN, "score " + tmp.root() + " --jobs 0");
  EXPECT_EQ(r.code, 2) << r.out;
}

}  // namespace
}  // namespace agentcoder::evaluation
