// Shards (experiment/shard.h) and their merge (shard_merge.h) on the tiny
// model: every episode in exactly one shard, the same parts every time,
// balanced, few variants per shard; a run in shards merged is the unsharded
// run episode for episode; a missing, incomplete, foreign or overlapping
// shard is refused by name and nothing is written. Hidden states
// ([probe] hidden_layers) merge into one file beside the merged results, row
// for row the unsharded run's; shards that disagree on them are refused.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "experiment/plan.h"
#include "experiment/runner.h"
#include "experiment/shard.h"
#include "experiment/shard_merge.h"
#include "experiment_fixture.h"
#include "store/hidden_states_file.h"
#include "utils/errors.h"
#include "utils/files.h"

namespace experiment_test {
namespace {

namespace fs = std::filesystem;

// key -> final answer and every step's model text
std::map<std::string, std::string> episode_texts(const std::string& path, const std::string& run) {
  store::ResultsStore results(path, store::Access::read_only);
  int64_t run_id = results.pick_run(run).run_id;
  std::map<std::string, std::string> out;
  for (const auto& e : results.list_episodes(run_id)) {
    auto full = results.get_episode(run_id, e.key_id);
    std::string text = full->record.final_answer + "\x1e" + full->record.stop_reason;
    for (const auto& s : full->record.steps) text += "\x1f" + s.model_text;
    EXPECT_TRUE(out.emplace(e.key_id, text).second) << "episode stored twice";
  }
  return out;
}

void expect_refused(const std::vector<std::string>& inputs, const std::string& out, const std::string& says) {
  try {
    experiment::merge_shards(inputs, out);
    ADD_FAILURE() << "merge accepted; expected a refusal saying '" << says << "'";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(says), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(out)) << "the refused merge wrote " << out;
}

TEST_F(ExperimentTest, ShardsPartitionThePlanTheSameWayEveryTime) {
  experiment::Plan p = experiment::plan(config("parts"), {dir_ + "/r"});
  experiment::Plan again = experiment::plan(config("parts"), {dir_ + "/r2"});
  ASSERT_EQ(p.episodes.size(), 15u);
  for (size_t n : {1u, 2u, 3u, 4u, 7u, 15u, 20u}) {
    std::vector<int> owner(p.episodes.size(), 0);
    size_t smallest = p.episodes.size(), largest = 0;
    for (size_t i = 1; i <= n; ++i) {
      std::vector<size_t> part = experiment::shard_episodes(p, {i, n});
      EXPECT_EQ(part, experiment::shard_episodes(again, {i, n})) << i << "/" << n;
      for (size_t e : part) ++owner[e];
      smallest = std::min(smallest, part.size());
      largest = std::max(largest, part.size());
    }
    for (size_t e = 0; e < owner.size(); ++e) EXPECT_EQ(owner[e], 1) << "episode " << e << " with " << n << " shards";
    EXPECT_LE(largest - smallest, 1u) << n << " shards of one variant's equal-cost episodes";
  }
  // Not the plan's order cut in pieces: a shard of three mixes the modes.
  std::set<Mode> modes;
  for (size_t e : experiment::shard_episodes(p, {1, 3})) modes.insert(p.episodes[e].mode);
  EXPECT_GT(modes.size(), 1u);
}

TEST_F(ExperimentTest, AShardLoadsFewModels) {
  experiment::RunConfig c = config("two");
  c.models.push_back({"tiny-lora-half", AGENTCODER_TINY_MODEL, "", {std::string(AGENTCODER_TINY_LORA) + ":0.5"}, 0});
  c.models.push_back({"tiny-lora", AGENTCODER_TINY_MODEL, "", {std::string(AGENTCODER_TINY_LORA) + ":1"}, 0});
  experiment::Plan p = experiment::plan(c, {dir_ + "/r"});
  ASSERT_EQ(p.episodes.size(), 45u);
  for (size_t n : {1u, 2u, 3u, 6u}) {
    for (size_t i = 1; i <= n; ++i) {
      std::set<size_t> variants;
      for (size_t e : experiment::shard_episodes(p, {i, n})) variants.insert(p.episodes[e].variant);
      EXPECT_LE(variants.size(), (3 + n - 1) / n + 1) << i << "/" << n;
    }
  }
  // Three variants on three shards: one each.
  for (size_t i = 1; i <= 3; ++i) {
    std::set<size_t> variants;
    for (size_t e : experiment::shard_episodes(p, {i, 3})) variants.insert(p.episodes[e].variant);
    EXPECT_EQ(variants, std::set<size_t>{i - 1});
  }
}

TEST_F(ExperimentTest, ShardSpecsAreCheckedByName) {
  EXPECT_EQ(experiment::parse_shard("2/8").index, 2u);
  EXPECT_EQ(experiment::parse_shard("2/8").count, 8u);
  for (const char* bad : {"0/3", "4/3", "3", "a/3", "1/", "/3", "1/3/4", "-1/3", "1/0"})
    EXPECT_THROW(experiment::parse_shard(bad), InputError) << bad;
}

TEST_F(ExperimentTest, ShardsMergedAreTheUnshardedRun) {
  // 3 tasks x 3 modes = 9 episodes, 3 in each shard.
  experiment::Plan whole = experiment::plan(config("grid"), {dir_ + "/whole", 3});
  {
    store::ResultsStore results(whole.results_path);
    experiment::run(whole, results);
  }
  experiment::Plan p = experiment::plan(config("grid"), {dir_ + "/sharded", 3});
  size_t ran = 0;
  for (size_t i = 1; i <= 3; ++i) {
    ran += experiment::run_shard(p, {i, 3}, {}).ran;
    EXPECT_TRUE(fs::exists(experiment::shard_dir(p.run_dir, {i, 3}) + "/shard.json"));
  }
  EXPECT_EQ(ran, 9u);
  // Run again, a complete shard runs nothing and stays complete.
  experiment::RunOptions resume;
  resume.resume = true;
  EXPECT_EQ(experiment::run_shard(p, {2, 3}, resume).ran, 0u);

  experiment::MergeSummary s = experiment::merge_shards({p.run_dir}, "");
  EXPECT_EQ(s.shards, 3u);
  EXPECT_EQ(s.episodes, 9u);
  EXPECT_EQ(s.out, p.results_path);
  EXPECT_FALSE(fs::exists(p.results_path + ".partial"));
  auto merged = episode_texts(p.results_path, "grid");
  EXPECT_EQ(merged.size(), 9u);
  EXPECT_EQ(merged, episode_texts(whole.results_path, "grid"));
  store::ResultsStore results(p.results_path, store::Access::read_only);
  store::StoredRun run = results.pick_run("grid");
  EXPECT_EQ(results.tasks(run.run_id).size(), 3u);
  EXPECT_EQ(run.session_count, 3);  // one per shard
  auto resources = store::variant_resources(run);
  ASSERT_EQ(resources.count("tiny"), 1u);
  EXPECT_EQ(resources["tiny"].episodes, 9);

  // A second merge into the same file is refused.
  EXPECT_THROW(experiment::merge_shards({p.run_dir}, ""), InputError);
}

TEST_F(ExperimentTest, AMissingIncompleteOrForeignShardIsRefusedByName) {
  experiment::Plan p = experiment::plan(config("gaps"), {dir_ + "/r", 2});  // 2 tasks: 6 episodes
  experiment::run_shard(p, {1, 3}, {});
  experiment::run_shard(p, {3, 3}, {});
  const std::string out = dir_ + "/merged.sqlite";
  expect_refused({p.run_dir}, out, "shards/2-of-3: missing");
  // Explicit shard files: the same check.
  expect_refused({experiment::shard_dir(p.run_dir, {1, 3}) + "/results.sqlite", experiment::shard_dir(p.run_dir, {3, 3})},
                 out, "2-of-3: missing");

  experiment::run_shard(p, {2, 3}, {});
  const std::string marker = experiment::shard_dir(p.run_dir, {2, 3}) + "/shard.json";
  const std::string text = read_file(marker);
  fs::remove(marker);
  expect_refused({p.run_dir}, out, "2-of-3: incomplete");

  // A key the shard lists but did not store.
  nlohmann::json j = nlohmann::json::parse(text);
  nlohmann::json listed = j;
  listed["keys"][0] = std::string(64, 'a');
  write_file_atomically(marker, listed.dump());
  expect_refused({p.run_dir}, out, "2-of-3: incomplete (episode aaaa");

  // Another shard's episode listed again.
  nlohmann::json other = nlohmann::json::parse(read_file(experiment::shard_dir(p.run_dir, {1, 3}) + "/shard.json"));
  nlohmann::json twice = j;
  twice["keys"].push_back(other["keys"][0]);
  write_file_atomically(marker, twice.dump());
  expect_refused({p.run_dir}, out, "is in another shard too");

  // Another build, another config.
  nlohmann::json build = j;
  build["build"]["agentcoder"] = "0000000";
  write_file_atomically(marker, build.dump());
  expect_refused({p.run_dir}, out, "2-of-3: build");
  nlohmann::json config_changed = j;
  config_changed["config_sha256"] = std::string(64, '0');
  write_file_atomically(marker, config_changed.dump());
  expect_refused({p.run_dir}, out, "2-of-3: config differs");

  // A shard of another split beside them.
  write_file_atomically(marker, text);
  fs::create_directories(p.run_dir + "/shards/1-of-2");
  expect_refused({p.run_dir}, out, "1-of-3: a shard of 3, the others are of 2");
  fs::remove_all(p.run_dir + "/shards/1-of-2");
  EXPECT_EQ(experiment::merge_shards({p.run_dir}, out).episodes, 6u);
}

// episode id -> its row's values
std::map<std::string, std::vector<float>> hidden_rows(const std::string& file) {
  std::map<std::string, std::vector<float>> out;
  for (auto& row : store::read_hidden_states(file).rows) out[row.episode_id] = std::move(row.values);
  return out;
}

TEST_F(ExperimentTest, ShardsMergeTheirHiddenStatesIntoTheUnshardedRunsFile) {
  // The free mode only, one thread, two layers: 5 episodes, seconds.
  experiment::RunConfig c = config("hidden");
  c.modes = {Mode::free};
  c.threads = 1;
  c.hidden_layers = {1, 0};
  c.hidden_dtype = "f16";
  experiment::Plan whole = experiment::plan(c, {dir_ + "/whole"});
  {
    store::ResultsStore results(whole.results_path);
    experiment::run(whole, results);
  }
  experiment::Plan p = experiment::plan(c, {dir_ + "/sharded"});
  for (size_t i = 1; i <= 2; ++i) experiment::run_shard(p, {i, 2}, {});
  experiment::merge_shards({p.run_dir}, "");

  store::ResultsStore results(p.results_path, store::Access::read_only);
  const nlohmann::json manifest = results.pick_run("hidden").record.manifest;
  ASSERT_TRUE(manifest.contains("hidden_states"));
  EXPECT_EQ(manifest["hidden_states"], whole.manifest["hidden_states"]);
  const std::string file = store::hidden_states_path(p.results_path, manifest);
  EXPECT_EQ(file, p.run_dir + "/hidden_states.bin");
  store::HiddenStates merged = store::read_hidden_states(file);
  EXPECT_EQ(merged.header.layers, (std::vector<int>{1, 0}));
  EXPECT_EQ(merged.header.dtype, store::HiddenDtype::f16);
  EXPECT_EQ(merged.rows.size(), 5u) << "one row per free episode, none twice";
  auto expected = hidden_rows(whole.run_dir + "/hidden_states.bin");
  auto got = hidden_rows(file);
  ASSERT_EQ(expected.size(), 5u);
  ASSERT_EQ(got.size(), expected.size());
  for (const auto& [id, values] : expected) {
    ASSERT_TRUE(got.count(id)) << "no merged row for episode " << id;
    ASSERT_TRUE(results.get_episode(results.pick_run("hidden").run_id, id)) << "a row of no merged episode: " << id;
    ASSERT_EQ(got[id].size(), values.size());
    // One row per sequence in a batch of another make-up: the same state
    // within float rounding, stored as f16.
    for (size_t v = 0; v < values.size(); ++v)
      EXPECT_NEAR(got[id][v], values[v], 1e-3 * (1 + std::fabs(values[v]))) << id << " value " << v;
  }
}

TEST_F(ExperimentTest, ShardsThatDisagreeOnHiddenStatesAreRefusedByName) {
  experiment::RunConfig c = config("hidden");
  c.modes = {Mode::free};
  c.threads = 1;
  c.hidden_layers = {0};
  experiment::Plan p = experiment::plan(c, {dir_ + "/r"});
  for (size_t i = 1; i <= 2; ++i) experiment::run_shard(p, {i, 2}, {});
  const std::string out = dir_ + "/merged.sqlite";
  const std::string second = experiment::shard_dir(p.run_dir, {2, 2}) + "/hidden_states.bin";
  const std::string kept = dir_ + "/kept.bin";
  fs::rename(second, kept);
  expect_refused({p.run_dir}, out, "2-of-2: no hidden_states.bin, but shard 1 kept hidden states");
  { store::HiddenStatesWriter other(second, {{1}, store::HiddenDtype::f32}); }
  expect_refused({p.run_dir}, out, "2-of-2: hidden states of layers [1], f32, shard 1's are of layers [0], f32");
  fs::remove(second);
  { store::HiddenStatesWriter other(second, {{0}, store::HiddenDtype::f16}); }
  expect_refused({p.run_dir}, out, "2-of-2: hidden states of layers [0], f16");
  EXPECT_FALSE(fs::exists(dir_ + "/hidden_states.bin")) << "a refused merge wrote hidden states";
  fs::remove(second);
  fs::rename(kept, second);
  EXPECT_EQ(experiment::merge_shards({p.run_dir}, out).episodes, 5u);
  EXPECT_EQ(store::read_hidden_states(dir_ + "/hidden_states.bin").rows.size(), 5u);
}

}  // namespace
}  // namespace experiment_test
