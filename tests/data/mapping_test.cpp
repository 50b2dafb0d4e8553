// Importers: each built-in mapping on fixture records in its data set's shape,
// a custom mapping file, bad records reported with file/line/field, real
// records of each public set (shipped excerpts), and the full shared sets
// when they are present.
#include <filesystem>
#include <map>

#include <gtest/gtest.h>

#include "data/mapping.h"
#include "data/task_json.h"
#include "data/reference_runner.h"
#include "data/verifier.h"
#include "support/temp_dir.h"
#include "test_util.h"
#include "utils/errors.h"

using namespace agentcoder::data;
using agentcoder::testing::TempDir;

namespace {

const std::string kFixtures = DATA_FIXTURES;

ImportResult import_fixture(const std::string& mapping, const std::string& file) {
  return import_file(load_mapping(mapping), kFixtures + "/" + file);
}

const Task& by_id(const ImportResult& r, const std::string& id) {
  for (const auto& t : r.tasks)
    if (t.id == id) return t;
  throw std::runtime_error("no task " + id);
}

}  // namespace

TEST(Mapping, BuiltinNamesAreListed) {
  auto names = builtin_mapping_names();
  for (const char* n : {"bfcl", "bfcl_irrelevance", "humaneval", "mbpp", "metatool", "symbench"})
    EXPECT_NE(std::find(names.begin(), names.end(), n), names.end()) << n;
}

TEST(Mapping, HumanEvalTestsPassOnTheCanonicalSolution) {
  ImportResult r = import_fixture("humaneval", "humaneval.jsonl");
  ASSERT_TRUE(r.issues.empty()) << r.issues[0].to_string();
  ASSERT_EQ(r.tasks.size(), 2u);
  const Task& t = by_id(r, "humaneval/HumanEval/900");
  EXPECT_EQ(t.check, Check::unit_tests);
  EXPECT_EQ(t.entry_point, "add_one");
  EXPECT_EQ(t.source, "humaneval");
  EXPECT_NE(t.tests.find("check(add_one)"), std::string::npos);
  auto sandbox = data_test::test_sandbox();
  VerifyReport v = verify_tasks(r.tasks, {1, 2}, "humaneval.jsonl", {}, *sandbox, 2);
  EXPECT_EQ(v.passed, 2) << (v.problems.empty() ? "" : v.problems[0].to_string());
}

TEST(Mapping, MbppUsesSetupCodeAndShowsTestsInThePrompt) {
  ImportResult r = import_fixture("mbpp", "mbpp.jsonl");
  ASSERT_EQ(r.tasks.size(), 2u);
  const Task& t = by_id(r, "mbpp/9002");
  EXPECT_EQ(t.test_setup, "VALUE = sq(2)");  // needs the solution: runs after it
  EXPECT_NE(t.prompt.find("assert sq(3) == 9"), std::string::npos);
  auto sandbox = data_test::test_sandbox();
  VerifyReport v = verify_tasks(r.tasks, {1, 2}, "mbpp.jsonl", {}, *sandbox, 2);
  EXPECT_EQ(v.passed, 2) << (v.problems.empty() ? "" : v.problems[0].to_string());
}

TEST(Mapping, BadRecordsAreReportedWithLineAndFieldAndVerifyFindsWrongSolutions) {
  ImportResult r = import_fixture("mbpp", "bad_mbpp.jsonl");
  EXPECT_EQ(r.tasks.size(), 2u);  // lines 1 and 4
  ASSERT_EQ(r.issues.size(), 2u);
  EXPECT_EQ(r.issues[0].line, 2);
  EXPECT_EQ(r.issues[0].field, "prompt");
  EXPECT_EQ(r.issues[1].line, 3);
  auto sandbox = data_test::test_sandbox();
  VerifyReport v = verify_tasks(r.tasks, {1, 4}, "bad_mbpp.jsonl", {}, *sandbox, 2);
  ASSERT_EQ(v.problems.size(), 1u);
  EXPECT_EQ(v.problems[0].line, 4);
}

TEST(Mapping, BfclJoinsPossibleAnswersAndLabelsTheFunction) {
  ImportResult r = import_fixture("bfcl", "bfcl/BFCL_v4_simple_python.json");
  ASSERT_EQ(r.tasks.size(), 2u);
  ASSERT_EQ(r.issues.size(), 1u);  // 902 has no answer record
  EXPECT_EQ(r.issues[0].line, 3);
  const Task& t = by_id(r, "bfcl/simple_python_901");
  EXPECT_EQ(t.optimal_tool, "fx.convert");
  EXPECT_EQ(t.check, Check::call_match);
  EXPECT_EQ(t.functions[0]["name"], "fx.convert");
  EXPECT_EQ(t.expected_calls[0]["fx.convert"]["amount"][0], 5.0);
}

