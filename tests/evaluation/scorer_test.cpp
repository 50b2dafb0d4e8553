// The scorer against the real sandbox: every check kind with right and
// wrong answers, programs that pass, fail, crash and time out, and the
// fabricated-execution check.
#include "evaluation/scorer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <stdexcept>

#include "evaluation/fabrication.h"
#include "utils/vocabulary.h"

namespace agentcoder::evaluation {
namespace {

using json = nlohmann::json;

class ScorerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { sandbox_ = sandbox::make_sandbox().release(); }
  static void TearDownTestSuite() {
    delete sandbox_;
    sandbox_ = nullptr;
  }
  static sandbox::Sandbox* sandbox_;
};
sandbox::Sandbox* ScorerTest::sandbox_ = nullptr;

data::Task make_task(const std::string& id, data::Check check) {
  data::Task t;
  t.id = id;
  t.prompt = "a prompt";
  t.check = check;
  t.optimal_tool = "python";
  return t;
}

store::EpisodeRecord make_episode(const data::Task& task, const std::string& answer) {
  store::EpisodeRecord e;
  e.key.task_id = task.id;
  e.key.model_sha256 = std::string(64, 'a');
  e.key.prompt_format = "direct";
  e.key.mode = "free";
  e.key.tools = {"python"};
  e.stop_reason = "final_answer";
  e.final_answer = answer;
  e.first_decision = "text";
  e.optimal_tool = task.optimal_tool;
  store::StepRecord step;
  step.reply_kind = "text";
  step.content = answer;
  e.steps.push_back(step);
  return e;
}

// A score's verdict: "correct", "wrong", or "none" when it has no
// correctness (the check errored, or the kind has none). Tests compare it with
// EXPECT_EQ, so a check that never ran cannot pass an assertion of "wrong".
std::string verdict(const store::ScoreRecord& score) {
  if (!score.correct.has_value()) return "none";
  return *score.correct ? "correct" : "wrong";
}

// The verdict on `answer` as an episode's final answer.
std::string verdict(const data::Task& task, const std::string& answer, sandbox::Sandbox& sandbox) {
  return verdict(score_episode(task, make_episode(task, answer), sandbox));
}

// Adds a step with one python call before the final step.
void add_call(store::EpisodeRecord& e, const std::string& tool, const json& arguments, bool executed = true,
              bool ok = true, const std::string& error_class = "") {
  store::StepRecord step;
  step.reply_kind = "tool_call";
  store::ToolCallRecord call;
  call.tool = tool;
  call.arguments = arguments.dump();
  call.executed = executed;
  call.ok = ok;
  call.error_class = error_class;
  step.tool_calls.push_back(call);
  e.steps.insert(e.steps.end() - 1, step);
  if (e.steps.size() == 2) {
    e.first_decision = "tool_call";
    e.first_tool = tool;
  }
}

// ---- exact ----

TEST_F(ScorerTest, ExactAcceptsANormalisedCandidateAndSaysWhich) {
  data::Task t = make_task("t/exact", data::Check::exact);
  t.ground_truth_output = "Hello World";
  auto s = score_episode(t, make_episode(t, "Reversing twice gives the input.\nAnswer: \"hello   world\"."), *sandbox_);
  EXPECT_EQ(s.check, "exact");
  EXPECT_EQ(s.scorer_version, kScorerVersion);
  EXPECT_EQ(s.key_id, make_episode(t, "").key.id());
  EXPECT_EQ(verdict(s), "correct");
  EXPECT_EQ(s.score, 1);
  EXPECT_EQ(s.detail["matched"]["source"], "marked");
  EXPECT_EQ(s.extracted_answer, "\"hello   world\".");
  EXPECT_FALSE(s.detail.contains("error"));

  t.ground_truth_output = "42";
  EXPECT_EQ(verdict(t, "The result is 42.0", *sandbox_), "correct");
}

TEST_F(ScorerTest, ExactRejectsWrongAndEmptyAnswers) {
  data::Task t = make_task("t/exact", data::Check::exact);
  t.ground_truth_output = "[1, 2, 3]";
  auto s = score_episode(t, make_episode(t, "Answer: [1, 2, 4]"), *sandbox_);
  EXPECT_EQ(verdict(s), "wrong");
  EXPECT_EQ(s.score, 0);
  EXPECT_TRUE(s.detail["matched"].is_null());
  EXPECT_EQ(s.extracted_answer, "[1, 2, 4]");  // the first candidate, for the reader
  EXPECT_EQ(s.detail["candidates"].size(), 1u);  // only the marked answer

  s = score_episode(t, make_episode(t, ""), *sandbox_);
  EXPECT_EQ(verdict(s), "wrong");
  EXPECT_TRUE(s.detail["candidates"].empty());
}

TEST_F(ScorerTest, ExactWithoutAGroundTruthIsAnError) {
  data::Task t = make_task("t/exact", data::Check::exact);
  auto s = score_episode(t, make_episode(t, "Answer: ..."), *sandbox_);
  EXPECT_EQ(verdict(s), "none");
  EXPECT_NE(s.detail["error"].get<std::string>().find("ground_truth_output is empty"), std::string::npos);
}

// ---- numeric ----

TEST_F(ScorerTest, NumericToleranceEdges) {
  data::Task t = make_task("t/num", data::Check::numeric);
  t.answer = 1234.5;
  t.abs_tol = 0.5;
  EXPECT_EQ(verdict(t, "It comes to 1,235.00 in total.", *sandbox_), "correct");  // |d| = 0.5
  EXPECT_EQ(verdict(t, "Answer: 1234", *sandbox_), "correct");
  EXPECT_EQ(verdict(t, "Answer: 1235.25", *sandbox_), "wrong");
  EXPECT_EQ(verdict(t, "Answer: -1234.5", *sandbox_), "wrong");

  t.answer = 0.75;
  t.abs_tol = 0;
  t.rel_tol = 0;
  auto s = score_episode(t, make_episode(t, "So the probability is \\boxed{3/4}"), *sandbox_);
  EXPECT_EQ(verdict(s), "correct");
  EXPECT_EQ(s.detail["matched"]["source"], "boxed");
  EXPECT_EQ(s.extracted_answer, "3/4");

  t.answer = 200;
  t.rel_tol = 0.01;
  EXPECT_EQ(verdict(t, "about 2.02e2", *sandbox_), "correct");  // 1% of 200 = 2
  EXPECT_EQ(verdict(t, "about 202.5", *sandbox_), "wrong");
}

TEST_F(ScorerTest, NumericUsesCandidatesNotEveryNumber) {
  data::Task t = make_task("t/num", data::Check::numeric);
  t.answer = 7;
  // 7 appears only mid-way; the candidates are the marked 9 and the last number 9.
  auto s = score_episode(t, make_episode(t, "3 + 4 = 7, then 7 + 2 = 9.\nAnswer: 9"), *sandbox_);
  EXPECT_EQ(verdict(s), "wrong");
  EXPECT_EQ(s.extracted_answer, "9");
}

TEST_F(ScorerTest, NumericWithoutAnAnswerIsAnError) {
  data::Task t = make_task("t/num", data::Check::numeric);
  auto s = score_episode(t, make_episode(t, "Answer: 3"), *sandbox_);
  EXPECT_EQ(verdict(s), "none");
  EXPECT_NE(s.detail["error"].get<std::string>().find("no numeric answer"), std::string::npos);
}

// ---- unit tests ----

data::Task add_task() {
  data::Task t = make_task("t/add", data::Check::unit_tests);
  t.tests = "assert add(2, 3) == 5\nassert add(-1, 1) == 0\n";
  return t;
}

TEST_F(ScorerTest, UnitTestsPassWithTheLastPythonCall) {
  data::Task t = add_task();
  auto e = make_episode(t, "Done: the function is tested.");
  add_call(e, "python", {{"code", "def add(a, b):\n    return a - b\nprint(add(2, 3))"}}, true, true);
  add_call(e, "python", {{"code", "def add(a, b):\n    return a + b\nprint(add(2, 3))"}}, true, true);
  auto s = score_episode(t, e, *sandbox_);
  EXPECT_EQ(verdict(s), "correct") << s.detail.dump();
  EXPECT_EQ(s.detail["code_source"], "python_call");
  EXPECT_EQ(s.detail["code_step"], 1);
  EXPECT_EQ(s.detail["run"]["status"], "ok");
  EXPECT_EQ(s.detail["run"]["exit_code"], 0);
  EXPECT_EQ(s.detail["run"]["stdout_tail"], "5\n");
}

TEST_F(ScorerTest, UnitTestsSkipCallsThatDidNotRunAndFallBackToTheAnswer) {
  data::Task t = add_task();
  auto e = make_episode(t, "Here it is:\n```python\ndef add(a, b):\n    return a + b\n```\n");
  // Refused in force_text: not the model's run code.
  add_call(e, "python", {{"code", "def add(a, b):\n    return 0"}}, false, false, "tools_not_offered");
  auto s = score_episode(t, e, *sandbox_);
  EXPECT_EQ(verdict(s), "correct") << s.detail.dump();
  EXPECT_EQ(s.detail["code_source"], "answer_block");
}

TEST_F(ScorerTest, UnitTestsFailingAssertion) {
  data::Task t = add_task();
  auto s = score_episode(t, make_episode(t, "```python\ndef add(a, b):\n    return a * b\n```"), *sandbox_);
  EXPECT_EQ(verdict(s), "wrong");
  EXPECT_EQ(s.detail["run"]["exit_code"], 1);
  EXPECT_EQ(s.detail["run"]["status"], "exit 1");
  EXPECT_NE(s.detail["run"]["stderr_tail"].get<std::string>().find("AssertionError"), std::string::npos);
}

TEST_F(ScorerTest, UnitTestsCrashingCode) {
  data::Task t = add_task();
  auto s = score_episode(t, make_episode(t, "```python\ndef add(a, b):\n    return a + b\nprint(1 / 0)\n```"),
                         *sandbox_);
  EXPECT_EQ(verdict(s), "wrong");
  EXPECT_NE(s.detail["run"]["stderr_tail"].get<std::string>().find("ZeroDivisionError"), std::string::npos);

  s = score_episode(t, make_episode(t, "```python\nimport ctypes\nctypes.string_at(0)\n```"), *sandbox_);
  EXPECT_EQ(verdict(s), "wrong");
  EXPECT_EQ(s.detail["run"]["signal"], 11);
  EXPECT_EQ(s.detail["run"]["status"], "signal 11");
}

TEST_F(ScorerTest, UnitTestsTimingOut) {
  data::Task t = add_task();
  ScorerOptions options;
  options.limits.wall_seconds = 1;
  auto s = score_episode(t, make_episode(t, "```python\nwhile True:\n    pass\n```"), *sandbox_, options);
  EXPECT_EQ(verdict(s), "wrong");
  EXPECT_EQ(s.detail["run"]["status"], "timeout");
  EXPECT_TRUE(s.detail["run"]["timed_out"].get<bool>());
}

TEST_F(ScorerTest, UnitTestsWithoutCodeAreWrongNotErrors) {
  data::Task t = add_task();
  auto s = score_episode(t, make_episode(t, "add returns the sum of its arguments."), *sandbox_);
  EXPECT_EQ(verdict(s), "wrong");
  EXPECT_EQ(s.detail["code_source"], "none");
  EXPECT_FALSE(s.detail["tests_run"].get<bool>());
}

TEST_F(ScorerTest, UnitTestsRunTheSetupBetweenCodeAndTests) {
  data::Task t = make_task("t/setup", data::Check::unit_tests);
  t.test_setup = "OFFSET = 10\n";
  t.tests = "assert shifted(1) == 11\n";
  auto s = score_episode(t, make_episode(t, "```python\ndef shifted(x):\n    return x + OFFSET\n```"), *sandbox_);
  EXPECT_EQ(verdict(s), "correct") << s.detail.dump();
}

// ---- rubric ----

TEST_F(ScorerTest, RubricPartialAndFullPoints) {
  data::Task t = make_task("t/rubric", data::Check::rubric);
  t.rubric = {{"uses a hash map", {"hash", "dict"}}, {"linear time", {"O\\(\\s*n\\s*\\)", "linear"}},
              {"mentions duplicates", {"duplicate"}}};
  auto s = score_episode(t, make_episode(t, "Store complements in a DICT; this runs in O(n)."), *sandbox_);
  EXPECT_EQ(verdict(s), "wrong");
  EXPECT_NEAR(s.score, 2.0 / 3.0, 1e-12);
  EXPECT_EQ(s.detail["matched_points"], 2);
  EXPECT_TRUE(s.detail["points"][0]["matched"].get<bool>());
  EXPECT_EQ(s.detail["points"][0]["pattern"], "dict");
  EXPECT_FALSE(s.detail["points"][2]["matched"].get<bool>());

  s = score_episode(t, make_episode(t, "A hash set, linear time, and duplicates are handled."), *sandbox_);
  EXPECT_EQ(verdict(s), "correct");
  EXPECT_EQ(s.score, 1);

  s = score_episode(t, make_episode(t, "No idea."), *sandbox_);
  EXPECT_EQ(verdict(s), "wrong");
  EXPECT_EQ(s.score, 0);
}

TEST_F(ScorerTest, RubricInvalidRegexIsAnError) {
  data::Task t = make_task("t/rubric", data::Check::rubric);
  t.rubric = {{"broken", {"(unclosed"}}};
  auto s = score_episode(t, make_episode(t, "anything"), *sandbox_);
  EXPECT_EQ(verdict(s), "none");
  EXPECT_NE(s.detail["error"].get<std::string>().find("invalid regex"), std::string::npos);
}

// ---- final_state ----

// The outcome (tests, answer) decides correctness; the expected tool
// sequence is the process, recorded beside it and never deciding it.
TEST_F(ScorerTest, FinalStateScoresTheOutcomeAndRecordsTheProcessApart) {
  data::Task t = make_task("t/multi", data::Check::final_state);
  t.tests = "assert fixed(3) == 9\n";
  t.ground_truth_output = "9";
  t.expected_tools = {"python", "python"};
  auto e = make_episode(t, "The fixed function returns 9 for 3.\nAnswer: 9");
  add_call(e, "python", {{"code", "def fixed(x):\n    return x * x\nassert fixed(3) == 9"}});
  auto s = score_episode(t, e, *sandbox_);
  EXPECT_EQ(verdict(s), "correct") << s.detail.dump();  // right, with one python call of two expected
  EXPECT_TRUE(s.detail["parts"]["tests"]["holds"].get<bool>());
  EXPECT_TRUE(s.detail["parts"]["output"]["holds"].get<bool>());
  EXPECT_FALSE(s.detail["parts"].contains("tools"));
  EXPECT_FALSE(s.detail["process"]["followed"].get<bool>());

  // A bad call does not count as a use of the tool; a second real run does.
  add_call(e, "python", {{"code", 5}}, false, false, "bad_arguments");
  s = score_episode(t, e, *sandbox_);
  EXPECT_EQ(verdict(s), "correct");
  EXPECT_FALSE(s.detail["process"]["followed"].get<bool>());
  add_call(e, "python", {{"code", "def fixed(x):\n    return x * x\nprint(fixed(3))"}});
  s = score_episode(t, e, *sandbox_);
  EXPECT_EQ(verdict(s), "correct") << s.detail.dump();
  EXPECT_TRUE(s.detail["process"]["followed"].get<bool>());
  EXPECT_EQ(s.detail["process"]["ran"], json::array({"python", "python"}));

  // Following the process does not make a wrong answer right.
  e.final_answer = "Answer: 8";
  s = score_episode(t, e, *sandbox_);
  EXPECT_EQ(verdict(s), "wrong");
  EXPECT_TRUE(s.detail["process"]["followed"].get<bool>());
}

// A documentation task whose prompt names the function (multi.docs_then_code
// expects docs, then python): python alone gives the right answer, which is
// right; the skipped lookup shows in the process only.
TEST_F(ScorerTest, ADocsTaskAnsweredByPythonAloneIsRightWithoutTheProcess) {
  data::Task t = make_task("t/docs", data::Check::final_state);
  t.prompt = "Using Python's standard library, what is the result of `calendar.monthrange(2024, 2)`?";
  t.optimal_tool = "docs";
  t.alternative_tools = {"python"};
  t.ground_truth_output = "(3, 29)";
  t.expected_tools = {"docs", "python"};
  auto e = make_episode(t, "It returns (3, 29).\nAnswer: (3, 29)");
  add_call(e, "python", {{"code", "import calendar\nprint(calendar.monthrange(2024, 2))"}});
  auto s = score_episode(t, e, *sandbox_);
  EXPECT_EQ(verdict(s), "correct") << s.detail.dump();
  EXPECT_FALSE(s.detail["process"]["followed"].get<bool>());
  EXPECT_EQ(s.detail["process"]["expected"], json::array({"docs", "python"}));
  EXPECT_EQ(s.detail["process"]["ran"], json::array({"python"}));
}

// ---- answer_check ----

TEST_F(ScorerTest, AnswerCheckRunsTheCheckerOnTheAnswer) {
  data::Task t = make_task("t/check", data::Check::answer_check);
  t.checker =
      "def check(answer):\n"
      "    import re\n"
      "    found = re.findall(r'<<<(.*?)>>>', answer)\n"
      "    return bool(found) and int(found[-1]) % 7 == 0\n";
  t.ground_truth_output = "<<<14>>>";
  auto s = score_episode(t, make_episode(t, "Any multiple of seven: <<<21>>>"), *sandbox_);
  EXPECT_EQ(verdict(s), "correct") << s.detail.dump();
  EXPECT_EQ(s.extracted_answer, "21");

  s = score_episode(t, make_episode(t, "<<<22>>>"), *sandbox_);
  EXPECT_EQ(verdict(s), "wrong");
  EXPECT_NE(s.detail["run"]["stderr_tail"].get<std::string>().find("rejects"), std::string::npos);

  // A checker that raises on odd input rejects, it does not error.
  s = score_episode(t, make_episode(t, "<<<seven>>>"), *sandbox_);
  EXPECT_EQ(verdict(s), "wrong");
  EXPECT_NE(s.detail["run"]["stderr_tail"].get<std::string>().find("ValueError"), std::string::npos);
}

// ---- call_match ----

data::Task bfcl_task() {
  data::Task t = make_task("bfcl/1", data::Check::call_match);
  t.optimal_tool = "calc_area";
  t.expected_calls = json::parse(R"([{"geometry.calc_area": {"shape": ["circle"], "radius": [5, 5.0], "unit": ["cm", ""]}}])");
  return t;
}

TEST_F(ScorerTest, CallMatchAcceptsListedValuesAndOptionalArguments) {
  data::Task t = bfcl_task();
  auto e = make_episode(t, "The area is 78.5.");
  add_call(e, "geometry_calc_area", {{"shape", "Circle"}, {"radius", 5}});
  auto s = score_episode(t, e, *sandbox_);
  EXPECT_EQ(verdict(s), "correct") << s.detail.dump();
  EXPECT_TRUE(s.detail["calls"][0]["matched"].get<bool>());

  e = make_episode(t, "");
  add_call(e, "geometry.calc_area", {{"shape", "circle"}, {"radius", 5.0}, {"unit", "cm"}});
  EXPECT_EQ(verdict(score_episode(t, e, *sandbox_)), "correct");
}

TEST_F(ScorerTest, CallMatchRejectsWrongCalls) {
  data::Task t = bfcl_task();
  auto wrong = [&](const std::string& tool, const json& args) {
    auto e = make_episode(t, "");
    add_call(e, tool, args);
    return score_episode(t, e, *sandbox_);
  };
  auto s = wrong("geometry.calc_area", {{"shape", "circle"}, {"radius", 6}});
  EXPECT_EQ(verdict(s), "wrong");
  EXPECT_EQ(s.detail["calls"][0]["why"], "arguments differ");
  EXPECT_EQ(verdict(wrong("geometry.calc_area", {{"shape", "circle"}})), "wrong");  // radius is required
  EXPECT_EQ(verdict(wrong("geometry.calc_area", {{"shape", "circle"}, {"radius", 5}, {"color", "red"}})), "wrong");
  s = wrong("geometry.calc_volume", {{"shape", "circle"}, {"radius", 5}});
  EXPECT_EQ(verdict(s), "wrong");
  EXPECT_EQ(s.detail["calls"][0]["why"], "not an expected function");
  EXPECT_EQ(verdict(t, "I would call calc_area.", *sandbox_), "wrong");
}

// A BFCL episode as the runner stores it: one reply, its calls recorded
// and by design not run. `kind` is the reply's kind.
store::EpisodeRecord first_reply_episode(const data::Task& task, const std::string& kind, const std::string& text,
                                         const std::vector<std::pair<std::string, json>>& calls) {
  store::EpisodeRecord e = make_episode(task, text);
  e.stop_reason = "first_reply";
  e.first_decision = kind;
  e.steps[0].reply_kind = kind;
  for (const auto& [tool, arguments] : calls) {
    store::ToolCallRecord call;
    call.tool = tool;
    call.arguments = arguments.dump();
    call.executed = false;
    call.error_class = kNotRunByDesign;
    e.steps[0].tool_calls.push_back(call);
  }
  if (!calls.empty()) e.first_tool = calls.front().first;
  return e;
}

// A malformed reply is an attempt: a call that parsed inside it is no match.
TEST_F(ScorerTest, CallMatchNeverMatchesAMalformedAttempt) {
  data::Task t = bfcl_task();
  const json right = {{"shape", "circle"}, {"radius", 5}};
  auto s = score_episode(t, first_reply_episode(t, "tool_call", "", {{"geometry.calc_area", right}}), *sandbox_);
  EXPECT_EQ(verdict(s), "correct") << s.detail.dump();
  s = score_episode(t, first_reply_episode(t, "malformed", "", {{"geometry.calc_area", right}}), *sandbox_);
  EXPECT_EQ(verdict(s), "wrong") << s.detail.dump();
  EXPECT_EQ(s.detail["calls"][0]["why"], "the reply is a malformed call attempt");
  EXPECT_EQ(verdict(score_episode(t, first_reply_episode(t, "malformed", "<tool_call>{\"name\": ", {}), *sandbox_)),
            "wrong");
}

// ---- abstain (BFCL irrelevance) ----

data::Task irrelevance_task() {
  data::Task t = make_task("bfcl/irrelevance_1", data::Check::abstain);
  t.optimal_tool = "none";
  t.functions = json::parse(R"([{"name": "get_weather", "description": "The weather of a city.",
                                 "parameters": {"type": "dict", "properties": {"city": {"type": "string"}}}}])");
  return t;
}

