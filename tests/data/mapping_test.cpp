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
#include "utils/files.h"

using namespace agentcoder::data;
using agentcoder::testing::TempDir;
using json = nlohmann::ordered_json;

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

// A task holds one user prompt. Before, a record opening with a system
// message got the system text as its prompt and the rest of a conversation
// was dropped without a word; now such records are refused, counted by reason.
TEST(Mapping, BfclConversationsAreRefusedAndCounted) {
  for (const char* mapping : {"bfcl", "bfcl_irrelevance"}) {
    ImportResult r = import_fixture(mapping, "bfcl/BFCL_v4_live_simple.json");
    EXPECT_TRUE(r.issues.empty()) << r.issues[0].to_string();
    EXPECT_EQ(r.records, 5);
    ASSERT_EQ(r.tasks.size(), 1u) << mapping;
    EXPECT_EQ(r.tasks[0].id, "bfcl/live_simple_950");
    EXPECT_EQ(r.tasks[0].prompt, "What is the weather in Oslo?");
    EXPECT_EQ(r.refused_total(), 4);
    std::map<std::string, int> by_start;
    for (const auto& [reason, n] : r.refused) by_start[reason.substr(0, reason.find(':'))] += n;
    EXPECT_EQ(by_start["several turns"], 1) << mapping;                 // 953
    EXPECT_EQ(by_start["several messages in the turn (a system prompt, say)"], 2) << mapping;  // 951, 952
    EXPECT_EQ(by_start["the only message is not the user's"], 1) << mapping;                  // 954
  }
}

