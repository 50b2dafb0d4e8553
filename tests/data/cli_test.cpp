// `agentcoder data ...`: exit codes, one-line errors naming file/line/field,
// and the generate -> validate -> verify -> stats round trip.
#include <gtest/gtest.h>

#include "data/task_file.h"
#include "support/cli_run.h"
#include "support/temp_dir.h"

using agentcoder::testing::CliRun;
using agentcoder::testing::count_lines;
using agentcoder::testing::TempDir;

namespace {

CliRun run(const std::string& args) { return agentcoder::testing::run_cli(AGENTCODER_BIN, args); }

}  // namespace

TEST(DataCli, MissingFileIsOneLineExit2) {
  CliRun r = run("data validate /nonexistent/tasks.jsonl");
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(count_lines(r.out), 1) << r.out;
  EXPECT_NE(r.out.find("/nonexistent/tasks.jsonl"), std::string::npos);
}

TEST(DataCli, ValidateReportsEveryBadLineAndExits2) {
  TempDir dir;
  std::string good =
      R"({"id":"a","prompt":"p","category":"ambiguous","difficulty":"easy","optimal_tool":"none","ground_truth_output":"1"})";
  std::string path = dir.write("t.jsonl", good + "\n{oops\n" +
                                             R"({"id":"b","prompt":"p","category":"ambiguous","difficulty":"hardest","optimal_tool":"none","ground_truth_output":"1"})" +
                                             "\n");
  CliRun r = run("data validate " + path);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find(path + ":2: malformed JSON"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(path + ":3: field 'difficulty'"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("1 tasks valid, 2 bad lines"), std::string::npos) << r.out;
}

TEST(DataCli, UnrenderedPlaceholderIsABadLineForValidateAndStats) {
  TempDir dir;
  std::string good =
      R"({"id":"a","prompt":"p","category":"ambiguous","difficulty":"easy","optimal_tool":"none","ground_truth_output":"1"})";
  std::string path = dir.write("t.jsonl", good + "\n" +
                                             R"({"id":"b","prompt":"{{question.0.0.content}}","category":"ambiguous","difficulty":"easy","optimal_tool":"none","ground_truth_output":"1"})" +
                                             "\n");
  CliRun r = run("data validate --strict " + path);
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(count_lines(r.out), 1) << r.out;
  EXPECT_NE(r.out.find(path + ":2: field 'prompt': holds the unrendered placeholder {{question.0.0.content}}"),
            std::string::npos) << r.out;
  CliRun s = run("data stats " + path);
  EXPECT_NE(s.out.find("tasks:        1  (1 bad lines not counted)"), std::string::npos) << s.out;
}

TEST(DataCli, UnknownFieldWarnsAndStrictExits2) {
  TempDir dir;
  std::string path = dir.write(
      "t.jsonl",
      R"({"id":"a","prompt":"p","category":"ambiguous","difficulty":"easy","optimal_tool":"none","ground_truth_output":"1","rel_tolerance":0.1})"
      "\n");
  CliRun r = run("data validate " + path);
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("warning: " + path + ":1: field 'rel_tolerance': unknown field (did you mean 'rel_tol'?)"),
            std::string::npos) << r.out;
  CliRun strict = run("data validate --strict " + path);
  EXPECT_EQ(strict.code, 2) << strict.out;
  EXPECT_NE(strict.out.find(path + ":1: field 'rel_tolerance'"), std::string::npos) << strict.out;
}

TEST(DataCli, GenerateValidateVerifyStats) {
  TempDir dir;
  std::string out = dir.path("gen/tasks.jsonl");
  CliRun g = run("data generate --seed 3 --per-cell 2 -o " + out);
  ASSERT_EQ(g.code, 0) << g.out;
  auto loaded = agentcoder::data::load_tasks(out);
  EXPECT_EQ(loaded.tasks.size(), 24u);
  EXPECT_EQ(run("data validate " + out).code, 0);
  CliRun v = run("data verify " + out);
  EXPECT_EQ(v.code, 0) << v.out;
  EXPECT_NE(v.out.find("24 re-verified"), std::string::npos) << v.out;
  CliRun s = run("data stats " + out);
  ASSERT_EQ(s.code, 0) << s.out;
  EXPECT_NE(s.out.find("tasks:        24"), std::string::npos) << s.out;
  EXPECT_NE(s.out.find("sha256:"), std::string::npos);
  // Each of the 12 category x difficulty rows shows a total of 2 (the
  // sub-kind table further down has rows starting with categories too).
  const std::string grid = s.out.substr(0, s.out.find("sub-kinds:"));
  int rows = 0;
  for (const char* c : {"pure_reasoning", "execution_required", "ambiguous", "multi_step"}) {
    size_t pos = 0;
    while ((pos = grid.find(std::string("\n") + c, pos)) != std::string::npos) {
      size_t end = grid.find('\n', pos + 1);
      std::string row = grid.substr(pos + 1, end - pos - 1);
      EXPECT_EQ(row.substr(row.find_last_not_of(' ') ), "2") << row;
      ++rows;
      pos = end;
    }
  }
  EXPECT_EQ(rows, 12) << s.out;
  EXPECT_NE(s.out.find("sub-kinds: families (tasks) per split"), std::string::npos) << s.out;
  EXPECT_NE(s.out.find("\npure_reasoning      code_review"), std::string::npos) << s.out;
}

TEST(DataCli, ImportSummaryCountsRefusedRecordsByReason) {
  TempDir dir;
  CliRun r = run("data import --mapping bfcl " + std::string(DATA_FIXTURES) + "/bfcl/BFCL_v4_live_simple.json -o " +
                 dir.path("o.jsonl"));
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("imported 1 of 5 records"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("(0 filtered out, 4 refused, 0 issues)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  refused 2: several messages in the turn"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  refused 1: several turns"), std::string::npos) << r.out;
}

TEST(DataCli, ImportUnknownMappingIsExit2) {
  TempDir dir;
  CliRun r = run("data import --mapping nope " + std::string(DATA_FIXTURES) + "/mbpp.jsonl -o " + dir.path("o.jsonl"));
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find("nope"), std::string::npos);
}

TEST(DataCli, ImportWritesGoodRecordsAndExits2OnBadOnes) {
  TempDir dir;
  std::string out = dir.path("o.jsonl");
  CliRun r = run("data import --mapping mbpp " + std::string(DATA_FIXTURES) + "/bad_mbpp.jsonl -o " + out);
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("bad_mbpp.jsonl:2: field 'prompt'"), std::string::npos) << r.out;
  EXPECT_EQ(agentcoder::data::load_tasks(out).tasks.size(), 2u);
}
