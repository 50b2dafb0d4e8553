// The evaluation's tables in the results store: the run's task snapshot and
// per-episode scores (replaced on re-scoring, erased with their episode), and
// the in-place upgrade of a version 1 file that lacks both tables.
#include <gtest/gtest.h>

#include "store/results_store.h"
#include "store/schema.h"
#include "store_test_util.h"
#include "utils/errors.h"

namespace {

using namespace store_test;

ScoreRecord make_score(const std::string& key, std::optional<bool> correct, double score) {
  ScoreRecord r;
  r.key_id = key;
  r.scorer_version = "1";
  r.check = "numeric";
  r.correct = correct;
  r.score = score;
  r.extracted_answer = "42";
  r.detail = {{"candidates", {"42", "forty-two"}}};
  r.fabrication_claim = correct.has_value() && !*correct;
  r.fabrication_false = r.fabrication_claim ? std::optional<bool>(true) : std::nullopt;
  return r;
}

TEST(Scores, TaskSnapshotKeepsTheFirstCopyOfEachTask) {
  TempDir dir;
  ResultsStore store(dir.path("r.sqlite"));
  RunSession run = store.begin_run(make_run("a"));
  store.put_tasks(run.run_id, {{"t1", hash_of("1"), R"({"id":"t1"})"}, {"t2", hash_of("2"), R"({"id":"t2"})"}});
  store.put_tasks(run.run_id, {{"t1", hash_of("1"), R"({"id":"changed"})"}, {"t1", hash_of("1b"), R"({"id":"t1b"})"}});
  std::vector<StoredTask> tasks = store.tasks(run.run_id);
  ASSERT_EQ(tasks.size(), 3u);
  EXPECT_EQ(tasks[0].task_json, R"({"id":"t1"})");  // a resumed run does not rewrite the snapshot
  EXPECT_EQ(tasks[2].task_sha256, hash_of("1b"));   // the same id posed differently is another task
  RunSession other = store.begin_run(make_run("b"));
  EXPECT_TRUE(store.tasks(other.run_id).empty());
}

TEST(Scores, RoundTripReplaceAndErase) {
  TempDir dir;
  ResultsStore store(dir.path("r.sqlite"));
  RunSession run = store.begin_run(make_run("a"));
  for (int i = 0; i < 3; ++i) store.put_episode(run, make_record(i));
  std::vector<ScoreRecord> first = {make_score(make_key(0).id(), true, 1.0), make_score(make_key(1).id(), false, 0.25),
                                    make_score(make_key(2).id(), std::nullopt, 0)};
  store.put_scores(run.run_id, first);
  std::vector<ScoreRecord> back = store.scores(run.run_id);
  ASSERT_EQ(back.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_FALSE(back[i].scored_at.empty());
    back[i].scored_at.clear();
    EXPECT_EQ(back[i], first[i]) << i;
  }
  // Re-scoring replaces, never duplicates.
  store.put_scores(run.run_id, {make_score(make_key(1).id(), true, 1.0)});
  back = store.scores(run.run_id);
  ASSERT_EQ(back.size(), 3u);
  EXPECT_EQ(back[1].correct, std::optional<bool>(true));
  // A score for an episode the run does not have is refused, and the batch with it.
  EXPECT_THROW(store.put_scores(run.run_id, {make_score(make_key(0).id(), false, 0), make_score("f00d", true, 1)}),
               agentcoder::InputError);
  EXPECT_EQ(store.scores(run.run_id)[0].correct, std::optional<bool>(true));
  // An erased episode takes its score with it.
  store.erase_episodes(run.run_id, {make_key(0).id()});
  EXPECT_EQ(store.scores(run.run_id).size(), 2u);
}

TEST(Scores, AVersionOneFileIsReadAndUpgradedInPlace) {
  TempDir dir;
  std::string path = dir.path("r.sqlite");
  int64_t run_id;
  {
    ResultsStore store(path);
    RunSession run = store.begin_run(make_run("a"));
    run_id = run.run_id;
    store.put_episode(run, make_record(0));
  }
  {
    RawDb raw(path);  // what an earlier build wrote
    raw.exec("DROP TABLE tasks; DROP TABLE scores; UPDATE schema_version SET version = 1;"
             "ALTER TABLE episodes RENAME COLUMN stop_reason TO outcome;");
  }
  {
    ResultsStore read_only(path, Access::read_only);
    EXPECT_TRUE(read_only.tasks(run_id).empty());
    EXPECT_TRUE(read_only.scores(run_id).empty());
    // Before version 3 the stop reason was stored as "outcome".
    EXPECT_EQ(read_only.list_episodes(run_id).at(0).record.stop_reason, make_record(0).stop_reason);
  }
  ResultsStore store(path);
  store.put_scores(run_id, {make_score(make_key(0).id(), true, 1)});
  EXPECT_EQ(store.scores(run_id).size(), 1u);
  EXPECT_EQ(store.list_episodes(run_id).at(0).record.stop_reason, make_record(0).stop_reason);
  RawDb raw(path);
  EXPECT_EQ(raw.scalar("SELECT version FROM schema_version"), std::to_string(kSchemaVersion));
  EXPECT_EQ(raw.count("SELECT count(*) FROM pragma_table_info('episodes') WHERE name = 'outcome'"), 0);
}

}  // namespace