// Scored as an abstention (scorer.h: call, malformed or abstention), not as
// a bare decision without a correctness.
TEST(Mapping, BfclIrrelevanceMeansNoCall) {
  ImportResult r = import_fixture("bfcl_irrelevance", "bfcl/BFCL_v4_irrelevance.json");
  ASSERT_EQ(r.tasks.size(), 1u);
  EXPECT_EQ(r.tasks[0].optimal_tool, "none");
  EXPECT_EQ(r.tasks[0].check, Check::abstain);
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
  EXPECT_EQ(ins.knobs["complexity"], 2);
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

// A rule's default is a template like any other value; before, it was copied
// as is and the prompts read "{{question.0.0.content}}".
TEST(Mapping, DefaultsAreRendered) {
  TempDir dir;
  std::string mapping = dir.write("m.toml", R"(
source = "mine"
[fields]
id = "m/{{task_id}}"
prompt = { first_of = ["{{question.0.0.content}}"], default = "{{text}}" }
category = "ambiguous"
difficulty = { from = "{{level}}", map = { x = "hard" }, default = "easy" }
optimal_tool = "none"
check = "exact"
ground_truth_output = { from = "{{answer}}", default = "{{test_list.0}}" }
alternative_tools = ["{{tool}}"]
)");
  std::string input = dir.write("in.jsonl", R"({"task_id": 1, "text": "Say hi.", "test_list": ["hi"], "tool": "python"})"
                                            "\n");
  ImportResult r = import_file(load_mapping(mapping), input);
  ASSERT_TRUE(r.issues.empty()) << r.issues[0].to_string();
  ASSERT_EQ(r.tasks.size(), 1u);
  EXPECT_EQ(r.tasks[0].prompt, "Say hi.");
  EXPECT_EQ(r.tasks[0].ground_truth_output, "hi");
  EXPECT_EQ(r.tasks[0].alternative_tools, std::vector<std::string>{"python"});  // list constants render too

  // A default naming a field the record lacks refuses the record, naming the field.
  std::string missing = dir.write("in2.jsonl", R"({"task_id": 2, "test_list": ["hi"], "tool": "python"})"
                                               "\n");
  r = import_file(load_mapping(mapping), missing);
  EXPECT_TRUE(r.tasks.empty());
  ASSERT_EQ(r.issues.size(), 1u);
  EXPECT_EQ(r.issues[0].field, "prompt");
  EXPECT_EQ(r.issues[0].line, 1);
}

// A misspelt field or rule key would be ignored (a tolerance silently 0, an
// alternatives list silently empty): the mapping is refused instead.
TEST(Mapping, UnknownFieldsAndRuleKeysAreRefused) {
  TempDir dir;
  const std::string head = "source = \"x\"\n[fields]\nprompt = \"{{text}}\"\ncategory = \"ambiguous\"\n"
                           "difficulty = \"easy\"\noptimal_tool = \"none\"\n";
  struct Case {
    const char* line;
    const char* expected;
  };
  const Case cases[] = {
      {"alternative_tool = [\"python\"]", "field 'fields.alternative_tool': unknown field (did you mean 'alternative_tools'?)"},
      {"rel_tolerance = 0.1", "field 'fields.rel_tolerance': unknown field (did you mean 'rel_tol'?)"},
      {"reasoning = { from = \"{{why}}\", defualt = \"x\" }", "field 'fields.reasoning.defualt': unknown rule key"},
      {"reasoning = { form = \"{{why}}\" }", "field 'fields.reasoning.form': unknown rule key"},
      {"generator = \"x\"", "field 'fields.generator': is not set by a mapping"},
  };
  for (const auto& c : cases) {
    std::string path = dir.write("m.toml", head + c.line + "\n");
    try {
      load_mapping(path);
      ADD_FAILURE() << "accepted " << c.line;
    } catch (const agentcoder::InputError& e) {
      EXPECT_NE(std::string(e.what()).find(c.expected), std::string::npos) << e.what();
    }
  }
  EXPECT_NO_THROW(load_mapping(dir.write("m.toml", head + "rel_tol = 0.1\n")));
}

// Sets without ids (GSM8K) number their records: {{_record}} is the line.
TEST(Mapping, RecordNumberPlaceholder) {
  TempDir dir;
  std::string mapping = dir.write("m.toml", R"(
source = "gsm"
[fields]
id = "gsm/{{_record}}"
source_id = "line {{_record}}"
prompt = "{{question}}"
category = "execution_required"
difficulty = "easy"
optimal_tool = "python"
ground_truth_output = "{{answer}}"
)");
  std::string input = dir.write("in.jsonl", "{\"question\": \"a?\", \"answer\": \"1\"}\n\n"
                                            "{\"question\": \"b?\", \"answer\": \"2\"}\n");
  ImportResult r = import_file(load_mapping(mapping), input);
  ASSERT_TRUE(r.issues.empty()) << r.issues[0].to_string();
  ASSERT_EQ(r.tasks.size(), 2u);
  EXPECT_EQ(r.tasks[0].id, "gsm/1");
  EXPECT_EQ(r.tasks[1].id, "gsm/3");  // the line, so ids survive a fix of an earlier line
  EXPECT_EQ(r.tasks[1].source_id, "line 3");
  EXPECT_FALSE(r.tasks[0].extra.contains("_record"));
}

// GSM8K's answer is worked text ending "#### N": a regex takes N.
TEST(Mapping, RegexExtraction) {
  TempDir dir;
  std::string mapping = dir.write("m.toml", R"(
source = "gsm"
[fields]
id = "gsm/{{_record}}"
prompt = "{{question}}"
category = "execution_required"
difficulty = "easy"
optimal_tool = "python"
check = "numeric"
answer = { from = "{{answer}}", regex = "^#### *(-?[0-9.]+)$" }
reasoning = { from = "{{answer}}", regex = "^[A-Z][a-z]+", default = "no step" }
)");
  std::string long_line(5000, 'x');
  std::string input = dir.write(
      "in.jsonl", "{\"question\": \"q1\", \"answer\": \"Half of 144 is 72.\\n#### 72\"}\n"
                  "{\"question\": \"q2\", \"answer\": \"no marker here\"}\n"
                  "{\"question\": \"q3\", \"answer\": \"" + long_line + "\\n#### 5\"}\n");
  ImportResult r = import_file(load_mapping(mapping), input);
  ASSERT_EQ(r.tasks.size(), 2u);
  EXPECT_EQ(r.tasks[0].check, Check::numeric);
  ASSERT_TRUE(r.tasks[0].answer);
  EXPECT_EQ(*r.tasks[0].answer, 72.0);
  EXPECT_EQ(r.tasks[0].reasoning, "Half");  // no group: the whole match
  ASSERT_EQ(r.issues.size(), 1u);
  EXPECT_EQ(r.issues[0].line, 2);
  EXPECT_EQ(r.issues[0].field, "answer");
  EXPECT_NE(r.issues[0].message.find("matches no line"), std::string::npos) << r.issues[0].message;
  // A 5000-character line is matched like any other (RE2 does not recurse per character).
  ASSERT_TRUE(r.tasks[1].answer);
  EXPECT_EQ(*r.tasks[1].answer, 5.0);

  std::string bad = dir.write("bad.toml", R"(
source = "gsm"
[fields]
prompt = { from = "{{question}}", regex = "(unclosed" }
category = "ambiguous"
difficulty = "easy"
optimal_tool = "none"
)");
  try {
    load_mapping(bad);
    FAIL() << "a bad regex was accepted";
  } catch (const agentcoder::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("field 'fields.prompt.regex': bad regex"), std::string::npos) << e.what();
  }
}

