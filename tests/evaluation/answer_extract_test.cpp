#include "evaluation/answer_extract.h"

#include <gtest/gtest.h>

#include <cmath>

namespace agentcoder::evaluation {
namespace {

std::string candidate(const std::vector<AnswerCandidate>& cs, const std::string& source) {
  for (const auto& c : cs)
    if (c.source == source) return c.text;
  return "<none>";
}

std::vector<double> values(const std::vector<NumberInText>& ns) {
  std::vector<double> out;
  for (const auto& n : ns) out.push_back(n.value);
  return out;
}

TEST(NormalizeAnswer, CaseWhitespaceQuotesPunctuationTrailingZero) {
  EXPECT_EQ(normalize_answer("  Hello   World. "), "hello world");
  EXPECT_EQ(normalize_answer("'abc'"), "abc");
  EXPECT_EQ(normalize_answer("\"abc\"!"), "abc");
  EXPECT_EQ(normalize_answer("**42**."), "42");
  EXPECT_EQ(normalize_answer("`[1, 2,\n 3]`"), "[1, 2, 3]");
  EXPECT_EQ(normalize_answer("42.0"), "42");
  EXPECT_EQ(normalize_answer("42.000"), "42");
  EXPECT_EQ(normalize_answer("\xE2\x80\x9Cquoted\xE2\x80\x9D"), "quoted");
  // Kept: signs, leading decimal points, brackets, inner punctuation, other decimals.
  EXPECT_EQ(normalize_answer("-5"), "-5");
  EXPECT_EQ(normalize_answer(".5"), ".5");
  EXPECT_EQ(normalize_answer("(a, b)"), "(a, b)");
  EXPECT_EQ(normalize_answer("1.05"), "1.05");
  EXPECT_EQ(normalize_answer("1.50"), "1.50");
  EXPECT_EQ(normalize_answer("x.0"), "x.0");
  EXPECT_EQ(normalize_answer(""), "");
  EXPECT_EQ(normalize_answer(" .,;: "), "");
}

TEST(NormalizeAnswer, EqualityIsSymmetricAndStrictOnContent) {
  EXPECT_TRUE(answers_equal("TRUE", "true"));
  EXPECT_TRUE(answers_equal("[1, 2]", " [1, 2] "));
  EXPECT_FALSE(answers_equal("[1, 2]", "[1,2]"));  // inner spacing is content, only runs collapse
  EXPECT_FALSE(answers_equal("42", "420"));
  EXPECT_FALSE(answers_equal("-5", "5"));
}

TEST(FindNumbers, FormsOfNumbers) {
  EXPECT_EQ(values(find_numbers("1,234,567 and 12,5")), (std::vector<double>{1234567, 12, 5}));
  EXPECT_EQ(values(find_numbers("3/4 of 8")), (std::vector<double>{0.75, 8}));
  EXPECT_EQ(values(find_numbers("-3/4")), (std::vector<double>{-0.75}));
  EXPECT_EQ(values(find_numbers("1.5e-3 and 2E+2 and 1e3")), (std::vector<double>{0.0015, 200, 1000}));
  EXPECT_EQ(values(find_numbers("2.5 x 10^6")), (std::vector<double>{2.5e6}));
  EXPECT_EQ(values(find_numbers("6.02 \xC3\x97 10^{23}")), (std::vector<double>{6.02e23}));
  EXPECT_EQ(values(find_numbers("x = -17.25;")), (std::vector<double>{-17.25}));
  EXPECT_EQ(values(find_numbers("\xE2\x88\x92" "8")), (std::vector<double>{-8}));
  EXPECT_EQ(values(find_numbers("(.5)")), (std::vector<double>{0.5}));
  EXPECT_EQ(values(find_numbers("It is 42.")), (std::vector<double>{42}));
}

TEST(FindNumbers, OperatorsWordsAndDates) {
  EXPECT_EQ(values(find_numbers("3-4")), (std::vector<double>{3, 4}));
  EXPECT_EQ(values(find_numbers("x2 + log10(5)")), (std::vector<double>{5}));
  EXPECT_EQ(values(find_numbers("2026-11-24")), (std::vector<double>{2026, 11, 24}));
  EXPECT_EQ(values(find_numbers("11/24/2026")), (std::vector<double>{11, 24, 2026}));
  EXPECT_EQ(values(find_numbers("1/0")), (std::vector<double>{1, 0}));  // not a fraction
  EXPECT_EQ(find_numbers("no digits here").size(), 0u);
}

TEST(ParseNumber, WholeTextOnly) {
  EXPECT_EQ(parse_number("42"), 42);
  EXPECT_EQ(parse_number(" 1,234. "), 1234);
  EXPECT_EQ(parse_number("+7"), 7);
  EXPECT_EQ(parse_number("-3/4"), -0.75);
  EXPECT_EQ(parse_number("1e-2"), 0.01);
  EXPECT_EQ(parse_number("**-0.5**"), -0.5);
  EXPECT_FALSE(parse_number("42 apples"));
  EXPECT_FALSE(parse_number("1 2"));
  EXPECT_FALSE(parse_number("abc"));
}

TEST(AnswerCandidates, SourcesInPriorityOrder) {
  // A marked answer is the only candidate (the fallbacks are for answers without one).
  auto cs = answer_candidates("Let me think.\nThe answer is 17 because 3 * 5 + 2.\nSo **17**.");
  ASSERT_EQ(cs.size(), 1u);
  EXPECT_EQ(cs[0].source, "marked");
  EXPECT_EQ(cs[0].text, "17 because 3 * 5 + 2.");

  cs = answer_candidates("Let me think.\n3 * 5 + 2 gives\nSo **17**.");
  EXPECT_EQ(candidate(cs, "marked"), "<none>");
  EXPECT_EQ(candidate(cs, "last_line"), "So 17.");  // bold markers stripped
  EXPECT_EQ(candidate(cs, "last_number"), "17");
  EXPECT_EQ(cs.back().source, "last_number");
  EXPECT_EQ(cs[0].source, "last_line");

  cs = answer_candidates("We get \\boxed{\\text{blue}} and the Answer: red");
  EXPECT_EQ(cs[0].source, "boxed");
  EXPECT_EQ(cs[0].text, "blue");
  EXPECT_EQ(candidate(cs, "marked"), "red");

  cs = answer_candidates("so $\\boxed{-\\frac{3}{4}}$");
  EXPECT_EQ(cs[0].text, "-3/4");
  EXPECT_EQ(parse_number(cs[0].text), -0.75);

  cs = answer_candidates("Final answer:\n\n  [1, 2, 3]\n");
  EXPECT_EQ(candidate(cs, "marked"), "[1, 2, 3]");

  cs = answer_candidates("**Final Answer** 12");
  EXPECT_EQ(candidate(cs, "marked"), "12");

  cs = answer_candidates("so <<<ACB>>> it is");
  EXPECT_EQ(candidate(cs, "marker"), "ACB");

  cs = answer_candidates("It prints:\n```\nhello\nworld\n```\n");
  EXPECT_EQ(candidate(cs, "fenced"), "hello\nworld");
  EXPECT_EQ(candidate(cs, "last_line"), "world");  // the closing fence is skipped

  cs = answer_candidates("The value is `x[::-1]` here, not ``` fences.");
  EXPECT_EQ(candidate(cs, "inline_code"), "x[::-1]");
}

TEST(AnswerCandidates, WordsThatAreNotMarkers) {
  auto cs = answer_candidates("I answered this before.\nblue");
  EXPECT_EQ(candidate(cs, "marked"), "<none>");
  EXPECT_EQ(candidate(cs, "last_line"), "blue");
  EXPECT_TRUE(answer_candidates("").empty());
  EXPECT_TRUE(answer_candidates("   \n ").empty());
}

TEST(FencedBlocks, LanguagesAndUnclosed) {
  auto blocks = fenced_blocks("a\n```python\nprint(1)\n```\ntext\n```Output\n1\n```\n```py\nx = 2");
  ASSERT_EQ(blocks.size(), 3u);
  EXPECT_EQ(blocks[0].language, "python");
  EXPECT_EQ(blocks[0].content, "print(1)\n");
  EXPECT_EQ(blocks[1].language, "output");
  EXPECT_EQ(blocks[1].content, "1\n");
  EXPECT_EQ(blocks[2].language, "py");
  EXPECT_EQ(blocks[2].content, "x = 2\n");
}

TEST(NumberCandidates, PriorityAndLastLine) {
  auto ns = number_candidates(answer_candidates("Step 1: 3 + 4 = 7\nStep 2: 7 * 2 = 14\nAnswer: 14 apples"));
  ASSERT_FALSE(ns.empty());
  EXPECT_EQ(ns[0].source, "marked");
  EXPECT_EQ(ns[0].number.value, 14);
  // Intermediate numbers are not candidates: only the marked, the last line's last and the last number.
  for (const auto& n : ns) EXPECT_NE(n.number.value, 3);
  for (const auto& n : ns) EXPECT_NE(n.number.value, 4);

  ns = number_candidates(answer_candidates("The total comes to 1,250.50 dollars in 3 payments"));
  ASSERT_EQ(ns.size(), 2u);  // last line == whole; its last number, then its first
  EXPECT_EQ(ns[0].number.value, 3);
  EXPECT_EQ(ns[1].number.value, 1250.5);
}

TEST(WithinTolerance, EdgesInclusive) {
  EXPECT_TRUE(within_tolerance(10.5, 10, 0.5, 0));
  EXPECT_FALSE(within_tolerance(10.5625, 10, 0.5, 0));
  EXPECT_TRUE(within_tolerance(9.5, 10, 0.5, 0));
  EXPECT_TRUE(within_tolerance(102, 100, 0, 0.02));
  EXPECT_FALSE(within_tolerance(102.5, 100, 0, 0.02));
  EXPECT_TRUE(within_tolerance(-102, -100, 0, 0.02));
  EXPECT_TRUE(within_tolerance(3, 3, 0, 0));
  EXPECT_FALSE(within_tolerance(3.0000001, 3, 0, 0));
  EXPECT_FALSE(within_tolerance(std::nan(""), 3, 1, 1));
}


// ---- regressions (review of the answer scorer) ----

bool numeric_accepts(const std::string& answer, double truth, double abs_tol = 0, double rel_tol = 0) {
  for (const auto& n : number_candidates(answer_candidates(answer)))
    if (within_tolerance(n.number.value, truth, abs_tol, rel_tol)) return true;
  return false;
}

TEST(WithinTolerance, InclusiveUnderFloatingPoint) {
  EXPECT_TRUE(within_tolerance(598.78, 598.77, 0.01, 0));
  EXPECT_TRUE(within_tolerance(31116.04, 31116.03, 0.01, 0));
  EXPECT_TRUE(within_tolerance(31116.02, 31116.03, 0.01, 0));
  EXPECT_FALSE(within_tolerance(31116.05, 31116.03, 0.01, 0));
  EXPECT_TRUE(within_tolerance(1.1, 1.0, 0, 0.1));
  EXPECT_TRUE(within_tolerance(33000.3, 30000.3, 0, 0.1));  // 0.1 * 30000.3 = 3000.03 in decimals
  EXPECT_FALSE(within_tolerance(33000.4, 30000.3, 0, 0.1));
}

TEST(AnswerCandidates, OnlyMarkedCandidatesWhenAnyExist) {
  EXPECT_FALSE(numeric_accepts("The answer is 5, not 3.", 3));
  EXPECT_TRUE(numeric_accepts("The answer is 5, not 3.", 5));
  EXPECT_FALSE(numeric_accepts("Answer: 12 apples, 3 more than 9", 9));
  EXPECT_TRUE(numeric_accepts("Answer: 12 apples, 3 more than 9", 12));
  EXPECT_FALSE(numeric_accepts("The answer is 7.\n\nCheck: 7 = 3 + 4", 4));
  EXPECT_FALSE(numeric_accepts("The result is `7 * 6 = 42`, so the answer is 43.", 7));
  EXPECT_FALSE(numeric_accepts("The result is `7 * 6 = 42`, so the answer is 43.", 42));
  EXPECT_TRUE(numeric_accepts("The result is `7 * 6 = 42`, so the answer is 43.", 43));
  for (const auto& c : answer_candidates("The answer is False (not `True`)."))
    EXPECT_FALSE(answers_equal(c.text, "True")) << c.source << ": " << c.text;
  for (const auto& c : answer_candidates("The answer is 5, not 3."))
    EXPECT_FALSE(answers_equal(c.text, "3")) << c.source << ": " << c.text;
  // Without a marker the fallbacks still apply.
  EXPECT_TRUE(numeric_accepts("3 + 4 = 7\nSo we get 7 in the end.", 7));
  auto cs = answer_candidates("We get \\boxed{12}. Answer: 12");
  for (const auto& c : cs) EXPECT_TRUE(c.source == "boxed" || c.source == "marker" || c.source == "marked") << c.source;
}

TEST(AnswerCandidates, LastLineShapes) {
  EXPECT_TRUE(numeric_accepts("The final balance is $224,916.00 after 10 years.", 224916));
  EXPECT_TRUE(numeric_accepts("The probability is 0.25 (i.e., 25%).", 0.25));
  EXPECT_TRUE(numeric_accepts("The area is 12 cm^2.", 12));
  EXPECT_FALSE(numeric_accepts("The area is 12 cm^2.", 2));
  EXPECT_TRUE(numeric_accepts("So she has 5 apples left (8 - 3).", 5));
  EXPECT_FALSE(numeric_accepts("So she has 5 apples left (8 - 3).", 3));
  EXPECT_TRUE(numeric_accepts("The answer is 10^6", 1e6));
  EXPECT_FALSE(numeric_accepts("The answer is 10^6", 6));
  EXPECT_EQ(parse_number("10^6"), 1e6);
  EXPECT_EQ(parse_number("2^{10}"), 1024);
  EXPECT_EQ(values(find_numbers("x^2 + 3")), (std::vector<double>{3}));
  EXPECT_EQ(values(find_numbers("x^{2} + 3")), (std::vector<double>{3}));
}

TEST(AnswerCandidates, FinalAnswerMarkerWinsOverLaterAnswerIs) {
  auto cs = answer_candidates("Final answer: 42\n\nThis answer is correct because 40 + 2 gives it");
  EXPECT_EQ(candidate(cs, "marked"), "42");
  EXPECT_TRUE(numeric_accepts("Final answer: 42\n\nThis answer is correct because 40 + 2 gives it", 42));
  EXPECT_FALSE(numeric_accepts("Final answer: 42\n\nThis answer is correct because 40 + 2 gives it", 40));
}

TEST(AnswerCandidates, FracMathDelimitersAndBold) {
  auto cs = answer_candidates("Answer: $\\frac{3}{4}$");
  EXPECT_EQ(candidate(cs, "marked"), "3/4");
  EXPECT_TRUE(numeric_accepts("Answer: $\\frac{3}{4}$", 0.75));
  EXPECT_FALSE(numeric_accepts("Answer: $\\frac{3}{4}$", 4));
  EXPECT_TRUE(numeric_accepts("So the chance is $-\\dfrac{1}{8}$.", -0.125));
  EXPECT_TRUE(answers_equal(candidate(answer_candidates("The answer is **blue**."), "marked"), "blue"));
  EXPECT_TRUE(answers_equal(candidate(answer_candidates("The answer is $x = 5$."), "marked"), "x = 5"));
  EXPECT_TRUE(answers_equal(candidate(answer_candidates("The answer is **$42$**."), "marked"), "42"));
}

}  // namespace
}  // namespace agentcoder::evaluation
