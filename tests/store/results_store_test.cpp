// ResultsStore: schema and reopen, refusing files that are not results,
// put/get round trips, exactly-once puts, resume semantics, UTF-8 hygiene,
// and columns typed for pandas.
#include <fstream>
#include <map>

#include <gtest/gtest.h>

#include "store/results_store.h"
#include "store/schema.h"
#include "utils/utf8.h"
#include "store_test_util.h"
#include "utils/errors.h"

namespace {

using namespace store_test;
using agentcoder::InputError;

// The message of the InputError `f` throws, or "no error".
template <typename F>
std::string input_error(F f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

TEST(ResultsStore, CreatesSchemaInWalModeAndReopens) {
  TempDir dir;
  std::string path = dir.path("results/run1/results.sqlite");  // directories created
  int64_t run_id;
  {
    ResultsStore store(path);
    RunSession session = store.begin_run(make_run("run1"));
    run_id = session.run_id;
    store.put_episode(session, make_record(0));
  }
  RawDb raw(path);
  EXPECT_EQ(raw.scalar("PRAGMA journal_mode"), "wal");
  EXPECT_EQ(raw.scalar("SELECT version FROM schema_version"), std::to_string(kSchemaVersion));
  for (const char* table : {"runs", "sessions", "episodes", "steps", "tool_calls"})
    EXPECT_EQ(raw.count(std::string("SELECT count(*) FROM sqlite_master WHERE type='table' AND name='") + table +
                        "'"),
              1)
        << table;
  ResultsStore again(path);  // reopening changes nothing
  EXPECT_EQ(raw.count("SELECT count(*) FROM schema_version"), 1);
  ASSERT_EQ(again.runs().size(), 1u);
  EXPECT_EQ(again.runs()[0].episode_count, 1);
  EXPECT_TRUE(again.has_episode(run_id, make_key(0).id()));
  ResultsStore read_only(path, Access::read_only);
  EXPECT_EQ(read_only.list_episodes(run_id).size(), 1u);
}

TEST(ResultsStore, RefusesFilesThatAreNotResults) {
  TempDir dir;
  std::string text = dir.path("notes.txt");
  std::ofstream(text) << "hello, this is not a database at all\n";
  EXPECT_NE(input_error([&] { ResultsStore s(text); }).find(text + ": not a results database"), std::string::npos);
  EXPECT_NE(input_error([&] { ResultsStore s(text, Access::read_only); }).find("not a results database"),
            std::string::npos);

  std::string other = dir.path("other.sqlite");
  RawDb(other).exec("CREATE TABLE people (name TEXT)");
  EXPECT_NE(input_error([&] { ResultsStore s(other); }).find("not a results database"), std::string::npos);
  EXPECT_EQ(RawDb(other).count("SELECT count(*) FROM sqlite_master"), 1) << "tables were added to a foreign file";

  std::string missing = dir.path("missing.sqlite");
  EXPECT_NE(input_error([&] { ResultsStore s(missing, Access::read_only); }).find(missing + ": no such file"),
            std::string::npos);

  std::string newer = dir.path("newer.sqlite");
  { ResultsStore s(newer); }
  RawDb(newer).exec("UPDATE schema_version SET version = 99");
  EXPECT_NE(input_error([&] { ResultsStore s(newer); }).find("newer agentcoder"), std::string::npos);
}

TEST(ResultsStore, EpisodeRoundTripsWithStepsAndToolCalls) {
  TempDir dir;
  ResultsStore store(dir.path("r.sqlite"));
  RunSession session = store.begin_run(make_run("rt"));
  std::vector<EpisodeRecord> records;
  for (int i = 0; i < 12; ++i) {
    records.push_back(make_record(i));
    ASSERT_TRUE(store.put_episode(session, records.back()));
  }
  int total_calls = 0;
  for (const EpisodeRecord& r : records) {
    std::optional<StoredEpisode> got = store.get_episode(session.run_id, r.key.id());
    ASSERT_TRUE(got);
    EXPECT_EQ(got->record, r) << r.key.task_id;
    EXPECT_EQ(got->key_id, r.key.id());
    EXPECT_EQ(got->session_id, session.session_id);
    EXPECT_EQ(got->step_count, static_cast<int>(r.steps.size()));
    EXPECT_EQ(got->tool_call_count, r.tool_call_count());
    total_calls += r.tool_call_count();
  }
  ASSERT_GT(total_calls, 0);
  EXPECT_FALSE(records[5].p_tool.has_value()) << "the fixture should cover an unmeasured probe";

  std::vector<StoredEpisode> listed = store.list_episodes(session.run_id);
  ASSERT_EQ(listed.size(), records.size());
  for (size_t i = 0; i < listed.size(); ++i) {
    EXPECT_EQ(listed[i].key_id, records[i].key.id()) << "listing is in the order stored";
    EXPECT_TRUE(listed[i].record.steps.empty());
    EXPECT_EQ(listed[i].step_count, static_cast<int>(records[i].steps.size()));
  }
  EXPECT_FALSE(store.get_episode(session.run_id, hash_of("no such key")));

  RawDb raw(dir.path("r.sqlite"));
  EXPECT_EQ(raw.count("SELECT count(*) FROM tool_calls"), total_calls);
  EXPECT_EQ(raw.count("SELECT count(*) FROM pragma_foreign_key_check"), 0);
}

// The probe's terms are a JSON column for SQL and pandas, NULL where the
// probe was not measured; read back they are the record's.
TEST(ResultsStore, ProbeOpenersAreStoredAsJsonAndNullWhenNotMeasured) {
  TempDir dir;
  ResultsStore store(dir.path("r.sqlite"));
  RunSession session = store.begin_run(make_run("probe"));
  EpisodeRecord measured = make_record(1), unmeasured = make_record(5);
  ASSERT_EQ(measured.probe_openers.size(), 2u);
  ASSERT_TRUE(unmeasured.probe_openers.empty());
  store.put_episode(session, measured);
  store.put_episode(session, unmeasured);
  EXPECT_EQ(store.get_episode(session.run_id, measured.key.id())->record.probe_openers, measured.probe_openers);
  EXPECT_TRUE(store.get_episode(session.run_id, unmeasured.key.id())->record.probe_openers.empty());

  RawDb raw(dir.path("r.sqlite"));
  EXPECT_EQ(raw.count("SELECT count(*) FROM episodes WHERE probe_openers IS NULL"), 1);
  nlohmann::json stored = nlohmann::json::parse(
      raw.scalar("SELECT probe_openers FROM episodes WHERE probe_openers IS NOT NULL"));
  ASSERT_EQ(stored.size(), 2u);
  EXPECT_EQ(stored[0]["opener"], "<tool_call>");
  EXPECT_EQ(stored[1]["tokens"], nlohmann::json::array({73594, 3289}));
  EXPECT_DOUBLE_EQ(stored[0]["p"].get<double>() + stored[1]["p"].get<double>(), *measured.p_tool);
}

TEST(ResultsStore, SecondPutOfAKeyChangesNothing) {
  TempDir dir;
  ResultsStore store(dir.path("r.sqlite"));
  RunSession session = store.begin_run(make_run("once"));
  EpisodeRecord first = make_record(2);
  ASSERT_TRUE(store.put_episode(session, first));
  EpisodeRecord second = first;
  second.final_answer = "a different answer";
  second.steps.pop_back();
  EXPECT_FALSE(store.put_episode(session, second));
  EXPECT_EQ(store.get_episode(session.run_id, first.key.id())->record, first);
  RawDb raw(dir.path("r.sqlite"));
  EXPECT_EQ(raw.count("SELECT count(*) FROM episodes"), 1);
  EXPECT_EQ(raw.count("SELECT count(*) FROM steps"), static_cast<long long>(first.steps.size()));

  // The same key in another run is another episode.
  RunSession other = store.begin_run(make_run("other"));
  EXPECT_TRUE(store.put_episode(other, first));
  EXPECT_EQ(raw.count("SELECT count(*) FROM episodes"), 2);
}

TEST(ResultsStore, ErasedEpisodesCanBePutAgain) {
  TempDir dir;
  std::string path = dir.path("r.sqlite");
  ResultsStore store(path);
  RunSession session = store.begin_run(make_run("erase"));
  for (int i = 0; i < 4; ++i) store.put_episode(session, make_record(i));
  EXPECT_EQ(store.erase_episodes(session.run_id, {make_key(1).id(), make_key(2).id(), hash_of("unknown")}), 2);
  EXPECT_EQ(store.completed_keys(session.run_id),
            (std::set<std::string>{make_key(0).id(), make_key(3).id()}));
  RawDb raw(path);
  long long expected_steps = make_record(0).steps.size() + make_record(3).steps.size();
  EXPECT_EQ(raw.count("SELECT count(*) FROM steps"), expected_steps);
  EXPECT_EQ(raw.count("SELECT count(*) FROM tool_calls"),
            make_record(0).tool_call_count() + make_record(3).tool_call_count());
  EXPECT_TRUE(store.put_episode(session, make_record(1)));
  EXPECT_EQ(store.get_episode(session.run_id, make_key(1).id())->record, make_record(1));
}

TEST(ResultsStore, InvalidKeyIsRefusedAndNothingIsWritten) {
  TempDir dir;
  ResultsStore store(dir.path("r.sqlite"));
  RunSession session = store.begin_run(make_run("bad"));
  EpisodeRecord r = make_record(0);
  r.key.model_sha256 = "models/qwen.gguf";
  EXPECT_NE(input_error([&] { store.put_episode(session, r); }).find("'model_sha256'"), std::string::npos);
  EXPECT_EQ(store.list_episodes(session.run_id).size(), 0u);
}

TEST(ResultsStore, ResumeContinuesTheRunAndRefusesAChangedConfig) {
  TempDir dir;
  std::string path = dir.path("r.sqlite");
  RunSession first;
  {
    ResultsStore store(path);
    first = store.begin_run(make_run("exp", "seed = 1\n"));
    for (int i = 0; i < 3; ++i) store.put_episode(first, make_record(i));
    EXPECT_NE(input_error([&] { store.begin_run(make_run("exp")); }).find("'exp' already exists"), std::string::npos);
  }
  ResultsStore store(path);  // a new process, after a crash
  EXPECT_NE(input_error([&] { store.resume_run(make_run("nope"), false); }).find("no run 'nope'"),
            std::string::npos);

  RunSession second = store.resume_run(make_run("exp", "seed = 1\n"), false);
  EXPECT_EQ(second.run_id, first.run_id);
  EXPECT_NE(second.session_id, first.session_id);
  std::set<std::string> done = store.completed_keys(second.run_id);
  EXPECT_EQ(done, (std::set<std::string>{make_key(0).id(), make_key(1).id(), make_key(2).id()}));

  std::string refused = input_error([&] { store.resume_run(make_run("exp", "seed = 2\n"), false); });
  EXPECT_NE(refused.find("config differs"), std::string::npos) << refused;
  EXPECT_EQ(refused.find('\n'), std::string::npos) << "one line";

  RunSession third = store.resume_run(make_run("exp", "seed = 2\n"), true);
  EXPECT_EQ(third.run_id, first.run_id);
  // The changed config shows in the keys (here: the seed), so no stale
  // episode is reused: the new key is not among the completed ones.
  EpisodeRecord changed = make_record(0);
  changed.key.seed = 2;
  EXPECT_FALSE(store.has_episode(third.run_id, changed.key.id()));
  EXPECT_TRUE(store.put_episode(third, changed));
  EXPECT_EQ(store.completed_keys(third.run_id).size(), 4u);

  std::optional<StoredRun> run = store.find_run("exp");
  ASSERT_TRUE(run);
  EXPECT_EQ(run->session_count, 3);
  EXPECT_EQ(run->record.config_text, "seed = 1\n") << "the run keeps the config it began with";
  RawDb raw(path);
  EXPECT_EQ(raw.count("SELECT count(*) FROM sessions WHERE config_changed = 1"), 1);
}

TEST(ResultsStore, ParsedConfigDecidesSameness) {
  TempDir dir;
  ResultsStore store(dir.path("r.sqlite"));
  RunRecord run = make_run("exp", "seed = 1  # first\n");
  run.config = {{"seed", 1}};
  store.begin_run(run);
  run.config_text = "# comment edited\nseed = 1\n";
  EXPECT_NO_THROW(store.resume_run(run, false));
  run.config = {{"seed", 2}};
  EXPECT_THROW(store.resume_run(run, false), InputError);
}

TEST(ResultsStore, TextIsStoredAsValidUtf8) {
  TempDir dir;
  std::string path = dir.path("r.sqlite");
  ResultsStore store(path);
  RunSession session = store.begin_run(make_run("utf8"));
  EpisodeRecord r = make_record(0);
  r.final_answer = "π ≈ 3.14159, 日本語 ✓";
  r.steps[0].model_text = "cut mid-character: \xE6\x97";  // a reply stopped at max_tokens
  ASSERT_TRUE(store.put_episode(session, r));
  StoredEpisode got = *store.get_episode(session.run_id, r.key.id());
  EXPECT_EQ(got.record.final_answer, r.final_answer);
  EXPECT_TRUE(agentcoder::is_valid_utf8(got.record.steps[0].model_text));
  EXPECT_EQ(got.record.steps[0].model_text, "cut mid-character: \xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(Utf8, ValidTextIsUnchangedAndBadBytesAreReplaced) {
  for (std::string ok : {"", "plain", "é", "€", "𝄞", "\x7f"}) {
    EXPECT_TRUE(agentcoder::is_valid_utf8(ok)) << ok;
    EXPECT_EQ(agentcoder::valid_utf8(ok), ok);
  }
  for (std::string bad : {"\xff", "\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xE2\x82"})
    EXPECT_FALSE(agentcoder::is_valid_utf8(bad)) << bad.size();
  EXPECT_EQ(agentcoder::valid_utf8("a\xffz"), "a\xEF\xBF\xBDz");
}

TEST(ResultsStore, ColumnsAreTypedForPandas) {
  TempDir dir;
  std::string path = dir.path("r.sqlite");
  {
    ResultsStore store(path);
    RunSession session = store.begin_run(make_run("typed"));
    store.put_episode(session, make_record(1));
  }
  RawDb raw(path);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(raw.get(), "SELECT * FROM episodes", -1, &stmt, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  std::map<std::string, int> types;
  for (int i = 0; i < sqlite3_column_count(stmt); ++i)
    types[sqlite3_column_name(stmt, i)] = sqlite3_column_type(stmt, i);
  sqlite3_finalize(stmt);
  for (const char* c : {"seed", "prompt_tokens", "generated_tokens", "step_count", "tool_call_count"})
    EXPECT_EQ(types[c], SQLITE_INTEGER) << c;
  for (const char* c : {"p_tool", "p_text", "wall_ms", "decode_ms", "tool_ms"}) EXPECT_EQ(types[c], SQLITE_FLOAT) << c;
  for (const char* c : {"task_id", "mode", "stop_reason", "first_decision", "tools", "extra_json"})
    EXPECT_EQ(types[c], SQLITE_TEXT) << c;
  EXPECT_EQ(raw.scalar("SELECT tools FROM episodes"), "math,python");
  EXPECT_EQ(raw.scalar("SELECT json_extract(extra_json, '$.note') FROM episodes"), "episode 1");
}

}  // namespace