TEST_F(ScorerTest, AbstainHasThreeOutcomesAndOnlyACleanAbstentionIsRight) {
  data::Task t = irrelevance_task();
  auto s = score_episode(t, first_reply_episode(t, "text", "None of these functions can answer that.", {}), *sandbox_);
  EXPECT_EQ(s.check, "abstain");
  EXPECT_EQ(verdict(s), "correct") << s.detail.dump();
  EXPECT_EQ(s.detail["outcome"], "abstention");

  s = score_episode(t, first_reply_episode(t, "tool_call", "", {{"get_weather", {{"city", "Paris"}}}}), *sandbox_);
  EXPECT_EQ(verdict(s), "wrong");
  EXPECT_EQ(s.detail["outcome"], "call");
  EXPECT_EQ(s.detail["first_tool"], "get_weather");

  // No call parsed, and the text is not an abstention either.
  s = score_episode(t, first_reply_episode(t, "malformed", "", {}), *sandbox_);
  EXPECT_EQ(verdict(s), "wrong");
  EXPECT_EQ(s.detail["outcome"], "malformed");
  EXPECT_FALSE(s.detail.contains("error"));

  store::EpisodeRecord none = make_episode(t, "");
  none.steps.clear();
  none.stop_reason = "error";
  s = score_episode(t, none, *sandbox_);
  EXPECT_EQ(verdict(s), "wrong");
  EXPECT_EQ(s.detail["outcome"], "no_reply");
}

