// An episode's identity covers what the model saw and what decides its
// score: the key hashes the rendered first turn (so text that lives in code,
// like the harness's tool instructions, is in it) and the whole task (so a
// corrected answer is a new task, in the keys and in the run's snapshot).
// Stored episodes say when they started and ended, and carry the decision
// probe only where the model decided freely.
#include <map>
#include <regex>
#include <set>

#include "agent/episode_runner.h"
#include "data/task_json.h"
#include "experiment/plan.h"
#include "experiment/runner.h"
#include "experiment_fixture.h"
#include "models/chat_template.h"
#include "models/model.h"
#include "store/results_store.h"
#include "utils/files.h"
#include "utils/sha256.h"

namespace experiment_test {
namespace {

experiment::RunSummary run_into(const experiment::Plan& p, bool resume) {
  store::ResultsStore results(p.results_path);
  experiment::RunOptions options;
  options.resume = resume;
  options.allow_config_change = resume;
  return experiment::run(p, results, options);
}

TEST_F(ExperimentTest, KeysHashTheFirstTurnTheModelSees) {
  experiment::Plan p = experiment::plan(config("turn"), {dir_ + "/r"});
  models::Model model({AGENTCODER_TINY_MODEL});
  models::ChatTemplate chat(model);
  const auto schemas = p.toolbox->schemas();
  std::map<std::pair<std::string, Mode>, std::string> turns;
  for (const auto& e : p.episodes) {
    const data::Task& task = p.tasks[e.task];
    const std::string turn = agent::first_turn(chat, schemas, p.formats.at(e.format), e.mode, p.posed[e.task], p.agent);
    EXPECT_EQ(e.key.prompt_sha256, sha256_hex(turn)) << e.key.task_id << " " << e.key.mode;
    EXPECT_NE(turn.find(task.prompt), std::string::npos) << "the task is part of the first turn";
    EXPECT_EQ(e.key.harness_version, agent::kHarnessBehaviourVersion);
    turns[{task.id, e.mode}] = turn;
  }
  std::set<std::string> distinct;
  for (const auto& [task_and_mode, turn] : turns) distinct.insert(turn);
  EXPECT_EQ(distinct.size(), p.episodes.size()) << "every task and mode is its own first turn";
  // force_tool sees free mode's turn and then the prefilled call opener.
  for (const auto& t : p.tasks) {
    const std::string& free = turns.at({t.id, Mode::free});
    const std::string& forced = turns.at({t.id, Mode::force_tool});
    EXPECT_GT(forced.size(), free.size());
    EXPECT_EQ(forced.substr(0, free.size()), free);
    EXPECT_NE(forced.substr(free.size()).find("<tool_call>"), std::string::npos) << forced.substr(free.size());
  }

  // The runner stores an episode only when it saw the turn its key promises;
  // every planned episode is stored, so every one did.
  EXPECT_EQ(run_into(p, false).ran, p.episodes.size());
}

// A KV-cache type other than the default is part of every key and reaches
// the engine; the default adds nothing, so older runs keep their keys.
TEST_F(ExperimentTest, AKvCacheTypeIsPartOfTheKeysAndReachesTheEngine) {
  experiment::RunConfig c = config("kv");
  experiment::Plan f16 = experiment::plan(c, {dir_ + "/r"});
  c.kv_type = "q8_0";
  experiment::Plan q8 = experiment::plan(c, {dir_ + "/r"});
  ASSERT_EQ(f16.episodes.size(), q8.episodes.size());
  for (size_t i = 0; i < f16.episodes.size(); ++i) {
    EXPECT_FALSE(f16.episodes[i].key.settings.contains("kv_type"));
    EXPECT_EQ(q8.episodes[i].key.settings["kv_type"], "q8_0");
    EXPECT_NE(f16.episodes[i].key.id(), q8.episodes[i].key.id());
  }
  EXPECT_EQ(experiment::engine_options(c, 1).kv_type, "q8_0");
  EXPECT_EQ(run_into(q8, false).ran, q8.episodes.size());
}

TEST_F(ExperimentTest, ResumeAfterAToolInstructionChangeReusesNoEpisodeThatSawThem) {
  // The harness's tool instructions are text in code, in no file the key
  // names: only the rendered first turn carries them into the key. (The tiny
  // model's template renders tools itself, so the harness format is asked for.)
  experiment::RunConfig harness = config("wording");
  harness.tool_format = "harness";
  experiment::Plan before = experiment::plan(harness, {dir_ + "/r"});
  ASSERT_EQ(run_into(before, false).ran, 15u);

  write_file_atomically(path("instructions.txt"), "To use a tool, write CALL name WITH json on one line.");
  experiment::RunConfig changed = harness;
  changed.tool_instructions = path("instructions.txt");
  experiment::Plan after = experiment::plan(changed, {dir_ + "/r"});
  experiment::RunSummary resumed = run_into(after, true);
  // force_text offers no tools, so its 5 first turns hold no instructions and
  // are the same episodes; the 10 free and force_tool ones run afresh.
  EXPECT_EQ(resumed.already_stored, 5u);
  EXPECT_EQ(resumed.ran, 10u);
  for (size_t i = 0; i < before.episodes.size(); ++i) {
    const bool same = before.episodes[i].key.id() == after.episodes[i].key.id();
    EXPECT_EQ(same, before.episodes[i].mode == Mode::force_text) << before.episodes[i].key.task_id;
  }
}

TEST_F(ExperimentTest, ACorrectedAnswerIsANewTaskForKeysAndTheSnapshot) {
  experiment::Plan before = experiment::plan(config("fix"), {dir_ + "/r"});
  ASSERT_EQ(run_into(before, false).ran, 15u);

  // Same id, same prompt, corrected ground truth.
  std::vector<data::Task> fixed = tasks();
  fixed[0].ground_truth_output = "corrected";
  data::write_tasks(path("tasks.jsonl"), fixed);
  experiment::Plan after = experiment::plan(config("fix"), {dir_ + "/r"});
  ASSERT_EQ(after.tasks[0].id, fixed[0].id);
  ASSERT_EQ(after.tasks[0].prompt, before.tasks[0].prompt);
  EXPECT_EQ(run_into(after, true).ran, 3u);  // that task's three modes

  // The snapshot keeps both versions; the new episodes name the corrected
  // one by hash, which is how score finds the task it judges against.
  store::ResultsStore results(after.results_path, store::Access::read_only);
  const int64_t run_id = results.pick_run("fix").run_id;
  std::map<std::string, std::string> by_hash;
  for (const auto& t : results.tasks(run_id))
    if (t.task_id == fixed[0].id) by_hash[t.task_sha256] = t.task_json;
  ASSERT_EQ(by_hash.size(), 2u);
  const std::string new_hash = experiment::task_sha256(after.tasks[0]);
  ASSERT_TRUE(by_hash.count(new_hash));
  EXPECT_EQ(nlohmann::json::parse(by_hash[new_hash]).at("ground_truth_output"), "corrected");
  int named_new = 0;
  for (const auto& stored : results.list_episodes(run_id))
    if (stored.record.key.task_id == fixed[0].id && stored.record.key.task_sha256 == new_hash) ++named_new;
  EXPECT_EQ(named_new, 3);
}

// One run checks two stored columns (each run of 15 episodes costs CI time).
TEST_F(ExperimentTest, StoredEpisodesSayWhenTheyRanAndHaveAProbeOnlyWhereTheModelDecided) {
  experiment::Plan p = experiment::plan(config("when"), {dir_ + "/r"});
  ASSERT_EQ(run_into(p, false).ran, 15u);
  store::ResultsStore results(p.results_path, store::Access::read_only);
  const std::regex iso(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z)");
  for (const auto& listed : results.list_episodes(results.pick_run("when").run_id)) {
    auto full = results.get_episode(results.pick_run("when").run_id, listed.key_id);
    ASSERT_TRUE(full);
    EXPECT_TRUE(std::regex_match(full->record.started_at, iso)) << "'" << full->record.started_at << "'";
    EXPECT_TRUE(std::regex_match(full->record.finished_at, iso)) << "'" << full->record.finished_at << "'";
    EXPECT_LE(full->record.started_at, full->record.finished_at);
    // The decision probe is measured where the model decides freely: the
    // first reply of a free episode. Nothing measures p_text.
    if (full->record.key.mode == "free") {
      ASSERT_TRUE(full->record.p_tool.has_value());
      EXPECT_GE(*full->record.p_tool, 0.0);
      EXPECT_LE(*full->record.p_tool, 1.0);
      // Its terms are stored per opener, with their tokens; p_tool is their sum.
      ASSERT_FALSE(full->record.probe_openers.empty());
      double sum = 0;
      for (const auto& o : full->record.probe_openers) {
        EXPECT_FALSE(o.opener.empty());
        EXPECT_FALSE(o.tokens.empty()) << o.opener;
        sum += o.p;
      }
      EXPECT_DOUBLE_EQ(sum, *full->record.p_tool);
    } else {
      EXPECT_FALSE(full->record.p_tool.has_value()) << full->record.key.mode;
      EXPECT_TRUE(full->record.probe_openers.empty()) << full->record.key.mode;
    }
    EXPECT_FALSE(full->record.p_text.has_value());
  }
}

}  // namespace
}  // namespace experiment_test
