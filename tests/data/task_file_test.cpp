// The Task schema and JSONL files: round trip, seed records, and one precise
// Issue per bad line while the good lines still load.
#include <filesystem>

#include <gtest/gtest.h>

#include "data/task_file.h"
#include "data/task_json.h"
#include "support/temp_dir.h"
#include "utils/errors.h"
#include "utils/files.h"

using namespace agentcoder::data;
using json = nlohmann::ordered_json;
using agentcoder::testing::TempDir;

namespace {

const char* kGood =
    R"({"id":"t1","prompt":"What is 2+2?","category":"ambiguous","difficulty":"easy","optimal_tool":"none",)"
    R"("alternative_tools":["python"],"check":"exact","ground_truth_output":"4","source":"test"})";

json good() { return json::parse(kGood); }

std::vector<Issue> issues_of(const json& j) {
  std::vector<Issue> issues;
  task_from_json(j, issues);
  return issues;
}

bool has_field(const std::vector<Issue>& issues, const std::string& field) {
  for (const auto& i : issues)
    if (i.field == field) return true;
  return false;
}

}  // namespace

TEST(TaskJson, RoundTripKeepsEveryField) {
  Task t;
  t.id = "x";
  t.prompt = "p";
  t.category = Category::multi_step;
  t.difficulty = Difficulty::hard;
  t.optimal_tool = "docs";
  t.alternative_tools = {"python"};
  t.check = Check::final_state;
  t.ground_truth_output = "42";
  t.tests = "assert f() == 42";
  t.expected_tools = {"docs", "python"};
  t.rubric = {{"names it", {"foo", "ba+r"}}};
  t.answer = 1.5;
  t.abs_tol = 0.01;
  t.source = "synthetic";
  t.split = "dev";
  t.generator.family = "fam";
  t.generator.phrasing = 2;
  t.generator.knobs = {{"digits", 7}};
  t.generator.params = {{"a", "123"}};
  t.generator.reference_sha256 = "abc";
  t.extra["note"] = "kept";
  json j = task_to_json(t);
  std::vector<Issue> issues;
  auto back = task_from_json(j, issues);
  ASSERT_TRUE(back) << (issues.empty() ? "" : issues[0].to_string());
  EXPECT_EQ(task_to_json(*back), j);
  EXPECT_EQ(back->extra["note"], "kept");
}

TEST(TaskJson, SeedRecordWithAliasesLoads) {
  json seed = {{"id", "seed-1"},
               {"prompt", "Calculate the sum of squares of numbers 1 to 100"},
               {"optimal_tool", "code_executor"},
               {"reasoning", "Numerical computation best verified by execution"},
               {"difficulty", "easy"},
               {"category", "execution_required"},
               {"ground_truth_output", "338350"},
               {"alternative_tools", {"symbolic_math"}}};
  std::vector<Issue> issues;
  auto t = task_from_json(seed, issues);
  ASSERT_TRUE(t) << issues[0].to_string();
  EXPECT_EQ(t->optimal_tool, "python");
  EXPECT_EQ(t->alternative_tools, std::vector<std::string>{"math"});
  EXPECT_EQ(t->check, Check::exact);  // inferred
}

TEST(TaskJson, EachSchemaErrorNamesItsField) {
  struct Case {
    const char* field;
    json patch;
  };
  std::vector<Case> cases = {
      {"prompt", {{"prompt", nullptr}}},
      {"difficulty", {{"difficulty", "medium"}}},
      {"category", {{"category", "other"}}},
      {"optimal_tool", {{"optimal_tool", "calculator9"}}},
      {"alternative_tools", {{"alternative_tools", {"none"}}}},  // repeats optimal_tool
      {"ground_truth_output", {{"ground_truth_output", ""}}},
      {"answer", {{"check", "numeric"}}},
      {"tests", {{"check", "unit_tests"}}},
      {"rubric[0].any_of", {{"check", "rubric"}, {"rubric", {{{"point", "p"}, {"any_of", {"(unclosed"}}}}}}},
      {"rubric", {{"check", "rubric"}}},
      {"expected_calls", {{"check", "call_match"}, {"functions", {{{"name", "f"}}}}}},
      {"functions", {{"check", "abstain"}}},  // the functions to abstain from
      {"split", {{"split", "holdout"}}},
      {"abs_tol", {{"abs_tol", -1}}},
      {"check", {{"check", "fuzzy"}}},
      {"checker", {{"check", "answer_check"}, {"checker", "def other(a): return True"}}},
      {"prompt", {{"prompt", 7}}},
  };
  for (const auto& c : cases) {
    json j = good();
    for (const auto& [k, v] : c.patch.items()) {
      if (v.is_null()) j.erase(k);
      else j[k] = v;
    }
    auto issues = issues_of(j);
    EXPECT_TRUE(has_field(issues, c.field)) << "expected an issue on '" << c.field << "' for " << j.dump();
  }
}