// When2Call keeps its tools as a JSON document inside a string.
TEST(Mapping, ParseJsonHeldInAString) {
  TempDir dir;
  std::string mapping = dir.write("m.toml", R"(
source = "when2call"
[fields]
id = "w/{{uuid}}"
prompt = "{{question}}"
category = "execution_required"
difficulty = "intermediate"
optimal_tool = "{{tool_name}}"
check = "decision"
functions = { from = "{{tools}}", parse = "json" }
)");
  json tools = json::array({{{"name", "get_time"}, {"description", "Time in a zone."},
                             {"parameters", {{"type", "object"}, {"properties", {{"tz", {{"type", "string"}}}}}}}}});
  json good = {{"uuid", "a1"}, {"question", "What time is it in Tokyo?"}, {"tool_name", "get_time"}, {"tools", tools.dump()}};
  json bad = {{"uuid", "a2"}, {"question", "q"}, {"tool_name", "get_time"}, {"tools", "[{\"name\": "}};
  std::string input = dir.write("in.jsonl", good.dump() + "\n" + bad.dump() + "\n");
  ImportResult r = import_file(load_mapping(mapping), input);
  ASSERT_EQ(r.tasks.size(), 1u);
  ASSERT_TRUE(r.tasks[0].functions.is_array());
  EXPECT_EQ(r.tasks[0].functions[0]["name"], "get_time");
  EXPECT_EQ(r.tasks[0].optimal_tool, "get_time");  // valid because the parsed list offers it
  ASSERT_EQ(r.issues.size(), 1u);
  EXPECT_EQ(r.issues[0].line, 2);
  EXPECT_EQ(r.issues[0].field, "functions");
  EXPECT_NE(r.issues[0].message.find("not JSON"), std::string::npos) << r.issues[0].message;
}

// The guide's GSM8K mapping (docs/mappings.md) works as written.
TEST(Mapping, GuideGsm8kExampleImports) {
  std::string guide = agentcoder::read_file(std::string(DOCS_DIR) + "/mappings.md");
  size_t section = guide.find("## A set that is not built in: GSM8K");
  ASSERT_NE(section, std::string::npos);
  size_t open = guide.find("```toml\n", section);
  size_t close = guide.find("```", open + 8);
  ASSERT_NE(close, std::string::npos);
  TempDir dir;
  std::string mapping = dir.write("gsm8k.toml", guide.substr(open + 8, close - open - 8));
  json record = {{"question", "Natalia sold clips to 48 of her friends in April, and half as many in May. How many in all?"},
                 {"answer", "Natalia sold 48/2 = <<48/2=24>>24 clips in May.\nSo 48+24 = <<48+24=72>>72.\n#### 72"}};
  ImportResult r = import_file(load_mapping(mapping), dir.write("gsm.jsonl", record.dump() + "\n"));
  ASSERT_TRUE(r.issues.empty()) << r.issues[0].to_string();
  ASSERT_EQ(r.tasks.size(), 1u);
  EXPECT_EQ(r.tasks[0].id, "gsm8k/1");
  EXPECT_EQ(r.tasks[0].check, Check::numeric);
  EXPECT_EQ(r.tasks[0].answer, 72.0);
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
