#include "evaluation/answer_extract.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>
#include <utility>

#include "utils/text.h"

namespace agentcoder::evaluation {
namespace {

constexpr std::string_view kUnicodeMinus = "\xE2\x88\x92";  // U+2212
// Curly quotes, stripped like their ASCII forms.
constexpr std::string_view kCurlyQuotes[] = {"\xE2\x80\x9C", "\xE2\x80\x9D", "\xE2\x80\x98", "\xE2\x80\x99"};

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

bool strip_one_leading(std::string& s) {
  if (s.empty()) return false;
  static constexpr std::string_view kLeading = " \"'`*,;:!?";
  if (kLeading.find(s.front()) != std::string_view::npos) {
    s.erase(0, 1);
    return true;
  }
  for (std::string_view q : kCurlyQuotes)
    if (s.starts_with(q)) {
      s.erase(0, q.size());
      return true;
    }
  return false;
}

bool strip_one_trailing(std::string& s) {
  if (s.empty()) return false;
  static constexpr std::string_view kTrailing = " \"'`*,;:!?.";
  if (kTrailing.find(s.back()) != std::string_view::npos) {
    s.pop_back();
    return true;
  }
  for (std::string_view q : kCurlyQuotes)
    if (s.ends_with(q)) {
      s.resize(s.size() - q.size());
      return true;
    }
  return false;
}

// Length of the digit run at i.
size_t digits_at(std::string_view s, size_t i) {
  size_t n = 0;
  while (i + n < s.size() && is_digit(s[i + n])) ++n;
  return n;
}

// The sign at i ('-' or U+2212): its byte length, 0 if none.
size_t sign_at(std::string_view s, size_t i) {
  if (i < s.size() && s[i] == '-') return 1;
  if (s.substr(i).starts_with(kUnicodeMinus)) return kUnicodeMinus.size();
  return 0;
}

// A "x 10^n" / "× 10^n" / "*10**n" exponent at i: its length and n.
size_t power_of_ten_at(std::string_view s, size_t i, int* exponent) {
  size_t j = i;
  while (j < s.size() && s[j] == ' ') ++j;
  if (j < s.size() && (s[j] == 'x' || s[j] == '*')) {
    ++j;
  } else if (s.substr(j).starts_with("\xC3\x97")) {  // U+00D7 multiplication sign
    j += 2;
  } else if (s.substr(j).starts_with("\\times")) {
    j += 6;
  } else {
    return 0;
  }
  while (j < s.size() && s[j] == ' ') ++j;
  if (!s.substr(j).starts_with("10")) return 0;
  j += 2;
  if (s.substr(j).starts_with("**")) j += 2;
  else if (j < s.size() && s[j] == '^') ++j;
  else return 0;
  bool brace = j < s.size() && (s[j] == '{' || s[j] == '(');
  if (brace) ++j;
  bool negative = false;
  if (size_t sl = sign_at(s, j)) {
    negative = true;
    j += sl;
  } else if (j < s.size() && s[j] == '+') {
    ++j;
  }
  size_t nd = digits_at(s, j);
  if (nd == 0 || nd > 4) return 0;
  int e = std::atoi(std::string(s.substr(j, nd)).c_str());
  j += nd;
  if (brace) {
    if (j >= s.size() || (s[j] != '}' && s[j] != ')')) return 0;
    ++j;
  }
  *exponent = negative ? -e : e;
  return j - i;
}

// Parses the number starting at `start` (at its sign or first digit or '.').
// Returns its length, 0 if there is none.
size_t number_at(std::string_view s, size_t start, NumberInText* out) {
  size_t i = start;
  size_t sign_len = sign_at(s, i);
  bool negative = sign_len > 0;
  i += sign_len;
  std::string mantissa;  // digits and '.', no separators
  bool plain_integer = true;

  size_t lead = digits_at(s, i);
  if (lead == 0) {
    // ".5"
    if (i + 1 < s.size() && s[i] == '.' && is_digit(s[i + 1])) {
      size_t nd = digits_at(s, i + 1);
      mantissa = "0.";
      mantissa.append(s.substr(i + 1, nd));
      i += 1 + nd;
      plain_integer = false;
    } else {
      return 0;
    }
  } else {
    // Thousands separators: 1-3 digits, then groups of exactly three.
    size_t j = i + lead;
    size_t groups = 0;
    if (lead <= 3) {
      while (j + 3 < s.size() + 0 && s[j] == ',' && digits_at(s, j + 1) == 3) {
        j += 4;
        ++groups;
      }
    }
    if (groups > 0) {
      for (size_t k = i; k < j; ++k)
        if (s[k] != ',') mantissa += s[k];
      plain_integer = false;
      i = j;
    } else {
      mantissa = std::string(s.substr(i, lead));
      i += lead;
    }
    if (i + 1 < s.size() && s[i] == '.' && is_digit(s[i + 1])) {
      size_t nd = digits_at(s, i + 1);
      mantissa += '.';
      mantissa.append(s.substr(i + 1, nd));
      i += 1 + nd;
      plain_integer = false;
    }
  }

  // Exponent: e/E notation, or a written power of ten. strtod reads the
  // whole form so that "2.02e2" is exactly 202.
  int exponent = 0;
  bool has_exponent = false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    size_t j = i + 1;
    bool eneg = false;
    if (j < s.size() && (s[j] == '+' || s[j] == '-')) {
      eneg = s[j] == '-';
      ++j;
    }
    size_t nd = digits_at(s, j);
    if (nd > 0 && nd <= 4) {
      exponent = std::atoi(std::string(s.substr(j, nd)).c_str());
      if (eneg) exponent = -exponent;
      has_exponent = true;
      i = j + nd;
    }
  } else if (size_t len = power_of_ten_at(s, i, &exponent)) {
    has_exponent = true;
    i += len;
  }
  if (has_exponent) {
    mantissa += 'e';
    mantissa += std::to_string(exponent);
    plain_integer = false;
  }
  double value = std::strtod(mantissa.c_str(), nullptr);
  // A simple fraction: integer/integer, not part of a date or a path.
  bool after_slash = start > 0 && s[start - 1] == '/';
  if (plain_integer && !after_slash && i + 1 < s.size() && s[i] == '/' && is_digit(s[i + 1])) {
    size_t nd = digits_at(s, i + 1);
    size_t after = i + 1 + nd;
    bool more = after < s.size() && (s[after] == '/' || (s[after] == '.' && after + 1 < s.size() &&
                                                           is_digit(s[after + 1])));
    double denominator = std::strtod(std::string(s.substr(i + 1, nd)).c_str(), nullptr);
    if (!more && denominator != 0) {
      value /= denominator;
      i = after;
    }
  }
  out->value = negative ? -value : value;
  out->text = std::string(s.substr(start, i - start));
  out->pos = start;
  return i - start;
}

// An exponent starts at i: right after '^' or "^{" ("cm^2", "x^{-1}").
bool after_caret(std::string_view s, size_t i) {
  if (i >= 1 && s[i - 1] == '^') return true;
  return i >= 2 && s[i - 1] == '{' && s[i - 2] == '^';
}

// Where a number may not start: inside a word, right after another number,
// or as an exponent.
bool blocked_before(std::string_view s, size_t i) {
  if (i == 0) return false;
  if (after_caret(s, i)) return true;
  char p = s[i - 1];
  if (is_alpha(p) || is_digit(p) || p == '_') return true;
  if (p == '.' && i >= 2 && is_digit(s[i - 2])) return true;
  return false;
}

// A '-' that is a sign: not after a letter, digit, ')' or ']' (then it is
// an operator or a hyphen).
bool sign_allowed(std::string_view s, size_t i) {
  if (i == 0) return true;
  char p = s[i - 1];
  return !(is_alpha(p) || is_digit(p) || p == '_' || p == ')' || p == ']');
}

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

// The text after the last "final answer", "answer:", "answer is" or
// "answer =" (emphasis and colons skipped); when that line is empty, the
// next non-empty line.
std::optional<std::string> marked_answer(std::string_view answer) {
  std::string lower = lower_ascii(answer);
  std::optional<size_t> best, best_final;
  for (size_t pos = lower.find("answer"); pos != std::string::npos; pos = lower.find("answer", pos + 1)) {
    if (pos > 0 && is_alpha(lower[pos - 1])) continue;
    size_t j = pos + 6;
    if (j < lower.size() && is_alpha(lower[j])) continue;  // "answered", "answers"
    bool final_marker = pos >= 6 && lower.compare(pos - 6, 6, "final ") == 0;
    while (j < lower.size() && (lower[j] == ' ' || lower[j] == '*' || lower[j] == '_')) ++j;
    if (j < lower.size() && (lower[j] == ':' || lower[j] == '=')) {
      ++j;
    } else if (lower.compare(j, 2, "is") == 0 && (j + 2 >= lower.size() || !is_alpha(lower[j + 2]))) {
      j += 2;
    } else if (!final_marker) {
      continue;
    }
    best = j;
    if (final_marker) best_final = j;
  }
  // A "final answer" marker wins over a later plain one: "Final answer: 42
  // ... This answer is correct because ..." answers 42.
  if (best_final) best = best_final;
  if (!best) return std::nullopt;
  size_t j = *best;
  while (j < answer.size() && (answer[j] == ' ' || answer[j] == '*' || answer[j] == ':' || answer[j] == '\t')) ++j;
  size_t eol = answer.find('\n', j);
  std::string line = trim(answer.substr(j, eol == std::string_view::npos ? std::string_view::npos : eol - j));
  while (normalize_answer(line).empty() && eol != std::string_view::npos) {
    size_t next = eol + 1;
    eol = answer.find('\n', next);
    line = trim(answer.substr(next, eol == std::string_view::npos ? std::string_view::npos : eol - next));
    if (line.starts_with("```")) line.clear();
  }
  if (line.empty()) return std::nullopt;
  return line;
}

// The content of the last \boxed{...}, braces matched; a \text{...} or
// \mathrm{...} around it is unwrapped.
std::optional<std::string> boxed_answer(std::string_view answer) {
  size_t pos = answer.rfind("\\boxed{");
  if (pos == std::string_view::npos) return std::nullopt;
  size_t start = pos + 7, depth = 1, i = start;
  for (; i < answer.size() && depth > 0; ++i) {
    if (answer[i] == '{') ++depth;
    else if (answer[i] == '}') --depth;
  }
  if (depth != 0) return std::nullopt;
  std::string content = trim(answer.substr(start, i - 1 - start));
  for (std::string_view wrap : {"\\text{", "\\mathrm{", "\\textbf{"})
    if (content.starts_with(wrap) && content.ends_with("}"))
      content = trim(std::string_view(content).substr(wrap.size(), content.size() - wrap.size() - 1));
  return content;  // \frac is rewritten by clean_candidate
}

std::optional<std::string> chevron_answer(std::string_view answer) {
  size_t open = answer.rfind("<<<");
  if (open == std::string_view::npos) return std::nullopt;
  size_t close = answer.find(">>>", open + 3);
  if (close == std::string_view::npos) return std::nullopt;
  return trim(answer.substr(open + 3, close - open - 3));
}

std::optional<std::string> inline_code_answer(std::string_view answer) {
  // The last `...` on one line that is not part of a fence.
  size_t end = answer.size();
  while (true) {
    size_t close = answer.rfind('`', end == 0 ? 0 : end - 1);
    if (close == std::string_view::npos || close == 0) return std::nullopt;
    size_t open = answer.rfind('`', close - 1);
    if (open == std::string_view::npos) return std::nullopt;
    std::string_view inner = answer.substr(open + 1, close - open - 1);
    bool fence = (close + 1 < answer.size() && answer[close + 1] == '`') || (open > 0 && answer[open - 1] == '`') ||
                 inner.empty();
    if (!fence && inner.find('\n') == std::string_view::npos) return trim(inner);
    end = close;  // try the next pair to the left, one backtick over
  }
}

std::optional<std::string> last_line(std::string_view answer) {
  size_t end = answer.size();
  while (end > 0) {
    size_t nl = answer.rfind('\n', end - 1);
    size_t begin = nl == std::string_view::npos ? 0 : nl + 1;
    std::string line = trim(answer.substr(begin, end - begin));
    if (!line.empty() && !line.starts_with("```")) return line;
    if (nl == std::string_view::npos) break;
    end = nl;
  }
  return std::nullopt;
}

// The brace group at i ("{...}", nested braces matched): its content and
// the index after it; false when there is none.
bool brace_group(std::string_view s, size_t i, std::string* content, size_t* after) {
  if (i >= s.size() || s[i] != '{') return false;
  size_t depth = 0;
  for (size_t k = i; k < s.size(); ++k) {
    if (s[k] == '{') ++depth;
    else if (s[k] == '}' && --depth == 0) {
      *content = std::string(s.substr(i + 1, k - i - 1));
      *after = k + 1;
      return true;
    }
  }
  return false;
}

bool simple_operand(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!is_digit(c) && c != '.' && c != ' ') return false;
  return true;
}