namespace {

// Version 3 stored executed = 1 for every call handed to the tools; version
// 4 stores whether the tool ran. An older file reads corrected, and opening
// it read-write corrects the column itself (what SQL and pandas see).
TEST(Scores, AVersionThreeFileHasItsExecutedColumnCorrected) {
  TempDir dir;
  std::string path = dir.path("r.sqlite");
  EpisodeRecord r = make_record(0);
  StepRecord step;
  auto call = [](const std::string& id, const std::string& error_class, const std::string& outcome) {
    ToolCallRecord c;
    c.call_id = id;
    c.tool = id == "unknown" ? "web" : "python";
    c.executed = true;  // as version 3 stored every call
    c.ok = outcome == "ok";
    c.error_class = error_class;
    c.record = {{"outcome", outcome}};
    return c;
  };
  step.tool_calls = {call("ran", "", "ok"), call("failed", "runtime_error", "failed"),
                     call("unknown", "unknown_tool", "bad_call"), call("schema", "bad_arguments", "bad_call"),
                     call("machinery", "timeout", "internal_error")};
  r.steps = {step};
  int64_t run_id;
  {
    ResultsStore store(path);
    RunSession run = store.begin_run(make_run("a"));
    run_id = run.run_id;
    store.put_episode(run, r);
  }
  const std::string executed_ids =
      "SELECT group_concat(call_id, ',') FROM (SELECT call_id FROM tool_calls WHERE executed = 1 ORDER BY call_index)";
  {
    RawDb raw(path);
    raw.exec("UPDATE schema_version SET version = 3; UPDATE tool_calls SET executed = 1;");
    ASSERT_EQ(raw.scalar(executed_ids), "ran,failed,unknown,schema,machinery");
  }
  auto executed = [](ResultsStore& store, int64_t run_id) {
    std::vector<std::string> ids;
    std::string key = store.list_episodes(run_id).at(0).key_id;
    std::optional<StoredEpisode> e = store.get_episode(run_id, key);
    for (const ToolCallRecord& c : e->record.steps.at(0).tool_calls)
      if (c.executed) ids.push_back(c.call_id);
    return ids;
  };
  const std::vector<std::string> ran = {"ran", "failed"};
  {
    ResultsStore read_only(path, Access::read_only);
    EXPECT_EQ(executed(read_only, run_id), ran);
  }
  EXPECT_EQ(RawDb(path).scalar(executed_ids), "ran,failed,unknown,schema,machinery") << "read-only changes nothing";
  {
    ResultsStore store(path);
    EXPECT_EQ(executed(store, run_id), ran);
  }
  RawDb raw(path);
  EXPECT_EQ(raw.scalar(executed_ids), "ran,failed");
  EXPECT_EQ(raw.scalar("SELECT version FROM schema_version"), std::to_string(kSchemaVersion));
}

}  // namespace