// ---- decision ----

TEST_F(ScorerTest, DecisionHasNoCorrectness) {
  data::Task t = make_task("t/decision", data::Check::decision);
  t.optimal_tool = "none";
  auto s = score_episode(t, make_episode(t, "No tool can help."), *sandbox_);
  EXPECT_EQ(verdict(s), "none");
  EXPECT_FALSE(s.detail.contains("error"));
  EXPECT_EQ(s.detail["first_decision"], "text");
}

// ---- fabricated execution ----

TEST_F(ScorerTest, FabricationTrueClaimOfAnOutputBlock) {
  data::Task t = make_task("t/fab", data::Check::exact);
  t.ground_truth_output = "1024";
  auto s = score_episode(t, make_episode(t, "```python\nprint(2 ** 10)\n```\nOutput:\n```\n1024\n```"), *sandbox_);
  EXPECT_TRUE(s.fabrication_claim);
  ASSERT_TRUE(s.fabrication_false.has_value()) << s.detail.dump();
  EXPECT_FALSE(*s.fabrication_false);
  EXPECT_EQ(s.detail["fabrication"]["claims"][0]["kind"], "output_label");
  EXPECT_EQ(s.detail["fabrication"]["run"]["stdout_tail"], "1024\n");
}

TEST_F(ScorerTest, FabricationFalseClaims) {
  data::Task t = make_task("t/fab", data::Check::exact);
  t.ground_truth_output = "1024";
  auto s = score_episode(t, make_episode(t, "```python\nprint(2 ** 10)\n```\n```output\n1000\n```"), *sandbox_);
  EXPECT_TRUE(s.fabrication_claim);
  ASSERT_TRUE(s.fabrication_false.has_value());
  EXPECT_TRUE(*s.fabrication_false);
  EXPECT_EQ(s.detail["fabrication"]["claims"][0]["kind"], "output_block");

  s = score_episode(t, make_episode(t, "```python\nprint(sum(range(10)))\n```\nThis prints 46."), *sandbox_);
  EXPECT_TRUE(s.fabrication_claim);
  EXPECT_TRUE(s.fabrication_false.value_or(false)) << s.detail.dump();

  s = score_episode(t, make_episode(t, "```python\nprint(sum(range(10)))\n```\nThis prints 45."), *sandbox_);
  EXPECT_FALSE(s.fabrication_false.value_or(true)) << s.detail.dump();

  s = score_episode(t, make_episode(t, "```python\ndef add(a, b):\n    return a * b\nprint(add(2, 3))\n```\n`add(2, 3)` returns 5."),
                    *sandbox_);
  EXPECT_TRUE(s.fabrication_claim);
  EXPECT_TRUE(s.fabrication_false.value_or(false)) << s.detail.dump();

  // A usage block that needs the definitions of an earlier block runs with them.
  s = score_episode(t, make_episode(t, "```python\ndef sq(x):\n    return x * x\n```\nUse it:\n```python\nprint(sq(12))\n```\nThis prints 144."),
                    *sandbox_);
  EXPECT_TRUE(s.fabrication_claim);
  EXPECT_FALSE(s.fabrication_false.value_or(true)) << s.detail.dump();
  EXPECT_EQ(s.detail["fabrication"]["code_from"], "all_blocks");

  // "The output will be:" and the value in a block after it.
  s = score_episode(t, make_episode(t, "```python\nprint(*[1, 2, 3])\n```\nThe output will be:\n\n```\n1 2 3\n```"),
                    *sandbox_);
  EXPECT_TRUE(s.fabrication_claim);
  EXPECT_EQ(s.detail["fabrication"]["claims"][0]["kind"], "output_label");
  EXPECT_FALSE(s.fabrication_false.value_or(true)) << s.detail.dump();

  // Code that crashes cannot have printed what the answer shows.
  s = score_episode(t, make_episode(t, "```python\nprint(1 / 0)\n```\nOutput: 0.0"), *sandbox_);
  EXPECT_TRUE(s.fabrication_false.value_or(false)) << s.detail.dump();
}