// What a template or mapping left unrendered is refused wherever it lands;
// code may hold "{{x}}" as Python text, so there only a bare placeholder is.
TEST(TaskJson, UnrenderedPlaceholdersAreRefused) {
  struct Case {
    const char* field;
    json patch;
  };
  std::vector<Case> refused = {
      {"prompt", {{"prompt", "{{question.0.0.content}}"}}},
      {"prompt", {{"prompt", "Solve: {{ text|lines }}"}}},
      {"reasoning", {{"reasoning", "because {{why}}"}}},
      {"ground_truth_output", {{"ground_truth_output", "{{answer}}"}}},
      {"functions", {{"functions", {{{"name", "f"}, {"description", "{{doc}}"}}}}}},
      {"tests", {{"tests", "{{test}}"}}},
      {"rubric[0]", {{"check", "rubric"}, {"rubric", {{{"point", "{{p}}"}, {"any_of", {"x"}}}}}}},
  };
  for (const auto& c : refused) {
    json j = good();
    for (const auto& [k, v] : c.patch.items()) j[k] = v;
    auto issues = issues_of(j);
    EXPECT_TRUE(has_field(issues, c.field)) << "expected an issue on '" << c.field << "' for " << j.dump();
  }
  std::vector<json> accepted = {
      {{"prompt", "Format {} and {{}} and {{ {x} }} in Python."}},
      {{"tests", "assert balanced('{{x}}')\nassert f\"{{{v}}}\" == '{1}'"}},
  };
  for (const auto& patch : accepted) {
    json j = good();
    for (const auto& [k, v] : patch.items()) j[k] = v;
    auto issues = issues_of(j);
    EXPECT_TRUE(issues.empty()) << j.dump() << ": " << issues[0].to_string();
  }
}

TEST(TaskJson, OfferedFunctionIsAValidTool) {
  json j = good();
  j["optimal_tool"] = "get_weather";
  EXPECT_TRUE(has_field(issues_of(j), "optimal_tool"));
  j["functions"] = json::array({{{"name", "get_weather"}}});
  EXPECT_TRUE(issues_of(j).empty());
}

TEST(TaskFile, BadLinesAreReportedAndGoodOnesLoad) {
  TempDir dir;
  json dup = good();
  json bad_difficulty = good();
  bad_difficulty["id"] = "t3";
  bad_difficulty["difficulty"] = "medium";
  json second = good();
  second["id"] = "t2";
  std::string text = std::string(kGood) + "\n" +      // 1 good
                     "{not json\n" +                   // 2 malformed
                     "\n" +                            // 3 blank, skipped
                     bad_difficulty.dump() + "\n" +    // 4 bad field
                     dup.dump() + "\n" +               // 5 duplicate id
                     second.dump() + "\n";             // 6 good
  std::string path = dir.write("tasks.jsonl", text);
  LoadResult r = load_tasks(path);
  ASSERT_EQ(r.tasks.size(), 2u);
  EXPECT_EQ(r.tasks[0].id, "t1");
  EXPECT_EQ(r.tasks[1].id, "t2");
  EXPECT_EQ(r.lines, (std::vector<int>{1, 6}));
  EXPECT_EQ(r.bad_lines, 3);
  ASSERT_EQ(r.issues.size(), 3u);
  EXPECT_EQ(r.issues[0].line, 2);
  EXPECT_NE(r.issues[0].message.find("malformed JSON"), std::string::npos);
  EXPECT_EQ(r.issues[1].line, 4);
  EXPECT_EQ(r.issues[1].field, "difficulty");
  EXPECT_EQ(r.issues[1].to_string().rfind(path + ":4: field 'difficulty': ", 0), 0u) << r.issues[1].to_string();
  EXPECT_EQ(r.issues[2].line, 5);
  EXPECT_EQ(r.issues[2].field, "id");
}

TEST(TaskFile, StrictStopsAtTheFirstBadLine) {
  TempDir dir;
  json bad = good();
  bad["id"] = "t9";
  bad["category"] = "nope";
  std::string path = dir.write("t.jsonl", std::string(kGood) + "\n" + bad.dump() + "\n");
  try {
    load_tasks(path, true);
    FAIL() << "expected InputError";
  } catch (const agentcoder::InputError& e) {
    EXPECT_NE(std::string(e.what()).find(":2: field 'category'"), std::string::npos) << e.what();
  }
}

