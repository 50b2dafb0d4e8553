// run(): a plan on the tiny model with the real sandboxed python tool goes
// into a results store, with progress; resume runs nothing twice; part of a
// plan runs only that part; an existing run needs resume.
#include <algorithm>
#include <mutex>

#include "experiment/plan.h"
#include "experiment/runner.h"
#include "experiment_fixture.h"
#include "utils/errors.h"

namespace experiment_test {
namespace {

std::set<std::string> stored_keys(const std::string& path, const std::string& run) {
  store::ResultsStore store(path, store::Access::read_only);
  return store.completed_keys(store.pick_run(run).run_id);
}

TEST_F(ExperimentTest, RunStoresEveryPlannedEpisodeAndReportsProgress) {
  experiment::Plan p = experiment::plan(config("all"), {dir_ + "/r"});
  ASSERT_EQ(p.episodes.size(), 15u);
  std::vector<experiment::Progress> seen;
  std::mutex mutex;
  experiment::RunOptions options;
  options.on_progress = [&](const experiment::Progress& progress) {
    std::lock_guard lock(mutex);
    seen.push_back(progress);
  };
  experiment::RunSummary summary;
  {
    store::ResultsStore results(p.results_path);
    summary = experiment::run(p, results, options);
  }
  EXPECT_EQ(summary.planned, 15u);
  EXPECT_EQ(summary.already_stored, 0u);
  EXPECT_EQ(summary.ran, 15u);
  ASSERT_EQ(seen.size(), 16u);  // the start, then one per episode
  for (size_t i = 0; i < seen.size(); ++i) {
    EXPECT_EQ(seen[i].done, i);
    EXPECT_EQ(seen[i].planned, 15u);
    if (i > 0) {
      EXPECT_GE(seen[i].generated_tokens, seen[i - 1].generated_tokens);
    }
  }
  EXPECT_GT(seen.back().generated_tokens, 0u);

  std::set<std::string> keys = stored_keys(p.results_path, "all");
  EXPECT_EQ(keys.size(), 15u);
  for (const auto& e : p.episodes) EXPECT_TRUE(keys.count(e.key.id())) << e.key.task_id << " " << e.key.mode;
  // The stored record says what the plan asked for, and the tasks as posed are kept.
  store::ResultsStore results(p.results_path, store::Access::read_only);
  int64_t run_id = results.pick_run("all").run_id;
  for (const auto& stored : results.list_episodes(run_id)) {
    EXPECT_EQ(stored.record.variant, "tiny");
    EXPECT_FALSE(stored.record.stop_reason.empty());
  }
  EXPECT_EQ(results.tasks(run_id).size(), 5u);
}

TEST_F(ExperimentTest, ResumeRunsNothingTwiceAndAnExistingRunNeedsIt) {
  experiment::Plan p = experiment::plan(config("again"), {dir_ + "/r"});
  store::ResultsStore results(p.results_path);
  EXPECT_EQ(experiment::run(p, results).ran, 15u);
  EXPECT_THROW(experiment::run(p, results), InputError);  // no resume
  experiment::RunOptions resume;
  resume.resume = true;
  experiment::RunSummary again = experiment::run(p, results, resume);
  EXPECT_EQ(again.already_stored, 15u);
  EXPECT_EQ(again.ran, 0u);
  EXPECT_EQ(results.completed_keys(results.pick_run("again").run_id).size(), 15u);
}

TEST_F(ExperimentTest, PartOfAPlanRunsOnlyThatPartAndTheRestLater) {
  experiment::Plan p = experiment::plan(config("part"), {dir_ + "/r"});
  std::vector<size_t> even, odd;
  for (size_t i = 0; i < p.episodes.size(); ++i) (i % 2 ? odd : even).push_back(i);
  store::ResultsStore results(p.results_path);
  experiment::RunOptions first;
  first.only = even;
  EXPECT_EQ(experiment::run(p, results, first).ran, even.size());
  std::set<std::string> keys = results.completed_keys(results.pick_run("part").run_id);
  ASSERT_EQ(keys.size(), even.size());
  for (size_t i : even) EXPECT_TRUE(keys.count(p.episodes[i].key.id()));

  experiment::RunOptions rest;
  rest.resume = true;  // the whole plan: the even ones are found stored
  experiment::RunSummary s = experiment::run(p, results, rest);
  EXPECT_EQ(s.already_stored, even.size());
  EXPECT_EQ(s.ran, odd.size());
  EXPECT_EQ(results.completed_keys(results.pick_run("part").run_id).size(), p.episodes.size());
}

// A one-sample run resumed with samples = 2 keeps its episodes as sample 0
// and runs only sample 1; the store keeps each sample's index and seed.
TEST_F(ExperimentTest, RaisingSamplesResumesARunWithTheNewSamplesOnly) {
  experiment::RunConfig c = config("k");
  c.modes = {Mode::free};
  c.temperature = 0.8f;
  experiment::Plan one = experiment::plan(c, {dir_ + "/r", 2});
  store::ResultsStore results(one.results_path);
  EXPECT_EQ(experiment::run(one, results).ran, 2u);
  c.samples = 2;
  experiment::Plan two = experiment::plan(c, {dir_ + "/r", 2});
  experiment::RunOptions resume;
  resume.resume = true;
  experiment::RunSummary s = experiment::run(two, results, resume);
  EXPECT_EQ(s.already_stored, 2u);
  EXPECT_EQ(s.ran, 2u);
  int64_t run_id = results.pick_run("k").run_id;
  std::map<int, int> per_sample;
  for (const auto& e : two.episodes) {
    std::optional<store::StoredEpisode> stored = results.get_episode(run_id, e.key.id());
    ASSERT_TRUE(stored) << e.key.task_id << " sample " << e.sample;
    EXPECT_EQ(stored->record.key.sample, e.sample);
    EXPECT_EQ(stored->record.key.seed, experiment::sample_seed(5, e.sample));
    ++per_sample[e.sample];
  }
  EXPECT_EQ(per_sample, (std::map<int, int>{{0, 2}, {1, 2}}));
}

TEST_F(ExperimentTest, TheSameEpisodesWhicheverParallelism) {
  experiment::RunConfig one = config("par");
  one.parallel = 1;
  experiment::RunConfig three = config("par");
  three.parallel = 3;
  auto texts = [](const experiment::Plan& p) {
    store::ResultsStore results(p.results_path);
    experiment::run(p, results);
    std::map<std::string, std::string> out;  // key -> the model's text of every step
    int64_t run_id = results.pick_run("par").run_id;
    for (const auto& e : results.list_episodes(run_id)) {
      auto full = results.get_episode(run_id, e.key_id);
      for (const auto& s : full->record.steps) out[e.key_id] += s.model_text + "\x1f";
    }
    return out;
  };
  auto a = texts(experiment::plan(one, {dir_ + "/one"}));
  auto b = texts(experiment::plan(three, {dir_ + "/three"}));
  ASSERT_EQ(a.size(), 15u);
  EXPECT_EQ(a, b);
}

}  // namespace
}  // namespace experiment_test