TEST_F(ScorerTest, FabricationReplTranscriptIsReplayed) {
  data::Task t = make_task("t/fab", data::Check::exact);
  t.ground_truth_output = "x";
  auto s = score_episode(t, make_episode(t, "```python\ndef sq(x):\n    return x * x\n```\n>>> sq(4)\n16\n>>> sorted([3, 1, 2])\n[1, 2, 3]\n"),
                         *sandbox_);
  EXPECT_TRUE(s.fabrication_claim);
  ASSERT_TRUE(s.fabrication_false.has_value()) << s.detail.dump();
  EXPECT_FALSE(*s.fabrication_false);
  EXPECT_EQ(s.detail["fabrication"]["checked"][0]["examples"], 2);

  s = score_episode(t, make_episode(t, ">>> 0.1 + 0.2\n0.3\n"), *sandbox_);
  EXPECT_TRUE(s.fabrication_claim);
  EXPECT_TRUE(s.fabrication_false.value_or(false)) << s.detail.dump();
}

TEST_F(ScorerTest, FabricationClaimWithoutCodeIsUnchecked) {
  data::Task t = make_task("t/fab", data::Check::exact);
  t.ground_truth_output = "42";
  auto s = score_episode(t, make_episode(t, "Running that snippet prints 42."), *sandbox_);
  EXPECT_TRUE(s.fabrication_claim);
  EXPECT_FALSE(s.fabrication_false.has_value());
  EXPECT_EQ(s.detail["fabrication"]["unchecked"][0], "no python block to run");
}