// A misspelt field used to be kept silently, so a tolerance became 0 and the
// alternatives empty. It is a warning naming file, line and field, and under
// strict the line is refused.
TEST(TaskFile, UnknownFieldsWarnAndStrictRefuses) {
  TempDir dir;
  json j = good();
  j["rel_tolerance"] = 0.01;
  j["alternative_tool"] = json::array({"python"});
  j["id"] = "t2";
  std::string path = dir.write("t.jsonl", std::string(kGood) + "\n" + j.dump() + "\n");
  LoadResult r = load_tasks(path);
  ASSERT_EQ(r.tasks.size(), 2u);
  EXPECT_EQ(r.bad_lines, 0);
  ASSERT_EQ(r.warnings.size(), 2u);
  EXPECT_EQ(r.warnings[0].to_string(), path + ":2: field 'rel_tolerance': unknown field (did you mean 'rel_tol'?)");
  EXPECT_EQ(r.warnings[1].to_string(),
            path + ":2: field 'alternative_tool': unknown field (did you mean 'alternative_tools'?)");
  try {
    load_tasks(path, true);
    FAIL() << "expected InputError";
  } catch (const agentcoder::InputError& e) {
    EXPECT_EQ(std::string(e.what()), r.warnings[0].to_string());
  }
}

// The seed's own example record (its "Data Format") has no id: it loads,
// under strict, with an id derived from its content.
TEST(TaskFile, SeedExampleWithoutIdLoadsStrictly) {
  const std::string path = std::string(DATA_FIXTURES) + "/seed_example.jsonl";
  LoadResult r = load_tasks(path, true);
  ASSERT_EQ(r.tasks.size(), 1u);
  const Task& t = r.tasks[0];
  EXPECT_TRUE(r.warnings.empty());
  EXPECT_EQ(t.id.rfind("t-", 0), 0u) << t.id;
  EXPECT_EQ(t.id.size(), 18u);
  EXPECT_EQ(t.optimal_tool, "python");
  EXPECT_EQ(t.alternative_tools, std::vector<std::string>{"math"});
  EXPECT_EQ(t.check, Check::exact);
  EXPECT_EQ(t.ground_truth_output, "338350");
}

TEST(TaskJson, DerivedIdDependsOnContentOnly) {
  json a = good();
  a.erase("id");
  json reordered = json::object();
  for (auto it = a.rbegin(); it != a.rend(); ++it) reordered[it.key()] = it.value();
  json other = a;
  other["prompt"] = "What is 3+3?";
  std::vector<Issue> issues;
  std::string id = task_from_json(a, issues).value().id;
  EXPECT_EQ(task_from_json(reordered, issues).value().id, id);
  EXPECT_NE(task_from_json(other, issues).value().id, id);
  EXPECT_EQ(derived_id(a), id);
  // Two identical records without ids are a duplicate, as two equal ids are.
  TempDir dir;
  std::string path = dir.write("t.jsonl", a.dump() + "\n" + a.dump() + "\n");
  LoadResult r = load_tasks(path);
  EXPECT_EQ(r.tasks.size(), 1u);
  ASSERT_EQ(r.issues.size(), 1u);
  EXPECT_EQ(r.issues[0].field, "id");
}

// The same record, read from the seed document itself where shared/ is beside
// the checkout: the example there must stay loadable.
TEST(TaskFile, SeedDocumentExampleLoads) {
  const std::string doc = SHARED_SEED "/agentcoder-context.md";
  if (!std::filesystem::exists(doc)) GTEST_SKIP() << doc << " is not present; the fixture copy was checked";
  std::string text = agentcoder::read_file(doc);
  size_t section = text.find("### Data Format");
  ASSERT_NE(section, std::string::npos);
  size_t open = text.find("```json", section);
  size_t close = text.find("```", open + 7);
  ASSERT_NE(close, std::string::npos);
  json record = json::parse(text.substr(open + 7, close - open - 7));
  EXPECT_FALSE(record.contains("id"));
  TempDir dir;
  std::string path = dir.write("seed.jsonl", record.dump() + "\n");
  LoadResult r = load_tasks(path, true);
  ASSERT_EQ(r.tasks.size(), 1u);
  EXPECT_EQ(r.tasks[0].ground_truth_output, "338350");
}

TEST(TaskFile, MissingFileIsInputError) {
  EXPECT_THROW(load_tasks("/nonexistent/tasks.jsonl"), agentcoder::InputError);
}

TEST(TaskFile, WriteThenLoadIsIdentical) {
  TempDir dir;
  std::vector<Issue> issues;
  Task t = task_from_json(good(), issues).value();
  std::string path = dir.path("sub/out.jsonl");
  write_tasks(path, {t, t});
  // Same id twice: the second line must be flagged, proving the file was read back.
  LoadResult r = load_tasks(path);
  ASSERT_EQ(r.tasks.size(), 1u);
  EXPECT_EQ(task_to_json(r.tasks[0]), task_to_json(t));
  EXPECT_EQ(r.bad_lines, 1);
}
