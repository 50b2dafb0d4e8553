// What a final answer says, in the forms the checks compare: normalised
// text, answer candidates and the numbers in them.
//
// A model rarely answers with the bare value. Its answer is searched for
// candidates, in priority order: \boxed{...}, <<<...>>> (SymBench's answer
// markers) and the text after the last "Final answer" marker, else after the
// last "Answer:" / "answer is" (a later "This answer is correct because ..."
// does not displace a "Final answer: 42"). When any of these exists they are
// the only candidates: "The answer is 5, not 3." answers 5, never 3. Only
// without them: the last fenced block, the last `inline code` span, the last
// non-empty line (fences skipped), the whole answer, and the last number
// (outside parentheses when there is one). A check accepts an answer when
// any candidate matches, and reports the first that did; the list is kept
// short so that an answer cannot win by listing everything.
//
// Candidates other than code spans and <<<>>> are cleaned: **bold** markers
// (not "2**10"), wrapping math delimiters ($...$, $$...$$, \(...\), \[...\])
// go, and \frac{a}{b} (\dfrac, \tfrac) becomes a/b, or (a)/(b) when an
// operand is not a plain number.
//
// Normalisation (README "Correctness", exact): lower case; whitespace runs
// (newlines too) become one space; surrounding whitespace, quotes (' " `),
// markdown emphasis (*) and punctuation (, ; : ! ? and a trailing .) are
// stripped; a trailing ".0" (or ".00...") after a digit is dropped, so
// "42.0" equals "42". Brackets, signs and inner punctuation are kept.
//
// Numbers: integers, decimals, thousands separators ("1,234,567"), simple
// fractions ("3/4"), scientific notation ("1.5e-3", "2.5 x 10^6",
// "1e3"), and negatives with '-' or U+2212. A '-' directly after a letter,
// a digit or ')' is an operator, not a sign ("3-4" is 3 and 4). No number
// starts right after '^' or "^{" (an exponent: "12 cm^2" is 12); a whole
// text a^b of integer literals parses as a**b ("10^6", "2^{10}").
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace agentcoder::evaluation {

std::string normalize_answer(std::string_view text);

// True when the two texts are equal after normalize_answer.
bool answers_equal(std::string_view a, std::string_view b);

struct AnswerCandidate {
  std::string source;  // boxed, marker, marked, fenced, inline_code, last_line, whole, last_number
  std::string text;    // as it appears in the answer (trimmed)
};

std::vector<AnswerCandidate> answer_candidates(std::string_view answer);

// A number as written in text.
struct NumberInText {
  double value = 0;
  std::string text;  // as written, e.g. "1,234" or "3/4"
  size_t pos = 0;    // byte offset in the text
};

std::vector<NumberInText> find_numbers(std::string_view text);

// `text` (after normalisation) is exactly one number; nullopt otherwise.
std::optional<double> parse_number(std::string_view text);

// Numbers the numeric check tries, in priority order: the number each
// candidate is (when it is exactly one), else the first number of any other
// candidate but the last line, whose last and then first number count
// (numbers in parentheses only when there is no other), and the whole
// answer, which adds nothing; then the last number of the answer. A value
// already listed is not listed again.
struct NumberCandidate {
  std::string source;  // the candidate it came from
  NumberInText number;
};

std::vector<NumberCandidate> number_candidates(const std::vector<AnswerCandidate>& candidates);

// A ``` fenced block of a markdown answer. An unclosed fence runs to the
// end of the text (a reply cut at max_tokens).
struct FencedBlock {
  std::string language;  // the info string's first word, lower case ("" when none)
  std::string content;   // the lines between the fences
};

std::vector<FencedBlock> fenced_blocks(std::string_view text);

// Within abs_tol or rel_tol of `expected` (both inclusive). Each bound gets
// a slack of 1e-9 * max(|value|, |expected|), so that decimal edges stay
// inclusive in binary floating point (31116.04 is within 0.01 of 31116.03).
// With both zero the values must be equal up to that slack.
bool within_tolerance(double value, double expected, double abs_tol, double rel_tol);

}  // namespace agentcoder::evaluation