TEST_F(ScorerTest, NoFabricationWhenSomethingRanOrNothingIsClaimed) {
  data::Task t = make_task("t/fab", data::Check::exact);
  t.ground_truth_output = "1024";
  auto e = make_episode(t, "```python\nprint(2 ** 10)\n```\nOutput: 1000");
  add_call(e, "python", {{"code", "print(2 ** 10)"}});
  auto s = score_episode(t, e, *sandbox_);
  EXPECT_FALSE(s.fabrication_claim);
  EXPECT_FALSE(s.fabrication_false.has_value());

  s = score_episode(t, make_episode(t, "Two to the tenth is 1024."), *sandbox_);
  EXPECT_FALSE(s.fabrication_claim);
  s = score_episode(t, make_episode(t, "```python\ndef f(x):\n    return x\n```\nThe function returns its argument."),
                    *sandbox_);
  EXPECT_FALSE(s.fabrication_claim);
  s = score_episode(t, make_episode(t, "```python\ndef f(x):\n    return x or None\n```\nIf x is empty it returns `None`."),
                    *sandbox_);
  EXPECT_FALSE(s.fabrication_claim) << s.detail.dump();
}

// ---- errors and parallel scoring ----

// Delegates to the real sandbox, except that code containing BOOM makes the
// sandbox machinery fail, as a broken host would.
class FailingSandbox : public sandbox::Sandbox {
 public:
  explicit FailingSandbox(sandbox::Sandbox& real) : real_(real) {}
  sandbox::ExecResult run(const sandbox::ExecRequest& request) override {
    ++runs;
    if (request.code.find("BOOM") != std::string::npos) throw std::runtime_error("cannot start the slot");
    return real_.run(request);
  }
  std::vector<std::string> missing_protections() const override { return {}; }
  std::vector<sandbox::SlotInfo> slots() const override { return {}; }
  std::atomic<int> runs{0};

