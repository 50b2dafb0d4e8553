// The generator and verifier, through the real sandbox: determinism, ground
// truth that matches an independent computation, de-duplication, failing
// references, and verify catching a tampered record.
#include <set>

#include <gtest/gtest.h>

#include "data/augment.h"
#include "data/generator.h"
#include "data/task_json.h"
#include "data/verifier.h"
#include "test_util.h"

using namespace agentcoder::data;
using json = nlohmann::ordered_json;

namespace {

// A family whose answer the test can recompute in C++.
const char* kProduct = R"(
id = "t.product"
category = "execution_required"
kind = "numerical"
optimal_tool = "python"
reasoning = "r"
check = "exact"
knobs = ["hi"]
phrasings = ["What is {{a}} * {{b}}?", "Multiply {{a}} by {{b}}.", "{{a}} times {{b}}?"]
reference = '''
def solve(p):
    return {"answer": str(p["a"] * p["b"])}
'''
[levels.easy]
meaning = "small"
params = { hi = 99, a = { int = [2, "hi"] }, b = { int = [2, "hi"] } }
[levels.intermediate]
meaning = "medium"
params = { hi = 9999, a = { int = [100, "hi"] }, b = { int = [100, "hi"] } }
[levels.hard]
meaning = "large"
params = { hi = 999999, a = { int = [10000, "hi"] }, b = { int = [10000, "hi"] } }
)";

std::string swap(std::string text, const std::string& from, const std::string& to) {
  auto pos = text.find(from);
  EXPECT_NE(pos, std::string::npos) << from;
  return pos == std::string::npos ? text : text.replace(pos, from.size(), to);
}

std::vector<Family> product_family() { return {parse_family_toml(kProduct, "product.toml")}; }

std::string dump_all(const std::vector<Task>& tasks) {
  std::string s;
  for (const auto& t : tasks) s += task_to_json(t).dump() + "\n";
  return s;
}

}  // namespace

TEST(Generator, GroundTruthMatchesAnIndependentComputation) {
  auto sandbox = data_test::test_sandbox();
  GenerateOptions options;
  options.per_cell = 4;
  std::vector<Task> tasks = generate(product_family(), *sandbox, options);
  ASSERT_EQ(tasks.size(), 12u);
  for (const auto& t : tasks) {
    int64_t a = t.generator.params["a"], b = t.generator.params["b"];
    EXPECT_EQ(t.ground_truth_output, std::to_string(a * b)) << t.id;
    EXPECT_NE(t.prompt.find(std::to_string(a)), std::string::npos);
    EXPECT_EQ(t.generator.knobs["hi"], t.generator.params["hi"]);
    EXPECT_EQ(t.generator.reference_sha256, product_family()[0].reference_sha256);
  }
}

TEST(Generator, SameSeedSameFileOtherSeedOtherFile) {
  auto sandbox = data_test::test_sandbox();
  std::vector<Family> families = builtin_families();
  GenerateOptions options;
  options.per_cell = 3;
  options.seed = 5;
  std::string first = dump_all(generate(families, *sandbox, options));
  std::string again = dump_all(generate(families, *sandbox, options));
  options.seed = 6;
  std::string other = dump_all(generate(families, *sandbox, options));
  EXPECT_EQ(first, again);
  EXPECT_NE(first, other);
}

TEST(Generator, BuiltinSetFillsEveryCellWithValidUniqueTasks) {
  auto sandbox = data_test::test_sandbox();
  GenerateOptions options;
  options.per_cell = 13;  // at least one task from every family
  GenerateReport report;
  std::vector<Task> tasks = generate(builtin_families(), *sandbox, options, &report);
  EXPECT_TRUE(report.short_cells.empty());
  std::map<std::pair<Category, Difficulty>, int> cells;
  std::set<std::string> prompts, ids, families;
  for (const auto& t : tasks) {
    std::vector<Issue> issues;
    validate_task(t, issues);
    EXPECT_TRUE(issues.empty()) << t.id << ": " << (issues.empty() ? "" : issues[0].to_string());
    EXPECT_TRUE(prompts.insert(normalise_prompt(t.prompt)).second) << "duplicate prompt " << t.id;
    EXPECT_TRUE(ids.insert(t.id).second);
    families.insert(t.generator.family);
    cells[{t.category, t.difficulty}]++;
  }
  for (Category c : kCategories)
    for (Difficulty d : kDifficulties) EXPECT_EQ((cells[{c, d}]), 13) << to_string(c) << "/" << to_string(d);
  EXPECT_EQ(families.size(), builtin_families().size());
}

