// Small text helpers shared by the parsers and the scorer.
#pragma once

#include <string>
#include <string_view>

namespace agentcoder {

// Without leading and trailing ASCII whitespace (space, \t, \n, \r, \f, \v).
std::string trim(std::string_view s);

}  // namespace agentcoder
