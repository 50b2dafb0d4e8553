// Fitting text for the model into a character budget.
//
// Long tool output is cut in the middle: the head shows what happened
// first and the tail holds what usually matters most (a traceback's last
// line, a final result). The cut is marked with how much was left out, so
// the model knows it did not see everything. Budgets count bytes, and a cut
// never splits a UTF-8 character.
#pragma once

#include <cstddef>
#include <string>

namespace agentcoder::tools {

// `text` itself if it fits in max_chars, otherwise head + marker + tail with
// a total length of at most max_chars (for max_chars >= 64; smaller budgets
// keep only the head). max_chars == 0 means no limit.
std::string truncate_middle(const std::string& text, size_t max_chars);

// The first max_chars of `text`, cut at a word boundary where one is near,
// with "..." appended if anything was cut; the result is at most max_chars.
std::string truncate_end(const std::string& text, size_t max_chars);

}  // namespace agentcoder::tools