TEST(Generator, SmallParameterSpaceIsDeduplicatedAndReportedShort) {
  std::string text = swap(swap(kProduct, "a = { int = [2, \"hi\"] }", "a = 3"), "b = { int = [2, \"hi\"] }", "b = 4");
  auto sandbox = data_test::test_sandbox();
  GenerateOptions options;
  options.per_cell = 20;
  options.distractor_rate = 0;
  GenerateReport report;
  std::vector<Task> tasks = generate({parse_family_toml(text, "tiny.toml")}, *sandbox, options, &report);
  // One product, three phrasings, three format suffixes: at most 9 distinct easy prompts.
  int easy = 0;
  for (const auto& t : tasks) easy += t.difficulty == Difficulty::easy;
  EXPECT_LE(easy, 9);
  EXPECT_GT(report.duplicates, 0);
  ASSERT_FALSE(report.short_cells.empty());
  EXPECT_NE(report.short_cells[0].find("t.product/easy"), std::string::npos);
}

TEST(Generator, FailingReferenceIsAnErrorNamingTheFamily) {
  std::string text = swap(kProduct, "return {\"answer\"", "raise ValueError('boom')\n    return {\"answer\"");
  auto sandbox = data_test::test_sandbox();
  GenerateOptions options;
  options.per_cell = 2;
  try {
    generate({parse_family_toml(text, "broken.toml")}, *sandbox, options);
    FAIL() << "expected a failure";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("broken.toml"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("boom"), std::string::npos) << e.what();
  }
}

TEST(Generator, ReferenceSolutionMustPassItsOwnTests) {
  std::string text = swap(kProduct, "return {\"answer\": str(p[\"a\"] * p[\"b\"])}",
               "return {\"answer\": \"1\", \"tests\": \"assert f() == 2\", \"solution\": \"def f():\\n    return 1\"}");
  auto sandbox = data_test::test_sandbox();
  GenerateOptions options;
  options.per_cell = 1;
  try {
    generate({parse_family_toml(text, "selfcheck.toml")}, *sandbox, options);
    FAIL() << "expected a failure";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("fails its tests"), std::string::npos) << e.what();
  }
}

TEST(Verifier, ReverifiesAndCatchesTampering) {
  auto sandbox = data_test::test_sandbox();
  std::vector<Family> families = builtin_families();
  GenerateOptions options;
  options.per_cell = 4;
  std::vector<Task> tasks = generate(families, *sandbox, options);
  std::vector<int> lines;
  for (size_t i = 0; i < tasks.size(); ++i) lines.push_back(static_cast<int>(i) + 1);

  VerifyReport clean = verify_tasks(tasks, lines, "f.jsonl", families, *sandbox, 2);
  EXPECT_TRUE(clean.problems.empty()) << clean.problems[0].to_string();
  EXPECT_EQ(clean.passed, static_cast<int>(tasks.size()));

  // Tamper with an exact answer, a rubric and a reference hash.
  size_t exact = 0, rubric = 0;
  for (size_t i = 0; i < tasks.size(); ++i) {
    if (tasks[i].check == Check::exact && !exact) exact = i;
    if (tasks[i].check == Check::rubric && !rubric) rubric = i;
  }
  ASSERT_TRUE(exact && rubric);
  tasks[exact].ground_truth_output += "0";
  tasks[rubric].rubric.pop_back();
  tasks[0].generator.reference_sha256 = std::string(64, 'f');
  VerifyReport bad = verify_tasks(tasks, lines, "f.jsonl", families, *sandbox, 2);
  std::map<int, std::string> field_at_line;
  for (const auto& p : bad.problems) field_at_line[p.line] = p.field;
  EXPECT_EQ(bad.problems.size(), 3u);
  EXPECT_EQ(field_at_line[static_cast<int>(exact) + 1], "ground_truth_output");
  EXPECT_EQ(field_at_line[static_cast<int>(rubric) + 1], "rubric");
  EXPECT_EQ(field_at_line[1], "generator.reference_sha256");
  EXPECT_EQ(bad.passed, static_cast<int>(tasks.size()) - 3);
}

TEST(Verifier, RunsImportedSolutionsAgainstTheirTests) {
  auto sandbox = data_test::test_sandbox();
  Task good;
  good.id = "ok";
  good.reference_solution = "def f(x):\n    return x + 1";
  good.tests = "assert f(1) == 2";
  Task bad = good;
  bad.id = "bad";
  bad.tests = "assert f(1) == 3";
  Task none = good;
  none.id = "none";
  none.reference_solution.clear();
  VerifyReport r = verify_tasks({good, bad, none}, {1, 2, 3}, "i.jsonl", {}, *sandbox, 2);
  EXPECT_EQ(r.checked, 2);
  EXPECT_EQ(r.passed, 1);
  EXPECT_EQ(r.skipped, 1);
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].line, 2);
  EXPECT_EQ(r.problems[0].field, "reference_solution");
}