TEST(Mapping, BfclIrrelevanceMeansNoCall) {
  ImportResult r = import_fixture("bfcl_irrelevance", "bfcl/BFCL_v4_irrelevance.json");
  ASSERT_EQ(r.tasks.size(), 1u);
  EXPECT_EQ(r.tasks[0].optimal_tool, "none");
  EXPECT_EQ(r.tasks[0].check, Check::decision);
  EXPECT_EQ(r.tasks[0].functions.size(), 1u);
}

TEST(Mapping, MetaToolMapsTheNeedLabel) {
  ImportResult r = import_fixture("metatool", "metatool.jsonl");
  ASSERT_EQ(r.tasks.size(), 3u);
  EXPECT_EQ(by_id(r, "metatool/0").optimal_tool, "external");
  EXPECT_EQ(by_id(r, "metatool/0").category, Category::execution_required);
  EXPECT_EQ(by_id(r, "metatool/1").optimal_tool, "none");
  EXPECT_EQ(by_id(r, "metatool/1").category, Category::pure_reasoning);
}

TEST(Mapping, SymBenchFiltersPicksTheAnswerFieldAndDifficulty) {
  ImportResult r = import_fixture("symbench", "symbench.jsonl");
  EXPECT_EQ(r.filtered, 1);  // logic puzzles need a validator not written yet
  ASSERT_EQ(r.tasks.size(), 5u);
  const Task& mul = by_id(r, "symbench/number_multiply/sample_0");
  EXPECT_EQ(mul.ground_truth_output, "408");
  EXPECT_EQ(mul.check, Check::exact);
  EXPECT_EQ(mul.difficulty, Difficulty::hard);  // no complexity: default
  const Task& ins = by_id(r, "symbench/string_insertion/sample_1");
  EXPECT_EQ(ins.ground_truth_output, "ABCDE");
  EXPECT_EQ(ins.difficulty, Difficulty::easy);
  EXPECT_EQ(ins.category, Category::ambiguous);
  EXPECT_EQ(ins.extra["knobs"]["complexity"], 2);
  const Task& split = by_id(r, "symbench/string_splitting/sample_2");
  EXPECT_EQ(split.ground_truth_output, R"(["1","0","2"])");
  EXPECT_EQ(split.difficulty, Difficulty::hard);
  EXPECT_EQ(by_id(r, "symbench/eight_queens_dataset/sample_3").check, Check::answer_check);
  EXPECT_EQ(by_id(r, "symbench/combinatorial_calculation/sample_4").check, Check::answer_check);
}

TEST(Mapping, SymBenchCheckersAcceptValidAndRejectInvalidAnswers) {
  ImportResult r = import_fixture("symbench", "symbench.jsonl");
  auto sandbox = data_test::test_sandbox();
  // The fixture's eight-queens record stores a one-queen "solution": verify must reject it.
  std::vector<int> lines;
  for (size_t i = 0; i < r.tasks.size(); ++i) lines.push_back(static_cast<int>(i) + 1);
  VerifyReport v = verify_tasks(r.tasks, lines, "symbench.jsonl", {}, *sandbox, 2);
  ASSERT_EQ(v.problems.size(), 1u);
  EXPECT_EQ(v.problems[0].field, "ground_truth_output");
  EXPECT_EQ(r.tasks[v.problems[0].line - 1].id, "symbench/eight_queens_dataset/sample_3");
  EXPECT_EQ(v.passed, 1);  // the combinatorial record

  Task calc = by_id(r, "symbench/combinatorial_calculation/sample_4");
  std::vector<std::string> answers = {"<<<[6, /, 2, +, 7]>>>", "<<<[6, +, 2, +, 7]>>>", "<<<[2, /, 6, +, 7]>>>",
                                      "6 / 2 + 7"};
  std::vector<std::string> programs;
  for (const auto& a : answers) {
    Task t = calc;
    t.ground_truth_output = a;
    programs.push_back(answer_check_program(t));
  }
  auto reasons = run_checks(*sandbox, programs, 2);
  EXPECT_EQ(reasons[0], "");
  EXPECT_NE(reasons[1], "");  // 15, not 10
  EXPECT_NE(reasons[2], "");  // numbers out of order
  EXPECT_NE(reasons[3], "");  // not the list format, the tokens do not split
}