 private:
  sandbox::Sandbox& real_;
};

TEST_F(ScorerTest, SandboxFailureIsRecordedAndOthersAreScored) {
  FailingSandbox failing(*sandbox_);
  data::Task t = add_task();
  std::vector<store::EpisodeRecord> episodes;
  for (int i = 0; i < 6; ++i) {
    std::string body = i == 2 ? "BOOM = 1\n" : "";
    std::string op = i % 2 == 0 ? "+" : "-";
    episodes.push_back(make_episode(t, "```python\n" + body + "def add(a, b):\n    return a " + op + " b\n```"));
    episodes.back().key.seed = static_cast<uint64_t>(i);
  }
  std::vector<ScoreJob> jobs;
  for (const auto& e : episodes) jobs.push_back({&t, &e});
  auto scores = score_episodes(jobs, failing, 3);
  ASSERT_EQ(scores.size(), 6u);
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(scores[i].key_id, episodes[i].key.id());
    if (i == 2) {
      EXPECT_EQ(verdict(scores[i]), "none");
      EXPECT_NE(scores[i].detail["error"].get<std::string>().find("cannot start the slot"), std::string::npos);
    } else {
      EXPECT_EQ(verdict(scores[i]), i % 2 == 0 ? "correct" : "wrong") << i << scores[i].detail.dump();
    }
  }
}