// \frac{a}{b} (\dfrac, \tfrac) as a/b, or (a)/(b) when an operand is not a
// plain number, so that "\frac{3}{4}" reads as the number 0.75 and not as 3
// and 4.
std::string rewrite_fracs(std::string text) {
  for (size_t pos = text.find("frac{"); pos != std::string::npos; pos = text.find("frac{", pos + 1)) {
    size_t start = pos;
    if (start >= 1 && (text[start - 1] == 'd' || text[start - 1] == 't')) --start;
    if (start == 0 || text[start - 1] != '\\') continue;
    --start;
    std::string a, b;
    size_t mid = 0, end = 0;
    if (!brace_group(text, pos + 4, &a, &mid) || !brace_group(text, mid, &b, &end)) continue;
    std::string replacement = simple_operand(a) && simple_operand(b) ? trim(a) + "/" + trim(b)
                                                                     : "(" + a + ")/(" + b + ")";
    text.replace(start, end - start, replacement);
    pos = start;
  }
  return text;
}

// "**" markdown bold markers, except between two word characters ("2**10"
// is a power).
std::string strip_bold(std::string text) {
  auto word = [](char c) { return is_alpha(c) || is_digit(c) || c == '_' || c == ')'; };
  for (size_t pos = text.find("**"); pos != std::string::npos; pos = text.find("**", pos)) {
    bool inner = pos > 0 && pos + 2 < text.size() && word(text[pos - 1]) && word(text[pos + 2]);
    if (inner) {
      pos += 2;
      continue;
    }
    text.erase(pos, 2);
  }
  return text;
}