TEST(Mapping, CustomMappingFileAndBadMappings) {
  TempDir dir;
  std::string mapping = dir.write("m.toml", R"(
name = "mine"
source = "mine"
[fields]
id = "m/{{task_id}}"
prompt = "{{text}}"
category = "ambiguous"
difficulty = { from = "{{task_id}}", ranges = [[9001, "easy"]], default = "hard" }
optimal_tool = "code_executor"
check = "exact"
ground_truth_output = "{{test_list.0}}"
)");
  ImportResult r = import_file(load_mapping(mapping), kFixtures + "/mbpp.jsonl");
  ASSERT_EQ(r.tasks.size(), 2u);
  EXPECT_EQ(r.tasks[0].difficulty, Difficulty::easy);
  EXPECT_EQ(r.tasks[1].difficulty, Difficulty::hard);
  EXPECT_EQ(r.tasks[0].optimal_tool, "python");  // alias
  EXPECT_EQ(r.tasks[0].ground_truth_output, "assert bigger(1, 2) == 2");

  EXPECT_THROW(load_mapping("no_such_mapping"), agentcoder::InputError);
  std::string missing = dir.write("bad.toml", "source = \"x\"\n[fields]\nid = \"{{a}}\"\n");
  try {
    load_mapping(missing);
    FAIL();
  } catch (const agentcoder::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("fields.prompt"), std::string::npos) << e.what();
  }
  EXPECT_THROW(import_file(load_mapping("mbpp"), "/nonexistent.jsonl"), agentcoder::InputError);
}

// The public files the built-in mappings are for, with the number of tasks
// the full file in shared/datasets/ gives.
struct PublicFile {
  const char* mapping;
  const char* file;
  int full_tasks;
};
const PublicFile kPublicFiles[] = {
    {"humaneval", "humaneval/HumanEval.jsonl", 164},
    {"mbpp", "mbpp/mbpp_dev.jsonl", 474},
    {"bfcl", "bfcl/BFCL_v4_simple_python.json", 400},
    {"bfcl", "bfcl/BFCL_v4_multiple.json", 200},
    {"bfcl_irrelevance", "bfcl/BFCL_v4_irrelevance.json", 240},
    {"metatool", "metatool/awareness_task1_compact.jsonl", 1040},
    {"symbench", "symbench/symbench_dev.jsonl", -1},  // many; checked against its record count
};

// Real records (fixtures/public: a few of each set, copied unchanged): every
// record imports without an issue, and the reference solutions pass their own
// checks in the sandbox. Runs everywhere; the full sets are the next test.
TEST(Mapping, PublicSetExcerptsImportAndVerify) {
  const std::string root = kFixtures + "/public";
  auto sandbox = data_test::test_sandbox();
  for (const PublicFile& f : kPublicFiles) {
    ImportResult r = import_file(load_mapping(f.mapping), root + "/" + f.file);
    EXPECT_TRUE(r.issues.empty()) << f.file << ": " << r.issues[0].to_string();
    EXPECT_EQ(r.records, f.mapping == std::string("symbench") ? 17 : 3) << f.file;
    EXPECT_EQ(static_cast<int>(r.tasks.size()) + r.filtered, r.records) << f.file;
    ASSERT_FALSE(r.tasks.empty()) << f.file;
    std::vector<int> lines;
    for (size_t i = 0; i < r.tasks.size(); ++i) lines.push_back(static_cast<int>(i) + 1);
    VerifyReport v = verify_tasks(r.tasks, lines, f.file, {}, *sandbox, 2);
    EXPECT_TRUE(v.problems.empty()) << f.file << ": " << v.problems[0].to_string();
  }
}

// The full shared sets, where this checkout sits beside shared/datasets/.
// Elsewhere the test is reported as skipped (the excerpts above still ran).
TEST(Mapping, SharedPublicSetsImport) {
  const std::string root = SHARED_DATASETS;
  if (!std::filesystem::exists(root))
    GTEST_SKIP() << root << " is not present; only the excerpts in fixtures/public were checked";
  for (const PublicFile& f : kPublicFiles) {
    ImportResult r = import_file(load_mapping(f.mapping), root + "/" + f.file);
    EXPECT_TRUE(r.issues.empty()) << f.file << ": " << r.issues[0].to_string();
    EXPECT_EQ(static_cast<int>(r.tasks.size()) + r.filtered, r.records) << f.file;
    if (f.full_tasks >= 0)
      EXPECT_EQ(static_cast<int>(r.tasks.size()), f.full_tasks) << f.file;
    else
      EXPECT_GT(r.tasks.size(), 1000u) << f.file;
  }
}