namespace {

// Version 4 had no episodes.probe_openers. A reader sees its episodes with
// no openers (their p_tool as stored); opening it read-write adds the column,
// and episodes stored from then on keep theirs.
TEST(Scores, AVersionFourFileGetsTheProbeOpenersColumn) {
  TempDir dir;
  std::string path = dir.path("r.sqlite");
  EpisodeRecord old = make_record(0);
  int64_t run_id;
  {
    ResultsStore store(path);
    RunSession run = store.begin_run(make_run("a"));
    run_id = run.run_id;
    store.put_episode(run, old);
  }
  {
    RawDb raw(path);  // what version 4 wrote
    raw.exec("ALTER TABLE episodes DROP COLUMN probe_openers; UPDATE schema_version SET version = 4;");
  }
  const std::string has_column = "SELECT count(*) FROM pragma_table_info('episodes') WHERE name = 'probe_openers'";
  {
    ResultsStore read_only(path, Access::read_only);
    StoredEpisode e = *read_only.get_episode(run_id, old.key.id());
    EXPECT_TRUE(e.record.probe_openers.empty());
    EXPECT_EQ(e.record.p_tool, old.p_tool);
  }
  EXPECT_EQ(RawDb(path).count(has_column), 0) << "read-only changes nothing";
  {
    ResultsStore store(path);
    EXPECT_TRUE(store.get_episode(run_id, old.key.id())->record.probe_openers.empty());
    RunSession run = store.begin_run(make_run("b"));
    EpisodeRecord fresh = make_record(1);
    ASSERT_FALSE(fresh.probe_openers.empty());
    store.put_episode(run, fresh);
    EXPECT_EQ(store.get_episode(run.run_id, fresh.key.id())->record.probe_openers, fresh.probe_openers);
  }
  RawDb raw(path);
  EXPECT_EQ(raw.count(has_column), 1);
  EXPECT_EQ(raw.count("SELECT count(*) FROM episodes WHERE probe_openers IS NULL"), 1);
  EXPECT_EQ(raw.scalar("SELECT version FROM schema_version"), std::to_string(kSchemaVersion));
}

// Version 5 had no episodes.sample: its episodes read as sample 0 (their
// key_json has none); opening it read-write adds the column, and episodes
// stored from then on keep their sample there too.
TEST(Scores, AVersionFiveFileGetsTheSampleColumn) {
  TempDir dir;
  std::string path = dir.path("r.sqlite");
  EpisodeRecord old = make_record(0);
  int64_t run_id;
  {
    ResultsStore store(path);
    RunSession run = store.begin_run(make_run("a"));
    run_id = run.run_id;
    store.put_episode(run, old);
  }
  {
    RawDb raw(path);  // what version 5 wrote
    raw.exec("ALTER TABLE episodes DROP COLUMN sample; UPDATE episodes SET key_json = json_remove(key_json, '$.sample');"
             "UPDATE schema_version SET version = 5;");
  }
  const std::string has_column = "SELECT count(*) FROM pragma_table_info('episodes') WHERE name = 'sample'";
  {
    ResultsStore read_only(path, Access::read_only);
    EXPECT_EQ(read_only.get_episode(run_id, old.key.id())->record.key.sample, 0);
  }
  EXPECT_EQ(RawDb(path).count(has_column), 0) << "read-only changes nothing";
  {
    ResultsStore store(path);
    RunSession run = store.begin_run(make_run("b"));
    EpisodeRecord second = make_record(0);
    second.key.sample = 2;
    store.put_episode(run, second);
    EXPECT_EQ(store.get_episode(run.run_id, second.key.id())->record.key.sample, 2);
  }
  RawDb raw(path);
  EXPECT_EQ(raw.count(has_column), 1);
  EXPECT_EQ(raw.scalar("SELECT group_concat(sample) FROM (SELECT sample FROM episodes ORDER BY episode_id)"), "0,2");
  EXPECT_EQ(raw.scalar("SELECT version FROM schema_version"), std::to_string(kSchemaVersion));
}

}  // namespace
