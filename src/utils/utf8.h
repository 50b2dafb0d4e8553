// UTF-8 hygiene. Model output and program output are bytes: a reply cut at
// max_tokens can end inside a character, a program can print anything. JSON
// records (nlohmann throws on dump()) and Python's sqlite3 (pandas refuses a
// TEXT value that is not UTF-8) need valid text, so what the tools and the
// store keep goes through valid_utf8() first. Ill-formed bytes become U+FFFD,
// one per byte, as Python's errors="replace" does.
#pragma once

#include <string>
#include <string_view>

namespace agentcoder {

// True when `text` is well-formed UTF-8 (no overlongs, surrogates or code
// points above U+10FFFF).
bool is_valid_utf8(std::string_view text);

// `text` with every ill-formed sequence replaced by U+FFFD; valid text comes
// back unchanged.
std::string valid_utf8(std::string_view text);

}  // namespace agentcoder