// A text wrapped in math delimiters ($...$, $$...$$, \(...\), \[...\]),
// trailing punctuation aside, unwrapped.
std::string strip_math_delimiters(std::string text) {
  size_t core_end = text.size();
  while (core_end > 0 && (text[core_end - 1] == '.' || text[core_end - 1] == ',' || text[core_end - 1] == ';' ||
                          text[core_end - 1] == '!' || is_space(text[core_end - 1])))
    --core_end;
  std::string core = text.substr(0, core_end), tail = text.substr(core_end);
  static constexpr std::pair<std::string_view, std::string_view> kDelimiters[] = {
      {"$$", "$$"}, {"\\(", "\\)"}, {"\\[", "\\]"}, {"$", "$"}};
  for (auto [open, close] : kDelimiters) {
    if (core.size() >= open.size() + close.size() + 1 && core.starts_with(open) && core.ends_with(close)) {
      std::string inner = core.substr(open.size(), core.size() - open.size() - close.size());
      if (open == "$" && inner.find('$') != std::string::npos) break;  // "$5 and $6": currency
      return trim(inner) + tail;
    }
  }
  return text;
}

// What an answer's text says once markdown and LaTeX dressing is off.
std::string clean_candidate(const std::string& text) {
  return trim(rewrite_fracs(strip_math_delimiters(trim(strip_bold(text)))));
}

