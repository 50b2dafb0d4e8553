// Program output is bytes; records are JSON, which must be valid UTF-8
// (nlohmann::json throws on dump() otherwise). Invalid sequences become
// U+FFFD, as Python's errors="replace" does.
#pragma once

#include <cstdint>
#include <string>

namespace agentcoder::tools {

std::string to_valid_utf8(const std::string& bytes);

}  // namespace agentcoder::tools