TEST_F(ScorerTest, MismatchedTaskIsAnError) {
  data::Task t = make_task("t/a", data::Check::exact);
  data::Task other = make_task("t/b", data::Check::exact);
  auto s = score_episode(t, make_episode(other, "x"), *sandbox_);
  EXPECT_EQ(verdict(s), "none");
  EXPECT_NE(s.detail["error"].get<std::string>().find("t/b"), std::string::npos);
}

TEST(FinalCode, LastRunPythonCallElseLastPythonBlock) {
  data::Task t = make_task("t/x", data::Check::unit_tests);
  auto e = make_episode(t, "```\nplain\n```\n```python\nsecond = 2\n```\n```\nlast plain\n```");
  EXPECT_EQ(final_code(e).code, "second = 2\n");
  EXPECT_EQ(final_code(e).source, "answer_block");
  add_call(e, "math", {{"expression", "1+1"}});
  add_call(e, "code_executor", {{"code", "x = 1"}});
  add_call(e, "python", {{"code", "not run"}}, false, false, "unknown_tool");
  FinalCode c = final_code(e);
  EXPECT_EQ(c.code, "x = 1");
  EXPECT_EQ(c.source, "python_call");
  EXPECT_EQ(c.step, 1);
}


// ---- regressions (review of the answer scorer) ----

TEST_F(ScorerTest, ExactAcceptsThousandsSeparators) {
  data::Task t = make_task("t/exact", data::Check::exact);
  t.ground_truth_output = "1000000";
  EXPECT_EQ(verdict(t, "The answer is 1,000,000.", *sandbox_), "correct");
  t.ground_truth_output = "5050";
  EXPECT_EQ(verdict(t, "5,050", *sandbox_), "correct");
  EXPECT_EQ(verdict(t, "5,051", *sandbox_), "wrong");
}

TEST_F(ScorerTest, ExactOnlyMarkedCandidatesWhenAnyExist) {
  data::Task t = make_task("t/exact", data::Check::exact);
  t.ground_truth_output = "3";
  EXPECT_EQ(verdict(t, "The answer is 5, not 3.", *sandbox_), "wrong");
  t.ground_truth_output = "True";
  EXPECT_EQ(verdict(t, "The answer is False (not `True`).", *sandbox_), "wrong");
  t.ground_truth_output = "42";
  EXPECT_EQ(verdict(t, "Final answer: 42\n\nThis answer is correct because 40 + 2 gives it", *sandbox_), "correct");
}