// Parenthesis depth 0 at `pos` (depth counted from the start of its line).
bool outside_parentheses(std::string_view s, size_t pos) {
  size_t begin = pos == 0 ? 0 : s.rfind('\n', pos - 1);
  begin = begin == std::string_view::npos ? 0 : begin + 1;
  int depth = 0;
  for (size_t k = begin; k < pos; ++k) {
    if (s[k] == '(') ++depth;
    else if (s[k] == ')' && depth > 0) --depth;
  }
  return depth == 0;
}

// The numbers of `s` outside parentheses, or all of them when none is.
std::vector<NumberInText> preferred_numbers(std::string_view s, std::vector<NumberInText> numbers) {
  std::vector<NumberInText> outside;
  for (const NumberInText& n : numbers)
    if (outside_parentheses(s, n.pos)) outside.push_back(n);
  return outside.empty() ? numbers : outside;
}

}  // namespace

std::string normalize_answer(std::string_view text) {
  std::string collapsed;
  collapsed.reserve(text.size());
  bool space = false;
  for (char c : text) {
    if (is_space(c)) {
      space = true;
      continue;
    }
    if (space && !collapsed.empty()) collapsed += ' ';
    space = false;
    collapsed += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  bool changed = true;
  while (changed) {
    changed = false;
    while (strip_one_leading(collapsed)) changed = true;
    while (strip_one_trailing(collapsed)) changed = true;
  }
  // "42.0" -> "42", "42.000" -> "42"; "1.05" and "x.0" stay.
  size_t dot = collapsed.rfind('.');
  if (dot != std::string::npos && dot > 0 && dot + 1 < collapsed.size() && is_digit(collapsed[dot - 1]) &&
      collapsed.find_first_not_of('0', dot + 1) == std::string::npos)
    collapsed.resize(dot);
  return collapsed;
}

bool answers_equal(std::string_view a, std::string_view b) { return normalize_answer(a) == normalize_answer(b); }

std::vector<NumberInText> find_numbers(std::string_view s) {
  std::vector<NumberInText> out;
  size_t i = 0;
  while (i < s.size()) {
    size_t sign_len = sign_at(s, i);
    bool starts = false;
    if (sign_len > 0) {
      size_t k = i + sign_len;
      starts = sign_allowed(s, i) && !after_caret(s, i) && k < s.size() &&
               (is_digit(s[k]) || (s[k] == '.' && k + 1 < s.size() && is_digit(s[k + 1])));
    } else if (is_digit(s[i]) || (s[i] == '.' && i + 1 < s.size() && is_digit(s[i + 1]))) {
      starts = !blocked_before(s, i);
      if (!starts && is_digit(s[i])) {
        // Inside a word or an identifier ("x2", "v1.2.3"): skip the run.
        while (i < s.size() && (is_digit(s[i]) || is_alpha(s[i]) || s[i] == '_' || s[i] == '.')) ++i;
        continue;
      }
    }
    NumberInText n;
    if (starts) {
      if (size_t len = number_at(s, i, &n)) {
        out.push_back(std::move(n));
        i += len;
        continue;
      }
    }
    i += sign_len > 0 ? sign_len : 1;
  }
  return out;
}

std::optional<double> parse_number(std::string_view text) {
  std::string norm = normalize_answer(text);
  if (norm.starts_with('+')) norm.erase(0, 1);
  // a^b with integer literals, as the whole text: "10^6", "2^{10}", "10^{-3}".
  if (size_t caret = norm.find('^'); caret != std::string::npos && caret > 0) {
    std::string base = norm.substr(0, caret), exp = norm.substr(caret + 1);
    if (exp.size() >= 2 && exp.front() == '{' && exp.back() == '}') exp = exp.substr(1, exp.size() - 2);
    auto integer = [](const std::string& t) {
      size_t k = (t.starts_with('-')) ? 1 : 0;
      return t.size() > k && t.size() - k <= 4 && digits_at(t, k) == t.size() - k;
    };
    if (integer(base) && integer(exp)) {
      double v = std::pow(std::strtod(base.c_str(), nullptr), std::strtod(exp.c_str(), nullptr));
      if (std::isfinite(v)) return v;
    }
    return std::nullopt;
  }
  std::vector<NumberInText> numbers = find_numbers(norm);
  if (numbers.size() != 1 || numbers[0].pos != 0 || numbers[0].text.size() != norm.size()) return std::nullopt;
  return numbers[0].value;
}

std::vector<FencedBlock> fenced_blocks(std::string_view text) {
  std::vector<FencedBlock> out;
  std::optional<FencedBlock> open;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view line = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    std::string stripped = trim(line);
    if (stripped.starts_with("```")) {
      if (open) {
        out.push_back(std::move(*open));
        open.reset();
      } else {
        FencedBlock block;
        std::string info = trim(std::string_view(stripped).substr(3));
        size_t end = info.find_first_of(" \t{");
        block.language = lower_ascii(info.substr(0, end));
        open = std::move(block);
      }
    } else if (open) {
      open->content += std::string(line) + "\n";
    }
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
  }
  if (open) out.push_back(std::move(*open));
  return out;
}

