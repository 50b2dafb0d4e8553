// `agentcoder trace show|export|diff` through the built binary: the episode
// table, one episode's trace, JSONL, two runs compared episode by episode,
// and one-line exit-2 errors for bad input.
#include <algorithm>
#include <cctype>
#include <fstream>
#include <set>
#include <sstream>

#include <gtest/gtest.h>

#include "store/record_json.h"
#include "store/results_store.h"
#include "store_test_util.h"
#include "support/read_file.h"

namespace {

using namespace store_test;

constexpr int kEpisodes = 20;  // > 16, so two ids share a first hex digit

class TraceCli : public ::testing::Test {
 protected:
  void SetUp() override {
    run_dir = dir.path("results/exp");
    file = run_dir + "/results.sqlite";
    ResultsStore store(file);
    RunSession session = store.begin_run(make_run("exp"));
    for (int i = 0; i < kEpisodes; ++i) {
      records.push_back(make_record(i));
      store.put_episode(session, records.back());
    }
  }

  TempDir dir;
  std::string run_dir;
  std::string file;
  std::vector<EpisodeRecord> records;
};

TEST_F(TraceCli, ShowListsEveryEpisodeFromTheFileOrItsDirectory) {
  for (const std::string& arg : {file, run_dir}) {
    CliRun r = run_cli("trace show " + arg);
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_EQ(count_lines(r.out), kEpisodes + 2) << r.out;  // summary, header, one per episode
    EXPECT_NE(r.out.find(std::to_string(kEpisodes) + " episodes"), std::string::npos);
    for (const EpisodeRecord& e : records) {
      std::string id = e.key.id().substr(0, 12);
      size_t at = r.out.find("\n" + id + "  " + e.key.task_id + " ");
      ASSERT_NE(at, std::string::npos) << id << "\n" << r.out;
      std::string row = r.out.substr(at + 1, r.out.find('\n', at + 1) - at - 1);
      EXPECT_NE(row.find(e.key.mode), std::string::npos) << row;
      EXPECT_NE(row.find(e.stop_reason), std::string::npos) << row;
      EXPECT_NE(row.find(std::to_string(e.prompt_tokens) + "/" + std::to_string(e.generated_tokens)),
                std::string::npos)
          << row;
    }
  }
}

TEST_F(TraceCli, ShowFiltersTheTable) {
  CliRun r = run_cli("trace show " + file + " --mode force_text --decision tool_call");
  ASSERT_EQ(r.code, 0) << r.out;
  int expected = 0;
  for (const EpisodeRecord& e : records) {
    bool kept = e.key.mode == "force_text" && e.first_decision == "tool_call";
    expected += kept;
    EXPECT_EQ(r.out.find(e.key.id().substr(0, 12)) != std::string::npos, kept) << e.key.task_id << "\n" << r.out;
  }
  ASSERT_GT(expected, 0);
  ASSERT_LT(expected, kEpisodes);
  EXPECT_EQ(count_lines(r.out), expected + 2) << r.out;
  EXPECT_NE(r.out.find(std::to_string(expected) + " shown"), std::string::npos) << r.out;
}

TEST_F(TraceCli, ShowEpisodePrintsStepsCallsAndResults) {
  const EpisodeRecord& e = records[4];  // 2 steps, calls in both
  ASSERT_EQ(e.steps.size(), 2u);
  ASSERT_GT(e.tool_call_count(), 0);
  std::string prefix = e.key.id().substr(0, 10);
  std::transform(prefix.begin(), prefix.end(), prefix.begin(), [](unsigned char c) { return std::toupper(c); });
  CliRun r = run_cli("trace show " + file + " " + prefix);  // capitals accepted
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("episode   " + e.key.id()), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(e.final_answer), std::string::npos);
  EXPECT_NE(r.out.find("--- step 1: tool_call"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("--- step 2: text"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("step 1 of episode 4\n    line two"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("parse error: call 2: unterminated string"), std::string::npos) << r.out;
  // Code in the arguments keeps its line breaks; the result follows.
  EXPECT_NE(r.out.find("    code:\n      print(6 * 7)\n      print('done')"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  result\n    42\n    done"), std::string::npos) << r.out;
}

TEST_F(TraceCli, ExportWritesOneLinePerEpisode) {
  std::string out = dir.path("trace.jsonl");
  CliRun r = run_cli("trace export " + run_dir + " -o " + out);
  ASSERT_EQ(r.code, 0) << r.out;
  std::ifstream in(out);
  std::string line;
  size_t n = 0;
  while (std::getline(in, line)) {
    ASSERT_LT(n, records.size());
    EXPECT_EQ(episode_from_json(nlohmann::json::parse(line)), records[n]);
    ++n;
  }
  EXPECT_EQ(n, records.size());

  CliRun to_stdout = run_cli("trace export " + file + " 2>/dev/null");
  ASSERT_EQ(to_stdout.code, 0);
  EXPECT_EQ(to_stdout.out, agentcoder::testing::read_file(out));
}

TEST_F(TraceCli, BadInputIsOneLineAndExit2) {
  std::set<char> first_digits;
  std::string shared_digit;
  for (const EpisodeRecord& e : records)
    if (!first_digits.insert(e.key.id()[0]).second) shared_digit = e.key.id().substr(0, 1);
  ASSERT_FALSE(shared_digit.empty());
  std::string unused_prefix;
  for (const char* p : {"00", "01", "02", "03", "04", "05", "06", "07", "08", "09", "0a", "0b", "0c", "0d", "0e",
                        "0f", "10", "11", "12", "13", "14", "15", "16", "17", "18", "19", "1a"}) {
    bool used = false;
    for (const EpisodeRecord& e : records) used |= e.key.id().rfind(p, 0) == 0;
    if (!used) {
      unused_prefix = p;
      break;
    }
  }
  ASSERT_FALSE(unused_prefix.empty());
  std::string text_file = dir.path("notes.txt");
  std::ofstream(text_file) << "not a database\n";
  std::string empty_dir = dir.path("empty");
  std::filesystem::create_directories(empty_dir);

  struct Case {
    std::string args;
    std::string expected;
  };
  std::vector<Case> cases = {
      {"trace show " + dir.path("missing.sqlite"), dir.path("missing.sqlite") + ": no such file"},
      {"trace show " + text_file, text_file + ": not a results database"},
      {"trace show " + empty_dir, empty_dir + ": directory holds no results.sqlite"},
      {"trace show " + file + " " + unused_prefix, "no episode starting with '" + unused_prefix + "'"},
      {"trace show " + file + " " + shared_digit, "'" + shared_digit + "' is ambiguous"},
      {"trace show " + file + " not-hex", "expected a prefix of its key"},
      {"trace show " + file + " --run nope", "no run 'nope'"},
      {"trace export " + file + " -o " + dir.path("no/such/dir/t.jsonl"), dir.path("no/such/dir/t.jsonl")},
      {"trace export " + dir.path("missing.sqlite"), "no such file"},
      // A misspelled filter would otherwise show no episode, as if none matched.
      {"trace show " + file + " --mode forced_tool", "--mode: forced_tool not in {free,force_tool,force_text,no_tools,distractor}"},
      {"trace show " + file + " --stop-reason answer", "--stop-reason: answer not in"},
      {"trace show " + file + " --decision call", "--decision: call not in {tool_call,text,malformed}"},
  };
  for (const Case& c : cases) {
    CliRun r = run_cli(c.args);
    EXPECT_EQ(r.code, 2) << c.args << "\n" << r.out;
    EXPECT_EQ(count_lines(r.out), 1) << c.args << "\n" << r.out;
    EXPECT_NE(r.out.find(c.expected), std::string::npos) << c.args << "\n" << r.out;
  }
}

TEST_F(TraceCli, SeveralRunsNeedRun) {
  {
    ResultsStore store(file);
    RunSession other = store.begin_run(make_run("second"));
    store.put_episode(other, make_record(50));
  }
  CliRun r = run_cli("trace show " + file);
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(count_lines(r.out), 1) << r.out;
  EXPECT_NE(r.out.find("holds 2 runs (exp, second); pick one with --run"), std::string::npos) << r.out;
  CliRun picked = run_cli("trace show " + file + " --run second");
  ASSERT_EQ(picked.code, 0) << picked.out;
  EXPECT_EQ(count_lines(picked.out), 3) << picked.out;
  EXPECT_NE(picked.out.find(make_key(50).id().substr(0, 12)), std::string::npos);
}

}  // namespace

namespace {

TEST_F(TraceCli, DiffOfARunWithItsCopyFindsNothing) {
  std::string copy = dir.path("copy.sqlite");
  {
    ResultsStore store(copy);
    RunSession session = store.begin_run(make_run("exp"));
    // Stored in another order, with other timings: still the same episodes.
    for (int i = kEpisodes - 1; i >= 0; --i) {
      EpisodeRecord r = records[i];
      r.wall_ms += 1000;
      store.put_episode(session, r);
    }
  }
  CliRun r = run_cli("trace diff " + run_dir + " " + copy);
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find(std::to_string(kEpisodes) + " shared: " + std::to_string(kEpisodes) +
                       " identical, 0 differ; 0 only in A, 0 only in B"),
            std::string::npos)
      << r.out;
}

TEST_F(TraceCli, DiffNamesTheEpisodesThatDifferAndExits1) {
  std::string other = dir.path("other.sqlite");
  {
    ResultsStore store(other);
    RunSession session = store.begin_run(make_run("exp"));
    for (int i = 0; i < kEpisodes - 1; ++i) {  // the last one is missing
      EpisodeRecord r = records[i];
      if (i == 3 || i == 7) r.steps.back().model_text += " and more";
      store.put_episode(session, r);
    }
    store.put_episode(session, make_record(kEpisodes));  // only in B
  }
  CliRun r = run_cli("trace diff " + file + " " + other + " --limit 1");
  EXPECT_EQ(r.code, 1) << r.out;
  std::string summary = std::to_string(kEpisodes - 1) + " shared: " + std::to_string(kEpisodes - 3) +
                        " identical, 2 differ; 1 only in A, 1 only in B";
  EXPECT_NE(r.out.find(summary), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("(1 more differ"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("the runs differ: 2 of " + std::to_string(kEpisodes - 1) + " shared episodes, 2 in one run only"),
            std::string::npos)
      << r.out;
  // The one shown: its id, task, and where (the last step's model text).
  bool shown = false;
  for (int i : {3, 7}) {
    const EpisodeRecord& e = records[i];
    size_t at = r.out.find(e.key.id().substr(0, 16) + "  " + e.key.task_id);
    if (at == std::string::npos) continue;
    shown = true;
    std::string where = "step " + std::to_string(e.steps.size() - 1) + " model_text at byte " +
                        std::to_string(e.steps.back().model_text.size());
    EXPECT_NE(r.out.find(where, at), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("and more", at), std::string::npos) << r.out;
  }
  EXPECT_TRUE(shown) << r.out;

  // The same episodes minus one: they still differ, by that one.
  std::string fewer = dir.path("fewer.sqlite");
  {
    ResultsStore store(fewer);
    RunSession session = store.begin_run(make_run("exp"));
    for (int i = 1; i < kEpisodes; ++i) store.put_episode(session, records[i]);
  }
  CliRun partial = run_cli("trace diff " + file + " " + fewer);
  EXPECT_EQ(partial.code, 1) << partial.out;
  EXPECT_NE(partial.out.find("0 differ; 1 only in A, 0 only in B"), std::string::npos) << partial.out;

  // Nothing in common (another config) is not a reproduction either.
  std::string unrelated = dir.path("unrelated.sqlite");
  {
    ResultsStore store(unrelated);
    RunSession session = store.begin_run(make_run("exp"));
    store.put_episode(session, make_record(kEpisodes + 1));
  }
  CliRun none = run_cli("trace diff " + file + " " + unrelated);
  EXPECT_EQ(none.code, 1) << none.out;
  EXPECT_NE(none.out.find("no episode in common"), std::string::npos) << none.out;

  CliRun missing = run_cli("trace diff " + file + " " + dir.path("nothing.sqlite"));
  EXPECT_EQ(missing.code, 2) << missing.out;
  EXPECT_EQ(count_lines(missing.out), 1) << missing.out;
}

}  // namespace