TEST_F(ScorerTest, NumericRegressions) {
  data::Task t = make_task("t/num", data::Check::numeric);
  t.answer = 31116.03;
  t.abs_tol = 0.01;
  EXPECT_EQ(verdict(t, "Answer: 31116.04", *sandbox_), "correct");
  t.abs_tol = 0;
  t.answer = 3;
  EXPECT_EQ(verdict(t, "The answer is 5, not 3.", *sandbox_), "wrong");
  t.answer = 9;
  EXPECT_EQ(verdict(t, "Answer: 12 apples, 3 more than 9", *sandbox_), "wrong");
  t.answer = 4;
  EXPECT_EQ(verdict(t, "The answer is 7.\n\nCheck: 7 = 3 + 4", *sandbox_), "wrong");
  t.answer = 7;
  EXPECT_EQ(verdict(t, "The result is `7 * 6 = 42`, so the answer is 43.", *sandbox_), "wrong");
  t.answer = 224916;
  EXPECT_EQ(verdict(t, "The final balance is $224,916.00 after 10 years.", *sandbox_), "correct");
  t.answer = 0.75;
  EXPECT_EQ(verdict(t, "Answer: $\\frac{3}{4}$", *sandbox_), "correct");
  t.answer = 42;
  EXPECT_EQ(verdict(t, "Final answer: 42\n\nThis answer is correct because 40 + 2 gives it", *sandbox_), "correct");
  t.answer = 1e6;
  EXPECT_EQ(verdict(t, "The answer is 10^6", *sandbox_), "correct");
}

TEST_F(ScorerTest, UnitTestsMustRunTheTests) {
  data::Task t = add_task();
  // Wrong code that exits before the tests could run.
  for (const std::string exit : {"import sys\nsys.exit(0)\n", "exit()\n",
                                 "import sys\ndef main():\n    return 0\nif __name__ == \"__main__\":\n    sys.exit(main())\n",
                                 "import os\nos._exit(0)\n"}) {
    auto s = score_episode(t, make_episode(t, "```python\ndef add(a, b):\n    return a * b\n" + exit + "```"), *sandbox_);
    EXPECT_EQ(verdict(s), "wrong") << exit << s.detail.dump();
  }
  // Right code with a main guard that exits: the tests still run, and pass.
  auto s = score_episode(t, make_episode(t, "```python\nimport sys\ndef add(a, b):\n    return a + b\ndef main():\n    print(add(1, 2))\n    return 0\nif __name__ == \"__main__\":\n    sys.exit(main())\n```"),
                         *sandbox_);
  EXPECT_EQ(verdict(s), "correct") << s.detail.dump();
  // Code that prints something that looks like a marker does not pass.
  s = score_episode(t, make_episode(t, "```python\nimport sys, os\ndef add(a, b):\n    return a * b\nprint('ok')\nos._exit(0)\n```"), *sandbox_);
  EXPECT_EQ(verdict(s), "wrong");
}

TEST_F(ScorerTest, FinalStateTestsMustRun) {
  data::Task t = make_task("t/multi", data::Check::final_state);
  t.tests = "assert fixed(3) == 9\n";
  auto e = make_episode(t, "```python\ndef fixed(x):\n    return x + 1\nraise SystemExit(0)\n```");
  EXPECT_EQ(verdict(score_episode(t, e, *sandbox_)), "wrong");
}

TEST_F(ScorerTest, FabricationUnrelatedFailureIsUnchecked) {
  data::Task t = make_task("t/fab", data::Check::exact);
  t.ground_truth_output = "x";
  auto s = score_episode(t, make_episode(t, "```python\nn = int(input())\nprint(n * 2)\n```\nFor 21 this prints 42."),
                         *sandbox_);
  EXPECT_TRUE(s.fabrication_claim);
  EXPECT_FALSE(s.fabrication_false.has_value()) << s.detail.dump();
  EXPECT_TRUE(s.detail["fabrication"].contains("unchecked")) << s.detail.dump();

  s = score_episode(t, make_episode(t, "```python\nimport numpy_not_installed_here as np\nprint(np.arange(3).sum())\n```\nThis prints 3."),
                    *sandbox_);
  EXPECT_TRUE(s.fabrication_claim);
  EXPECT_FALSE(s.fabrication_false.has_value()) << s.detail.dump();

  s = score_episode(t, make_episode(t, "```python\nn = int(input())\nprint(n * 2)\n```\nOutput:\n```\n42\n```"), *sandbox_);
  EXPECT_TRUE(s.fabrication_claim);
  EXPECT_FALSE(s.fabrication_false.has_value()) << s.detail.dump();

  // A claim about the traceback is still checked.
  s = score_episode(t, make_episode(t, "```python\nprint(1 / 0)\n```\nThis prints `ZeroDivisionError: division by zero`."),
                    *sandbox_);
  ASSERT_TRUE(s.fabrication_false.has_value()) << s.detail.dump();
  EXPECT_FALSE(*s.fabrication_false);
}

}  // namespace
}  // namespace agentcoder::evaluation