std::vector<AnswerCandidate> answer_candidates(std::string_view answer) {
  std::vector<AnswerCandidate> out;
  auto add = [&out](const char* source, const std::optional<std::string>& text) {
    if (!text || text->empty()) return;
    for (const AnswerCandidate& c : out)
      if (c.text == *text) return;
    out.push_back({source, *text});
  };
  auto cleaned = [](const std::optional<std::string>& text) -> std::optional<std::string> {
    if (!text) return std::nullopt;
    return clean_candidate(*text);
  };
  // An explicit answer is the answer: when the model marked one, the rest
  // of its text (a check, a "not 3", an intermediate `7 * 6 = 42`) is not
  // searched.
  add("boxed", cleaned(boxed_answer(answer)));
  add("marker", chevron_answer(answer));
  add("marked", cleaned(marked_answer(answer)));
  if (!out.empty()) return out;
  std::vector<FencedBlock> blocks = fenced_blocks(answer);
  if (!blocks.empty()) add("fenced", trim(blocks.back().content));
  add("inline_code", inline_code_answer(answer));
  add("last_line", cleaned(last_line(answer)));
  std::string whole = clean_candidate(trim(answer));
  add("whole", whole);
  std::vector<NumberInText> numbers = preferred_numbers(whole, find_numbers(whole));
  if (!numbers.empty()) add("last_number", numbers.back().text);
  return out;
}

