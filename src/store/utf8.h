// UTF-8 hygiene for what the store writes. Model output can end in the
// middle of a multi-byte character (a reply cut at max_tokens), and Python's
// sqlite3 (pandas) refuses to read a TEXT value that is not UTF-8, so every
// text the store writes goes through valid_utf8() first.
#pragma once

#include <string>
#include <string_view>

namespace agentcoder::store {

// True when `text` is well-formed UTF-8 (no overlongs, surrogates or code
// points above U+10FFFF).
bool is_valid_utf8(std::string_view text);

// `text` with every ill-formed sequence replaced by U+FFFD; valid text comes
// back unchanged.
std::string valid_utf8(std::string_view text);

}  // namespace agentcoder::store