std::vector<NumberCandidate> number_candidates(const std::vector<AnswerCandidate>& candidates) {
  std::vector<NumberCandidate> out;
  auto add = [&out](const std::string& source, const NumberInText& n) {
    for (const NumberCandidate& c : out)
      if (c.number.value == n.value) return;
    out.push_back({source, n});
  };
  for (const AnswerCandidate& c : candidates) {
    if (std::optional<double> v = parse_number(c.text)) {
      add(c.source, NumberInText{*v, c.text, 0});
      continue;
    }
    if (c.source == "whole") continue;  // its last number is the last_number candidate
    std::vector<NumberInText> numbers = find_numbers(c.text);
    if (numbers.empty()) continue;
    if (c.source == "last_line") {
      // A closing sentence: numbers in parentheses are asides ("5 apples
      // left (8 - 3)"); the answer is its last number ("... is 42.") or its
      // first ("$224,916.00 after 10 years").
      numbers = preferred_numbers(c.text, std::move(numbers));
      add(c.source, numbers.back());
      add(c.source, numbers.front());
      continue;
    }
    add(c.source, numbers.front());
  }
  return out;
}

bool within_tolerance(double value, double expected, double abs_tol, double rel_tol) {
  if (std::isnan(value) || std::isnan(expected)) return false;
  if (value == expected) return true;
  double diff = std::fabs(value - expected);
  // Tolerances are written in decimals that binary doubles round: |31116.04
  // - 31116.03| is 0.010000000002 in doubles. A slack relative to the
  // operands' magnitude keeps the edge inclusive.
  double slack = 1e-9 * std::max(std::fabs(value), std::fabs(expected));
  return diff <= abs_tol + slack || diff <= rel_tol * std::fabs(expected) + slack;
}

}  // namespace agentcoder::evaluation
